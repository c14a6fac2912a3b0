// Learning algorithms by name: each has one hyperparameter schema (its own fields plus the shared
// training-loop fields) and a factory. `svec train --algo NAME` and the experiment harness use this.
import { z } from 'zod';
import type { RandomStreams } from '../random/stream.ts';
import { OffPolicyLoopSchema, type Learner, type OffPolicyLearner } from '../train/offPolicy.ts';
import { MappoAgent, MappoConfigSchema } from './mappo.ts';
import { DdpgAgent, DdpgConfigSchema } from './ddpg.ts';
import { DmadrlAgent, DmadrlConfigSchema } from './dmadrl.ts';
import { MaddpgRaAgent, MaddpgRaConfigSchema } from './maddpgRa.ts';
import { SacAgent, SacConfigSchema } from './sac.ts';

export const DmadrlHyperparametersSchema = DmadrlConfigSchema.extend(OffPolicyLoopSchema.shape);
export const DdpgHyperparametersSchema = DdpgConfigSchema.extend(OffPolicyLoopSchema.shape);
export const SacHyperparametersSchema = SacConfigSchema.extend(OffPolicyLoopSchema.shape);
export const MaddpgRaHyperparametersSchema = MaddpgRaConfigSchema.extend(OffPolicyLoopSchema.shape);

const learnerStreams = (streams: RandomStreams) => ({ init: streams.get('init'), policy: streams.get('policy'), learner: streams.get('learner') });

export interface AlgorithmSpec {
  /** the hyperparameter schema (single source of truth for fields, defaults and docs) */
  schema: z.ZodObject;
  /** one line for `svec train --help` and the docs */
  description: string;
  /** 'off-policy': the shared replay loop (train/offPolicy.ts); 'on-policy': its own loop (MAPPO) */
  kind: 'off-policy' | 'on-policy';
  createLearner(hyperparameters: Record<string, unknown>, agents: number, obsDim: number, streams: RandomStreams): Learner;
}

export const ALGORITHMS: Record<string, AlgorithmSpec> = {
  dmadrl: {
    schema: DmadrlHyperparametersSchema,
    description: 'diffusion actors (DDPM reverse process) with centralized critics (the paper)',
    kind: 'off-policy',
    createLearner(hp, agents, obsDim, streams): OffPolicyLearner {
      const config = DmadrlHyperparametersSchema.parse(hp);
      return new DmadrlAgent(config, agents, obsDim, learnerStreams(streams));
    },
  },
  'maddpg-ra': {
    schema: MaddpgRaHyperparametersSchema,
    description: 'MADDPG with attention critics over the other agents (MAAC-style), Gumbel-softmax offloading',
    kind: 'off-policy',
    createLearner: (hp, agents, obsDim, streams) => new MaddpgRaAgent(MaddpgRaHyperparametersSchema.parse(hp), agents, obsDim, learnerStreams(streams)),
  },
  sac: {
    schema: SacHyperparametersSchema,
    description: 'independent discrete-continuous SAC per vehicle with twin critics and automatic entropy tuning',
    kind: 'off-policy',
    createLearner: (hp, agents, obsDim, streams) => new SacAgent(SacHyperparametersSchema.parse(hp), agents, obsDim, learnerStreams(streams)),
  },
  ddpg: {
    schema: DdpgHyperparametersSchema,
    description: 'independent DDPG per vehicle, Gaussian exploration, Gumbel-softmax offloading',
    kind: 'off-policy',
    createLearner: (hp, agents, obsDim, streams) => new DdpgAgent(DdpgHyperparametersSchema.parse(hp), agents, obsDim, learnerStreams(streams)),
  },
};

ALGORITHMS.mappo = {
  schema: MappoConfigSchema,
  description: 'MAPPO: shared PPO actor with agent ids, centralized value function, GAE, clipping, parallel rollouts',
  kind: 'on-policy',
  createLearner: (hp, agents, obsDim, streams) => new MappoAgent(MappoConfigSchema.parse(hp), agents, obsDim, { init: streams.get('init'), policy: streams.get('policy') }),
};

export function algorithmSpec(name: string): AlgorithmSpec {
  const spec = ALGORITHMS[name];
  if (!spec) throw new Error(`unknown algorithm '${name}' (available: ${Object.keys(ALGORITHMS).join(', ')})`);
  return spec;
}
