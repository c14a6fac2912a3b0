// What the training harness (train/) and evaluation need from a learner. Every algorithm class
// declares which contract it `implements`, so the compiler checks that nothing is missing.
import type * as tf from '@tensorflow/tfjs';
import type { ActionSpace } from '../env/environment.ts';
import type { ReplayBatch } from './replay.ts';
import { UserError, userErrorName } from '../util/errors.ts';

/** The spaces a learner sizes itself from: the environment's declared spaces, nothing else. */
export interface LearnerSpaces {
  agents: number;
  observationSize: number;
  action: ActionSpace;
}

/** What every learner offers: acting, its variables for checkpoints, and clean-up. */
export interface Learner {
  /**
   * obs [agents * observationSize] -> raw actions [agents * actionWidth] in the environment's
   * layout. explore: the training policy; otherwise deterministic greedy acting.
   */
  act(obs: Float32Array, explore: boolean): Float32Array;
  /** per-slot diagnostics of the last act() (averaged over an episode's slots by the harness) */
  slotDiagnostics(): Record<string, number>;
  /** names of the slotDiagnostics() values, in a fixed order (metrics columns) */
  readonly diagnosticNames: readonly string[];
  /** the variables were assigned from outside (checkpoint restore): drop any cached copies */
  weightsChanged(): void;
  /** every variable a checkpoint must keep, in a fixed order */
  readonly variables: tf.Variable[];
  readonly optimizers: tf.Optimizer[];
  dispose(): void;
}

/** Losses of one update (NaN where a learner has no such part). */
export interface UpdateStats {
  criticLoss: number;
  actorLoss: number;
  meanQ: number;
}

/** A learner trained from a replay memory of joint transitions (DMADRL, DDPG, SAC, MADDPG-RA). */
export interface OffPolicyLearner extends Learner {
  readonly kind: 'off-policy';
  /** joint transitions per update round */
  readonly batchSize: number;
  /**
   * The raw action as the replay memory stores it (what the critics see): e.g. discrete scores
   * turned into the one-hot of the choice the environment took. Defaults to the raw action.
   */
  storedAction?(raw: Float32Array): Float32Array;
  /** one update round on a minibatch; losses and |TD error| per sampled transition */
  update(batch: ReplayBatch): UpdateStats & { tdErrors: Float32Array };
}

/** One joint step sampled while collecting on-policy data. */
export interface PolicySample {
  /** raw actions for the environment [agents * actionWidth] */
  raw: Float32Array;
  /** what the update needs of the sampled action, [agents * storedWidth] (e.g. choice and Gaussian sample) */
  stored: Float32Array;
  /** log-probability of the sampled action per agent [agents] */
  logProb: Float32Array;
  /** value estimate per agent [agents] */
  value: Float32Array;
}

/** A rollout of whole episodes from E environments, T steps each, agent-major within a step. */
export interface Rollout {
  envs: number;
  steps: number;
  agents: number;
  /** [E, T, agents, observationSize] */
  observations: Float32Array;
  /** [E, T, agents, storedWidth] */
  stored: Float32Array;
  /** [E, T, agents] */
  logProbs: Float32Array;
  values: Float32Array;
  rewards: Float64Array;
  /** 1 where the agent's episode ended in a terminal state at that step [E, T, agents] */
  terminations: Uint8Array;
  /** 1 where the agent's episode was cut by a time limit at that step [E, T, agents] */
  truncations: Uint8Array;
  /** value of the observation after each step where a truncation happened (else 0) [E, T, agents] */
  truncationValues: Float32Array;
}

/** A learner trained on its own fresh rollouts (MAPPO). */
export interface OnPolicyLearner extends Learner {
  readonly kind: 'on-policy';
  /** numbers per agent in PolicySample.stored */
  readonly storedWidth: number;
  /** samples the training policy and records what the update needs */
  sample(obs: Float32Array): PolicySample;
  /** value estimates per agent for observations [agents * observationSize] */
  values(obs: Float32Array): Float32Array;
  /** the update on one rollout (several epochs of minibatches, as the algorithm does) */
  update(rollout: Rollout): UpdateStats & { updates: number };
}

export type AnyLearner = OffPolicyLearner | OnPolicyLearner;

/** Training produced a non-finite loss or weight; the run keeps its last good checkpoint. */
export class TrainingDivergedError extends UserError {
  override name = userErrorName('TrainingDivergedError');
}

/** The one discrete-choice-plus-continuous layout the current learners are written for. */
export function requireSingleDiscreteLayout(spaces: LearnerSpaces, algorithm: string): { choices: number; continuous: number } {
  const { discrete, continuous } = spaces.action;
  if (discrete.length > 1) throw new Error(`${algorithm}: the environment declares ${discrete.length} discrete action components; ${algorithm} supports at most one`);
  return { choices: discrete[0] ?? 0, continuous };
}
