// Trace-driven mobility (docs/mobility.md, "Slots and coverage"). The N agents are N vehicle
// slots. An episode starts at a time drawn uniformly from the trace (from the episode seed's
// mobility stream) such that the whole episode fits; every slot time t = start + s * slotS reads
// the vehicles' positions from the trace, interpolated linearly between its steps.
//
// Coverage: a vehicle is in coverage when its ground distance to the RSU is at most coverageM.
// Vehicles in coverage without a slot wait in order of arrival (first-in, first-out; vehicles
// already in coverage when the episode starts, and several arriving at one slot time, in the
// trace's vehicle order, which is the order of first appearance in the FCD file, i.e. departure).
// When a slot's vehicle leaves coverage, or leaves the trace (it arrived), the slot is freed and
// the first waiting vehicle takes it (an entry; the core draws that slot a new vehicle profile
// and restarts its queue). With no vehicle waiting the slot stays idle: it does not act, earns
// nothing and is left out of the episode's statistics, until the next vehicle arrives.
import type { RandomStream } from '../../random/stream.ts';
import type { MobilityModel } from './model.ts';
import type { Trace, TraceSample } from './traceFile.ts';

export interface TraceMobilityOptions {
  /** coverage radius on the ground, m */
  coverageM: number;
  /** height of the RSU antenna above the vehicles' antennas, m (part of the distance) */
  rsuHeightM: number;
  /** RSU position in the trace's coordinates, m */
  rsu: { xM: number; yM: number };
  slotS: number;
  slotsPerEpisode: number;
}

export class TraceMobility implements MobilityModel {
  readonly kind = 'trace' as const;
  readonly trace: Trace;
  readonly positionM: Float64Array;
  readonly speedMps: Float64Array;
  readonly lateralM: Float64Array;
  readonly distanceM: Float64Array;
  readonly active: Uint8Array;
  readonly entered: Uint8Array;
  /** trace vehicle index in each slot, -1 when idle */
  readonly slotVehicle: Int32Array;
  lastEntries = 0;
  lastExits = 0;
  /** the episode's start time in the trace, s */
  startS = 0;
  /** slots advanced since the start */
  elapsed = 0;
  private readonly n: number;
  private readonly options: TraceMobilityOptions;
  private readonly sample: TraceSample;
  /** vehicles in coverage without a slot, first in line first */
  private waiting: number[] = [];
  /** stamps: vehicle in coverage at the current time / in the waiting line / in a slot */
  private readonly coverageStamp: Int32Array;
  private readonly waitingStamp: Int32Array;
  private readonly slotStamp: Int32Array;
  private stamp = 0;

  constructor(trace: Trace, n: number, options: TraceMobilityOptions) {
    this.trace = trace;
    this.n = n;
    this.options = options;
    this.positionM = new Float64Array(n);
    this.speedMps = new Float64Array(n);
    this.lateralM = new Float64Array(n);
    this.distanceM = new Float64Array(n);
    this.active = new Uint8Array(n);
    this.entered = new Uint8Array(n);
    this.slotVehicle = new Int32Array(n).fill(-1);
    this.sample = trace.allocateSample();
    const v = trace.vehicleCount;
    this.coverageStamp = new Int32Array(v);
    this.waitingStamp = new Int32Array(v);
    this.slotStamp = new Int32Array(v);
  }

  /** Latest start time that leaves room for a whole episode. */
  static latestStart(trace: Trace, slotS: number, slotsPerEpisode: number): number {
    return trace.endS - (slotsPerEpisode - 1) * slotS;
  }

  get allActive(): boolean {
    for (let i = 0; i < this.n; i++) if (this.active[i] === 0) return false;
    return true;
  }

  /** The time of the current slot in the trace, s. */
  get timeS(): number {
    return this.startS + this.elapsed * this.options.slotS;
  }

  /** No per-vehicle draws: positions come from the trace. */
  drawVehicle(): void {}

  /** Draws the start time uniformly in [trace start, latest start] and fills the slots. */
  startEpisode(rng: RandomStream): void {
    const latest = TraceMobility.latestStart(this.trace, this.options.slotS, this.options.slotsPerEpisode);
    this.startS = rng.uniformIn(this.trace.startS, latest);
    this.elapsed = 0;
    this.slotVehicle.fill(-1);
    this.waiting = [];
    this.update(false);
  }

  advance(): void {
    this.elapsed++;
    this.update(true);
  }

  /** Samples the trace at the current time, frees slots whose vehicle left, refills them. */
  private update(countEvents: boolean): void {
    const { coverageM, rsu } = this.options;
    const sample = this.trace.sampleAt(this.timeS, this.sample);
    const stamp = ++this.stamp;
    const coverage2 = coverageM * coverageM;
    for (let k = 0; k < sample.count; k++) {
      const v = sample.present[k]!;
      const dx = sample.x[v]! - rsu.xM;
      const dy = sample.y[v]! - rsu.yM;
      if (dx * dx + dy * dy <= coverage2) this.coverageStamp[v] = stamp;
    }
    let exits = 0;
    for (let i = 0; i < this.n; i++) {
      const v = this.slotVehicle[i]!;
      if (v >= 0 && this.coverageStamp[v] !== stamp) {
        this.slotVehicle[i] = -1;
        exits++;
      }
    }
    for (let i = 0; i < this.n; i++) {
      const v = this.slotVehicle[i]!;
      if (v >= 0) this.slotStamp[v] = stamp;
    }
    // the waiting line: those still in coverage keep their place, newcomers join at the back
    const line: number[] = [];
    for (const v of this.waiting) {
      if (this.coverageStamp[v] === stamp) {
        line.push(v);
        this.waitingStamp[v] = stamp;
      }
    }
    for (let k = 0; k < sample.count; k++) {
      const v = sample.present[k]!;
      if (this.coverageStamp[v] === stamp && this.slotStamp[v] !== stamp && this.waitingStamp[v] !== stamp) line.push(v);
    }
    let entries = 0;
    let next = 0;
    this.entered.fill(0);
    for (let i = 0; i < this.n; i++) {
      if (this.slotVehicle[i]! < 0 && next < line.length) {
        this.slotVehicle[i] = line[next++]!;
        if (countEvents) {
          this.entered[i] = 1;
          entries++;
        }
      }
    }
    this.waiting = line.slice(next);
    this.lastEntries = entries;
    this.lastExits = exits;
    this.writePositions();
  }

  /** Positions and distances of the slots' vehicles; an idle slot sits at the coverage edge. */
  private writePositions(): void {
    const { coverageM, rsuHeightM, rsu } = this.options;
    const sample = this.sample;
    const h2 = rsuHeightM * rsuHeightM;
    for (let i = 0; i < this.n; i++) {
      const v = this.slotVehicle[i]!;
      if (v >= 0) {
        this.active[i] = 1;
        this.positionM[i] = sample.x[v]!;
        this.lateralM[i] = sample.y[v]!;
        this.speedMps[i] = sample.speed[v]!;
      } else {
        this.active[i] = 0;
        this.positionM[i] = rsu.xM + coverageM;
        this.lateralM[i] = rsu.yM;
        this.speedMps[i] = 0;
      }
    }
    this.writeDistances(h2);
  }

  private writeDistances(h2: number): void {
    const { rsu } = this.options;
    for (let i = 0; i < this.n; i++) {
      const dx = this.positionM[i]! - rsu.xM;
      const dy = this.lateralM[i]! - rsu.yM;
      this.distanceM[i] = Math.sqrt(dx * dx + dy * dy + h2);
    }
  }

  /** Vehicles in coverage without a slot now. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** The trace's id of the vehicle in slot i, or null when the slot is idle. */
  vehicleId(i: number): string | null {
    const v = this.slotVehicle[i]!;
    return v >= 0 ? this.trace.header.ids[v]! : null;
  }

  getState(): Record<string, unknown> {
    return {
      startS: this.startS,
      elapsed: this.elapsed,
      slotVehicle: Array.from(this.slotVehicle),
      waiting: this.waiting.slice(),
      lastEntries: this.lastEntries,
      lastExits: this.lastExits,
      entered: Array.from(this.entered),
    };
  }

  setState(state: Record<string, unknown> | undefined): void {
    if (!state) throw new Error('simulator state: trace mobility needs its mobility state');
    const slots = state.slotVehicle as number[];
    const entered = state.entered as number[];
    const vehicles = this.trace.vehicleCount;
    if (!Array.isArray(slots) || slots.length !== this.n || !Array.isArray(entered) || entered.length !== this.n)
      throw new Error(`simulator state: mobility.slotVehicle and mobility.entered must hold ${this.n} values`);
    const waiting = state.waiting as number[];
    if (!Array.isArray(waiting) || waiting.some((v) => !Number.isInteger(v) || v < 0 || v >= vehicles) || slots.some((v) => !Number.isInteger(v) || v < -1 || v >= vehicles)) {
      throw new Error('simulator state: mobility.waiting and mobility.slotVehicle must name vehicles of this trace');
    }
    this.startS = Number(state.startS);
    this.elapsed = Number(state.elapsed);
    this.slotVehicle.set(slots);
    this.entered.set(entered);
    this.waiting = waiting.slice();
    this.lastEntries = Number(state.lastEntries);
    this.lastExits = Number(state.lastExits);
    for (let i = 0; i < this.n; i++) this.active[i] = this.slotVehicle[i]! >= 0 ? 1 : 0;
    // positions were restored by the core; the sample buffer is refilled at the next advance
    this.writeDistances(this.options.rsuHeightM * this.options.rsuHeightM);
  }
}
