// The multi-agent face of the simulator, in PettingZoo's parallel style:
//   const { observations, infos } = env.reset(seed);
//   const { observations, rewards, terminations, truncations, infos } = env.step(actions);
// Agents are named 'vehicle_0' ... 'vehicle_{N-1}'. It is a thin layer over SvecCore (the same
// numbers; the batched core is what training loops use directly for speed).
import type { Scenario } from '../config/scenario.ts';
import { SvecCore } from './core.ts';
import type { FidelityModel } from './fidelity.ts';
import { MODALITIES, type ModalityName } from './modality.ts';
import { decodeRawActions, observationDim, RAW_ACTION_DIM, writeObservations, type ObservationKind } from './observation.ts';
import { allocateSlotActions, type SlotActions } from './slotModel.ts';

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
  readonly core: SvecCore;
  readonly possibleAgents: string[];
  readonly observationKind: ObservationKind;
  readonly observationDim: number;
  readonly actionDim = RAW_ACTION_DIM;
  private readonly obsBuffer: Float32Array;
  private readonly rawBuffer: Float32Array;
  private readonly actions: SlotActions;

  constructor(scenario: Scenario, options: { fidelity?: FidelityModel; observation?: ObservationKind } = {}) {
    this.core = new SvecCore(scenario, { fidelity: options.fidelity });
    this.observationKind = options.observation ?? scenario.observation;
    this.observationDim = observationDim(this.observationKind);
    this.possibleAgents = Array.from({ length: scenario.vehicles }, (_, i) => `vehicle_${i}`);
    this.obsBuffer = new Float32Array(scenario.vehicles * this.observationDim);
    this.rawBuffer = new Float32Array(scenario.vehicles * RAW_ACTION_DIM);
    this.actions = allocateSlotActions(scenario.vehicles);
  }

  /** Agents alive now: all of them (vehicles never leave; positions wrap around the road). */
  get agents(): string[] {
    return this.core.episodeDone ? [] : this.possibleAgents.slice();
  }

  reset(seed?: number): { observations: PerAgent<Float32Array>; infos: PerAgent<AgentResetInfo> } {
    this.core.reset(seed);
    return { observations: this.observations(), infos: this.resetInfos() };
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
    decodeRawActions(raw, scenario, core.n, this.actions);
    // Record the task that is being served before the core moves on to the next slot.
    const modality = Uint8Array.from(core.vehicles.modality);
    const zeta = Uint8Array.from(core.vehicles.zeta);
    const deadline = Float64Array.from(core.vehicles.T_max);
    core.step(this.actions);
    const out = core.out;
    const done = core.episodeDone;
    const rewards: PerAgent<number> = {};
    const terminations: PerAgent<boolean> = {};
    const truncations: PerAgent<boolean> = {};
    const infos: PerAgent<AgentInfo> = {};
    this.possibleAgents.forEach((agent, i) => {
      rewards[agent] = out.reward[i]!;
      terminations[agent] = false; // the task is continuing; episodes end by time limit
      truncations[agent] = done;
      const offload = this.actions.rho[i] === 1;
      infos[agent] = {
        modality: MODALITIES[modality[i]!]!,
        priority: zeta[i]!,
        offload,
        lambda: scenario.mode === 'semantic' ? this.actions.lambda[i]! : 1,
        powerW: this.actions.p[i]!,
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
    return { observations: this.observations(), rewards, terminations, truncations, infos };
  }

  private observations(): PerAgent<Float32Array> {
    writeObservations(this.core, this.observationKind, this.obsBuffer);
    const dim = this.observationDim;
    const result: PerAgent<Float32Array> = {};
    this.possibleAgents.forEach((agent, i) => {
      result[agent] = this.obsBuffer.slice(i * dim, (i + 1) * dim);
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
