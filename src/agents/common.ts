// Pieces every learner shares: the action layout it reads from the environment's declared
// spaces, the minibatch as tensors laid out per agent, and turning discrete scores plus
// continuous values into the environment's raw action.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { RandomStream, RandomStreams } from '../random/stream.ts';
import { gumbelNoise } from '../nn/gumbel.ts';
import { MlpSnapshot } from '../nn/inference.ts';
import { copyKernelsInstalled, criticInputCopies } from '../nn/copyKernels.ts';
import type { StackedMlp } from '../nn/stackedMlp.ts';
import type { LearnerSpaces } from './contract.ts';
import type { ReplayBatch } from './replay.ts';

/**
 * One agent's action as learners see it: `choices` scores of the one discrete component (0 when
 * the environment has none), then `continuous` values in [-1, 1]; `width` numbers in all.
 */
export interface ActionLayout {
  choices: number;
  continuous: number;
  width: number;
}

/** The layout of an environment's action space; the learners support at most one discrete component. */
export function actionLayout(spaces: LearnerSpaces, algorithm: string): ActionLayout {
  const { discrete, continuous } = spaces.action;
  if (discrete.length > 1) {
    throw new Error(`${algorithm}: the environment declares ${discrete.length} discrete action components; svec's learners support at most one`);
  }
  const choices = discrete[0] ?? 0;
  return { choices, continuous, width: choices + continuous };
}

/** Hidden layer sizes from the shared hyperparameters. */
export function hiddenSizes(config: { hiddenLayers: number; hiddenSize: number }): number[] {
  return Array.from({ length: config.hiddenLayers }, () => config.hiddenSize);
}

/** The streams a learner draws from: weights, acting noise, and noise inside updates. */
export interface LearnerStreams {
  init: RandomStream;
  policy: RandomStream;
  learner: RandomStream;
}

export function learnerStreams(streams: RandomStreams): LearnerStreams {
  return { init: streams.get('init'), policy: streams.get('policy'), learner: streams.get('learner') };
}

/** A minibatch of joint transitions as tensors, per agent first. Create inside tf.tidy. */
export interface BatchTensors {
  B: number;
  /** [N, B, obsDim] */
  obs: tf.Tensor3D;
  nextObs: tf.Tensor3D;
  /** [N, B, width]: one-hot choice + continuous, as stored */
  actions: tf.Tensor3D;
  /** [N, B, 1] */
  rewards: tf.Tensor3D;
  /** [N, B, 1]: 1 - done */
  notDone: tf.Tensor3D;
  /** [1, B, 1]: importance-sampling weights */
  weights: tf.Tensor3D;
  /** [B, N obsDim], [B, N obsDim], [B, N width]: joint views for centralized critics */
  jointObs: tf.Tensor2D;
  jointNextObs: tf.Tensor2D;
  jointActions: tf.Tensor2D;
}

export function batchTensors(batch: ReplayBatch, agents: number, obsDim: number, actionWidth: number, rewardScale: number): BatchTensors {
  const B = batch.weights.length;
  const n = agents;
  const obsBN = tf.tensor3d(batch.obs, [B, n, obsDim]);
  const nextObsBN = tf.tensor3d(batch.nextObs, [B, n, obsDim]);
  const actionsBN = tf.tensor3d(batch.actions, [B, n, actionWidth]);
  return {
    B,
    obs: tf.transpose(obsBN, [1, 0, 2]) as tf.Tensor3D,
    nextObs: tf.transpose(nextObsBN, [1, 0, 2]) as tf.Tensor3D,
    actions: tf.transpose(actionsBN, [1, 0, 2]) as tf.Tensor3D,
    rewards: tf.mul(tf.reshape(tf.transpose(tf.tensor2d(batch.rewards, [B, n])), [n, B, 1]), rewardScale) as tf.Tensor3D,
    notDone: tf.reshape(tf.transpose(tf.sub(1, tf.tensor2d(batch.dones, [B, n]))), [n, B, 1]) as tf.Tensor3D,
    weights: tf.reshape(tf.tensor1d(batch.weights), [1, B, 1]) as tf.Tensor3D,
    jointObs: tf.reshape(obsBN, [B, n * obsDim]) as tf.Tensor2D,
    jointNextObs: tf.reshape(nextObsBN, [B, n * obsDim]) as tf.Tensor2D,
    jointActions: tf.reshape(actionsBN, [B, n * actionWidth]) as tf.Tensor2D,
  };
}

/** Per-agent actions [N, B, w] -> the joint action [B, N w] each centralized critic sees. */
export function jointFromPerAgent(actions: tf.Tensor3D): tf.Tensor2D {
  const [n, B, d] = actions.shape;
  return tf.reshape(tf.transpose(actions, [1, 0, 2]), [B, n * d]) as tf.Tensor2D;
}

/**
 * For each critic n, the joint action with agent n's entry replaced by `fresh[n]` and the others
 * from `buffer` (MADDPG's actor update): [N, B, N w].
 */
export function replaceOwnAction(fresh: tf.Tensor3D, buffer: tf.Tensor3D): tf.Tensor3D {
  const [n, B, width] = fresh.shape;
  const eye = tf.reshape(tf.eye(n), [n, 1, n, 1]);
  const bufferBN = tf.reshape(tf.transpose(buffer, [1, 0, 2]), [1, B, n, width]);
  const mixed = tf.add(tf.mul(eye, tf.reshape(fresh, [n, B, 1, width])), tf.mul(tf.sub(1, eye), bufferBN));
  return tf.reshape(mixed, [n, B, n * width]) as tf.Tensor3D;
}

/**
 * The N centralized critics' input [N, B, N o + N w]: the joint observation [B, N o] and joint
 * action [B, N w] for every critic, and with `fresh` [N, B, w] critic n seeing agent n's fresh
 * action instead of its replayed one (replaceOwnAction; differentiable w.r.t. fresh). On the wasm
 * backend with svec's copy kernels this is copies in one kernel (nn/copyKernels.ts); otherwise
 * the composed tile, concat and mix. The values are the same either way.
 */
export function centralizedCriticInput(jointObs: tf.Tensor2D, jointActions: tf.Tensor2D, agents: number, fresh?: tf.Tensor3D): tf.Tensor3D {
  if (tf.getBackend() === 'wasm' && copyKernelsInstalled() && jointObs.dtype === 'float32' && jointActions.dtype === 'float32') {
    return criticInputCopies(jointObs, jointActions, agents, fresh);
  }
  const [B, columns] = jointActions.shape;
  const actionsPerCritic = fresh
    ? replaceOwnAction(fresh, tf.transpose(tf.reshape(jointActions, [B, agents, columns / agents]), [1, 0, 2]) as tf.Tensor3D)
    : tileForAgents(jointActions, agents);
  return tf.concat([tileForAgents(jointObs, agents), actionsPerCritic], 2) as tf.Tensor3D;
}

/** Tiles a joint tensor [B, D] to [N, B, D] (the same input for every agent's critic). */
export function tileForAgents(joint: tf.Tensor2D, agents: number): tf.Tensor3D {
  const [B, D] = joint.shape;
  return tf.tile(tf.reshape(joint, [1, B, D]), [agents, 1, 1]) as tf.Tensor3D;
}

/** Index of the largest of `count` scores starting at `offset` (ties: the lowest index). */
export function argmaxAt(values: ArrayLike<number>, offset: number, count: number): number {
  let best = 0;
  for (let c = 1; c < count; c++) if (values[offset + c]! > values[offset + best]!) best = c;
  return best;
}

/**
 * Raw actions [N * width] from per-agent scores [N * choices] and continuous values
 * [N * continuous] already in [-1, 1]: the choice as a one-hot, then the continuous values.
 * explore: Gumbel-max sampled choice (a sample of softmax(scores / temperature)), with
 * probability `choiceEpsilon` a uniformly random choice instead, and Gaussian noise of std
 * `noiseStd` on the continuous part.
 */
export function rawActions(
  layout: ActionLayout,
  agents: number,
  scores: ArrayLike<number>,
  continuous: ArrayLike<number>,
  explore: boolean,
  rng: RandomStream,
  options: { temperature: number; noiseStd: number; choiceEpsilon?: number },
): Float32Array {
  const { choices, continuous: dims, width } = layout;
  const out = new Float32Array(agents * width);
  const perturbed = new Float64Array(choices);
  for (let i = 0; i < agents; i++) {
    const o = i * width;
    if (choices > 0) {
      for (let c = 0; c < choices; c++) perturbed[c] = scores[i * choices + c]!;
      if (explore) {
        const g = gumbelNoise(rng, choices);
        for (let c = 0; c < choices; c++) perturbed[c] = perturbed[c]! / options.temperature + g[c]!;
      }
      // epsilon exploration keeps trying every choice once the scores are confident (a choice
      // never taken again is never learned about)
      const epsilon = options.choiceEpsilon ?? 0;
      const uniform = explore && epsilon > 0 && rng.uniform() < epsilon;
      out[o + (uniform ? rng.int(choices) : argmaxAt(perturbed, 0, choices))] = 1;
    }
    for (let c = 0; c < dims; c++) {
      let value = continuous[i * dims + c]!;
      if (explore && options.noiseStd > 0) value += options.noiseStd * rng.normal();
      out[o + choices + c] = Math.max(-1, Math.min(1, value));
    }
  }
  return out;
}

/**
 * What the replay memory stores of a raw action, and what the critics see: the one-hot of the
 * choice the environment took (argmax of the scores) and the continuous values clipped to [-1, 1].
 */
export function storedFromRaw(raw: ArrayLike<number>, agents: number, layout: ActionLayout): Float32Array {
  const { choices, width } = layout;
  const stored = new Float32Array(agents * width);
  for (let i = 0; i < agents; i++) {
    const o = i * width;
    if (choices > 0) stored[o + argmaxAt(raw, o, choices)] = 1;
    for (let c = choices; c < width; c++) stored[o + c] = Math.max(-1, Math.min(1, raw[o + c]!));
  }
  return stored;
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

/** A deterministic actor's heads on [N, B, obsDim]: choice scores and tanh continuous values. */
export function deterministicPolicy(net: StackedMlp, obs: tf.Tensor3D, layout: ActionLayout): { logits: tf.Tensor3D; continuous: tf.Tensor3D } {
  const out = net.apply(obs, { inputIsData: true });
  const [n, B] = [obs.shape[0], obs.shape[1]];
  return {
    logits: tf.slice(out, [0, 0, 0], [n, B, layout.choices]),
    continuous: tf.tanh(tf.slice(out, [0, 0, layout.choices], [n, B, layout.continuous])) as tf.Tensor3D,
  };
}

/** Acting with a deterministic actor (DDPG, MADDPG-RA): the same heads in plain arithmetic. */
export function actDeterministic(
  snapshot: MlpSnapshot,
  layout: ActionLayout,
  obs: Float32Array,
  agents: number,
  obsDim: number,
  explore: boolean,
  rng: RandomStream,
  options: { temperature: number; noiseStd: number; choiceEpsilon?: number },
): Float32Array {
  const { choices, continuous: dims, width } = layout;
  const out = new Float32Array(agents * width);
  snapshot.forward(obs, agents, obsDim, null, out);
  const logits = new Float32Array(agents * choices);
  const continuous = new Float32Array(agents * dims);
  for (let i = 0; i < agents; i++) {
    for (let c = 0; c < choices; c++) logits[i * choices + c] = out[i * width + c]!;
    for (let c = 0; c < dims; c++) continuous[i * dims + c] = Math.tanh(out[i * width + choices + c]!);
  }
  return rawActions(layout, agents, logits, continuous, explore, rng, options);
}

/** Reads and disposes the |TD error| tensor a critic step kept. */
export function readTdErrors(td: tf.Tensor | null): Float32Array {
  if (!td) throw new Error('the critic step did not record TD errors');
  const values = Float32Array.from(td.dataSync());
  td.dispose();
  return values;
}

/**
 * The actor's objective for a hybrid action: the critic's value with the discrete choice taken in
 * expectation, sum_c softmax(logits)_c Q(onehot_c, continuous), whose gradient reaches the
 * logits exactly (as SAC's discrete head), instead of through a straight-through Gumbel-softmax
 * sample. The continuous part's gradient comes from every choice equally, (1/K) sum_c
 * dQ(onehot_c, continuous): weighted by the policy it would vanish for a choice the policy has
 * stopped taking, and the continuous values that choice needs would never be learned (the
 * parameterized-action form of P-DQN, Xiong et al. 2018). The value is the expectation.
 * logits [N, B, K], continuous [N, B, C]; evalQ maps an action [N, B, K + C] to Q [N, B, 1].
 */
/** Identity forward, no gradient backward (TF.js has no stopGradient op). */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as Parameters<
  typeof tf.customGrad
>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

export function expectedOverChoices(logits: tf.Tensor3D, continuous: tf.Tensor3D, evalQ: (action: tf.Tensor3D) => tf.Tensor3D): tf.Tensor3D {
  const [n, B, choices] = logits.shape;
  const probs = tf.softmax(logits);
  let total: tf.Tensor3D | null = null;
  for (let c = 0; c < choices; c++) {
    const oneHot = tf.oneHot(tf.fill([n, B], c, 'int32') as tf.Tensor2D, choices).toFloat() as tf.Tensor3D;
    const q = evalQ(tf.concat([oneHot, continuous], 2) as tf.Tensor3D);
    const held = stopGradient(q);
    // value p_c Q_c; gradient p_c' dQ_c to the logits through p, (1/K) dQ_c to the continuous values
    const term = tf.add(tf.mul(tf.slice(probs, [0, 0, c], [n, B, 1]), held), tf.mul(tf.sub(q, held), 1 / choices)) as tf.Tensor3D;
    total = total ? (tf.add(total, term) as tf.Tensor3D) : term;
  }
  return total!;
}

/** Epsilon exploration of the discrete choice while training (DMADRL, DDPG, MADDPG-RA). */
export const ChoiceEpsilonSchema = z
  .number()
  .min(0)
  .max(1)
  .default(0)
  .describe(
    'while exploring, the probability of a uniformly random discrete choice instead of the Gumbel-max sample (keeps choices a confident actor has stopped taking in the data)',
  );

/** How the actor's gradient reaches the discrete choice (DMADRL, DDPG, MADDPG-RA). */
export const DiscreteGradientSchema = z
  .enum(['expected', 'gumbel-st'])
  .default('expected')
  .describe(
    "the actor's gradient for the discrete choice: 'expected', exactly through sum_c p_c Q(c) as SAC does; 'gumbel-st', through a straight-through Gumbel-softmax sample (the paper's)",
  );
