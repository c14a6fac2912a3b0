// MAPPO baseline (paper Section VI.A.2, ref. [41]; Yu et al. 2022): on-policy PPO with one
// actor shared by all vehicles (agent id in the input), a centralized value function over the
// joint observation (also shared, agent id in the input), GAE, the clipped surrogate objective,
// value clipping and an entropy bonus. The offloading head is categorical; the continuous head
// is a Gaussian with a state-independent log std (the sample is clipped to [-1, 1] by the
// simulator's action mapping; its log-probability uses the unclipped sample).
//
// Training loop (one iteration):
//   1. roll out one episode in each of E parallel environments with the current policy;
//   2. GAE advantages per environment and agent, returns = advantages + values;
//   3. several epochs of minibatch PPO updates of actor and critic;
//   4. per-episode metrics, checkpoints at iteration boundaries (exact resume).
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { Scenario } from '../config/scenario.ts';
import { RandomStreams, deriveSeed, type RandomStream, type StreamName, type StreamState } from '../random/stream.ts';
import { MlpSnapshot } from '../nn/inference.ts';
import { minimizeStacked } from '../nn/optim.ts';
import { StackedMlp } from '../nn/stackedMlp.ts';
import { SvecCore } from '../sim/core.ts';
import { EpisodeAccumulator } from '../sim/episodeStats.ts';
import type { FidelityModel } from '../sim/fidelity.ts';
import { decodeRawActions, observationDim, writeObservations } from '../sim/observation.ts';
import { allocateSlotActions } from '../sim/slotModel.ts';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from '../train/checkpoint.ts';
import { MetricsWriter, type EpisodeMetrics } from '../train/metrics.ts';
import { TrainingDivergedError } from '../train/offPolicy.ts';
import { ACTION_DIM, CONTINUOUS_DIM } from './common.ts';

export const MappoConfigSchema = z.strictObject({
  hiddenSize: z.number().int().min(1).default(64).describe('width of the hidden layers (MAPPO: 64; same as DMADRL)'),
  hiddenLayers: z.number().int().min(1).max(8).default(2).describe('hidden layers of actor and critic'),
  activation: z.enum(['mish', 'relu', 'tanh']).default('relu').describe('hidden activation (MAPPO: relu)'),
  gamma: z.number().min(0).max(1).default(0.99).describe('discount factor (paper, Table II)'),
  gaeLambda: z.number().min(0).max(1).default(0.95).describe('GAE lambda (MAPPO: 0.95)'),
  lr: z.number().positive().default(5e-4).describe('Adam learning rate of actor and critic (MAPPO: 5e-4)'),
  clip: z.number().positive().default(0.2).describe('PPO clipping epsilon (MAPPO: 0.2)'),
  valueClip: z.number().positive().default(0.2).describe('value clipping range (MAPPO: 0.2)'),
  valueCoef: z.number().min(0).default(1).describe('value loss coefficient (MAPPO: 1)'),
  entropyCoef: z.number().min(0).default(0.01).describe('entropy bonus coefficient (MAPPO: 0.01)'),
  epochs: z.number().int().min(1).default(5).describe('PPO epochs per iteration (MAPPO: 5-15)'),
  minibatches: z.number().int().min(1).default(2).describe('minibatches per epoch (MAPPO: 1 for most tasks)'),
  parallelEnvs: z.number().int().min(1).default(4).describe('environments rolled out per iteration, one episode each'),
  initialLogStd: z.number().default(-0.5).describe('initial log std of the Gaussian head (CleanRL PPO-continuous: 0)'),
  rewardScale: z.number().positive().default(0.001).describe('rewards are multiplied by this before learning (as DMADRL)'),
  gradientClip: z.number().min(0).default(10).describe('max gradient norm (MAPPO: 10)'),
  checkpointEvery: z.number().int().min(1).default(10).describe('write a checkpoint every C episodes (rounded up to whole iterations) and at the end'),
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
export function gae(rewards: ArrayLike<number>, values: ArrayLike<number>, dones: ArrayLike<number>, lastValue: number, gamma: number, lambda: number): { advantages: Float64Array; returns: Float64Array } {
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

export class MappoAgent {
  readonly config: MappoConfig;
  readonly agents: number;
  readonly obsDim: number;
  readonly actor: StackedMlp;
  readonly critic: StackedMlp;
  /** state-independent log std of the Gaussian head, [1, 1, 3] */
  readonly logStd: tf.Variable;
  readonly optimizer: tf.Optimizer;
  private readonly policyRng: RandomStream;
  private weightsVersion = 0;
  private snapshotVersion = -1;
  private snapshot: MlpSnapshot | null = null;
  private logStdValues = new Float32Array(CONTINUOUS_DIM);

  constructor(config: MappoConfig, agents: number, obsDim: number, streams: { init: RandomStream; policy: RandomStream }) {
    this.config = config;
    this.agents = agents;
    this.obsDim = obsDim;
    this.policyRng = streams.policy;
    const id = `mappo${instanceCounter++}`;
    const hidden = Array.from({ length: config.hiddenLayers }, () => config.hiddenSize);
    this.actor = new StackedMlp({ groups: 1, sizes: [obsDim + agents, ...hidden, 2 + CONTINUOUS_DIM], activation: config.activation, name: `${id}/actor` }, streams.init);
    this.critic = new StackedMlp({ groups: 1, sizes: [agents * obsDim + agents, ...hidden, 1], activation: config.activation, name: `${id}/critic` }, streams.init);
    this.logStd = tf.variable(tf.fill([1, 1, CONTINUOUS_DIM], config.initialLogStd), true, `${id}/logStd`);
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
   * Samples (explore) or picks greedily the joint action. Returns the raw hybrid action for the
   * simulator and, for training, the chosen offloading index, the unclipped Gaussian sample and
   * the log-probability of both.
   */
  sample(obs: Float32Array, explore: boolean): { raw: Float32Array; choice: Int32Array; gaussian: Float32Array; logProb: Float32Array } {
    const n = this.agents;
    const out = new Float32Array(n * (2 + CONTINUOUS_DIM));
    this.refresh().forward(this.actorInput(obs), n, this.obsDim + n, null, out);
    const raw = new Float32Array(n * ACTION_DIM);
    const choice = new Int32Array(n);
    const gaussian = new Float32Array(n * CONTINUOUS_DIM);
    const logProb = new Float32Array(n);
    const rng = this.policyRng;
    for (let i = 0; i < n; i++) {
      const o = i * (2 + CONTINUOUS_DIM);
      const l0 = out[o]!;
      const l1 = out[o + 1]!;
      const max = Math.max(l0, l1);
      const logZ = max + Math.log(Math.exp(l0 - max) + Math.exp(l1 - max));
      const pOffload = Math.exp(l1 - logZ);
      const offload = explore ? rng.uniform() < pOffload : l1 > l0;
      choice[i] = offload ? 1 : 0;
      let lp = (offload ? l1 : l0) - logZ;
      raw[i * ACTION_DIM] = offload ? 0 : 1;
      raw[i * ACTION_DIM + 1] = offload ? 1 : 0;
      for (let c = 0; c < CONTINUOUS_DIM; c++) {
        const mean = out[o + 2 + c]!;
        const logStd = this.logStdValues[c]!;
        const z = explore ? rng.normal() : 0;
        const value = mean + Math.exp(logStd) * z;
        gaussian[i * CONTINUOUS_DIM + c] = value;
        lp += -0.5 * z * z - logStd - 0.5 * Math.log(2 * Math.PI);
        raw[i * ACTION_DIM + 2 + c] = Math.max(-1, Math.min(1, value));
      }
      logProb[i] = lp;
    }
    return { raw, choice, gaussian, logProb };
  }

  act(obs: Float32Array, explore: boolean): Float32Array {
    return this.sample(obs, explore).raw;
  }

  /** V(s) for every agent of one slot. */
  values(obs: Float32Array): Float32Array {
    const n = this.agents;
    const width = n * this.obsDim + n;
    return tf.tidy(() => this.critic.apply(tf.tensor3d(this.criticInput(obs), [1, n, width])).dataSync() as Float32Array).slice();
  }

  /** One PPO minibatch step on flattened samples; returns the loss parts. */
  updateMinibatch(mb: {
    actorInput: Float32Array; criticInput: Float32Array; choice: Int32Array; gaussian: Float32Array; oldLogProb: Float32Array;
    advantages: Float32Array; returns: Float32Array; oldValues: Float32Array;
  }): { policyLoss: number; valueLoss: number; entropy: number } {
    const c = this.config;
    const rows = mb.choice.length;
    const n = this.agents;
    let policyLoss = 0;
    let valueLoss = 0;
    let entropy = 0;
    tf.tidy(() => {
      const actorIn = tf.tensor3d(mb.actorInput, [1, rows, this.obsDim + n]);
      const criticIn = tf.tensor3d(mb.criticInput, [1, rows, n * this.obsDim + n]);
      const choice = tf.oneHot(tf.tensor1d(mb.choice, 'int32'), 2).toFloat();
      const gaussian = tf.tensor2d(mb.gaussian, [rows, CONTINUOUS_DIM]);
      const oldLogProb = tf.tensor1d(mb.oldLogProb);
      const advantages = tf.tensor1d(mb.advantages);
      const returns = tf.tensor1d(mb.returns);
      const oldValues = tf.tensor1d(mb.oldValues);
      minimizeStacked(this.optimizer, this.variables, 1, () => {
        const out = tf.reshape(this.actor.apply(actorIn), [rows, 2 + CONTINUOUS_DIM]);
        const logits = tf.slice(out, [0, 0], [rows, 2]);
        const mean = tf.slice(out, [0, 2], [rows, CONTINUOUS_DIM]);
        const logStd = tf.reshape(this.logStd, [1, CONTINUOUS_DIM]);
        const logProbsDiscrete = tf.logSoftmax(logits);
        const z = tf.div(tf.sub(gaussian, mean), tf.exp(logStd));
        const logProbGaussian = tf.sum(tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), 0.5 * Math.log(2 * Math.PI)), 1);
        const logProb = tf.add(tf.sum(tf.mul(logProbsDiscrete, choice), 1), logProbGaussian);
        const ratio = tf.exp(tf.sub(logProb, oldLogProb));
        const surrogate = tf.mean(clippedSurrogate(ratio, advantages, c.clip));
        const values = tf.reshape(this.critic.apply(criticIn), [rows]);
        const vLoss = tf.mean(clippedValueLoss(values, oldValues, returns, c.valueClip));
        // entropy: categorical + Gaussian (0.5 + 0.5 ln(2 pi) + log std per dimension)
        const entropyDiscrete = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logProbsDiscrete), logProbsDiscrete), 1)));
        const entropyGaussian = tf.sum(tf.add(logStd, 0.5 + 0.5 * Math.log(2 * Math.PI)));
        const ent = tf.add(entropyDiscrete, entropyGaussian);
        policyLoss = -surrogate.dataSync()[0]!;
        valueLoss = vLoss.dataSync()[0]!;
        entropy = ent.dataSync()[0]!;
        return tf.add(tf.sub(tf.neg(surrogate), tf.mul(c.entropyCoef, ent)), tf.mul(c.valueCoef, vLoss)) as tf.Scalar;
      }, c.gradientClip);
    });
    this.weightsVersion++;
    return { policyLoss, valueLoss, entropy };
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

export interface MappoRunOptions {
  runDir: string;
  scenario: Scenario;
  fidelity: FidelityModel;
  seed: number;
  /** total environment episodes (iterations x parallel environments, rounded up to whole iterations) */
  episodes: number;
  config: MappoConfig;
  resume: boolean;
  onEpisode?: (metrics: EpisodeMetrics, info: { slotsPerSecond: number; updatesPerSecond: number }) => void;
  afterEpisode?: (episode: number) => void;
}

/** Trains (or resumes) MAPPO; returns every episode's metrics. */
export async function trainMappo(options: MappoRunOptions): Promise<EpisodeMetrics[]> {
  const { scenario, config: c, seed } = options;
  const n = scenario.vehicles;
  const obsDim = observationDim(scenario.observation);
  const streams = new RandomStreams(seed);
  const agent = new MappoAgent(c, n, obsDim, { init: streams.get('init'), policy: streams.get('policy') });
  const metrics = new MetricsWriter(options.runDir);
  let episode = 0;
  let totalSlots = 0;
  let totalUpdates = 0;
  if (options.resume) {
    const dir = latestCheckpoint(options.runDir);
    if (dir) {
      const loaded = await loadCheckpoint(dir, agent.variables, agent.optimizers);
      agent.weightsChanged();
      const state = loaded.state as { totalSlots: number; totalUpdates: number; streams: Record<StreamName, StreamState> };
      streams.setState(state.streams);
      totalSlots = state.totalSlots;
      totalUpdates = state.totalUpdates;
      episode = loaded.episode;
    }
  }
  metrics.open(episode);
  const history = metrics.readBack();
  const E = c.parallelEnvs;
  const T = scenario.slotsPerEpisode;
  const cores = Array.from({ length: E }, () => new SvecCore(scenario, { fidelity: options.fidelity }));
  const actions = allocateSlotActions(n);
  const obs = new Float32Array(n * obsDim);
  const accumulators = cores.map(() => new EpisodeAccumulator(n));
  const shuffleRng = streams.get('learner');
  const started = performance.now();
  let slotsThisRun = 0;
  let updatesThisRun = 0;
  const checkpointIterations = Math.max(1, Math.ceil(c.checkpointEvery / E));
  let iteration = Math.floor(episode / E);

  try {
    while (episode < options.episodes) {
      // 1. Roll out one episode in each environment (environment e of this iteration uses episode seed episode + e).
      const rows = E * T * n;
      const actorInputs = new Float32Array(rows * (obsDim + n));
      const criticInputs = new Float32Array(rows * (n * obsDim + n));
      const choices = new Int32Array(rows);
      const gaussians = new Float32Array(rows * CONTINUOUS_DIM);
      const logProbs = new Float32Array(rows);
      const values = new Float32Array(rows);
      const rewards = new Float32Array(rows);
      const episodeStats = [];
      for (let e = 0; e < E; e++) {
        const core = cores[e]!;
        core.reset(deriveSeed(seed, episode + e));
        for (let t = 0; t < T; t++) {
          writeObservations(core, scenario.observation, obs);
          const step = agent.sample(obs, true);
          const v = agent.values(obs);
          const base = (e * T + t) * n;
          for (let i = 0; i < n; i++) {
            const row = base + i;
            actorInputs.set(obs.subarray(i * obsDim, (i + 1) * obsDim), row * (obsDim + n));
            actorInputs[row * (obsDim + n) + obsDim + i] = 1;
            criticInputs.set(obs, row * (n * obsDim + n));
            criticInputs[row * (n * obsDim + n) + n * obsDim + i] = 1;
            choices[row] = step.choice[i]!;
            gaussians.set(step.gaussian.subarray(i * CONTINUOUS_DIM, (i + 1) * CONTINUOUS_DIM), row * CONTINUOUS_DIM);
            logProbs[row] = step.logProb[i]!;
            values[row] = v[i]!;
          }
          decodeRawActions(step.raw, scenario, n, actions);
          accumulators[e]!.beforeStep(core);
          core.step(actions);
          accumulators[e]!.afterStep(core, actions);
          for (let i = 0; i < n; i++) rewards[base + i] = core.out.reward[i]! * c.rewardScale;
          totalSlots++;
          slotsThisRun++;
        }
        episodeStats.push(accumulators[e]!.finish());
      }
      // 2. GAE per environment and agent; the episode ends after T slots (nothing to bootstrap).
      const advantages = new Float32Array(rows);
      const returns = new Float32Array(rows);
      const dones = new Float64Array(T);
      dones[T - 1] = 1;
      for (let e = 0; e < E; e++) {
        for (let i = 0; i < n; i++) {
          const r = new Float64Array(T);
          const v = new Float64Array(T);
          for (let t = 0; t < T; t++) {
            r[t] = rewards[(e * T + t) * n + i]!;
            v[t] = values[(e * T + t) * n + i]!;
          }
          const g = gae(r, v, dones, 0, c.gamma, c.gaeLambda);
          for (let t = 0; t < T; t++) {
            advantages[(e * T + t) * n + i] = g.advantages[t]!;
            returns[(e * T + t) * n + i] = g.returns[t]!;
          }
        }
      }
      // advantage normalization over the whole batch
      let mean = 0;
      for (const a of advantages) mean += a;
      mean /= rows;
      let variance = 0;
      for (const a of advantages) variance += (a - mean) ** 2;
      const std = Math.sqrt(variance / rows) + 1e-8;
      for (let k = 0; k < rows; k++) advantages[k] = (advantages[k]! - mean) / std;
      // 3. PPO epochs over shuffled minibatches
      let policyLoss = 0, valueLoss = 0, updates = 0;
      const order = Array.from({ length: rows }, (_, k) => k);
      const size = Math.ceil(rows / c.minibatches);
      for (let epoch = 0; epoch < c.epochs; epoch++) {
        shuffleRng.shuffle(order);
        for (let m = 0; m < c.minibatches; m++) {
          const idx = order.slice(m * size, Math.min(rows, (m + 1) * size));
          const pick = (src: Float32Array, width: number) => {
            const out = new Float32Array(idx.length * width);
            idx.forEach((k, j) => out.set(src.subarray(k * width, (k + 1) * width), j * width));
            return out;
          };
          const stats = agent.updateMinibatch({
            actorInput: pick(actorInputs, obsDim + n),
            criticInput: pick(criticInputs, n * obsDim + n),
            choice: Int32Array.from(idx, (k) => choices[k]!),
            gaussian: pick(gaussians, CONTINUOUS_DIM),
            oldLogProb: pick(logProbs, 1),
            advantages: pick(advantages, 1),
            returns: pick(returns, 1),
            oldValues: pick(values, 1),
          });
          if (!Number.isFinite(stats.policyLoss) || !Number.isFinite(stats.valueLoss)) {
            throw new TrainingDivergedError(`MAPPO diverged at episode ${episode + 1}: policy loss ${stats.policyLoss}, value loss ${stats.valueLoss}; the last good checkpoint is kept`);
          }
          policyLoss += stats.policyLoss;
          valueLoss += stats.valueLoss;
          updates++;
          totalUpdates++;
          updatesThisRun++;
        }
      }
      // 4. Metrics for each environment episode of this iteration, then a checkpoint.
      const seconds = (performance.now() - started) / 1000;
      for (const stats of episodeStats) {
        if (episode >= options.episodes) break;
        episode++;
        const row: EpisodeMetrics = {
          episode, totalSlots, totalUpdates, ...stats,
          criticLoss: valueLoss / updates, actorLoss: policyLoss / updates, meanQ: Number.NaN, clipShare: Number.NaN,
        };
        metrics.append(row);
        history.push(row);
        options.onEpisode?.(row, { slotsPerSecond: slotsThisRun / seconds, updatesPerSecond: updatesThisRun / seconds });
      }
      iteration++;
      if (iteration % checkpointIterations === 0 || episode >= options.episodes) {
        await saveCheckpoint(options.runDir, episode, {
          state: { totalSlots, totalUpdates, streams: streams.getState() },
          arrays: {},
          variables: agent.variables,
          optimizers: agent.optimizers,
        });
      }
      options.afterEpisode?.(episode);
    }
  } finally {
    metrics.close();
    agent.dispose();
  }
  return history;
}
