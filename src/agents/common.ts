// Pieces every replay-based learner shares: the minibatch as tensors laid out per agent, and
// turning offloading logits plus continuous values into the simulator's raw hybrid action.
import * as tf from '@tensorflow/tfjs';
import type { RandomStream } from '../random/stream.ts';
import { gumbelNoise } from '../nn/gumbel.ts';
import { MlpSnapshot } from '../nn/inference.ts';
import type { StackedMlp } from '../nn/stackedMlp.ts';
import type { ReplayBatch } from './replay.ts';

/** Offloading logits (2) + continuous (lambda, power, bandwidth) (3). */
export const ACTION_DIM = 5;
export const CONTINUOUS_DIM = 3;

/** A minibatch of joint transitions as tensors, per agent first. Create inside tf.tidy. */
export interface BatchTensors {
  B: number;
  /** [N, B, obsDim] */
  obs: tf.Tensor3D;
  nextObs: tf.Tensor3D;
  /** [N, B, 5]: one-hot offloading + continuous, as stored */
  actions: tf.Tensor3D;
  /** [N, B, 1] */
  rewards: tf.Tensor3D;
  /** [1, B, 1]: 1 - done */
  notDone: tf.Tensor3D;
  /** [1, B, 1]: importance-sampling weights */
  weights: tf.Tensor3D;
  /** [B, N obsDim], [B, N obsDim], [B, N 5]: joint views for centralized critics */
  jointObs: tf.Tensor2D;
  jointNextObs: tf.Tensor2D;
  jointActions: tf.Tensor2D;
}

export function batchTensors(batch: ReplayBatch, agents: number, obsDim: number, rewardScale: number): BatchTensors {
  const B = batch.dones.length;
  const n = agents;
  const obsBN = tf.tensor3d(batch.obs, [B, n, obsDim]);
  const nextObsBN = tf.tensor3d(batch.nextObs, [B, n, obsDim]);
  const actionsBN = tf.tensor3d(batch.actions, [B, n, ACTION_DIM]);
  return {
    B,
    obs: tf.transpose(obsBN, [1, 0, 2]) as tf.Tensor3D,
    nextObs: tf.transpose(nextObsBN, [1, 0, 2]) as tf.Tensor3D,
    actions: tf.transpose(actionsBN, [1, 0, 2]) as tf.Tensor3D,
    rewards: tf.mul(tf.reshape(tf.transpose(tf.tensor2d(batch.rewards, [B, n])), [n, B, 1]), rewardScale) as tf.Tensor3D,
    notDone: tf.reshape(tf.sub(1, tf.tensor1d(batch.dones)), [1, B, 1]) as tf.Tensor3D,
    weights: tf.reshape(tf.tensor1d(batch.weights), [1, B, 1]) as tf.Tensor3D,
    jointObs: tf.reshape(obsBN, [B, n * obsDim]) as tf.Tensor2D,
    jointNextObs: tf.reshape(nextObsBN, [B, n * obsDim]) as tf.Tensor2D,
    jointActions: tf.reshape(actionsBN, [B, n * ACTION_DIM]) as tf.Tensor2D,
  };
}

/** Per-agent actions [N, B, 5] -> the joint action [B, N 5] each centralized critic sees. */
export function jointFromPerAgent(actions: tf.Tensor3D): tf.Tensor2D {
  const [n, B, d] = actions.shape;
  return tf.reshape(tf.transpose(actions, [1, 0, 2]), [B, n * d]) as tf.Tensor2D;
}

/**
 * For each critic n, the joint action with agent n's entry replaced by `fresh[n]` and the others
 * from `buffer` (MADDPG's actor update): [N, B, N 5].
 */
export function replaceOwnAction(fresh: tf.Tensor3D, buffer: tf.Tensor3D): tf.Tensor3D {
  const [n, B] = fresh.shape;
  const eye = tf.reshape(tf.eye(n), [n, 1, n, 1]);
  const bufferBN = tf.reshape(tf.transpose(buffer, [1, 0, 2]), [1, B, n, ACTION_DIM]);
  const mixed = tf.add(tf.mul(eye, tf.reshape(fresh, [n, B, 1, ACTION_DIM])), tf.mul(tf.sub(1, eye), bufferBN));
  return tf.reshape(mixed, [n, B, n * ACTION_DIM]) as tf.Tensor3D;
}

/** Tiles a joint tensor [B, D] to [N, B, D] (the same input for every agent's critic). */
export function tileForAgents(joint: tf.Tensor2D, agents: number): tf.Tensor3D {
  const [B, D] = joint.shape;
  return tf.tile(tf.reshape(joint, [1, B, D]), [agents, 1, 1]) as tf.Tensor3D;
}

/**
 * Raw hybrid actions [N * 5] for the simulator from per-agent logits [N * 2] and continuous
 * values [N * 3] already in [-1, 1]. explore: Gumbel-max sampled offloading (a sample of
 * softmax(logits / temperature)) and Gaussian noise of std `noiseStd` on the continuous part.
 */
export function rawActions(
  agents: number, logits: ArrayLike<number>, continuous: ArrayLike<number>, explore: boolean, rng: RandomStream,
  options: { temperature: number; noiseStd: number },
): Float32Array {
  const out = new Float32Array(agents * ACTION_DIM);
  for (let i = 0; i < agents; i++) {
    let local = logits[i * 2]!;
    let offload = logits[i * 2 + 1]!;
    if (explore) {
      const [gLocal, gOffload] = gumbelNoise(rng, 2);
      local = local / options.temperature + gLocal!;
      offload = offload / options.temperature + gOffload!;
    }
    const o = i * ACTION_DIM;
    out[o] = offload > local ? 0 : 1;
    out[o + 1] = offload > local ? 1 : 0;
    for (let c = 0; c < CONTINUOUS_DIM; c++) {
      let value = continuous[i * CONTINUOUS_DIM + c]!;
      if (explore && options.noiseStd > 0) value += options.noiseStd * rng.normal();
      out[o + 2 + c] = Math.max(-1, Math.min(1, value));
    }
  }
  return out;
}

/** A plain-arithmetic copy of a network for acting, refreshed when `changed()` was called since. */
export class ActingSnapshot {
  private snapshot: MlpSnapshot | null = null;
  private version = 0;
  private seen = -1;

  constructor(private readonly net: StackedMlp) {}

  /** The weights changed (an update, a checkpoint restore). */
  changed(): void {
    this.version++;
  }

  get(): MlpSnapshot {
    if (!this.snapshot || this.seen !== this.version) {
      this.snapshot ??= new MlpSnapshot(this.net);
      this.snapshot.refresh(this.net);
      this.seen = this.version;
    }
    return this.snapshot;
  }
}

/** A deterministic actor's heads on [N, B, obsDim]: offloading logits and tanh continuous values. */
export function deterministicPolicy(net: StackedMlp, obs: tf.Tensor3D): { logits: tf.Tensor3D; continuous: tf.Tensor3D } {
  const out = net.apply(obs);
  const [n, B] = [obs.shape[0], obs.shape[1]];
  return { logits: tf.slice(out, [0, 0, 0], [n, B, 2]), continuous: tf.tanh(tf.slice(out, [0, 0, 2], [n, B, CONTINUOUS_DIM])) as tf.Tensor3D };
}

/** Acting with a deterministic actor (DDPG, MADDPG-RA): the same heads in plain arithmetic. */
export function actDeterministic(
  snapshot: MlpSnapshot, obs: Float32Array, agents: number, obsDim: number, explore: boolean, rng: RandomStream,
  options: { temperature: number; noiseStd: number },
): Float32Array {
  const out = new Float32Array(agents * ACTION_DIM);
  snapshot.forward(obs, agents, obsDim, null, out);
  const logits = new Float32Array(agents * 2);
  const continuous = new Float32Array(agents * CONTINUOUS_DIM);
  for (let i = 0; i < agents; i++) {
    logits[i * 2] = out[i * ACTION_DIM]!;
    logits[i * 2 + 1] = out[i * ACTION_DIM + 1]!;
    for (let c = 0; c < CONTINUOUS_DIM; c++) continuous[i * CONTINUOUS_DIM + c] = Math.tanh(out[i * ACTION_DIM + 2 + c]!);
  }
  return rawActions(agents, logits, continuous, explore, rng, options);
}

/** Reads and disposes the |TD error| tensor a critic step kept. */
export function readTdErrors(td: tf.Tensor | null): Float32Array {
  if (!td) throw new Error('the critic step did not record TD errors');
  const values = Float32Array.from(td.dataSync());
  td.dispose();
  return values;
}
