// The SVEC environment in PettingZoo's parallel style, with per-agent dictionaries:
//   const { observations, infos } = env.reset(seed);
//   const { observations, rewards, terminations, truncations, infos } = env.step(actions);
// Agents are named 'vehicle_0' ... 'vehicle_{N-1}'. It is a thin layer over the batched
// environment SvecEnv (env/svec.ts, the same numbers), which learners and the harness use; this
// form, with each agent's slot results in its info, is what the Python client speaks.
import type { Scenario } from '../config/scenario.ts';
import { SvecEnv } from '../env/svec.ts';
import type { SvecCore } from './core.ts';
import type { FidelityModel } from './fidelity.ts';
import { MODALITIES, type ModalityName } from './modality.ts';
import { RAW_ACTION_DIM } from './observation.ts';

/** One agent's hybrid action (eq. 31) in the spec's raw form. */
export interface AgentAction {
  /** [logit_local, logit_offload]: offload when the second is larger */
  offloadLogits: readonly [number, number] | readonly number[];
  /** [c_lambda, c_power, c_bandwidth], each in [-1, 1], mapped affinely onto lambda, p and w */
  continuous: readonly [number, number, number] | readonly number[];
}

/** Per-agent information after a step (SI units, latency also in ms for convenience). */
export interface AgentInfo {
  modality: ModalityName;
  priority: number;
  offload: boolean;
  lambda: number;
  powerW: number;
  bandwidthHz: number;
  snrDb: number;
  latencyS: number;
  latencyMs: number;
  deadlineS: number;
  energyJ: number;
  fidelity: number;
  utility: number;
  queue: number;
  cost: number;
}

/** Per-agent information after a reset: what the new slot's task is. */
export interface AgentResetInfo {
  modality: ModalityName;
  priority: number;
  taskBits: number;
  deadlineS: number;
  snrDbAtMaxPower: number;
}

export type PerAgent<T> = Record<string, T>;

export class SvecParallelEnv {
  readonly env: SvecEnv;
  readonly possibleAgents: string[];
  readonly observationDim: number;
  readonly actionDim = RAW_ACTION_DIM;
  private readonly rawBuffer: Float32Array;

  constructor(scenario: Scenario, options: { fidelity?: FidelityModel } = {}) {
    this.env = new SvecEnv(scenario, options);
    this.observationDim = this.env.spec.observation.size;
    this.possibleAgents = Array.from({ length: scenario.vehicles }, (_, i) => `vehicle_${i}`);
    this.rawBuffer = new Float32Array(scenario.vehicles * RAW_ACTION_DIM);
  }

  get core(): SvecCore {
    return this.env.core;
  }

  /** Agents alive now: all of them until the episode ends (vehicles never leave; positions wrap around the road). */
  get agents(): string[] {
    return this.env.episodeDone ? [] : this.possibleAgents.slice();
  }

  reset(seed?: number): { observations: PerAgent<Float32Array>; infos: PerAgent<AgentResetInfo> } {
    const observations = this.env.reset(seed ?? this.core.seed);
    return { observations: this.perAgent(observations), infos: this.resetInfos() };
  }

  step(actions: PerAgent<AgentAction>): {
    observations: PerAgent<Float32Array>;
    rewards: PerAgent<number>;
    terminations: PerAgent<boolean>;
    truncations: PerAgent<boolean>;
    infos: PerAgent<AgentInfo>;
  } {
    const raw = this.rawBuffer;
    this.possibleAgents.forEach((agent, i) => {
      const action = actions[agent];
      if (!action) throw new Error(`step: no action for agent '${agent}'`);
      const { offloadLogits, continuous } = action;
      if (offloadLogits.length !== 2) throw new Error(`step: ${agent}.offloadLogits must hold 2 numbers`);
      if (continuous.length !== 3) throw new Error(`step: ${agent}.continuous must hold 3 numbers`);
      raw.set(offloadLogits, i * RAW_ACTION_DIM);
      raw.set(continuous, i * RAW_ACTION_DIM + 2);
    });
    const core = this.core;
    const scenario = core.scenario;
    // Record the task that is being served before the environment moves on to the next slot.
    const modality = Uint8Array.from(core.vehicles.modality);
    const zeta = Uint8Array.from(core.vehicles.zeta);
    const deadline = Float64Array.from(core.vehicles.T_max);
    const step = this.env.step(raw);
    const decided = this.env.lastActions;
    const out = core.out;
    const rewards: PerAgent<number> = {};
    const terminations: PerAgent<boolean> = {};
    const truncations: PerAgent<boolean> = {};
    const infos: PerAgent<AgentInfo> = {};
    this.possibleAgents.forEach((agent, i) => {
      rewards[agent] = step.rewards[i]!;
      terminations[agent] = step.terminations[i] === 1;
      truncations[agent] = step.truncations[i] === 1;
      const offload = decided.rho[i] === 1;
      infos[agent] = {
        modality: MODALITIES[modality[i]!]!,
        priority: zeta[i]!,
        offload,
        lambda: scenario.mode === 'semantic' ? Math.min(Math.max(decided.lambda[i]!, scenario.lambda.min), scenario.lambda.max) : 1,
        powerW: decided.p[i]!,
        bandwidthHz: out.b[i]!,
        snrDb: out.snr_db[i]!,
        latencyS: out.t[i]!,
        latencyMs: out.t[i]! * 1000,
        deadlineS: deadline[i]!,
        energyJ: out.E[i]!,
        fidelity: out.S[i]!,
        utility: out.U[i]!,
        queue: out.Q_next[i]!,
        cost: out.cost[i]!,
      };
    });
    return { observations: this.perAgent(step.observations), rewards, terminations, truncations, infos };
  }

  private perAgent(flat: Float32Array): PerAgent<Float32Array> {
    const dim = this.observationDim;
    const result: PerAgent<Float32Array> = {};
    this.possibleAgents.forEach((agent, i) => {
      result[agent] = flat.slice(i * dim, (i + 1) * dim);
    });
    return result;
  }

  private resetInfos(): PerAgent<AgentResetInfo> {
    const v = this.core.vehicles;
    const result: PerAgent<AgentResetInfo> = {};
    this.possibleAgents.forEach((agent, i) => {
      result[agent] = {
        modality: MODALITIES[v.modality[i]!]!,
        priority: v.zeta[i]!,
        taskBits: v.d[i]!,
        deadlineS: v.T_max[i]!,
        snrDbAtMaxPower: this.core.snrDbAt(i, this.core.scenario.powerW.max),
      };
    });
    return result;
  }
}
