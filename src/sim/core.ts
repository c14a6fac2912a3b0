// The batched simulator core: all N vehicles of a slot in one call, over typed arrays.
// It owns the scenario draws (per episode), the tasks and channels (per slot) and the virtual
// energy queues, and drives the mobility model (mobility/: the road or a trace); the slot's
// formulas live in slotModel.ts. It knows nothing of learning.
import type { Scenario } from '../config/scenario.ts';
import { RandomStreams, type StreamName, type StreamState } from '../random/stream.ts';
import { largeScaleGain } from './channel.ts';
import { loadFidelityModel, type FidelityModel } from './fidelity.ts';
import { createMobility, type MobilityModel } from './mobility/index.ts';
import {
  allocateSlotActions,
  allocateSlotOutputs,
  allocateSlotVehicles,
  SLOT_OUTPUT_FIELDS,
  evaluateSlot,
  slotParamsFromScenario,
  type SlotActions,
  type SlotOutputs,
  type SlotParams,
  type SlotVehicles,
} from './slotModel.ts';

/** The streams the environment draws from; policies and learners use others. */
export const ENV_STREAMS: readonly StreamName[] = ['scenario', 'tasks', 'channel', 'mobility'];

/** Everything needed to continue an episode bit-exactly (for checkpoints). */
export interface CoreState {
  seed: number;
  slot: number;
  lastM: number;
  streams: Partial<Record<StreamName, StreamState>>;
  arrays: Record<string, number[]>;
  /** the mobility model's own state (trace mobility only; absent for the road) */
  mobility?: Record<string, unknown>;
}

export class SvecCore {
  readonly scenario: Scenario;
  readonly params: SlotParams;
  readonly fidelity: FidelityModel;
  readonly n: number;
  /** the current slot's vehicles and tasks (what evaluateSlot reads); valid after reset() */
  readonly vehicles: SlotVehicles;
  /** the last evaluated slot's results; valid after step() */
  readonly out: SlotOutputs;
  /** per-vehicle bit mask of the modalities it generates (bit m for Modality m) */
  readonly modalityMask: Uint8Array;
  /** how vehicles move (scenario.mobility): the road, or a trace with vehicle slots */
  readonly mobility: MobilityModel;
  /**
   * road: position along the road in m, speed in m/s, lateral distance to the RSU in m;
   * trace: x and y in the trace's coordinates in m, speed in m/s (the mobility model's arrays)
   */
  readonly positionM: Float64Array;
  readonly speedMps: Float64Array;
  readonly lateralM: Float64Array;
  /** distance of each slot's vehicle to the RSU antenna in m (what the path loss reads) */
  readonly distanceM: Float64Array;
  /** 1 when the slot holds a vehicle; 0 when it is idle (trace mobility only): an idle slot does not act */
  readonly active: Uint8Array;
  /** large-scale gain g and small-scale power gain |u|^2 of this slot */
  readonly largeGain: Float64Array;
  readonly fading: Float64Array;
  /** slots elapsed in this episode */
  slot = 0;
  /** number of offloading vehicles in the previous slot (extended observation) */
  lastM = 0;
  /** fidelity lookups in the last evaluated slot, and how many fell outside the table's grid */
  slotFidelityLookups = 0;
  slotFidelityOutsideGrid = 0;
  private streams: RandomStreams;
  private seedValue: number;
  /** the actions with idle slots forced to stay local (trace mobility) */
  private readonly maskedActions: SlotActions;

  constructor(scenario: Scenario, options: { seed?: number; fidelity?: FidelityModel } = {}) {
    this.scenario = scenario;
    this.params = slotParamsFromScenario(scenario);
    this.fidelity = options.fidelity ?? loadFidelityModel(scenario.fidelityTable);
    this.n = scenario.vehicles;
    this.vehicles = allocateSlotVehicles(this.n);
    this.out = allocateSlotOutputs(this.n);
    this.modalityMask = new Uint8Array(this.n);
    this.mobility = createMobility(scenario, this.n);
    this.positionM = this.mobility.positionM;
    this.speedMps = this.mobility.speedMps;
    this.lateralM = this.mobility.lateralM;
    this.distanceM = this.mobility.distanceM;
    this.active = this.mobility.active;
    this.maskedActions = allocateSlotActions(this.n);
    this.largeGain = new Float64Array(this.n);
    this.fading = new Float64Array(this.n);
    this.seedValue = options.seed ?? 0;
    this.streams = new RandomStreams(this.seedValue);
  }

  get seed(): number {
    return this.seedValue;
  }

  /** true once the episode's last slot has been stepped */
  get episodeDone(): boolean {
    return this.slot >= this.scenario.slotsPerEpisode;
  }

  /**
   * Starts an episode: draws each vehicle's CPU, energy budget and modalities (and, on the road,
   * its lane, speed and position), empties the queues, starts the mobility model (a trace draws
   * its start time from the mobility stream and fills the slots), and draws the first slot's
   * tasks and channels. With a seed, all environment streams restart from it; without, they continue.
   */
  reset(seed?: number): void {
    if (seed !== undefined) {
      this.seedValue = seed;
      this.streams = new RandomStreams(seed);
    }
    const rng = this.streams.get('scenario');
    for (let i = 0; i < this.n; i++) {
      this.drawVehicleProfile(i);
      this.mobility.drawVehicle(i, rng);
    }
    this.mobility.startEpisode(this.streams.get('mobility'));
    this.slot = 0;
    this.lastM = 0;
    this.updateChannels();
    this.drawTasks();
  }

  /** A vehicle's CPU, energy budget and modalities from the scenario stream, and an empty queue. */
  private drawVehicleProfile(i: number): void {
    const s = this.scenario;
    const rng = this.streams.get('scenario');
    const v = this.vehicles;
    v.F[i] = rng.uniformIn(s.vehicleCpuHz.min, s.vehicleCpuHz.max);
    v.kappa[i] = s.kappaVehicle;
    v.E_max[i] = rng.uniformIn(s.energyBudgetJ.min, s.energyBudgetJ.max);
    v.Q[i] = 0;
    // 1..3 distinct modalities, uniformly many, then a uniform subset of that size.
    const count = s.modalitiesPerVehicle.min + rng.int(s.modalitiesPerVehicle.max - s.modalitiesPerVehicle.min + 1);
    const order = rng.shuffle([0, 1, 2]);
    let mask = 0;
    for (let k = 0; k < count; k++) mask |= 1 << order[k]!;
    this.modalityMask[i] = mask;
  }

  /**
   * Evaluates the slot under `actions` (results in `this.out`), then advances to the next slot:
   * queues update (eq. 18), vehicles move, and new tasks and fading are drawn.
   * Returns M, the number of vehicles that offloaded.
   */
  step(actions: SlotActions): number {
    if (this.episodeDone) throw new Error('episode is over: call reset() before step()');
    const counters = this.fidelity.counters;
    const lookups = counters?.lookups ?? 0;
    const outside = counters?.outsideGrid ?? 0;
    const allActive = this.mobility.allActive;
    const M = evaluateSlot(this.params, this.vehicles, allActive ? actions : this.maskIdle(actions), this.fidelity, this.out);
    if (!allActive) this.clearIdleOutputs();
    this.slotFidelityLookups = (counters?.lookups ?? 0) - lookups;
    this.slotFidelityOutsideGrid = (counters?.outsideGrid ?? 0) - outside;
    this.vehicles.Q.set(this.out.Q_next);
    this.lastM = M;
    this.slot++;
    // Advance also after the episode's last slot: the episode is cut by a time limit, and a
    // learner bootstraps from the next slot's observation (the draws after it change nothing
    // within the episode; the next episode restarts every stream from its own seed).
    this.mobility.advance();
    // a vehicle that took a slot starts its own tasks: a new profile and an empty queue
    const entered = this.mobility.entered;
    if (this.mobility.lastEntries > 0) for (let i = 0; i < this.n; i++) if (entered[i] === 1) this.drawVehicleProfile(i);
    this.updateChannels();
    this.drawTasks();
    return M;
  }

  /** The actions with every idle slot kept local (it neither offloads nor takes bandwidth). */
  private maskIdle(actions: SlotActions): SlotActions {
    const masked = this.maskedActions;
    masked.rho.set(actions.rho);
    masked.lambda.set(actions.lambda);
    masked.p.set(actions.p);
    masked.w.set(actions.w);
    for (let i = 0; i < this.n; i++) if (this.active[i] === 0) masked.rho[i] = 0;
    return masked;
  }

  /** An idle slot earns nothing, spends nothing and keeps an empty queue: all its outputs are 0. */
  private clearIdleOutputs(): void {
    const out = this.out as unknown as Record<string, Float64Array>;
    for (let i = 0; i < this.n; i++) {
      if (this.active[i] === 1) continue;
      for (const field of SLOT_OUTPUT_FIELDS) out[field]![i] = 0;
    }
  }

  /** SNR in dB this vehicle would see at power p (W) in the current slot. */
  snrDbAt(i: number, p: number): number {
    return 10 * Math.log10((p * this.vehicles.h[i]!) / this.params.sigma2);
  }

  private updateChannels(): void {
    const rng = this.streams.get('channel');
    const distance = this.distanceM;
    for (let i = 0; i < this.n; i++) {
      const g = largeScaleGain(distance[i]!);
      const u2 = rng.exponential(); // Rayleigh: |u|^2 ~ Exp(1), redrawn every slot
      this.largeGain[i] = g;
      this.fading[i] = u2;
      this.vehicles.h[i] = g * u2;
    }
  }

  private drawTasks(): void {
    const s = this.scenario;
    const rng = this.streams.get('tasks');
    const v = this.vehicles;
    for (let i = 0; i < this.n; i++) {
      const mask = this.modalityMask[i]!;
      const count = (mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1);
      let pick = rng.int(count);
      let m = 0;
      for (; m < 3; m++) {
        if (mask & (1 << m)) {
          if (pick === 0) break;
          pick--;
        }
      }
      v.modality[i] = m;
      v.d[i] = rng.uniformIn(s.taskSizeBits.min, s.taskSizeBits.max);
      const deadline = rng.uniformIn(s.deadlineS.min, s.deadlineS.max);
      v.T_max[i] = deadline;
      v.zeta[i] = deadline <= s.prioritySplitS ? 1 : 0;
    }
  }

  /** A JSON-safe snapshot of everything that evolves (for checkpoints). */
  getState(): CoreState {
    const streams: Partial<Record<StreamName, StreamState>> = {};
    const all = this.streams.getState();
    for (const name of ENV_STREAMS) streams[name] = all[name];
    const arrays: Record<string, number[]> = {};
    for (const [key, arr] of Object.entries(this.stateArrays())) arrays[key] = Array.from(arr);
    const state: CoreState = { seed: this.seedValue, slot: this.slot, lastM: this.lastM, streams, arrays };
    const mobility = this.mobility.getState();
    if (mobility !== undefined) state.mobility = mobility;
    return state;
  }

  setState(state: CoreState): void {
    this.seedValue = state.seed;
    this.streams = new RandomStreams(state.seed);
    const all = this.streams.getState();
    for (const name of ENV_STREAMS) {
      const s = state.streams[name];
      if (s) all[name] = s;
    }
    this.streams.setState(all);
    this.slot = state.slot;
    this.lastM = state.lastM;
    for (const [key, arr] of Object.entries(this.stateArrays())) {
      const values = state.arrays[key];
      if (!values || values.length !== arr.length) throw new Error(`simulator state: '${key}' must hold ${arr.length} values`);
      arr.set(values);
    }
    this.mobility.setState(state.mobility);
  }

  /** The arrays that evolve during an episode, by name. */
  private stateArrays(): Record<string, Float64Array | Uint8Array> {
    const v = this.vehicles;
    return {
      modality: v.modality,
      d: v.d,
      T_max: v.T_max,
      zeta: v.zeta,
      F: v.F,
      kappa: v.kappa,
      h: v.h,
      E_max: v.E_max,
      Q: v.Q,
      modalityMask: this.modalityMask,
      positionM: this.positionM,
      speedMps: this.speedMps,
      lateralM: this.lateralM,
      largeGain: this.largeGain,
      fading: this.fading,
    };
  }
}
