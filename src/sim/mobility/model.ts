// What the simulator core needs from a mobility model (docs/mobility.md). The core owns the
// random streams and calls the model at fixed points of an episode, so a model's draws are
// reproducible from the episode seed:
//   reset:   drawVehicle(i, scenarioStream) for each slot i (inside the core's per-vehicle draws),
//            then startEpisode(mobilityStream)
//   step:    advance() after the slot is evaluated (unless the episode is over)
// After each of these, positions, distances and the active mask describe the new slot.
import type { RandomStream } from '../../random/stream.ts';

export type MobilityKind = 'road' | 'trace';

export interface MobilityModel {
  readonly kind: MobilityKind;
  /** road: position along the road, m; trace: the vehicle's x in the trace's coordinates, m */
  readonly positionM: Float64Array;
  /** speed, m/s */
  readonly speedMps: Float64Array;
  /** road: lateral distance to the RSU, m; trace: the vehicle's y in the trace's coordinates, m */
  readonly lateralM: Float64Array;
  /** distance from each slot's vehicle to the RSU antenna, m (what the path loss reads) */
  readonly distanceM: Float64Array;
  /** 1 when the slot holds a vehicle, 0 when it is idle (trace mobility with fewer vehicles in coverage than slots) */
  readonly active: Uint8Array;
  /** true when every slot is active now (the road's slots always are) */
  readonly allActive: boolean;
  /** 1 for slots whose vehicle changed in the last advance(): the core draws a new vehicle profile for them */
  readonly entered: Uint8Array;
  /** vehicles that took a slot / left their slot in the last advance() */
  readonly lastEntries: number;
  readonly lastExits: number;
  /** Draws slot i's own mobility parameters at reset (road: lane, speed, position); trace: nothing. */
  drawVehicle(i: number, rng: RandomStream): void;
  /** Starts an episode after the per-vehicle draws (trace: draws the start time, fills the slots). */
  startEpisode(rng: RandomStream): void;
  /** Moves every vehicle on by one slot; may empty and refill slots (trace). */
  advance(): void;
  /** JSON-safe state beyond positionM/speedMps/lateralM (which the core saves); undefined when there is none. */
  getState(): Record<string, unknown> | undefined;
  /** Restores getState()'s value (positions already restored by the core) and recomputes distances. */
  setState(state: Record<string, unknown> | undefined): void;
}
