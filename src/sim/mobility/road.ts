// The default mobility: one straight road of `road.lengthM` metres past an RSU at its middle,
// `road.lanes` lanes; each vehicle drives at a constant speed and its position wraps around the
// segment, so every vehicle stays in coverage and every slot is always active.
// The draws and formulas are exactly those the core used before mobility became a model, in the
// same order, so fixed-seed results are unchanged (test/sim/mobility.test.ts checks this).
import type { Scenario } from '../../config/scenario.ts';
import type { RandomStream } from '../../random/stream.ts';
import type { MobilityModel } from './model.ts';

export class RoadMobility implements MobilityModel {
  readonly kind = 'road' as const;
  readonly positionM: Float64Array;
  readonly speedMps: Float64Array;
  readonly lateralM: Float64Array;
  readonly distanceM: Float64Array;
  readonly active: Uint8Array;
  readonly allActive = true;
  readonly entered: Uint8Array;
  readonly lastEntries = 0;
  readonly lastExits = 0;
  private readonly road: Scenario['road'];
  private readonly slotS: number;
  private readonly n: number;

  constructor(scenario: Scenario, n: number) {
    this.road = scenario.road;
    this.slotS = scenario.slotS;
    this.n = n;
    this.positionM = new Float64Array(n);
    this.speedMps = new Float64Array(n);
    this.lateralM = new Float64Array(n);
    this.distanceM = new Float64Array(n);
    this.active = new Uint8Array(n).fill(1);
    this.entered = new Uint8Array(n);
  }

  /** Lane (uniform), speed (uniform in road.speedMps) and position (uniform on the segment). */
  drawVehicle(i: number, rng: RandomStream): void {
    const road = this.road;
    const lane = rng.int(road.lanes);
    this.lateralM[i] = road.rsuOffsetM + (lane + 0.5) * road.laneWidthM;
    this.speedMps[i] = rng.uniformIn(road.speedMps.min, road.speedMps.max);
    this.positionM[i] = rng.uniformIn(0, road.lengthM);
  }

  startEpisode(): void {
    this.writeDistances();
  }

  advance(): void {
    const length = this.road.lengthM;
    const dt = this.slotS;
    for (let i = 0; i < this.n; i++) {
      let x = this.positionM[i]! + this.speedMps[i]! * dt;
      if (x >= length) x -= length * Math.floor(x / length); // wrap around the segment
      this.positionM[i] = x;
    }
    this.writeDistances();
  }

  getState(): undefined {
    return undefined;
  }

  setState(): void {
    this.writeDistances();
  }

  /** Distance to the RSU at the middle of the segment, `lateralM` beside the lane. */
  private writeDistances(): void {
    const rsuX = this.road.lengthM / 2;
    for (let i = 0; i < this.n; i++) {
      const dx = this.positionM[i]! - rsuX;
      const dy = this.lateralM[i]!;
      this.distanceM[i] = Math.sqrt(dx * dx + dy * dy);
    }
  }
}
