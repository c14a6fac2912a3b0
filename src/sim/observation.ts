// Observations (eq. 29) and the hybrid action encoding (eq. 31) shared by every agent.
import type { Scenario } from '../config/scenario.ts';
import type { SvecCore } from './core.ts';
import type { SlotActions } from './slotModel.ts';

/** Names of the observation features, in order, for each observation kind. */
export const OBSERVATION_FEATURES = {
  // eq. 29: [d, e_max, T_max, zeta, F_n], each scaled to about [0, 1]
  paper: ['task_size', 'energy_budget', 'deadline', 'priority', 'cpu'],
  // the spec's extended observation: the paper's plus modality one-hot, SNR, queue, last M / N
  extended: ['task_size', 'energy_budget', 'deadline', 'priority', 'cpu', 'is_text', 'is_image', 'is_speech', 'snr', 'queue', 'last_offload_share'],
} as const;

export type ObservationKind = keyof typeof OBSERVATION_FEATURES;

export function observationDim(kind: ObservationKind): number {
  return OBSERVATION_FEATURES[kind].length;
}

/** SNR (dB, at maximum power) mapped to about [0, 1]: -10 dB -> 0, 60 dB -> 1. */
const SNR_FLOOR_DB = -10;
const SNR_SPAN_DB = 70;

/** Q enters the extended observation as log1p(Q) / log1p(100): 1 at Q = 100 energy units. */
const QUEUE_LOG_SCALE = Math.log1p(100);

/** Writes every vehicle's observation, row-major n x dim, into `out`. */
export function writeObservations(core: SvecCore, kind: ObservationKind, out: Float32Array): void {
  const s = core.scenario;
  const v = core.vehicles;
  const dim = observationDim(kind);
  const budgetScale = s.energyBudgetJ.max > 0 ? s.energyBudgetJ.max : 1;
  for (let i = 0; i < core.n; i++) {
    const o = i * dim;
    out[o] = v.d[i]! / s.taskSizeBits.max;
    out[o + 1] = v.E_max[i]! / budgetScale;
    out[o + 2] = v.T_max[i]! / s.deadlineS.max;
    out[o + 3] = v.zeta[i]!;
    out[o + 4] = v.F[i]! / s.vehicleCpuHz.max;
    if (kind === 'extended') {
      const m = v.modality[i]!;
      out[o + 5] = m === 0 ? 1 : 0;
      out[o + 6] = m === 1 ? 1 : 0;
      out[o + 7] = m === 2 ? 1 : 0;
      out[o + 8] = (core.snrDbAt(i, s.powerW.max) - SNR_FLOOR_DB) / SNR_SPAN_DB;
      const q = v.Q[i]!;
      // log1p(Q) / log1p(100): the drift reward's penalty grows with Q (it is about Q (e - e_max)),
      // so the scale must stay readable at tens and hundreds of energy units, where Q / (1 + Q) saturates
      out[o + 9] = Math.log1p(q) / QUEUE_LOG_SCALE;
      out[o + 10] = core.lastM / core.n;
    }
  }
}

/**
 * The raw hybrid action of one agent: [logit_local, logit_offload, c_lambda, c_power, c_bandwidth],
 * the continuous values in [-1, 1] (the diffusion actor's clipped x_0).
 */
export const RAW_ACTION_DIM = 5;

/** Affine map of c in [-1, 1] onto [lo, hi] (clipped). */
export function unitToRange(c: number, lo: number, hi: number): number {
  const x = c < -1 ? -1 : c > 1 ? 1 : c;
  return lo + ((x + 1) / 2) * (hi - lo);
}

/** Inverse of unitToRange. */
export function rangeToUnit(x: number, lo: number, hi: number): number {
  return hi === lo ? 0 : (2 * (x - lo)) / (hi - lo) - 1;
}

/**
 * Decodes row-major n x RAW_ACTION_DIM raw actions into physical actions:
 * rho = argmax of the two logits (1 = offload), lambda, p and w mapped affinely onto their ranges.
 */
export function decodeRawActions(raw: ArrayLike<number>, scenario: Scenario, n: number, out: SlotActions): void {
  for (let i = 0; i < n; i++) {
    const o = i * RAW_ACTION_DIM;
    out.rho[i] = raw[o + 1]! > raw[o]! ? 1 : 0;
    out.lambda[i] = unitToRange(raw[o + 2]!, scenario.lambda.min, scenario.lambda.max);
    out.p[i] = unitToRange(raw[o + 3]!, scenario.powerW.min, scenario.powerW.max);
    out.w[i] = unitToRange(raw[o + 4]!, scenario.bandwidthWeightMin, 1);
  }
}
