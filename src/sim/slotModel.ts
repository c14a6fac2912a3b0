// One time slot of the SVEC system model, exactly as ../shared/spec/system-model.md pins it.
// Pure functions over structure-of-arrays inputs: no randomness, no state, no allocation in the
// hot path. Both the batched environment core and the `svec model step` evaluator call
// `evaluateSlot`, so the two can never disagree.
//
// Equation numbers refer to the paper (../shared/paper/dmadrl-svec-paper.md); where the spec
// departs from the printed paper the comment says so (docs/model.md lists every departure).
import type { Scenario } from '../config/scenario.ts';
import type { FidelityModel } from './fidelity.ts';
import type { Modality } from './modality.ts';
import { perModalityArray } from './modality.ts';

/** Slot-independent parameters, SI units. */
export interface SlotParams {
  semantic: boolean;
  B_max: number;
  F_e: number;
  sigma2: number;
  eta: number;
  kappa_e: number;
  C: number;
  psi_e: number;
  psi_t: number;
  psi_f: number;
  S_min: number;
  V: number;
  E_unit: number;
  lambda_min: number;
  lambda_max: number;
  p_min: number;
  p_max: number;
  /** cycles per bit of the task, indexed by Modality */
  c_loc: Float64Array;
  /** cycles per bit of semantic extraction, indexed by Modality */
  c_ext: Float64Array;
  /**
   * the reward's reading of eq. 33: 'drift', the exact one-slot Lyapunov drift
   * V U - (Q(t+1)^2 - Q(t)^2) / 2 (the spec's default), or 'eq33', the printed V U - Q(t) (e - e_max)
   */
  objective: Objective;
}

export type Objective = 'drift' | 'eq33';

/** What the slot needs to know about each vehicle and its task (length >= n). */
export interface SlotVehicles {
  n: number;
  modality: Uint8Array;
  /** task size, bits */
  d: Float64Array;
  /** deadline, s */
  T_max: Float64Array;
  /** priority: 1 high, 0 low */
  zeta: Uint8Array;
  /** CPU, cycles/s */
  F: Float64Array;
  kappa: Float64Array;
  /** channel gain h = g |u|^2 */
  h: Float64Array;
  /** per-slot energy budget, J */
  E_max: Float64Array;
  /** virtual energy queue before this slot, energy units */
  Q: Float64Array;
  /** fidelity to use when offloading in semantic mode; NaN means "look it up in the table" */
  fidelityOverride?: Float64Array;
}

/** The hybrid action of every vehicle, in physical units (clipped here to their bounds). */
export interface SlotActions {
  /** 1 offload, 0 local */
  rho: Uint8Array;
  lambda: Float64Array;
  /** transmit power, W */
  p: Float64Array;
  /** bandwidth weight in (0, 1] */
  w: Float64Array;
}

/** Per-vehicle results of the slot, SI units (times in s, energies in J). */
export interface SlotOutputs {
  b: Float64Array;
  r: Float64Array;
  snr_db: Float64Array;
  t_veh: Float64Array;
  t_trans: Float64Array;
  t_edge: Float64Array;
  t: Float64Array;
  E_veh: Float64Array;
  E_edge: Float64Array;
  E: Float64Array;
  P: Float64Array;
  S: Float64Array;
  U: Float64Array;
  Q_next: Float64Array;
  /** (Q_next^2 - Q^2) / 2, the one-slot change of the Lyapunov function L = Q^2 / 2 */
  drift: Float64Array;
  reward: Float64Array;
  cost: Float64Array;
}

export const SLOT_OUTPUT_FIELDS = ['b', 'r', 'snr_db', 't_veh', 't_trans', 't_edge', 't', 'E_veh', 'E_edge', 'E', 'P', 'S', 'U', 'Q_next', 'drift', 'reward', 'cost'] as const;

export function allocateSlotOutputs(n: number): SlotOutputs {
  const out = {} as Record<(typeof SLOT_OUTPUT_FIELDS)[number], Float64Array>;
  for (const field of SLOT_OUTPUT_FIELDS) out[field] = new Float64Array(n);
  return out;
}

export function allocateSlotActions(n: number): SlotActions {
  return { rho: new Uint8Array(n), lambda: new Float64Array(n), p: new Float64Array(n), w: new Float64Array(n) };
}

export function allocateSlotVehicles(n: number): SlotVehicles {
  return {
    n,
    modality: new Uint8Array(n),
    d: new Float64Array(n),
    T_max: new Float64Array(n),
    zeta: new Uint8Array(n),
    F: new Float64Array(n),
    kappa: new Float64Array(n),
    h: new Float64Array(n),
    E_max: new Float64Array(n),
    Q: new Float64Array(n),
  };
}

export function slotParamsFromScenario(s: Scenario): SlotParams {
  return {
    semantic: s.mode === 'semantic',
    B_max: s.bandwidthHz,
    F_e: s.edgeCpuHz,
    sigma2: s.noisePowerW,
    eta: s.edgeCompensation,
    kappa_e: s.kappaEdge,
    C: s.penaltyC,
    psi_e: s.preferences.energy,
    psi_t: s.preferences.latency,
    psi_f: s.preferences.fidelity,
    S_min: s.minFidelity,
    V: s.lyapunovV,
    E_unit: s.energyUnitJ,
    lambda_min: s.lambda.min,
    lambda_max: s.lambda.max,
    p_min: s.powerW.min,
    p_max: s.powerW.max,
    c_loc: perModalityArray(s.cyclesPerBitTask),
    c_ext: perModalityArray(s.cyclesPerBitExtraction),
    objective: s.objective,
  };
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/**
 * Latency utility of eqs. 12–14 with `slackMs = (T_max - t)` in milliseconds.
 * High priority: log2(1 + slack) on time, -C late (a failed task).
 * Low priority: C on time, C / (1 - slack) late (decays with lateness; the printed eq. 13
 * divides by zero at slack = -1 and grows with lateness, see the errata).
 */
export function latencyUtility(slackMs: number, zeta: number, C: number): number {
  if (zeta === 1) return slackMs >= 0 ? Math.log2(1 + slackMs) : -C;
  return slackMs >= 0 ? C : C / (1 - slackMs);
}

/**
 * Evaluates one slot for vehicles 0..n-1 and writes every per-vehicle quantity into `out`.
 * Returns M, the number of offloading vehicles.
 */
export function evaluateSlot(params: SlotParams, veh: SlotVehicles, act: SlotActions, fidelity: FidelityModel, out: SlotOutputs): number {
  const n = veh.n;
  // M and the sum of offloaders' bandwidth weights (eq. 4, 17h).
  let M = 0;
  let weightSum = 0;
  for (let i = 0; i < n; i++) {
    if (act.rho[i] === 1) {
      M++;
      weightSum += act.w[i]!;
    }
  }
  for (let i = 0; i < n; i++) {
    const offload = act.rho[i] === 1;
    const b = offload ? (params.B_max * act.w[i]!) / weightSum : 0; // eq. 4 bandwidth share
    vehicleSlot(params, veh, i, offload, act.lambda[i]!, act.p[i]!, b, M, fidelity, out);
  }
  return M;
}

/**
 * One vehicle's slot given its decision, its bandwidth b (Hz) and the number M of offloaders.
 * Returns its reward (eq. 33); when `out` is given, writes every quantity at index i.
 * The oracle calls this directly to score candidate decisions with the very same formulas.
 */
export function vehicleSlot(
  params: SlotParams,
  veh: SlotVehicles,
  i: number,
  offload: boolean,
  lambdaAction: number,
  pAction: number,
  b: number,
  M: number,
  fidelity: FidelityModel,
  out: SlotOutputs | null,
): number {
  const m = veh.modality[i]! as Modality;
  const d = veh.d[i]!;
  const F = veh.F[i]!;
  const semantic = params.semantic;
  const p = clamp(pAction, params.p_min, params.p_max);
  // Non-semantic mode sends raw data: lambda = 1 whatever the action.
  const lambda = semantic ? clamp(lambdaAction, params.lambda_min, params.lambda_max) : 1;
  const snrLinear = (p * veh.h[i]!) / params.sigma2;
  const snrDb = 10 * Math.log10(snrLinear);

  let r = 0;
  let tVeh: number;
  let tTrans = 0;
  let tEdge = 0;
  let S = 1;
  let EEdge = 0;
  if (offload) {
    r = b * Math.log2(1 + snrLinear); // eq. 4
    // eq. 6 with the extraction cost c_ext; no extraction without semantics.
    tVeh = semantic ? (d * params.c_ext[m]!) / (F * lambda) : 0;
    tTrans = (lambda * d) / r; // eq. 5
    tEdge = (d * params.c_loc[m]! * params.eta * M) / params.F_e; // eq. 7
    const edgeShareCpu = params.F_e / M;
    EEdge = params.kappa_e * tEdge * edgeShareCpu * edgeShareCpu * edgeShareCpu; // eq. 10
    if (semantic) {
      const override = veh.fidelityOverride?.[i];
      S = override !== undefined && !Number.isNaN(override) ? override : fidelity.fidelity(m, lambda, snrDb); // eq. 15
    }
  } else {
    b = 0;
    tVeh = (d * params.c_loc[m]!) / F; // eq. 6, local execution
  }
  const t = tVeh + tTrans + tEdge; // eq. 8 (tTrans = tEdge = 0 when local)
  const EVeh = veh.kappa[i]! * tVeh * F * F * F + p * tTrans; // eq. 9
  const E = EVeh + EEdge; // eq. 11
  const e = E / params.E_unit;
  const slackMs = (veh.T_max[i]! - t) * 1000;
  const P = latencyUtility(slackMs, veh.zeta[i]!, params.C); // eqs. 12–14
  // eq. 16 with energy as a cost, and the fidelity constraint 17g as a penalty.
  let U = params.psi_t * P + params.psi_f * S - params.psi_e * e;
  if (offload && S < params.S_min) U -= params.psi_f * params.C;
  const Q = veh.Q[i]!;
  const eMax = veh.E_max[i]! / params.E_unit;
  const qNext = Math.max(Q + e - eMax, 0); // eq. 18
  const drift = (qNext * qNext - Q * Q) / 2; // the exact change of L = Q^2 / 2
  // eq. 33, drift-plus-penalty: the exact drift (spec default), or the printed bound's term
  // Q(t) (e - e_max), which an episode's sum lets a policy game (docs/model.md, errata)
  const reward = params.objective === 'drift' ? params.V * U - drift : params.V * U - Q * (e - eMax);

  if (out !== null) {
    out.b[i] = b;
    out.r[i] = r;
    out.snr_db[i] = snrDb;
    out.t_veh[i] = tVeh;
    out.t_trans[i] = tTrans;
    out.t_edge[i] = tEdge;
    out.t[i] = t;
    out.E_veh[i] = EVeh;
    out.E_edge[i] = EEdge;
    out.E[i] = E;
    out.P[i] = P;
    out.S[i] = S;
    out.U[i] = U;
    out.Q_next[i] = qNext;
    out.drift[i] = drift;
    out.reward[i] = reward;
    out.cost[i] = t + 10 * E; // Fig. 7: latency [s] + 10 x energy [J]
  }
  return reward;
}
