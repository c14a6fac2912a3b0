// Learning algorithms by name: each has one hyperparameter schema (its own fields plus the shared
// training-loop fields) and a factory. `svec train --algo NAME` and the experiment harness use this.
import { z } from 'zod';
import type { RandomStreams } from '../random/stream.ts';
import { OffPolicyLoopSchema, type OffPolicyLearner } from '../train/offPolicy.ts';
import { DmadrlAgent, DmadrlConfigSchema } from './dmadrl.ts';

export const DmadrlHyperparametersSchema = DmadrlConfigSchema.extend(OffPolicyLoopSchema.shape);

export interface AlgorithmSpec {
  /** the hyperparameter schema (single source of truth for fields, defaults and docs) */
  schema: z.ZodObject;
  /** one line for `svec train --help` and the docs */
  description: string;
  createLearner(hyperparameters: Record<string, unknown>, agents: number, obsDim: number, streams: RandomStreams): OffPolicyLearner;
}

export const ALGORITHMS: Record<string, AlgorithmSpec> = {
  dmadrl: {
    schema: DmadrlHyperparametersSchema,
    description: 'diffusion actors (DDPM reverse process) with centralized critics (the paper)',
    createLearner(hp, agents, obsDim, streams) {
      const config = DmadrlHyperparametersSchema.parse(hp);
      return new DmadrlAgent(config, agents, obsDim, {
        init: streams.get('init'),
        policy: streams.get('policy'),
        learner: streams.get('learner'),
      });
    },
  },
};

export function algorithmSpec(name: string): AlgorithmSpec {
  const spec = ALGORITHMS[name];
  if (!spec) throw new Error(`unknown algorithm '${name}' (available: ${Object.keys(ALGORITHMS).join(', ')})`);
  return spec;
}
