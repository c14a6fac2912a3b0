// DDPG baseline (paper Section VI.A.2, ref. [39]; Lillicrap et al. 2016): independent learners,
// one per vehicle. Each critic sees only its own observation and action, Q_n(o_n, a_n).
// The deterministic actor outputs two offloading logits and three continuous values (tanh);
// offloading goes through Gumbel-softmax (straight-through) in the actor loss, Gumbel-max
// sampling when exploring and argmax when greedy; Gaussian noise explores the continuous part.
//
// Update round (all N independent agents at once, stacked weights):
//   1. y_n = r_n + gamma (1 - d) Q'_n(o'_n, mu'_n(o'_n));
//   2. critic step on (Q_n(o_n, a_n) - y_n)^2;
//   3. actor step maximizing Q_n(o_n, mu_n(o_n));
//   4. soft target updates.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { gumbelNoise, gumbelSoftmaxStraightThrough } from '../nn/gumbel.ts';
import { minimizeStacked } from '../nn/optim.ts';
import { StackedMlp } from '../nn/stackedMlp.ts';
import type { AlgorithmModule } from './catalog.ts';
import {
  actDeterministic,
  ActingSnapshot,
  actionLayout,
  batchTensors,
  deterministicPolicy,
  ChoiceEpsilonSchema,
  DiscreteGradientSchema,
  expectedOverChoices,
  hiddenSizes,
  learnerStreams,
  readTdErrors,
  type ActionLayout,
  type LearnerStreams,
} from './common.ts';
import type { LearnerSpaces, OffPolicyLearner, UpdateStats } from './contract.ts';
import { offPolicySchema } from './hyperparameters.ts';
import type { ReplayBatch } from './replay.ts';

export const DdpgConfigSchema = offPolicySchema({
  tau: z.number().gt(0).max(1).default(0.001).describe('soft target update rate (paper, Table II; DDPG paper 0.001)'),
  actorLr: z.number().positive().default(1e-4).describe('actor Adam learning rate (paper; DDPG paper 1e-4)'),
  criticLr: z.number().positive().default(1e-3).describe('critic Adam learning rate (paper; DDPG paper 1e-3)'),
  batchSize: z.number().int().min(1).default(64).describe('minibatch of joint transitions (each agent uses its own slice)'),
  explorationStd: z.number().min(0).default(0.1).describe('Gaussian exploration noise on the continuous actions (CleanRL DDPG: 0.1)'),
  gumbelTemperature: z.number().positive().default(1).describe('Gumbel-softmax temperature for the discrete choice'),
  discreteGradient: DiscreteGradientSchema,
  choiceEpsilon: ChoiceEpsilonSchema,
});
export type DdpgConfig = z.infer<typeof DdpgConfigSchema>;

let instanceCounter = 0;

export class DdpgAgent implements OffPolicyLearner {
  readonly kind = 'off-policy';
  readonly diagnosticNames: readonly string[] = [];
  readonly config: DdpgConfig;
  readonly agents: number;
  readonly obsDim: number;
  readonly layout: ActionLayout;
  readonly actor: StackedMlp;
  readonly targetActor: StackedMlp;
  readonly critic: StackedMlp;
  readonly targetCritic: StackedMlp;
  readonly actorOptimizer: tf.Optimizer;
  readonly criticOptimizer: tf.Optimizer;
  private readonly streams: LearnerStreams;
  private readonly acting: ActingSnapshot;

  constructor(config: DdpgConfig, spaces: LearnerSpaces, streams: LearnerStreams) {
    this.config = config;
    this.agents = spaces.agents;
    this.obsDim = spaces.observationSize;
    this.layout = actionLayout(spaces, 'ddpg');
    this.streams = streams;
    const { agents, obsDim, layout } = this;
    const id = `ddpg${instanceCounter++}`;
    const hidden = hiddenSizes(config);
    const mlp = (name: string, sizes: number[]) => new StackedMlp({ groups: agents, sizes, activation: config.activation, name: `${id}/${name}` }, streams.init);
    this.actor = mlp('actor', [obsDim, ...hidden, layout.width]);
    this.targetActor = mlp('targetActor', [obsDim, ...hidden, layout.width]);
    this.critic = mlp('critic', [obsDim + layout.width, ...hidden, 1]);
    this.targetCritic = mlp('targetCritic', [obsDim + layout.width, ...hidden, 1]);
    this.actor.copyTo(this.targetActor);
    this.acting = new ActingSnapshot(this.actor);
    this.critic.copyTo(this.targetCritic);
    this.actorOptimizer = tf.train.adam(config.actorLr);
    this.criticOptimizer = tf.train.adam(config.criticLr);
  }

  get variables(): tf.Variable[] {
    return [...this.actor.variables, ...this.targetActor.variables, ...this.critic.variables, ...this.targetCritic.variables];
  }

  get optimizers(): tf.Optimizer[] {
    return [this.actorOptimizer, this.criticOptimizer];
  }

  get batchSize(): number {
    return this.config.batchSize;
  }

  act(obs: Float32Array, explore: boolean): Float32Array {
    return actDeterministic(this.acting.get(), this.layout, obs, this.agents, this.obsDim, explore, this.streams.policy, {
      temperature: this.config.gumbelTemperature,
      noiseStd: this.config.explorationStd,
      choiceEpsilon: this.config.choiceEpsilon,
    });
  }

  update(batch: ReplayBatch): UpdateStats & { tdErrors: Float32Array } {
    const { agents: n, config, layout } = this;
    return tf.tidy(() => {
      const t = batchTensors(batch, n, this.obsDim, layout.width, config.rewardScale);
      // 1. targets with the target actor's greedy action
      const next = deterministicPolicy(this.targetActor, t.nextObs, layout);
      const nextAction = layout.choices > 0 ? tf.concat([tf.oneHot(tf.argMax(next.logits, -1), layout.choices).toFloat(), next.continuous], 2) : next.continuous;
      const qNext = this.targetCritic.apply(tf.concat([t.nextObs, nextAction], 2) as tf.Tensor3D);
      const targets = tf.add(t.rewards, tf.mul(tf.mul(t.notDone, config.gamma), qNext));
      // 2. critic step
      const inputNow = tf.concat([t.obs, t.actions], 2) as tf.Tensor3D;
      let tdErrors: tf.Tensor | null = null;
      const criticLoss = minimizeStacked(
        this.criticOptimizer,
        this.critic.variables,
        n,
        () => {
          const td = tf.sub(this.critic.apply(inputNow, { inputIsData: true }), targets);
          tdErrors = tf.keep(tf.mean(tf.abs(td), [0, 2]));
          return tf.sum(tf.mean(tf.mul(t.weights, tf.square(td)), [1, 2])) as tf.Scalar;
        },
        config.gradientClip,
      );
      // 3. actor step: the choice in expectation over its softmax, or through a straight-through
      //    Gumbel-softmax sample (discreteGradient)
      let meanQ = 0;
      const actorLoss = minimizeStacked(
        this.actorOptimizer,
        this.actor.variables,
        n,
        () => {
          const { logits, continuous } = deterministicPolicy(this.actor, t.obs, layout);
          const [, B] = logits.shape;
          const qOf = (action: tf.Tensor3D) => this.critic.apply(tf.concat([t.obs, action], 2) as tf.Tensor3D, { frozen: true });
          let q: tf.Tensor3D;
          if (layout.choices === 0) q = qOf(continuous);
          else if (config.discreteGradient === 'expected') q = expectedOverChoices(logits, continuous, qOf);
          else
            q = qOf(
              tf.concat(
                [
                  gumbelSoftmaxStraightThrough(logits, tf.tensor3d(gumbelNoise(this.streams.learner, n * B * layout.choices), [n, B, layout.choices]), config.gumbelTemperature),
                  continuous,
                ],
                2,
              ) as tf.Tensor3D,
            );
          const perAgent = tf.mean(q, [1, 2]);
          meanQ = tf.mean(perAgent).dataSync()[0]!;
          return tf.neg(tf.sum(perAgent)) as tf.Scalar;
        },
        config.gradientClip,
      );
      // 4. soft target updates
      this.actor.softUpdate(this.targetActor, config.tau);
      this.critic.softUpdate(this.targetCritic, config.tau);
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

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
  }
}

export const algorithm: AlgorithmModule = {
  schema: DdpgConfigSchema,
  create: (hp, spaces, streams) => new DdpgAgent(DdpgConfigSchema.parse(hp), spaces, learnerStreams(streams)),
};
