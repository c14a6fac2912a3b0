// DMADRL: diffusion-based multi-agent deep reinforcement learning (paper Section V, Algorithm 1).
//
// One agent per vehicle. Each actor is a DDPM reverse process whose noise network
// eps(x_k, k, o_n) denoises x_K ~ N(0, I) in K steps into x_0: the choice's logits (two
// offloading logits in SVEC) and the continuous values (lambda, power, bandwidth weight), bounded
// to [-1, 1] by tanh (actionBound; the paper's clip saturates). Each agent has a centralized
// critic Q_n(O, A) over all observations and actions (CTDE), with target actors and critics,
// soft updates, and one replay memory D shared by all agents (eqs. 36–39).
//
// All N actors (and critics) are held as stacked weights and run in one batched op per layer.
//
// Phases of one update round (shared minibatch for all agents):
//   1. sample B joint transitions from D;
//   2. target: A' from the N target actors on O' (greedy offloading), y_n = r_n + gamma (1 - d) Q'_n(O', A');
//   3. critic step: minimize sum_n mean_b (Q_n(O, A) - y_n)^2 (eq. 37);
//   4. actor step: a_n from actor n on o_n, gradients through all K denoising steps, the choice
//      in expectation over its softmax (discreteGradient; or the paper's straight-through
//      Gumbel-softmax); the other agents' actions from D; maximize sum_n mean_b Q_n(O, A with a_n)
//      (eq. 36);
//   5. soft target updates with rate tau (eq. 39).
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { reverseChain, reverseChainArrays, sinusoidalTable, vpSchedule, type DiffusionSchedule } from '../nn/diffusion.ts';
import { chainInputCopies, copyKernelsInstalled } from '../nn/copyKernels.ts';
import { MlpSnapshot } from '../nn/inference.ts';
import { minimizeStacked } from '../nn/optim.ts';
import { gumbelNoise, gumbelSoftmaxStraightThrough } from '../nn/gumbel.ts';
import { StackedMlp, type MlpUse } from '../nn/stackedMlp.ts';
import type { RandomStream } from '../random/stream.ts';
import type { AlgorithmModule } from './catalog.ts';
import {
  actionLayout,
  batchTensors,
  centralizedCriticInput,
  ChoiceEpsilonSchema,
  DiscreteGradientSchema,
  expectedOverChoices,
  hiddenSizes,
  jointFromPerAgent,
  learnerStreams,
  rawActions,
  readTdErrors,
  type ActionLayout,
  type LearnerStreams,
} from './common.ts';
import type { LearnerSpaces, OffPolicyLearner, UpdateStats } from './contract.ts';
import { offPolicySchema } from './hyperparameters.ts';
import type { ReplayBatch } from './replay.ts';

export const DmadrlConfigSchema = offPolicySchema({
  denoisingSteps: z.number().int().min(1).max(100).default(7).describe('K, denoising steps of the reverse process (paper: 7)'),
  betaMin: z.number().positive().default(0.1).describe('beta_min of the VP noise schedule'),
  betaMax: z.number().positive().default(10).describe('beta_max of the VP noise schedule'),
  denoisedBound: z
    .enum(['tanh', 'clip', 'none'])
    .default('tanh')
    .describe(
      "how each denoising step bounds its predicted x_0 to [-1, 1]: 'tanh' (a gradient everywhere, so interior optima stay reachable; the choice's logits are read back through atanh), 'clip' (Diffusion-QL's and the paper's reading: no gradient where it clips, and logits within [-1, 1]), 'none' (the noise form of eq. 26, actions clipped at the end)",
    ),
  discreteGradient: DiscreteGradientSchema,
  choiceEpsilon: ChoiceEpsilonSchema,
  timeEmbeddingDim: z.number().int().min(4).multipleOf(2).default(16).describe('size of the sinusoidal embedding of the step k'),
  tau: z.number().gt(0).max(1).default(0.001).describe('soft target update rate (Table II)'),
  actorLr: z.number().positive().default(1e-4).describe('Adam learning rate of the actors (paper: 1e-4)'),
  criticLr: z.number().positive().default(1e-3).describe('Adam learning rate of the critics (paper: 1e-3)'),
  batchSize: z.number().int().min(1).default(64).describe('B, minibatch of joint transitions per update'),
  gumbelTemperature: z.number().positive().default(1).describe('temperature of the Gumbel-softmax for the discrete choice (offloading)'),
  explorationStd: z.number().min(0).default(0.1).describe('std of Gaussian noise added to the continuous actions while training'),
  parameterSharing: z.boolean().default(false).describe('one actor and one critic for all agents (agent id appended to inputs)'),
});

export type DmadrlConfig = z.infer<typeof DmadrlConfigSchema>;

let instanceCounter = 0;

/** atanh's argument is kept within +-LOGIT_EDGE: logits within +-7.25, probabilities up to 1 - 1e-6. */
const LOGIT_EDGE = 1 - 2e-6;

export class DmadrlAgent implements OffPolicyLearner {
  readonly kind = 'off-policy';
  /** boundShare: share of continuous actions at their bounds (|a| >= 0.99); boundShareStepK..1: the same for each step's predicted x_0 */
  readonly diagnosticNames: readonly string[];
  readonly config: DmadrlConfig;
  readonly agents: number;
  readonly obsDim: number;
  /** x_0 = [discrete scores, continuous values]: the environment's action layout */
  readonly layout: ActionLayout;
  readonly schedule: DiffusionSchedule;
  readonly actor: StackedMlp;
  readonly targetActor: StackedMlp;
  readonly critic: StackedMlp;
  readonly targetCritic: StackedMlp;
  readonly actorOptimizer: tf.Optimizer;
  readonly criticOptimizer: tf.Optimizer;
  private readonly timeEmbedding: Float32Array;
  private readonly groups: number;
  /** init: weights; policy: chain, Gumbel and exploration noise when acting; learner: noise inside updates */
  private readonly streams: LearnerStreams;
  /** the last act()'s diagnostics (see diagnosticNames) */
  private lastDiagnostics: Record<string, number> = {};
  /** bumped by every update, so the acting snapshot knows when to refresh */
  private weightsVersion = 0;
  private snapshotVersion = -1;
  private actorSnapshot: MlpSnapshot | null = null;
  private embeddingOffsets: Float64Array[] = [];

  constructor(config: DmadrlConfig, spaces: LearnerSpaces, streams: LearnerStreams) {
    this.config = config;
    this.agents = spaces.agents;
    this.obsDim = spaces.observationSize;
    this.layout = actionLayout(spaces, 'dmadrl');
    this.streams = streams;
    const { agents, obsDim } = this;
    const width = this.layout.width;
    this.schedule = vpSchedule(config.denoisingSteps, config.betaMin, config.betaMax);
    this.diagnosticNames = ['boundShare', ...Array.from({ length: config.denoisingSteps }, (_, j) => `boundShareStep${config.denoisingSteps - j}`)];
    this.timeEmbedding = sinusoidalTable(config.denoisingSteps, config.timeEmbeddingDim);
    this.groups = config.parameterSharing ? 1 : agents;
    const id = `dmadrl${instanceCounter++}`;
    const hidden = hiddenSizes(config);
    const agentId = config.parameterSharing ? agents : 0;
    const actorSizes = [width + config.timeEmbeddingDim + obsDim + agentId, ...hidden, width];
    const criticSizes = [agents * (obsDim + width) + agentId, ...hidden, 1];
    const mlp = (name: string, sizes: number[]) => new StackedMlp({ groups: this.groups, sizes, activation: config.activation, name: `${id}/${name}` }, streams.init);
    this.actor = mlp('actor', actorSizes);
    this.targetActor = mlp('targetActor', actorSizes);
    this.critic = mlp('critic', criticSizes);
    this.targetCritic = mlp('targetCritic', criticSizes);
    this.actor.copyTo(this.targetActor);
    this.critic.copyTo(this.targetCritic);
    this.actorOptimizer = tf.train.adam(config.actorLr);
    this.criticOptimizer = tf.train.adam(config.criticLr);
  }

  /** Every variable whose value a checkpoint must keep, in a fixed order. */
  get variables(): tf.Variable[] {
    return [...this.actor.variables, ...this.targetActor.variables, ...this.critic.variables, ...this.targetCritic.variables];
  }

  private normals(rng: RandomStream, size: number): Float32Array {
    const out = new Float32Array(size);
    rng.fillNormalFast(out);
    return out;
  }

  /** Agent one-hots [N, rows, N] appended to inputs when parameters are shared. */
  private withAgentIds(x: tf.Tensor3D): tf.Tensor3D {
    if (!this.config.parameterSharing) return x;
    const [n, rows] = [x.shape[0], x.shape[1]];
    const ids = tf.tile(tf.reshape(tf.eye(n), [n, 1, n]), [1, rows, 1]);
    return tf.concat([x, ids], 2) as tf.Tensor3D;
  }

  /** Runs a group-stacked MLP on per-agent inputs [N, rows, d] (`use`: the gradients not needed). */
  private applyStacked(net: StackedMlp, x: tf.Tensor3D, use: MlpUse = {}): tf.Tensor3D {
    const input = this.withAgentIds(x);
    if (!this.config.parameterSharing) return net.apply(input, use);
    const [n, rows, d] = input.shape;
    const out = net.apply(tf.reshape(input, [1, n * rows, d]) as tf.Tensor3D, use);
    return tf.reshape(out, [n, rows, out.shape[2]]) as tf.Tensor3D;
  }

  /**
   * The reverse process of `net` for every agent: obs [N, rows, obsDim] -> x_0 [N, rows, width]
   * (unclipped). Noise comes from `rng`, so runs are reproducible.
   */
  private denoise(net: StackedMlp, obs: tf.Tensor3D, rng: RandomStream): tf.Tensor3D {
    const [n, rows] = [obs.shape[0], obs.shape[1]];
    const shape: [number, number, number] = [n, rows, this.layout.width];
    const size = n * rows * this.layout.width;
    const K = this.schedule.K;
    const xK = tf.tensor3d(this.normals(rng, size), shape);
    const noise = Array.from({ length: K - 1 }, () => tf.tensor3d(this.normals(rng, size), shape));
    const dim = this.config.timeEmbeddingDim;
    // [x_k | the step's embedding | obs] per row: copies in one kernel where they are installed
    const copies = tf.getBackend() === 'wasm' && copyKernelsInstalled() && obs.dtype === 'float32';
    const epsNet = (x: tf.Tensor3D, k: number) => {
      const row = this.timeEmbedding.subarray((k - 1) * dim, k * dim);
      if (copies && x.dtype === 'float32') return this.applyStacked(net, chainInputCopies(x, row, obs));
      const embedding = tf.tile(tf.tensor3d(row, [1, 1, dim]), [n, rows, 1]);
      return this.applyStacked(net, tf.concat([x, embedding, obs], 2) as tf.Tensor3D);
    };
    return reverseChain(this.schedule, epsNet, xK, noise, this.config.denoisedBound);
  }

  /** The chain's x_0 (already within [-1, 1] unless denoisedBound is 'none') -> a continuous action. */
  private action(x: number): number {
    return Math.max(-1, Math.min(1, x));
  }

  /** The chain's x_0 -> the choice's logits: under tanh, the pre-squash value of the last step (atanh). */
  private logit(x: number): number {
    return this.config.denoisedBound === 'tanh' ? Math.atanh(Math.max(-LOGIT_EDGE, Math.min(LOGIT_EDGE, x))) : x;
  }

  private logitTensor(x: tf.Tensor3D): tf.Tensor3D {
    return (this.config.denoisedBound === 'tanh' ? tf.atanh(tf.clipByValue(x, -LOGIT_EDGE, LOGIT_EDGE)) : x) as tf.Tensor3D;
  }

  /**
   * Chooses every agent's action for one step. obs: [N * obsDim]. Returns the raw action
   * [N * width] = [one-hot choice, continuous values], which is also what replay stores.
   * explore: the stochastic reverse chain, a Gumbel-max sampled choice (the logits unclipped)
   * and Gaussian noise on the continuous part. Greedy: deterministic, the chain's mean path from
   * x_K = 0 with no noise added, and the argmax choice.
   */
  act(obs: Float32Array, explore: boolean): Float32Array {
    const n = this.agents;
    const { choices, continuous: dims, width } = this.layout;
    const x0 = this.denoiseForActing(obs, explore);
    const logits = new Float32Array(n * choices);
    const continuous = new Float32Array(n * dims);
    let atBound = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < choices; c++) logits[i * choices + c] = this.logit(x0[i * width + c]!);
      for (let c = 0; c < dims; c++) {
        const value = this.action(x0[i * width + choices + c]!);
        if (Math.abs(value) >= 0.99) atBound++;
        continuous[i * dims + c] = value;
      }
    }
    this.lastDiagnostics.boundShare = dims > 0 ? atBound / (n * dims) : 0;
    return rawActions(this.layout, n, logits, continuous, explore, this.streams.policy, {
      temperature: this.config.gumbelTemperature,
      noiseStd: this.config.explorationStd,
      choiceEpsilon: this.config.choiceEpsilon,
    });
  }

  /**
   * The actor's reverse chain for one row per agent, in plain arithmetic on a snapshot of the
   * weights (nn/inference.ts): the same function as denoise(), without TF.js's per-op overhead.
   * It draws the same noise, in the same order, as denoise() would.
   */
  private denoiseForActing(obs: Float32Array, explore: boolean): Float32Array {
    const n = this.agents;
    const K = this.schedule.K;
    const dim = this.config.timeEmbeddingDim;
    if (!this.actorSnapshot || this.snapshotVersion !== this.weightsVersion) {
      this.actorSnapshot ??= new MlpSnapshot(this.actor);
      this.actorSnapshot.refresh(this.actor);
      this.snapshotVersion = this.weightsVersion;
      // The step embedding's share of the first layer depends only on the weights and k.
      const hiddenWidth = this.actorSnapshot.sizes[1]!;
      const embeddingInput = new Float32Array(n * dim);
      this.embeddingOffsets = Array.from({ length: K }, (_, k) => {
        for (let i = 0; i < n; i++) embeddingInput.set(this.timeEmbedding.subarray(k * dim, (k + 1) * dim), i * dim);
        const offsets = new Float64Array(n * hiddenWidth);
        this.actorSnapshot!.firstLayerPartial(embeddingInput, n, this.layout.width, this.layout.width + dim, offsets);
        return offsets;
      });
    }
    const snapshot = this.actorSnapshot;
    const width = this.layout.width;
    const size = n * width;
    // exploring: x_K and every step's noise from the policy stream; greedy: x_K = 0, no noise
    const rng = this.streams.policy;
    const x = explore ? this.normals(rng, size) : new Float32Array(size);
    const noise = Array.from({ length: K - 1 }, () => (explore ? this.normals(rng, size) : null));
    const ids = this.config.parameterSharing ? n : 0;
    const hidden = snapshot.sizes[1]!;
    // Fold the inputs that stay fixed along the chain into first-layer offsets: the
    // observation (and agent id) once per slot, the step embedding once per step.
    const constWidth = this.obsDim + ids;
    const constInput = new Float32Array(n * constWidth);
    for (let i = 0; i < n; i++) {
      constInput.set(obs.subarray(i * this.obsDim, (i + 1) * this.obsDim), i * constWidth);
      if (ids > 0) constInput[i * constWidth + this.obsDim + i] = 1;
    }
    const obsOffset = new Float64Array(n * hidden);
    snapshot.firstLayerPartial(constInput, n, width + dim, width + dim + constWidth, obsOffset);
    const offset = new Float64Array(n * hidden);
    const eps = new Float32Array(size);
    const embeddingOffsets = this.embeddingOffsets;
    const epsNet = (xk: Float32Array, k: number) => {
      const embeddingOffset = embeddingOffsets[k - 1]!;
      for (let j = 0; j < offset.length; j++) offset[j] = obsOffset[j]! + embeddingOffset[j]!;
      snapshot.forward(xk, n, width, offset, eps);
      return eps;
    };
    // diagnostic: share of each step's predicted x_0 (continuous part) that the bound saturates
    const { choices, continuous: dims } = this.layout;
    const onStep = (k: number, xk: Float32Array, e: Float32Array) => {
      const abar = this.schedule.alphaBars[k - 1]!;
      const c0 = Math.sqrt(1 - abar);
      const inv = 1 / Math.sqrt(abar);
      let saturated = 0;
      for (let i = 0; i < n; i++) {
        for (let c = choices; c < width; c++) {
          const predicted = (xk[i * width + c]! - c0 * e[i * width + c]!) * inv;
          if (Math.abs(this.config.denoisedBound === 'tanh' ? Math.tanh(predicted) : predicted) >= 0.99) saturated++;
        }
      }
      this.lastDiagnostics[`boundShareStep${k}`] = dims > 0 ? saturated / (n * dims) : 0;
    };
    return reverseChainArrays(this.schedule, epsNet, x, noise, this.config.denoisedBound, onStep);
  }

  /** The TF.js reverse chain for one row per agent (what training differentiates); for tests. */
  denoiseWithTf(obs: Float32Array, rng: RandomStream): Float32Array {
    return tf.tidy(() => this.denoise(this.actor, tf.tensor3d(obs, [this.agents, 1, this.obsDim]), rng).dataSync() as Float32Array);
  }

  /** The plain-arithmetic chain acting uses (exploring: noise from the policy stream); for tests. */
  denoiseArrays(obs: Float32Array, explore: boolean): Float32Array {
    return this.denoiseForActing(obs, explore).slice();
  }

  /** The chain's output for batch observations [N, B, obsDim]: choice logits and bounded continuous actions. */
  private policyParts(net: StackedMlp, obs: tf.Tensor3D, rng: RandomStream): { logits: tf.Tensor3D; continuous: tf.Tensor3D } {
    const x0 = this.denoise(net, obs, rng);
    const { choices, continuous: dims } = this.layout;
    const [n, rows] = [obs.shape[0], obs.shape[1]];
    const continuous = tf.slice(x0, [0, 0, choices], [n, rows, dims]);
    return {
      logits: this.logitTensor(tf.slice(x0, [0, 0, 0], [n, rows, choices])),
      continuous: (this.config.denoisedBound === 'none' ? tf.clipByValue(continuous, -1, 1) : continuous) as tf.Tensor3D,
    };
  }

  /** The target actors' actions [N, B, width]: argmax choice (one-hot) and bounded continuous values. */
  private targetActions(obs: tf.Tensor3D, rng: RandomStream): tf.Tensor3D {
    const { logits, continuous } = this.policyParts(this.targetActor, obs, rng);
    if (this.layout.choices === 0) return continuous;
    return tf.concat([tf.oneHot(tf.argMax(logits, -1), this.layout.choices).toFloat(), continuous], 2) as tf.Tensor3D;
  }

  /** One update round of all agents on a minibatch (phases 2–5 above). */
  update(batch: ReplayBatch): UpdateStats & { tdErrors: Float32Array } {
    const { agents: n, config } = this;
    const rng = this.streams.learner;
    return tf.tidy(() => {
      const t = batchTensors(batch, n, this.obsDim, this.layout.width, config.rewardScale);

      // Phase 2: targets y_n = r_n + gamma (1 - d) Q'_n(O', A'), A' from the target actors (greedy offloading).
      const nextActions = this.targetActions(t.nextObs, rng);
      const qNext = this.applyStacked(this.targetCritic, centralizedCriticInput(t.jointNextObs, jointFromPerAgent(nextActions), n));
      const targets = tf.add(t.rewards, tf.mul(tf.mul(t.notDone, config.gamma), qNext));

      // Phase 3: critic step (eq. 37), importance-weighted when replay is prioritized.
      const inputNow = centralizedCriticInput(t.jointObs, t.jointActions, n);
      let tdErrors: tf.Tensor | null = null;
      const criticLoss = this.minimize(this.criticOptimizer, this.critic, () => {
        const td = tf.sub(this.applyStacked(this.critic, inputNow, { inputIsData: true }), targets);
        tdErrors = tf.keep(tf.mean(tf.abs(td), [0, 2]));
        return tf.sum(tf.mean(tf.mul(t.weights, tf.square(td)), [1, 2])) as tf.Scalar;
      });

      // Phase 4: actor step (eq. 36): critic n sees agent n's fresh action (gradients through all
      // K denoising steps; the choice in expectation over its softmax, or through a
      // straight-through Gumbel-softmax sample) and the others' from D.
      let meanQ = 0;
      const actorLoss = this.minimize(this.actorOptimizer, this.actor, () => {
        const { logits, continuous } = this.policyParts(this.actor, t.obs, rng);
        // the critics are not trained here: no gradient w.r.t. their weights (frozen)
        const qOf = (fresh: tf.Tensor3D) => this.applyStacked(this.critic, centralizedCriticInput(t.jointObs, t.jointActions, n, fresh), { frozen: true });
        let q: tf.Tensor3D;
        const [n, B] = [t.obs.shape[0], t.B];
        if (this.layout.choices === 0) q = qOf(continuous);
        else if (config.discreteGradient === 'expected') q = expectedOverChoices(logits, continuous, qOf);
        else {
          const sample = gumbelSoftmaxStraightThrough(logits, tf.tensor3d(gumbelNoise(rng, n * B * this.layout.choices), [n, B, this.layout.choices]), config.gumbelTemperature);
          q = qOf(tf.concat([sample, continuous], 2) as tf.Tensor3D);
        }
        const perAgent = tf.mean(q, [1, 2]);
        meanQ = tf.mean(perAgent).dataSync()[0]!;
        return tf.neg(tf.sum(perAgent)) as tf.Scalar;
      });

      // Phase 5: soft target updates (eq. 39).
      this.actor.softUpdate(this.targetActor, config.tau);
      this.critic.softUpdate(this.targetCritic, config.tau);
      this.weightsVersion++;
      return { criticLoss, actorLoss, meanQ, tdErrors: readTdErrors(tdErrors) };
    });
  }

  /** One optimizer step over a stacked network, gradient norm clipped per agent. */
  private minimize(optimizer: tf.Optimizer, net: StackedMlp, loss: () => tf.Scalar): number {
    return minimizeStacked(optimizer, net.variables, net.spec.groups, loss, this.config.gradientClip);
  }

  get optimizers(): tf.Optimizer[] {
    return [this.actorOptimizer, this.criticOptimizer];
  }

  get batchSize(): number {
    return this.config.batchSize;
  }

  /** Call after the variables were assigned from outside (checkpoint restore). */
  weightsChanged(): void {
    this.weightsVersion++;
  }

  slotDiagnostics(): Record<string, number> {
    return this.lastDiagnostics;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
  }
}

export const algorithm: AlgorithmModule = {
  schema: DmadrlConfigSchema,
  create: (hp, spaces, streams) => new DmadrlAgent(DmadrlConfigSchema.parse(hp), spaces, learnerStreams(streams)),
};
