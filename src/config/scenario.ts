// The scenario schema: the single source of truth for every parameter of the SVEC system model
// (../shared/spec/system-model.md, Table II of the paper). The TypeScript type, the defaults,
// the validation and the docs (`svec config show`) all come from this one zod schema.
//
// Units are SI throughout (s, bit, Hz, cycles/s, W, J); each field's description says which.
// Parameters the paper leaves open were calibrated by us (see docs/model.md, "Calibration");
// their descriptions say "calibrated".
import { z } from 'zod';

/** A closed range [min, max] with min <= max; `unit` goes into the error text. */
function range(defaults: { min: number; max: number }, description: string, bound?: { gt?: number; ge?: number; le?: number }) {
  let num = z.number();
  if (bound?.gt !== undefined) num = num.gt(bound.gt);
  if (bound?.ge !== undefined) num = num.gte(bound.ge);
  if (bound?.le !== undefined) num = num.lte(bound.le);
  return z
    .strictObject({ min: num, max: num })
    .refine((r) => r.min <= r.max, { message: 'min must not exceed max' })
    .default(defaults)
    .describe(description);
}

const perModality = (defaults: { text: number; image: number; speech: number }, description: string) =>
  z.strictObject({ text: z.number().positive(), image: z.number().positive(), speech: z.number().positive() }).default(defaults).describe(description);

export const ROAD_DEFAULTS = { lengthM: 1000, lanes: 4, laneWidthM: 3.5, rsuOffsetM: 20, speedMps: { min: 10, max: 30 } };

export const RoadSchema = z
  .strictObject({
    lengthM: z.number().positive().default(ROAD_DEFAULTS.lengthM).describe('road segment length in m; the RSU sits at its middle and positions wrap around (calibrated)'),
    lanes: z.number().int().min(1).default(ROAD_DEFAULTS.lanes).describe('number of lanes'),
    laneWidthM: z.number().positive().default(ROAD_DEFAULTS.laneWidthM).describe('lane width in m'),
    rsuOffsetM: z.number().positive().default(ROAD_DEFAULTS.rsuOffsetM).describe('distance in m from the RSU to the nearest lane centre'),
    speedMps: range(ROAD_DEFAULTS.speedMps, 'vehicle speed in m/s, drawn per vehicle per episode', { ge: 0 }),
  })
  .default(ROAD_DEFAULTS)
  .describe('road mobility past one roadside unit');

export const MOBILITY_DEFAULTS = { model: 'road' as const, coverageM: 500, rsuHeightM: 10 };

export const MobilitySchema = z
  .strictObject({
    model: z
      .enum(['road', 'trace'])
      .default(MOBILITY_DEFAULTS.model)
      .describe("'road': the straight road of the road fields (positions wrap around; the default); 'trace': vehicles move as a trace file says (docs/mobility.md)"),
    trace: z
      .string()
      .min(1)
      .optional()
      .describe(
        "trace file written by `svec mobility import` or `svec mobility sumo` (required with model 'trace'; a relative path is looked up in the working directory, then in the repository root), e.g. traces/highway.trace.gz",
      ),
    coverageM: z.number().positive().default(MOBILITY_DEFAULTS.coverageM).describe('trace: RSU coverage radius on the ground in m; a vehicle that leaves it frees its slot'),
    rsuHeightM: z
      .number()
      .nonnegative()
      .default(MOBILITY_DEFAULTS.rsuHeightM)
      .describe('trace: height of the RSU antenna above the vehicle antennas in m (part of the path-loss distance)'),
    rsu: z
      .strictObject({ xM: z.number().describe('x, m'), yM: z.number().describe('y, m') })
      .optional()
      .describe("trace: RSU position in the trace's coordinates in m (default: the position the trace file records)"),
  })
  .superRefine((m, ctx) => {
    if (m.model === 'trace' && m.trace === undefined) {
      ctx.addIssue({ code: 'custom', path: ['trace'], message: "required when mobility.model is 'trace' (a trace file, e.g. --set mobility.trace=traces/highway.trace.gz)" });
    }
  })
  .default(MOBILITY_DEFAULTS)
  .describe('how vehicles move: the straight road or a SUMO trace (docs/mobility.md)');

export const PREFERENCE_DEFAULTS = { energy: 0.2, latency: 0.5, fidelity: 0.3 };

export const ScenarioSchema = z
  .strictObject({
    vehicles: z.number().int().min(1).max(1000).default(20).describe('N, number of vehicles (agents)'),
    mode: z.enum(['semantic', 'non-semantic']).default('semantic').describe('semantic communication, or raw data at lambda = 1 with no extraction'),
    bandwidthHz: z.number().positive().default(50e6).describe('B_max, total uplink bandwidth in Hz shared by OFDMA (eq. 4, 17h)'),
    vehicleCpuHz: range({ min: 3e9, max: 5e9 }, 'F_n, vehicle CPU in cycles/s, drawn per vehicle per episode', { gt: 0 }),
    powerW: range({ min: 0.6, max: 0.8 }, 'p_n, transmit power range in W (the agent chooses within it)', { gt: 0 }),
    edgeCpuHz: z.number().positive().default(100e9).describe('F_e, edge server CPU in cycles/s'),
    noisePowerW: z.number().positive().default(8e-15).describe('sigma^2, noise power in W (8e-12 mW in Table II)'),
    taskSizeBits: range({ min: 1e6, max: 3e6 }, 'd, task size in bits, drawn per task', { gt: 0 }),
    lambda: range({ min: 0.4, max: 1.0 }, 'semantic extraction factor range; must lie in (0, 1] (eq. 17b)', { gt: 0, le: 1 }),
    deadlineS: range({ min: 0.005, max: 0.025 }, 'T_max, task deadline in s, drawn per task', { gt: 0 }),
    modalitiesPerVehicle: z
      .strictObject({ min: z.number().int().min(1).max(3), max: z.number().int().min(1).max(3) })
      .refine((r) => r.min <= r.max, { message: 'min must not exceed max' })
      .default({ min: 1, max: 3 })
      .describe('how many of {text, image, speech} a vehicle generates, drawn uniformly per vehicle per episode'),
    prioritySplitS: z.number().positive().default(0.015).describe('T_split in s: a task is high priority (zeta = 1) when T_max <= T_split'),
    cyclesPerBitTask: perModality({ text: 10, image: 20, speech: 15 }, 'c_loc[m], cycles per bit to run the task itself, on the vehicle or the edge (calibrated)'),
    cyclesPerBitExtraction: perModality({ text: 1, image: 2, speech: 1.5 }, 'c_ext[m], cycles per bit of semantic extraction on the vehicle (calibrated)'),
    edgeCompensation: z.number().positive().default(1).describe('eta, edge compensation factor (eq. 7)'),
    kappaVehicle: z.number().nonnegative().default(5e-29).describe('kappa_n, vehicle energy coefficient in J/(cycle^3/s^2) (eq. 9) (calibrated)'),
    kappaEdge: z.number().nonnegative().default(1e-32).describe('kappa_e, edge energy coefficient (eq. 10) (calibrated)'),
    energyBudgetJ: range({ min: 0.01, max: 0.04 }, 'E_max_n, per-slot energy budget of vehicle n in J, drawn per vehicle per episode (eq. 18) (calibrated)', { ge: 0 }),
    energyUnitJ: z.number().positive().default(0.01).describe('E_unit in J: energy enters utility, queue and reward as E / E_unit'),
    penaltyC: z.number().positive().default(5).describe('C, penalty for a failed high-priority task and utility of an on-time low-priority task (eqs. 12-13)'),
    preferences: z
      .strictObject({ energy: z.number().nonnegative(), latency: z.number().nonnegative(), fidelity: z.number().nonnegative() })
      .refine((p) => Math.abs(p.energy + p.latency + p.fidelity - 1) < 1e-9, { message: 'energy + latency + fidelity must sum to 1' })
      .default(PREFERENCE_DEFAULTS)
      .describe('psi_e, psi_t, psi_f: preference weights of eq. 16'),
    minFidelity: z.number().min(0).max(1).default(0.6).describe('S_min, minimum semantic fidelity (17g); below it an offloaded task pays psi_f * C'),
    lyapunovV: z.number().positive().default(10).describe('V, Lyapunov control parameter of the drift-plus-penalty reward (eq. 33) (calibrated)'),
    slotS: z.number().positive().default(0.1).describe('time between decisions in s (moves vehicles along the road)'),
    slotsPerEpisode: z.number().int().min(1).max(100_000).default(50).describe('slots in one episode (calibrated)'),
    bandwidthWeightMin: z.number().gt(0).max(1).default(0.05).describe('smallest bandwidth weight w an action maps to'),
    road: RoadSchema,
    mobility: MobilitySchema,
    objective: z
      .enum(['drift', 'eq33'])
      .default('drift')
      .describe(
        "the reward of eq. 33: 'drift', V U - (Q(t+1)^2 - Q(t)^2) / 2, the exact one-slot Lyapunov drift (the spec's default); 'eq33', the printed V U - Q(t) (e - e_max), which an episode's sum can game (docs/model.md)",
      ),
    rewardSharing: z
      .enum(['team', 'own'])
      .default('team')
      .describe(
        "what learners learn from: 'team', every agent the team reward (1/N) sum_n r_n (eq. 35); 'own', each its own r_n (selfish: a vehicle's own reward always rises with its bandwidth weight)",
      ),
    observation: z.enum(['paper', 'extended']).default('paper').describe("'paper': the five features of eq. 29; 'extended': plus modality, SNR, queue and last slot's M/N"),
    fidelityTable: z
      .string()
      .min(1)
      .default('models/fidelity/measured.json')
      .describe(
        "semantic fidelity table: the path of a measured table JSON (default: the table measured from the committed codecs, svec codec table; a relative path is looked up in the working directory, then in the repository root) or 'provisional' (the analytic placeholder)",
      ),
  })
  .describe('an SVEC scenario');

/** A fully resolved scenario: every field present, validated. */
export type Scenario = z.infer<typeof ScenarioSchema>;
/** What a user may write: any subset of fields. */
export type ScenarioInput = z.input<typeof ScenarioSchema>;

/** The default scenario of the spec (Table II plus our calibrated open parameters). */
export function defaultScenario(): Scenario {
  return ScenarioSchema.parse({});
}
