// SAC baseline (paper Section VI.A.2, ref. [38]): independent discrete-continuous soft
// actor-critic, one per vehicle (Haarnoja et al. 2018; the hybrid form of Delalleau et al. 2019).
// Policy: a categorical head over the discrete choices ({local, offload} in SVEC) and a
// tanh-squashed Gaussian over the continuous part (lambda, power, bandwidth in SVEC). Twin critics
// Q_i(o, c) output one value per discrete choice (one value when the environment has no discrete
// part, whose terms then vanish).
// Two temperatures, alpha_d and alpha_c, are tuned automatically towards target entropies.
//
// Update round (all N independent agents at once, stacked weights):
//   1. V'(o') = sum_d p'(d) [min_i Q'_i(o', c')_d - alpha_d log p'(d)] - alpha_c log pi(c'|o'),
//      y = r + gamma (1 - done) V'(o');
//   2. critic step on (Q_i(o, c)_d - y)^2 for both critics, d and c from replay;
//   3. actor step on sum_d p(d) [alpha_d log p(d) - min_i Q_i(o, c~)_d] + alpha_c log pi(c~|o);
//   4. temperature steps: loss = log(alpha) (H - H_target) for each part (H detached);
//   5. soft target updates of the critics.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { minimizeStacked } from '../nn/optim.ts';
import { StackedMlp } from '../nn/stackedMlp.ts';
import type { AlgorithmModule } from './catalog.ts';
import { ActingSnapshot, actionLayout, batchTensors, hiddenSizes, learnerStreams, rawActions, readTdErrors, type ActionLayout, type LearnerStreams } from './common.ts';
import type { LearnerSpaces, OffPolicyLearner, UpdateStats } from './contract.ts';
import { offPolicySchema } from './hyperparameters.ts';
import type { ReplayBatch } from './replay.ts';

export const SacConfigSchema = offPolicySchema({
  tau: z.number().gt(0).max(1).default(0.001).describe('soft target update rate of the critics (paper, Table II)'),
  actorLr: z.number().positive().default(1e-4).describe('actor Adam learning rate (paper)'),
  criticLr: z.number().positive().default(1e-3).describe('critic Adam learning rate (paper; CleanRL SAC q_lr 1e-3)'),
  alphaLr: z.number().positive().default(1e-3).describe('temperature Adam learning rate (CleanRL SAC: q_lr)'),
  initialAlpha: z.number().positive().default(0.1).describe('starting value of both temperatures'),
  discreteEntropyTarget: z
    .number()
    .default(0.98 * Math.log(2))
    .describe('target entropy of the discrete head: 0.98 log 2 nats (Christodoulou 2019)'),
  continuousEntropyTarget: z.number().optional().describe('target entropy of the Gaussian head (default: -dim, Haarnoja et al. 2018)'),
  batchSize: z.number().int().min(1).default(64).describe('minibatch of joint transitions (each agent uses its own slice)'),
});
export type SacConfig = z.infer<typeof SacConfigSchema>;

const LOG_STD_MIN = -5;
const LOG_STD_MAX = 2;

let instanceCounter = 0;

/** The temperature loss log(alpha) (H - H_target) for entropies H [N] (no gradient through H). */
export function temperatureLoss(logAlpha: tf.Tensor, entropy: tf.Tensor, target: number): tf.Scalar {
  return tf.sum(tf.mul(logAlpha, tf.sub(entropy, target))) as tf.Scalar;
}

/** log pi of tanh-squashed Gaussian samples: sum over dims of log N(u; mean, std) - log(1 - tanh(u)^2). */
export function squashedGaussianLogProb(u: tf.Tensor, mean: tf.Tensor, logStd: tf.Tensor): tf.Tensor {
  const std = tf.exp(logStd);
  const z = tf.div(tf.sub(u, mean), std);
  const logNormal = tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), 0.5 * Math.log(2 * Math.PI));
  const c = tf.tanh(u);
  const correction = tf.log(tf.add(tf.sub(1, tf.square(c)), 1e-6));
  return tf.sum(tf.sub(logNormal, correction), -1, true);
}

export class SacAgent implements OffPolicyLearner {
  readonly kind = 'off-policy';
  readonly diagnosticNames: readonly string[] = [];
  readonly config: SacConfig;
  readonly agents: number;
  readonly obsDim: number;
  readonly layout: ActionLayout;
  /** discrete scores of the actor and values per critic: the choices, or 1 without a discrete part */
  private readonly heads: number;
  private readonly actorOut: number;
  readonly actor: StackedMlp;
  readonly critic1: StackedMlp;
  readonly critic2: StackedMlp;
  readonly targetCritic1: StackedMlp;
  readonly targetCritic2: StackedMlp;
  /** log temperatures per agent, [N, 1, 1] */
  readonly logAlphaDiscrete: tf.Variable;
  readonly logAlphaContinuous: tf.Variable;
  readonly actorOptimizer: tf.Optimizer;
  readonly criticOptimizer: tf.Optimizer;
  readonly alphaOptimizer: tf.Optimizer;
  private readonly streams: LearnerStreams;
  private readonly acting: ActingSnapshot;

  constructor(config: SacConfig, spaces: LearnerSpaces, streams: LearnerStreams) {
    this.config = config;
    this.agents = spaces.agents;
    this.obsDim = spaces.observationSize;
    this.layout = actionLayout(spaces, 'sac');
    this.heads = Math.max(1, this.layout.choices);
    // actor outputs: discrete scores, Gaussian mean and log std of each continuous component
    this.actorOut = this.heads + 2 * this.layout.continuous;
    this.streams = streams;
    const { agents, obsDim } = this;
    const id = `sac${instanceCounter++}`;
    const hidden = hiddenSizes(config);
    const mlp = (name: string, sizes: number[]) => new StackedMlp({ groups: agents, sizes, activation: config.activation, name: `${id}/${name}` }, streams.init);
    this.actor = mlp('actor', [obsDim, ...hidden, this.actorOut]);
    const criticSizes = [obsDim + this.layout.continuous, ...hidden, this.heads];
    this.critic1 = mlp('critic1', criticSizes);
    this.critic2 = mlp('critic2', criticSizes);
    this.targetCritic1 = mlp('targetCritic1', criticSizes);
    this.targetCritic2 = mlp('targetCritic2', criticSizes);
    this.acting = new ActingSnapshot(this.actor);
    this.critic1.copyTo(this.targetCritic1);
    this.critic2.copyTo(this.targetCritic2);
    const logAlpha = Math.log(config.initialAlpha);
    this.logAlphaDiscrete = tf.variable(tf.fill([agents, 1, 1], logAlpha), true, `${id}/logAlphaDiscrete`);
    this.logAlphaContinuous = tf.variable(tf.fill([agents, 1, 1], logAlpha), true, `${id}/logAlphaContinuous`);
    this.actorOptimizer = tf.train.adam(config.actorLr);
    this.criticOptimizer = tf.train.adam(config.criticLr);
    this.alphaOptimizer = tf.train.adam(config.alphaLr);
  }

  get variables(): tf.Variable[] {
    return [
      ...this.actor.variables,
      ...this.critic1.variables,
      ...this.critic2.variables,
      ...this.targetCritic1.variables,
      ...this.targetCritic2.variables,
      this.logAlphaDiscrete,
      this.logAlphaContinuous,
    ];
  }

  get optimizers(): tf.Optimizer[] {
    return [this.actorOptimizer, this.criticOptimizer, this.alphaOptimizer];
  }

  get batchSize(): number {
    return this.config.batchSize;
  }

  private get continuousEntropyTarget(): number {
    return this.config.continuousEntropyTarget ?? -this.layout.continuous;
  }

  /** The policy on [N, B, obsDim]: discrete log-probabilities, and a reparameterized continuous sample. */
  private policy(obs: tf.Tensor3D) {
    const out = this.actor.apply(obs, { inputIsData: true });
    const [n, B] = [obs.shape[0], obs.shape[1]];
    const { heads } = this;
    const dims = this.layout.continuous;
    const logits = tf.slice(out, [0, 0, 0], [n, B, heads]);
    const mean = tf.slice(out, [0, 0, heads], [n, B, dims]);
    const logStd = tf.clipByValue(tf.slice(out, [0, 0, heads + dims], [n, B, dims]), LOG_STD_MIN, LOG_STD_MAX);
    const noiseValues = new Float32Array(n * B * dims);
    this.streams.learner.fillNormal(noiseValues);
    const noise = tf.tensor3d(noiseValues, [n, B, dims]);
    const u = tf.add(mean, tf.mul(tf.exp(logStd), noise));
    const logProbsDiscrete = tf.logSoftmax(logits);
    return { probs: tf.exp(logProbsDiscrete), logProbsDiscrete, continuous: tf.tanh(u) as tf.Tensor3D, logProbContinuous: squashedGaussianLogProb(u, mean, logStd) };
  }

  act(obs: Float32Array, explore: boolean): Float32Array {
    const n = this.agents;
    const { heads, actorOut, layout } = this;
    const dims = layout.continuous;
    const out = new Float32Array(n * actorOut);
    this.acting.get().forward(obs, n, this.obsDim, null, out);
    const rng = this.streams.policy;
    const logits = new Float32Array(n * layout.choices);
    const continuous = new Float32Array(n * dims);
    for (let i = 0; i < n; i++) {
      const o = i * actorOut;
      for (let c = 0; c < layout.choices; c++) logits[i * layout.choices + c] = out[o + c]!;
      for (let c = 0; c < dims; c++) {
        const mean = out[o + heads + c]!;
        const logStd = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, out[o + heads + dims + c]!));
        continuous[i * dims + c] = Math.tanh(explore ? mean + Math.exp(logStd) * rng.normal() : mean);
      }
    }
    // explore: the Gumbel-max trick samples the categorical head exactly (temperature 1)
    return rawActions(layout, n, logits, continuous, explore, rng, { temperature: 1, noiseStd: 0 });
  }

  update(batch: ReplayBatch): UpdateStats & { tdErrors: Float32Array } {
    const { agents: n, config, layout } = this;
    const dims = layout.continuous;
    return tf.tidy(() => {
      const t = batchTensors(batch, n, this.obsDim, layout.width, config.rewardScale);
      const alphaD = tf.exp(this.logAlphaDiscrete);
      const alphaC = tf.exp(this.logAlphaContinuous);
      // 1. soft targets
      const next = this.policy(t.nextObs);
      const nextInput = tf.concat([t.nextObs, next.continuous], 2) as tf.Tensor3D;
      const qNext = tf.minimum(this.targetCritic1.apply(nextInput), this.targetCritic2.apply(nextInput));
      const softValue = tf.sub(tf.sum(tf.mul(next.probs, tf.sub(qNext, tf.mul(alphaD, next.logProbsDiscrete))), -1, true), tf.mul(alphaC, next.logProbContinuous));
      const targets = tf.add(t.rewards, tf.mul(tf.mul(t.notDone, config.gamma), softValue));
      // 2. twin critic step, d and c from replay
      const chosen = layout.choices > 0 ? tf.slice(t.actions, [0, 0, 0], [n, t.B, layout.choices]) : tf.ones([n, t.B, 1]);
      const inputNow = tf.concat([t.obs, tf.slice(t.actions, [0, 0, layout.choices], [n, t.B, dims])], 2) as tf.Tensor3D;
      let tdErrors: tf.Tensor | null = null;
      const criticVariables = [...this.critic1.variables, ...this.critic2.variables];
      const criticLoss = minimizeStacked(
        this.criticOptimizer,
        criticVariables,
        n,
        () => {
          const q1 = tf.sum(tf.mul(this.critic1.apply(inputNow, { inputIsData: true }), chosen), -1, true);
          const q2 = tf.sum(tf.mul(this.critic2.apply(inputNow, { inputIsData: true }), chosen), -1, true);
          const td1 = tf.sub(q1, targets);
          tdErrors = tf.keep(tf.mean(tf.abs(td1), [0, 2]));
          const loss = tf.add(tf.mean(tf.mul(t.weights, tf.square(td1)), [1, 2]), tf.mean(tf.mul(t.weights, tf.square(tf.sub(q2, targets))), [1, 2]));
          return tf.sum(loss) as tf.Scalar;
        },
        config.gradientClip,
      );
      // 3. actor step
      let meanQ = 0;
      let entropyD: tf.Tensor | null = null;
      let entropyC: tf.Tensor | null = null;
      const actorLoss = minimizeStacked(
        this.actorOptimizer,
        this.actor.variables,
        n,
        () => {
          const now = this.policy(t.obs);
          const input = tf.concat([t.obs, now.continuous], 2) as tf.Tensor3D;
          const q = tf.minimum(this.critic1.apply(input, { frozen: true }), this.critic2.apply(input, { frozen: true }));
          const discretePart = tf.sum(tf.mul(now.probs, tf.sub(tf.mul(alphaD, now.logProbsDiscrete), q)), -1, true);
          const loss = tf.add(discretePart, tf.mul(alphaC, now.logProbContinuous));
          meanQ = tf.mean(tf.sum(tf.mul(now.probs, q), -1)).dataSync()[0]!;
          entropyD = tf.keep(tf.mean(tf.neg(tf.sum(tf.mul(now.probs, now.logProbsDiscrete), -1, true)), [1], true));
          entropyC = tf.keep(tf.mean(tf.neg(now.logProbContinuous), [1], true));
          return tf.sum(tf.mean(loss, [1, 2])) as tf.Scalar;
        },
        config.gradientClip,
      );
      // 4. temperatures: raise alpha when the entropy is below its target (no discrete
      //    temperature to tune without a discrete part)
      const hD = (entropyD as tf.Tensor | null)!;
      const hC = (entropyC as tf.Tensor | null)!;
      const temperatures = layout.choices > 0 ? [this.logAlphaDiscrete, this.logAlphaContinuous] : [this.logAlphaContinuous];
      minimizeStacked(
        this.alphaOptimizer,
        temperatures,
        n,
        () => {
          const continuousLoss = temperatureLoss(this.logAlphaContinuous, hC, this.continuousEntropyTarget);
          return (layout.choices > 0 ? tf.add(temperatureLoss(this.logAlphaDiscrete, hD, config.discreteEntropyTarget), continuousLoss) : continuousLoss) as tf.Scalar;
        },
        0,
      );
      hD.dispose();
      hC.dispose();
      // 5. soft target updates
      this.critic1.softUpdate(this.targetCritic1, config.tau);
      this.critic2.softUpdate(this.targetCritic2, config.tau);
      this.acting.changed();
      return { criticLoss, actorLoss, meanQ, tdErrors: readTdErrors(tdErrors) };
    });
  }

  weightsChanged(): void {
    this.acting.changed();
  }

  slotDiagnostics(): Record<string, number> {
    return {};
  }

  /** Current temperatures (mean over agents), for diagnostics and tests. */
  temperatures(): { discrete: number; continuous: number } {
    return tf.tidy(() => ({
      discrete: tf.mean(tf.exp(this.logAlphaDiscrete)).dataSync()[0]!,
      continuous: tf.mean(tf.exp(this.logAlphaContinuous)).dataSync()[0]!,
    }));
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    for (const o of this.optimizers) o.dispose();
  }
}

export const algorithm: AlgorithmModule = {
  schema: SacConfigSchema,
  create: (hp, spaces, streams) => new SacAgent(SacConfigSchema.parse(hp), spaces, learnerStreams(streams)),
};
