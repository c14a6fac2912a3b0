// MAPPO baseline (paper Section VI.A.2, ref. [41]; Yu et al. 2022): on-policy PPO with one
// actor shared by all agents (agent id in the input), a centralized value function over the
// joint observation (also shared, agent id in the input), GAE, the clipped surrogate objective,
// value clipping and an entropy bonus. The discrete head is categorical; the continuous head
// is a Gaussian with a state-independent log std (the sample is clipped to [-1, 1] by the
// environment's action mapping; its log-probability uses the unclipped sample).
//
// The harness (train/onPolicy.ts) rolls out one episode in each of E parallel environments with
// sample(); update() then does, on that rollout:
//   1. GAE advantages per environment and agent, returns = advantages + values;
//   2. advantage normalization over the whole rollout;
//   3. several epochs of shuffled minibatch PPO steps of actor and critic.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { RandomStream } from '../random/stream.ts';
import { MlpSnapshot } from '../nn/inference.ts';
import { minimizeStacked } from '../nn/optim.ts';
import { StackedMlp } from '../nn/stackedMlp.ts';
import type { AlgorithmModule } from './catalog.ts';
import { actionLayout, hiddenSizes, learnerStreams, type ActionLayout, type LearnerStreams } from './common.ts';
import type { LearnerSpaces, OnPolicyLearner, PolicySample, Rollout, UpdateStats } from './contract.ts';
import { onPolicySchema } from './hyperparameters.ts';

export const MappoConfigSchema = onPolicySchema({
  gaeLambda: z.number().min(0).max(1).default(0.95).describe('GAE lambda (MAPPO: 0.95)'),
  lr: z.number().positive().default(5e-4).describe('Adam learning rate of actor and critic (MAPPO: 5e-4)'),
  clip: z.number().positive().default(0.2).describe('PPO clipping epsilon (MAPPO: 0.2)'),
  valueClip: z.number().positive().default(0.2).describe('value clipping range (MAPPO: 0.2)'),
  valueCoef: z.number().min(0).default(1).describe('value loss coefficient (MAPPO: 1)'),
  entropyCoef: z.number().min(0).default(0.01).describe('entropy bonus coefficient (MAPPO: 0.01)'),
  epochs: z.number().int().min(1).default(5).describe('PPO epochs per iteration (MAPPO: 5-15)'),
  minibatches: z.number().int().min(1).default(2).describe('minibatches per epoch (MAPPO: 1 for most tasks)'),
  initialLogStd: z.number().default(-0.5).describe('initial log std of the Gaussian head (CleanRL PPO-continuous: 0)'),
});
export type MappoConfig = z.infer<typeof MappoConfigSchema>;

let instanceCounter = 0;

/** The clipped surrogate (to maximize) per sample: min(r A, clip(r, 1 - eps, 1 + eps) A). */
export function clippedSurrogate(ratio: tf.Tensor, advantages: tf.Tensor, clip: number): tf.Tensor {
  return tf.minimum(tf.mul(ratio, advantages), tf.mul(tf.clipByValue(ratio, 1 - clip, 1 + clip), advantages));
}

/** Clipped value loss per sample: max((V - R)^2, (V_old + clip(V - V_old) - R)^2) / 2. */
export function clippedValueLoss(values: tf.Tensor, oldValues: tf.Tensor, returns: tf.Tensor, clip: number): tf.Tensor {
  const clipped = tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -clip, clip));
  return tf.mul(0.5, tf.maximum(tf.square(tf.sub(values, returns)), tf.square(tf.sub(clipped, returns))));
}

/**
 * Generalized advantage estimation over one trajectory: rewards[t], values[t], dones[t]
 * (1 when the episode ends after step t, so nothing is bootstrapped past it), lastValue = V(s_T).
 */
export function gae(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  dones: ArrayLike<number>,
  lastValue: number,
  gamma: number,
  lambda: number,
): { advantages: Float64Array; returns: Float64Array } {
  const T = rewards.length;
  const advantages = new Float64Array(T);
  let next = 0;
  for (let t = T - 1; t >= 0; t--) {
    const nextValue = t === T - 1 ? lastValue : values[t + 1]!;
    const notDone = 1 - dones[t]!;
    const delta = rewards[t]! + gamma * nextValue * notDone - values[t]!;
    next = delta + gamma * lambda * notDone * next;
    advantages[t] = next;
  }
  const returns = Float64Array.from(advantages, (a, t) => a + values[t]!);
  return { advantages, returns };
}

export class MappoAgent implements OnPolicyLearner {
  readonly kind = 'on-policy';
  readonly diagnosticNames: readonly string[] = [];
  readonly config: MappoConfig;
  readonly agents: number;
  readonly obsDim: number;
  readonly layout: ActionLayout;
  /** per agent in a sample's `stored`: the choice index (when there is a discrete part), then the Gaussian sample */
  readonly storedWidth: number;
  readonly actor: StackedMlp;
  readonly critic: StackedMlp;
  /** state-independent log std of the Gaussian head, [1, 1, continuous] */
  readonly logStd: tf.Variable;
  readonly optimizer: tf.Optimizer;
  private readonly policyRng: RandomStream;
  /** shuffles minibatches */
  private readonly learnerRng: RandomStream;
  private weightsVersion = 0;
  private snapshotVersion = -1;
  private snapshot: MlpSnapshot | null = null;
  private logStdValues: Float32Array;

  constructor(config: MappoConfig, spaces: LearnerSpaces, streams: LearnerStreams) {
    this.config = config;
    this.agents = spaces.agents;
    this.obsDim = spaces.observationSize;
    this.layout = actionLayout(spaces, 'mappo');
    this.storedWidth = (this.layout.choices > 0 ? 1 : 0) + this.layout.continuous;
    this.policyRng = streams.policy;
    this.learnerRng = streams.learner;
    const { agents, obsDim, layout } = this;
    const id = `mappo${instanceCounter++}`;
    const hidden = hiddenSizes(config);
    this.actor = new StackedMlp({ groups: 1, sizes: [obsDim + agents, ...hidden, layout.width], activation: config.activation, name: `${id}/actor` }, streams.init);
    this.critic = new StackedMlp({ groups: 1, sizes: [agents * obsDim + agents, ...hidden, 1], activation: config.activation, name: `${id}/critic` }, streams.init);
    this.logStd = tf.variable(tf.fill([1, 1, layout.continuous], config.initialLogStd), true, `${id}/logStd`);
    this.logStdValues = new Float32Array(layout.continuous);
    this.optimizer = tf.train.adam(config.lr);
  }

  get variables(): tf.Variable[] {
    return [...this.actor.variables, ...this.critic.variables, this.logStd];
  }

  get optimizers(): tf.Optimizer[] {
    return [this.optimizer];
  }

  /** Actor input rows: own observation and the agent one-hot, [N * (obsDim + N)]. */
  private actorInput(obs: Float32Array): Float32Array {
    const n = this.agents;
    const width = this.obsDim + n;
    const input = new Float32Array(n * width);
    for (let i = 0; i < n; i++) {
      input.set(obs.subarray(i * this.obsDim, (i + 1) * this.obsDim), i * width);
      input[i * width + this.obsDim + i] = 1;
    }
    return input;
  }

  /** Critic input rows: the joint observation and the agent one-hot, [N * (N obsDim + N)]. */
  criticInput(obs: Float32Array): Float32Array {
    const n = this.agents;
    const width = n * this.obsDim + n;
    const input = new Float32Array(n * width);
    for (let i = 0; i < n; i++) {
      input.set(obs, i * width);
      input[i * width + n * this.obsDim + i] = 1;
    }
    return input;
  }

  private refresh(): MlpSnapshot {
    if (!this.snapshot || this.snapshotVersion !== this.weightsVersion) {
      this.snapshot ??= new MlpSnapshot(this.actor);
      this.snapshot.refresh(this.actor);
      this.logStdValues = Float32Array.from(this.logStd.dataSync());
      this.snapshotVersion = this.weightsVersion;
    }
    return this.snapshot;
  }

  /**
   * The joint action: sampled (explore; the choice by inverse CDF from the last choice down, the
   * Gaussian around its mean) or greedy (argmax choice, the Gaussian's mean). Returns the raw
   * action for the environment and, for training, the choice index, the unclipped Gaussian
   * sample and the log-probability of both.
   */
  private draw(obs: Float32Array, explore: boolean): { raw: Float32Array; stored: Float32Array; logProb: Float32Array } {
    const n = this.agents;
    const { choices, continuous: dims, width } = this.layout;
    const out = new Float32Array(n * width);
    this.refresh().forward(this.actorInput(obs), n, this.obsDim + n, null, out);
    const raw = new Float32Array(n * width);
    const storedWidth = this.storedWidth;
    const stored = new Float32Array(n * storedWidth);
    const logProb = new Float32Array(n);
    const rng = this.policyRng;
    for (let i = 0; i < n; i++) {
      const o = i * width;
      let lp = 0;
      if (choices > 0) {
        let max = -Infinity;
        for (let c = 0; c < choices; c++) max = Math.max(max, out[o + c]!);
        let sum = 0;
        for (let c = 0; c < choices; c++) sum += Math.exp(out[o + c]! - max);
        const logZ = max + Math.log(sum);
        let choice = 0;
        if (explore) {
          const u = rng.uniform();
          let cumulative = 0;
          for (let c = choices - 1; c >= 0; c--) {
            cumulative += Math.exp(out[o + c]! - logZ);
            if (u < cumulative || c === 0) {
              choice = c;
              break;
            }
          }
        } else {
          for (let c = 1; c < choices; c++) if (out[o + c]! > out[o + choice]!) choice = c;
        }
        stored[i * storedWidth] = choice;
        lp = out[o + choice]! - logZ;
        raw[o + choice] = 1;
      }
      const g = storedWidth - dims;
      for (let c = 0; c < dims; c++) {
        const mean = out[o + choices + c]!;
        const logStd = this.logStdValues[c]!;
        const z = explore ? rng.normal() : 0;
        const value = mean + Math.exp(logStd) * z;
        stored[i * storedWidth + g + c] = value;
        lp += -0.5 * z * z - logStd - 0.5 * Math.log(2 * Math.PI);
        raw[o + choices + c] = Math.max(-1, Math.min(1, value));
      }
      logProb[i] = lp;
    }
    return { raw, stored, logProb };
  }

  sample(obs: Float32Array): PolicySample {
    return { ...this.draw(obs, true), value: this.values(obs) };
  }

  act(obs: Float32Array, explore: boolean): Float32Array {
    return this.draw(obs, explore).raw;
  }

  /** V(s) for every agent of one step. */
  values(obs: Float32Array): Float32Array {
    const n = this.agents;
    const width = n * this.obsDim + n;
    return tf.tidy(() => this.critic.apply(tf.tensor3d(this.criticInput(obs), [1, n, width])).dataSync() as Float32Array).slice();
  }

  /** One PPO minibatch step on flattened samples; returns the loss parts. */
  updateMinibatch(mb: {
    actorInput: Float32Array;
    criticInput: Float32Array;
    choice: Int32Array;
    gaussian: Float32Array;
    oldLogProb: Float32Array;
    advantages: Float32Array;
    returns: Float32Array;
    oldValues: Float32Array;
  }): { policyLoss: number; valueLoss: number; entropy: number } {
    const c = this.config;
    const rows = mb.oldLogProb.length;
    const n = this.agents;
    const { choices, continuous: dims, width } = this.layout;
    let policyLoss = 0;
    let valueLoss = 0;
    let entropy = 0;
    tf.tidy(() => {
      const actorIn = tf.tensor3d(mb.actorInput, [1, rows, this.obsDim + n]);
      const criticIn = tf.tensor3d(mb.criticInput, [1, rows, n * this.obsDim + n]);
      const choice = choices > 0 ? tf.oneHot(tf.tensor1d(mb.choice, 'int32'), choices).toFloat() : null;
      const gaussian = tf.tensor2d(mb.gaussian, [rows, dims]);
      const oldLogProb = tf.tensor1d(mb.oldLogProb);
      const advantages = tf.tensor1d(mb.advantages);
      const returns = tf.tensor1d(mb.returns);
      const oldValues = tf.tensor1d(mb.oldValues);
      minimizeStacked(
        this.optimizer,
        this.variables,
        1,
        () => {
          const out = tf.reshape(this.actor.apply(actorIn, { inputIsData: true }), [rows, width]);
          const mean = tf.slice(out, [0, choices], [rows, dims]);
          const logStd = tf.reshape(this.logStd, [1, dims]);
          const z = tf.div(tf.sub(gaussian, mean), tf.exp(logStd));
          const logProbGaussian = tf.sum(tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), 0.5 * Math.log(2 * Math.PI)), 1);
          const logProbsDiscrete = choices > 0 ? tf.logSoftmax(tf.slice(out, [0, 0], [rows, choices])) : null;
          const logProb = logProbsDiscrete && choice ? tf.add(tf.sum(tf.mul(logProbsDiscrete, choice), 1), logProbGaussian) : logProbGaussian;
          const ratio = tf.exp(tf.sub(logProb, oldLogProb));
          const surrogate = tf.mean(clippedSurrogate(ratio, advantages, c.clip));
          const values = tf.reshape(this.critic.apply(criticIn, { inputIsData: true }), [rows]);
          const vLoss = tf.mean(clippedValueLoss(values, oldValues, returns, c.valueClip));
          // entropy: categorical + Gaussian (0.5 + 0.5 ln(2 pi) + log std per dimension)
          const entropyGaussian = tf.sum(tf.add(logStd, 0.5 + 0.5 * Math.log(2 * Math.PI)));
          const ent = logProbsDiscrete ? tf.add(tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logProbsDiscrete), logProbsDiscrete), 1))), entropyGaussian) : entropyGaussian;
          policyLoss = -surrogate.dataSync()[0]!;
          valueLoss = vLoss.dataSync()[0]!;
          entropy = ent.dataSync()[0]!;
          return tf.add(tf.sub(tf.neg(surrogate), tf.mul(c.entropyCoef, ent)), tf.mul(c.valueCoef, vLoss)) as tf.Scalar;
        },
        c.gradientClip,
      );
    });
    this.weightsVersion++;
    return { policyLoss, valueLoss, entropy };
  }

  /**
   * The PPO update on one rollout of whole episodes (phases 1-3 above). Rewards are scaled by
   * rewardScale here; a time limit bootstraps from the value after it.
   */
  update(rollout: Rollout): UpdateStats & { updates: number } {
    const c = this.config;
    const n = this.agents;
    const obsDim = this.obsDim;
    const { envs: E, steps: T } = rollout;
    const rows = E * T * n;
    const storedWidth = this.storedWidth;
    const dims = this.layout.continuous;
    const discrete = this.layout.choices > 0;
    // inputs of every sample: own observation + agent one-hot (actor), joint observation + one-hot (critic)
    const actorInputs = new Float32Array(rows * (obsDim + n));
    const criticInputs = new Float32Array(rows * (n * obsDim + n));
    const choices = new Int32Array(rows);
    const gaussians = new Float32Array(rows * dims);
    const rewards = new Float32Array(rows);
    for (let step = 0; step < E * T; step++) {
      const jointObs = rollout.observations.subarray(step * n * obsDim, (step + 1) * n * obsDim);
      for (let i = 0; i < n; i++) {
        const row = step * n + i;
        actorInputs.set(jointObs.subarray(i * obsDim, (i + 1) * obsDim), row * (obsDim + n));
        actorInputs[row * (obsDim + n) + obsDim + i] = 1;
        criticInputs.set(jointObs, row * (n * obsDim + n));
        criticInputs[row * (n * obsDim + n) + n * obsDim + i] = 1;
        if (discrete) choices[row] = rollout.stored[row * storedWidth]!;
        gaussians.set(rollout.stored.subarray(row * storedWidth + storedWidth - dims, (row + 1) * storedWidth), row * dims);
        rewards[row] = rollout.rewards[row]! * c.rewardScale;
      }
    }
    // 1. GAE per environment and agent. A terminal step bootstraps nothing; a truncated one (the
    //    time limit at the episode's end) bootstraps from the value of the observation after the
    //    cut: its reward gets gamma V(s') added and the trace stops there.
    const advantages = new Float32Array(rows);
    const returns = new Float32Array(rows);
    const dones = new Float64Array(T);
    for (let e = 0; e < E; e++) {
      for (let i = 0; i < n; i++) {
        const r = new Float64Array(T);
        const v = new Float64Array(T);
        for (let t = 0; t < T; t++) {
          const row = (e * T + t) * n + i;
          const truncated = rollout.truncations[row]! === 1 && rollout.terminations[row]! === 0;
          r[t] = rewards[row]! + (truncated ? c.gamma * rollout.truncationValues[row]! : 0);
          v[t] = rollout.values[row]!;
          dones[t] = rollout.terminations[row]! || rollout.truncations[row]! ? 1 : 0;
        }
        const g = gae(r, v, dones, 0, c.gamma, c.gaeLambda);
        for (let t = 0; t < T; t++) {
          advantages[(e * T + t) * n + i] = g.advantages[t]!;
          returns[(e * T + t) * n + i] = g.returns[t]!;
        }
      }
    }
    // 2. advantage normalization over the whole rollout
    let mean = 0;
    for (const a of advantages) mean += a;
    mean /= rows;
    let variance = 0;
    for (const a of advantages) variance += (a - mean) ** 2;
    const std = Math.sqrt(variance / rows) + 1e-8;
    for (let k = 0; k < rows; k++) advantages[k] = (advantages[k]! - mean) / std;
    // 3. PPO epochs over shuffled minibatches
    let policyLoss = 0,
      valueLoss = 0,
      updates = 0;
    const order = Array.from({ length: rows }, (_, k) => k);
    const size = Math.ceil(rows / c.minibatches);
    for (let epoch = 0; epoch < c.epochs; epoch++) {
      this.learnerRng.shuffle(order);
      for (let m = 0; m < c.minibatches; m++) {
        const idx = order.slice(m * size, Math.min(rows, (m + 1) * size));
        const pick = (src: Float32Array, width: number) => {
          const out = new Float32Array(idx.length * width);
          idx.forEach((k, j) => out.set(src.subarray(k * width, (k + 1) * width), j * width));
          return out;
        };
        const stats = this.updateMinibatch({
          actorInput: pick(actorInputs, obsDim + n),
          criticInput: pick(criticInputs, n * obsDim + n),
          choice: Int32Array.from(idx, (k) => choices[k]!),
          gaussian: pick(gaussians, dims),
          oldLogProb: pick(rollout.logProbs, 1),
          advantages: pick(advantages, 1),
          returns: pick(returns, 1),
          oldValues: pick(rollout.values, 1),
        });
        policyLoss += stats.policyLoss;
        valueLoss += stats.valueLoss;
        updates++;
      }
    }
    return { criticLoss: valueLoss / updates, actorLoss: policyLoss / updates, meanQ: Number.NaN, updates };
  }

  weightsChanged(): void {
    this.weightsVersion++;
  }

  slotDiagnostics(): Record<string, number> {
    return {};
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.optimizer.dispose();
  }
}

export const algorithm: AlgorithmModule = {
  schema: MappoConfigSchema,
  create: (hp, spaces, streams) => new MappoAgent(MappoConfigSchema.parse(hp), spaces, learnerStreams(streams)),
};
