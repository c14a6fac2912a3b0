// Hyperparameter fields every learning algorithm shares, and the fields of the two training
// loops. Each algorithm's schema extends these (agents/<algo>.ts), so a shared field is declared
// once, with one default and one description, and `svec train --hp` validates all of them.
import { z } from 'zod';

/** Fields of every learner's networks and objective. */
export const BaseHyperparametersSchema = z.strictObject({
  hiddenSize: z.number().int().min(1).default(64).describe('H, width of the hidden layers of every network (the same for every algorithm, for a fair comparison)'),
  hiddenLayers: z.number().int().min(1).max(8).default(2).describe('hidden layers of every network'),
  activation: z.enum(['mish', 'relu', 'tanh']).default('relu').describe('hidden activation (relu: fastest here; Diffusion-QL uses mish, see docs/performance.md)'),
  gamma: z.number().min(0).max(1).default(0.99).describe('discount factor (Table II)'),
  rewardNormalization: z
    .enum(['running', 'none'])
    .default('running')
    .describe("'running': learners see rewards divided by the running standard deviation of all rewards seen so far; 'none': raw rewards (times rewardScale)"),
  rewardScale: z.number().positive().default(1).describe('rewards are multiplied by this before learning, after any normalization'),
  gradientClip: z.number().min(0).default(10).describe("clip each agent's gradient norm per update (0 = off)"),
  checkpointEvery: z.number().int().min(1).default(10).describe('C: write a checkpoint every C episodes (on-policy: rounded up to whole iterations) and at the end'),
});

/** Fields of the off-policy (replay) loop of train/offPolicy.ts. */
export const OffPolicyLoopSchema = z.strictObject({
  replayCapacity: z.number().int().min(1).max(10_000_000).default(50_000).describe('joint transitions kept in the replay memory D (Table II: 50,000)'),
  learningStarts: z.number().int().min(1).default(1000).describe('transitions stored before the first update'),
  randomWarmupSlots: z.number().int().min(0).default(500).describe('slots of uniformly random actions at the start, to fill D'),
  updateEvery: z.number().int().min(1).default(1).describe('U: an update round every U slots (Algorithm 1 updates every slot)'),
  gradientSteps: z.number().int().min(1).default(1).describe('update rounds each time updates are due'),
  prioritizedReplay: z.boolean().default(false).describe('proportional prioritized replay (Schaul et al. 2016)'),
  priorityAlpha: z.number().min(0).max(1).default(0.6).describe('priority exponent alpha (prioritized replay only)'),
  priorityBeta: z.number().min(0).max(1).default(0.4).describe('importance-sampling exponent beta (prioritized replay only)'),
});

/** Fields of the on-policy (rollout) loop of train/onPolicy.ts. */
export const OnPolicyLoopSchema = z.strictObject({
  parallelEnvs: z.number().int().min(1).max(256).default(4).describe('environments rolled out per iteration, one episode each'),
});

export type BaseHyperparameters = z.infer<typeof BaseHyperparametersSchema>;
export type OffPolicyLoopConfig = z.infer<typeof OffPolicyLoopSchema>;
export type OnPolicyLoopConfig = z.infer<typeof OnPolicyLoopSchema>;

/** An algorithm's own fields on top of the shared ones and the off-policy loop's. */
export function offPolicySchema<Shape extends z.ZodRawShape>(own: Shape) {
  return BaseHyperparametersSchema.extend(OffPolicyLoopSchema.shape).extend(own);
}

/** An algorithm's own fields on top of the shared ones and the on-policy loop's. */
export function onPolicySchema<Shape extends z.ZodRawShape>(own: Shape) {
  return BaseHyperparametersSchema.extend(OnPolicyLoopSchema.shape).extend(own);
}
