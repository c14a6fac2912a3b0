// MADDPG-RA baseline (paper Section VI.A.2, ref. [40]): MADDPG with centralized training and
// decentralized execution, where each agent's critic attends over the other agents' encoded
// observation-action pairs (multi-head attention as in MAAC, Iqbal & Sha 2019).
//
// Critic of agent n:  e_j = f_j(o_j, a_j) (per-agent encoders);
//   per head h: q_n = W_q^h e_n, k_j = W_k^h e_j, v_j = relu(W_v^h e_j),
//   w_nj = softmax_{j != n}(q_n . k_j / sqrt(d)),  x_n^h = sum_{j != n} w_nj v_j   (self masked out);
//   Q_n = g_n([e_n, x_n^1..x_n^H]). The attention weights are shared by all agents (MAAC).
// Actor of agent n: deterministic MLP (as DDPG), offloading through Gumbel-softmax.
//
// Update round: targets from target actors and target critic; critic MSE step; actor step where
// agent n's fresh action enters its own encoding (and so its query) while keys and values come
// from the others' replayed actions; soft target updates.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { RandomStream } from '../random/stream.ts';
import { gumbelNoise, gumbelSoftmaxStraightThrough } from '../nn/gumbel.ts';
import { minimizeStacked } from '../nn/optim.ts';
import { StackedMlp, type MlpUse } from '../nn/stackedMlp.ts';
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

export const MaddpgRaConfigSchema = offPolicySchema({
  encodingSize: z.number().int().min(2).default(32).describe("size of each agent's observation-action encoding e_j"),
  attentionHeads: z.number().int().min(1).default(4).describe('attention heads (MAAC: 4)'),
  tau: z.number().gt(0).max(1).default(0.001).describe('soft target update rate (paper, Table II)'),
  actorLr: z.number().positive().default(1e-4).describe('actor Adam learning rate (paper)'),
  criticLr: z.number().positive().default(1e-3).describe('critic Adam learning rate (paper)'),
  batchSize: z.number().int().min(1).default(64).describe('minibatch of joint transitions'),
  explorationStd: z.number().min(0).default(0.1).describe('Gaussian exploration noise on the continuous actions'),
  gumbelTemperature: z.number().positive().default(1).describe('Gumbel-softmax temperature for the discrete choice'),
  discreteGradient: DiscreteGradientSchema,
  choiceEpsilon: ChoiceEpsilonSchema,
});
export type MaddpgRaConfig = z.infer<typeof MaddpgRaConfigSchema>;

let instanceCounter = 0;

/** The attention critic's networks (online or target). */
class AttentionCritic {
  readonly encoder: StackedMlp;
  readonly query: StackedMlp;
  readonly key: StackedMlp;
  readonly value: StackedMlp;
  readonly head: StackedMlp;
  private readonly heads: number;
  private readonly agents: number;

  constructor(name: string, agents: number, obsDim: number, actionWidth: number, config: MaddpgRaConfig, rng: RandomStream) {
    const E = config.encodingSize;
    const hidden = hiddenSizes(config);
    this.agents = agents;
    this.heads = config.attentionHeads;
    const mk = (part: string, groups: number, sizes: number[]) => new StackedMlp({ groups, sizes, activation: config.activation, name: `${name}/${part}` }, rng);
    this.encoder = mk('encoder', agents, [obsDim + actionWidth, E]);
    // shared projections (one group), applied to all agents' encodings at once
    this.query = mk('query', 1, [E, E]);
    this.key = mk('key', 1, [E, E]);
    this.value = mk('value', 1, [E, E]);
    this.head = mk('head', agents, [2 * E, ...hidden, 1]);
  }

  get variables(): tf.Variable[] {
    return this.networks.flatMap((m) => m.variables);
  }

  /** e_j = relu(f_j(o_j, a_j)): [N, B, obs + action] -> [N, B, E]. */
  encode(obs: tf.Tensor3D, actions: tf.Tensor3D, use: MlpUse = {}): tf.Tensor3D {
    return tf.relu(this.encoder.apply(tf.concat([obs, actions], 2) as tf.Tensor3D, use)) as tf.Tensor3D;
  }

  private shared(net: StackedMlp, x: tf.Tensor3D, frozen: boolean): tf.Tensor3D {
    const [n, B, d] = x.shape;
    return tf.reshape(net.apply(tf.reshape(x, [1, n * B, d]) as tf.Tensor3D, { frozen }), [n, B, -1]) as tf.Tensor3D;
  }

  /**
   * Multi-head attention of every agent over the others: queries from `queryEncodings`, keys and
   * values from `otherEncodings`, agent n never attending to itself. Returns the context
   * [N, B, E] and the attention weights [B, heads, N, N]. frozen: the weights are not trained
   * here (the actor step), so no gradient w.r.t. them is computed.
   */
  attend(queryEncodings: tf.Tensor3D, otherEncodings: tf.Tensor3D, frozen = false): { context: tf.Tensor3D; weights: tf.Tensor4D } {
    const [n, B, E] = queryEncodings.shape;
    const h = this.heads;
    const d = E / h;
    // [N, B, E] -> [B, h, N, d]
    const split = (x: tf.Tensor3D) => tf.transpose(tf.reshape(x, [n, B, h, d]), [1, 2, 0, 3]);
    const q = split(this.shared(this.query, queryEncodings, frozen));
    const k = split(this.shared(this.key, otherEncodings, frozen));
    const v = split(tf.relu(this.shared(this.value, otherEncodings, frozen)) as tf.Tensor3D);
    const mask = tf.mul(tf.eye(n), -1e9); // no attention to oneself
    const scores = tf.add(tf.div(tf.matMul(tf.reshape(q, [B * h, n, d]), tf.reshape(k, [B * h, n, d]), false, true), Math.sqrt(d)), mask);
    const weights = tf.softmax(scores); // [B h, N, N]
    const context = tf.matMul(weights, tf.reshape(v, [B * h, n, d])); // [B h, N, d]
    const merged = tf.reshape(tf.transpose(tf.reshape(context, [B, h, n, d]), [2, 0, 1, 3]), [n, B, E]) as tf.Tensor3D;
    return { context: merged, weights: tf.reshape(weights, [B, h, n, n]) as tf.Tensor4D };
  }

  /** Q_n for every agent: own encodings [N, B, E] and the context from the others (frozen: as attend). */
  q(ownEncodings: tf.Tensor3D, otherEncodings: tf.Tensor3D, frozen = false): tf.Tensor3D {
    const { context } = this.attend(ownEncodings, otherEncodings, frozen);
    return this.head.apply(tf.concat([ownEncodings, context], 2) as tf.Tensor3D, { frozen });
  }

  copyTo(target: AttentionCritic): void {
    this.variables.forEach((v, k) => target.variables[k]!.assign(v));
  }

  /** target <- (1 - tau) target + tau this, network by network (one native pass per variable where the fused ops are installed). */
  softUpdate(target: AttentionCritic, tau: number): void {
    this.networks.forEach((net, k) => net.softUpdate(target.networks[k]!, tau));
  }

  private get networks(): StackedMlp[] {
    return [this.encoder, this.query, this.key, this.value, this.head];
  }
}

export class MaddpgRaAgent implements OffPolicyLearner {
  readonly kind = 'off-policy';
  readonly diagnosticNames: readonly string[] = [];
  readonly config: MaddpgRaConfig;
  readonly agents: number;
  readonly obsDim: number;
  readonly layout: ActionLayout;
  readonly actor: StackedMlp;
  readonly targetActor: StackedMlp;
  readonly critic: AttentionCritic;
  readonly targetCritic: AttentionCritic;
  readonly actorOptimizer: tf.Optimizer;
  readonly criticOptimizer: tf.Optimizer;
  private readonly streams: LearnerStreams;
  private readonly acting: ActingSnapshot;

  constructor(config: MaddpgRaConfig, spaces: LearnerSpaces, streams: LearnerStreams) {
    if (config.encodingSize % config.attentionHeads !== 0) {
      throw new Error(`maddpg-ra: encodingSize (${config.encodingSize}) must be a multiple of attentionHeads (${config.attentionHeads})`);
    }
    this.config = config;
    this.agents = spaces.agents;
    this.obsDim = spaces.observationSize;
    this.layout = actionLayout(spaces, 'maddpg-ra');
    this.streams = streams;
    const { agents, obsDim, layout } = this;
    const id = `maddpgra${instanceCounter++}`;
    const hidden = hiddenSizes(config);
    const actor = (name: string) =>
      new StackedMlp({ groups: agents, sizes: [obsDim, ...hidden, layout.width], activation: config.activation, name: `${id}/${name}` }, streams.init);
    this.actor = actor('actor');
    this.targetActor = actor('targetActor');
    this.critic = new AttentionCritic(`${id}/critic`, agents, obsDim, layout.width, config, streams.init);
    this.targetCritic = new AttentionCritic(`${id}/targetCritic`, agents, obsDim, layout.width, config, streams.init);
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
    // The shared attention weights get gradients from every agent: clip per group = whole critic.
    return tf.tidy(() => {
      const t = batchTensors(batch, n, this.obsDim, layout.width, config.rewardScale);
      // targets
      const next = deterministicPolicy(this.targetActor, t.nextObs, layout);
      const nextActions = (layout.choices > 0 ? tf.concat([tf.oneHot(tf.argMax(next.logits, -1), layout.choices).toFloat(), next.continuous], 2) : next.continuous) as tf.Tensor3D;
      const nextEncodings = this.targetCritic.encode(t.nextObs, nextActions);
      const qNext = this.targetCritic.q(nextEncodings, nextEncodings);
      const targets = tf.add(t.rewards, tf.mul(tf.mul(t.notDone, config.gamma), qNext));
      // critic step
      let tdErrors: tf.Tensor | null = null;
      const criticLoss = minimizeStacked(
        this.criticOptimizer,
        this.critic.variables,
        1,
        () => {
          const encodings = this.critic.encode(t.obs, t.actions, { inputIsData: true });
          const td = tf.sub(this.critic.q(encodings, encodings), targets);
          tdErrors = tf.keep(tf.mean(tf.abs(td), [0, 2]));
          return tf.sum(tf.mean(tf.mul(t.weights, tf.square(td)), [1, 2])) as tf.Scalar;
        },
        config.gradientClip,
      );
      // actor step: own fresh action in the query and own encoding, others' replayed actions as keys/values
      let meanQ = 0;
      const bufferEncodings = this.critic.encode(t.obs, t.actions);
      const actorLoss = minimizeStacked(
        this.actorOptimizer,
        this.actor.variables,
        n,
        () => {
          const { logits, continuous } = deterministicPolicy(this.actor, t.obs, layout);
          const qOf = (action: tf.Tensor3D) => this.critic.q(this.critic.encode(t.obs, action, { frozen: true }), bufferEncodings, true);
          let q: tf.Tensor3D;
          if (layout.choices === 0) q = qOf(continuous);
          else if (config.discreteGradient === 'expected') q = expectedOverChoices(logits, continuous, qOf);
          else
            q = qOf(
              tf.concat(
                [
                  gumbelSoftmaxStraightThrough(
                    logits,
                    tf.tensor3d(gumbelNoise(this.streams.learner, n * t.B * layout.choices), [n, t.B, layout.choices]),
                    config.gumbelTemperature,
                  ),
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
  schema: MaddpgRaConfigSchema,
  create: (hp, spaces, streams) => new MaddpgRaAgent(MaddpgRaConfigSchema.parse(hp), spaces, learnerStreams(streams)),
};
