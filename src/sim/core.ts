// The batched simulator core: all N vehicles of a slot in one call, over typed arrays.
// It owns the scenario draws (per episode), the tasks and channels (per slot), mobility and the
// virtual energy queues; the slot's formulas live in slotModel.ts. It knows nothing of learning.
import type { Scenario } from '../config/scenario.ts';
import { RandomStreams, type StreamName, type StreamState } from '../random/stream.ts';
import { largeScaleGain } from './channel.ts';
import { loadFidelityModel, type FidelityModel } from './fidelity.ts';
import {
  allocateSlotOutputs,
  allocateSlotVehicles,
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
  /** position along the road in m, speed in m/s, lateral distance to the RSU in m */
  readonly positionM: Float64Array;
  readonly speedMps: Float64Array;
  readonly lateralM: Float64Array;
  /** large-scale gain g and small-scale power gain |u|^2 of this slot */
  readonly largeGain: Float64Array;
  readonly fading: Float64Array;
  /** slots elapsed in this episode */
  slot = 0;
  /** number of offloading vehicles in the previous slot (extended observation) */
  lastM = 0;
  private streams: RandomStreams;
  private seedValue: number;

  constructor(scenario: Scenario, options: { seed?: number; fidelity?: FidelityModel } = {}) {
    this.scenario = scenario;
    this.params = slotParamsFromScenario(scenario);
    this.fidelity = options.fidelity ?? loadFidelityModel(scenario.fidelityTable);
    this.n = scenario.vehicles;
    this.vehicles = allocateSlotVehicles(this.n);
    this.out = allocateSlotOutputs(this.n);
    this.modalityMask = new Uint8Array(this.n);
    this.positionM = new Float64Array(this.n);
    this.speedMps = new Float64Array(this.n);
    this.lateralM = new Float64Array(this.n);
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
   * Starts an episode: draws each vehicle's CPU, energy budget, modalities, lane, speed and
   * position, empties the queues, and draws the first slot's tasks and channels.
   * With a seed, all environment streams restart from it; without, they continue.
   */
  reset(seed?: number): void {
    if (seed !== undefined) {
      this.seedValue = seed;
      this.streams = new RandomStreams(seed);
    }
    const s = this.scenario;
    const rng = this.streams.get('scenario');
    const v = this.vehicles;
    const road = s.road;
    for (let i = 0; i < this.n; i++) {
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
      const lane = rng.int(road.lanes);
      this.lateralM[i] = road.rsuOffsetM + (lane + 0.5) * road.laneWidthM;
      this.speedMps[i] = rng.uniformIn(road.speedMps.min, road.speedMps.max);
      this.positionM[i] = rng.uniformIn(0, road.lengthM);
    }
    this.slot = 0;
    this.lastM = 0;
    this.updateChannels();
    this.drawTasks();
  }

  /**
   * Evaluates the slot under `actions` (results in `this.out`), then advances to the next slot:
   * queues update (eq. 18), vehicles move, and new tasks and fading are drawn.
   * Returns M, the number of vehicles that offloaded.
   */
  step(actions: SlotActions): number {
    if (this.episodeDone) throw new Error('episode is over: call reset() before step()');
    const M = evaluateSlot(this.params, this.vehicles, actions, this.fidelity, this.out);
    this.vehicles.Q.set(this.out.Q_next);
    this.lastM = M;
    this.slot++;
    if (!this.episodeDone) {
      this.move();
      this.updateChannels();
      this.drawTasks();
    }
    return M;
  }

  /** SNR in dB this vehicle would see at power p (W) in the current slot. */
  snrDbAt(i: number, p: number): number {
    return 10 * Math.log10((p * this.vehicles.h[i]!) / this.params.sigma2);
  }

  private move(): void {
    const length = this.scenario.road.lengthM;
    const dt = this.scenario.slotS;
    for (let i = 0; i < this.n; i++) {
      let x = this.positionM[i]! + this.speedMps[i]! * dt;
      if (x >= length) x -= length * Math.floor(x / length); // wrap around the segment
      this.positionM[i] = x;
    }
  }

  private updateChannels(): void {
    const rng = this.streams.get('channel');
    const rsuX = this.scenario.road.lengthM / 2;
    for (let i = 0; i < this.n; i++) {
      const dx = this.positionM[i]! - rsuX;
      const dy = this.lateralM[i]!;
      const g = largeScaleGain(Math.sqrt(dx * dx + dy * dy));
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
    return { seed: this.seedValue, slot: this.slot, lastM: this.lastM, streams, arrays };
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
  }

  /** The arrays that evolve during an episode, by name. */
  private stateArrays(): Record<string, Float64Array | Uint8Array> {
    const v = this.vehicles;
    return {
      modality: v.modality, d: v.d, T_max: v.T_max, zeta: v.zeta, F: v.F, kappa: v.kappa, h: v.h, E_max: v.E_max, Q: v.Q,
      modalityMask: this.modalityMask, positionM: this.positionM, speedMps: this.speedMps, lateralM: this.lateralM,
      largeGain: this.largeGain, fading: this.fading,
    };
  }
}
