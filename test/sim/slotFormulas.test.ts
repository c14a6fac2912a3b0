// An independent check of every formula of the spec's "One slot" section
// (../shared/spec/system-model.md). Every expected value below is computed by hand from the SPEC:
// each is an explicit expression over literal numbers (the case's inputs), with the intermediate
// numbers in comments; none calls the code under test. Agreement: relative error <= 1e-9
// (an expected 0 must come out exactly 0).
//
// Modality indices (src/sim/modality.ts): text = 0, image = 1, speech = 2.
// Parameters of every case unless a test says otherwise (the spec's example):
//   B_max = 5e7 Hz, F_e = 1e11 Hz, sigma2 = 8e-15 W, eta = 1, kappa_e = 1e-30, C = 5,
//   psi_e = 0.2, psi_t = 0.5, psi_f = 0.3, S_min = 0.6, V = 10, E_unit = 0.01 J,
//   lambda in [0.4, 1], p in [0.6, 0.8] W,
//   c_loc = {text 10, image 20, speech 15}, c_ext = {text 1, image 2, speech 1.5} cycles/bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSlotCase, parseSlotCases, SlotCaseError, type SlotCase } from '../../src/sim/slotCase.ts';
import { allocateSlotActions, allocateSlotOutputs, allocateSlotVehicles, evaluateSlot, latencyUtility, vehicleSlot, type SlotParams } from '../../src/sim/slotModel.ts';
import type { FidelityModel } from '../../src/sim/fidelity.ts';
import { closeTo, SLOT_FIELDS, SPEC_PARAMS } from '../helpers/slotSpec.ts';

type Vehicle = SlotCase['vehicles'][number];
type Params = SlotCase['params'];

/** The output fields the spec lists for every vehicle, in its order. */
const FIELDS = SLOT_FIELDS;
type Field = (typeof FIELDS)[number];
/** hand-computed rows of this file use the printed eq. 33 (PARAMS.objective); drift is checked where given */
type Row = Omit<Record<Field, number>, 'drift'> & { drift?: number };

function checkRow(actual: Record<string, number> | undefined, expected: Row, label: string): void {
  assert.ok(actual, `${label}: missing`);
  assert.deepEqual(Object.keys(actual).sort(), [...FIELDS].sort(), `${label}: exactly the spec's output fields`);
  for (const field of FIELDS) if (expected[field] !== undefined) closeTo(actual[field], expected[field]!, `${label} ${field}`);
}

const PARAMS: Params = {
  ...SPEC_PARAMS,
  // the hand computations below use the printed eq. 33; the drift objective has its own test
  objective: 'eq33',
};

const semantic = (vehicles: Vehicle[], params: Params = PARAMS): SlotCase => ({ mode: 'semantic', params, vehicles });

/** The spec's example parameters as evaluateSlot takes them (costs in text, image, speech order; eq. 33), with overrides. */
function slotParams(overrides: Partial<SlotParams>): SlotParams {
  const { c_loc, c_ext, ...scalars } = SPEC_PARAMS;
  return {
    ...scalars,
    semantic: true,
    c_loc: Float64Array.of(c_loc.text, c_loc.image, c_loc.speech),
    c_ext: Float64Array.of(c_ext.text, c_ext.image, c_ext.speech),
    objective: 'eq33',
    ...overrides,
  };
}

/** A fidelity table stub: returns `value` and records every lookup. */
function stubTable(value: number) {
  const calls: [number, number, number][] = [];
  const table: FidelityModel = {
    fidelity(modality, lambda, snrDb) {
      calls.push([modality, lambda, snrDb]);
      return value;
    },
    provenance: { provisional: true, source: 'test stub', hash: 'stub' },
  };
  return { table, calls };
}

// ---------------------------------------------------------------------------------------------
// The spec's own example case.
const SPEC_VEHICLE: Vehicle = {
  modality: 'image',
  d: 2e6,
  T_max: 0.012,
  zeta: 1,
  F: 4e9,
  kappa: 1e-28,
  h: 1e-9,
  E_max: 0.03,
  Q: 0.5,
  fidelity: 0.83,
  action: { rho: 1, lambda: 0.6, p: 0.7, w: 0.5 },
};

function specExampleByHand(): Row {
  const b = (5e7 * 0.5) / 0.5; // the only offloader gets all of B_max: 5e7 Hz
  const snr = (0.7 * 1e-9) / 8e-15; // 87 500
  const snr_db = 10 * Math.log10(87500); // 49.42 dB
  const r = 5e7 * Math.log2(1 + 87500); // 8.2085e8 bit/s
  const t_veh = (2e6 * 2) / (4e9 * 0.6); // d c_ext[image] / (F lambda) = 1.6667 ms
  const t_trans = (0.6 * 2e6) / r; // lambda d / r = 1.4619 ms
  const t_edge = (2e6 * 20 * 1 * 1) / 1e11; // d c_loc[image] eta M / F_e = 0.4 ms
  const t = t_veh + t_trans + t_edge; // 3.5286 ms
  const E_veh = 1e-28 * t_veh * 4e9 ** 3 + 0.7 * t_trans; // 6.4 W x 1.6667 ms + 0.7 W x 1.4619 ms = 11.69 mJ
  const E_edge = 1e-30 * t_edge * (1e11 / 1) ** 3; // 1e3 W x 0.4 ms = 0.4 J
  const E = E_veh + E_edge;
  const e = E / 0.01; // 41.17 energy units
  const P = Math.log2(1 + (0.012 - t) * 1000); // high priority, on time: log2(1 + 8.4714)
  const U = 0.5 * P + 0.3 * 0.83 - 0.2 * e; // S = 0.83 >= S_min: no penalty
  const Q_next = Math.max(0.5 + e - 0.03 / 0.01, 0); // 38.67
  const reward = 10 * U - 0.5 * (e - 3);
  const cost = t + 10 * E;
  closeTo(snr, 87500, 'snr = 87 500');
  return { b, r, snr_db, t_veh, t_trans, t_edge, t, E_veh, E_edge, E, P, S: 0.83, U, Q_next, reward, cost };
}

test('the spec example case: every output field by hand', () => {
  const out = evaluateSlotCase(semantic([SPEC_VEHICLE]));
  assert.equal(out.M, 1);
  assert.equal(out.vehicles.length, 1);
  checkRow(out.vehicles[0], specExampleByHand(), 'spec example');
});

test('the drift objective (the default): drift = (Q_next^2 - Q^2) / 2, reward = V U - drift; an episode sums it to V sum U - (Q_T^2 - Q_0^2) / 2', () => {
  const hand = specExampleByHand();
  const drift = (hand.Q_next ** 2 - 0.5 ** 2) / 2;
  const { objective: _printed, ...defaults } = PARAMS;
  for (const params of [defaults, { ...PARAMS, objective: 'drift' as const }]) {
    const out = evaluateSlotCase(semantic([SPEC_VEHICLE], params));
    checkRow(out.vehicles[0], { ...hand, drift, reward: 10 * hand.U - drift }, 'spec example, drift');
  }
  // the queue floored at 0: Q = 3, e - e_max = -5 -> Q_next = 0, drift = -4.5
  const saving = evaluateSlotCase(semantic([{ ...SPEC_VEHICLE, Q: 3, E_max: 10, action: { ...SPEC_VEHICLE.action, rho: 0 } }], defaults)).vehicles[0]!;
  closeTo(saving.Q_next === 0 ? saving.drift : Number.NaN, -4.5, 'drift with the queue floored at 0');
  // telescoping: three slots of one vehicle, the queue carried over, sum of rewards = V sum U - (Q_3^2 - Q_0^2) / 2
  let Q = 0.5;
  let rewardSum = 0;
  let utilitySum = 0;
  for (let t = 0; t < 3; t++) {
    const row = evaluateSlotCase(semantic([{ ...SPEC_VEHICLE, Q, action: { ...SPEC_VEHICLE.action, rho: t === 1 ? 0 : 1 } }], defaults)).vehicles[0]!;
    rewardSum += row.reward!;
    utilitySum += row.U!;
    Q = row.Q_next!;
  }
  closeTo(rewardSum, 10 * utilitySum - (Q ** 2 - 0.5 ** 2) / 2, 'an episode of drift rewards telescopes');
});

// ---------------------------------------------------------------------------------------------
test("eq. 4 bandwidth shares: several offloaders with unequal weights; a local vehicle's weight does not count", () => {
  const base: Vehicle = { ...SPEC_VEHICLE, fidelity: 0.9 };
  const out = evaluateSlotCase(
    semantic([
      { ...base, action: { rho: 1, lambda: 0.6, p: 0.7, w: 0.8 } },
      { ...base, action: { rho: 1, lambda: 0.6, p: 0.7, w: 0.4 } },
      { ...base, action: { rho: 0, lambda: 0.6, p: 0.7, w: 0.9 } }, // local: b = 0, its w is not in the sum
      { ...base, action: { rho: 1, lambda: 0.6, p: 0.7, w: 0.05 } },
    ]),
  );
  assert.equal(out.M, 3);
  // sum of offloaders' weights = 0.8 + 0.4 + 0.05 = 1.25
  closeTo(out.vehicles[0]!.b, (5e7 * 0.8) / 1.25, 'b0 = 3.2e7');
  closeTo(out.vehicles[1]!.b, (5e7 * 0.4) / 1.25, 'b1 = 1.6e7');
  assert.equal(out.vehicles[2]!.b, 0, 'local b = 0');
  closeTo(out.vehicles[3]!.b, (5e7 * 0.05) / 1.25, 'b3 = 2e6');
  closeTo(
    out.vehicles.reduce((s, v) => s + v.b, 0),
    5e7,
    'the shares add up to B_max',
  );
  // the rate follows the share: r = b log2(1 + 0.7 * 1e-9 / 8e-15)
  closeTo(out.vehicles[0]!.r, 3.2e7 * Math.log2(1 + 87500), 'r0');
  closeTo(out.vehicles[1]!.r, 1.6e7 * Math.log2(1 + 87500), 'r1');
  closeTo(out.vehicles[3]!.r, 2e6 * Math.log2(1 + 87500), 'r3');
  // and M = 3 enters t_edge: 2e6 * 20 * 1 * 3 / 1e11 = 1.2 ms
  closeTo(out.vehicles[0]!.t_edge, (2e6 * 20 * 1 * 3) / 1e11, 't_edge with M = 3');
});

test('eq. 4 through evaluateSlot itself: returns M and writes the shares', () => {
  const params = slotParams({ B_max: 2e7 });
  const veh = allocateSlotVehicles(3);
  const act = allocateSlotActions(3);
  for (let i = 0; i < 3; i++) {
    veh.modality[i] = 0;
    veh.d[i] = 1e6;
    veh.T_max[i] = 0.02;
    veh.zeta[i] = 0;
    veh.F[i] = 4e9;
    veh.kappa[i] = 1e-28;
    veh.h[i] = 1e-9;
    veh.E_max[i] = 0.03;
    veh.Q[i] = 0;
    act.rho[i] = 1;
    act.lambda[i] = 0.5;
    act.p[i] = 0.7;
  }
  act.w[0] = 0.1;
  act.w[1] = 0.3;
  act.w[2] = 0.6; // sum 1.0
  const out = allocateSlotOutputs(3);
  const { table } = stubTable(0.9);
  const M = evaluateSlot(params, veh, act, table, out);
  assert.equal(M, 3);
  closeTo(out.b[0], (2e7 * 0.1) / 1.0, 'b0 = 2e6');
  closeTo(out.b[1], (2e7 * 0.3) / 1.0, 'b1 = 6e6');
  closeTo(out.b[2], (2e7 * 0.6) / 1.0, 'b2 = 1.2e7');
  closeTo(out.t_edge[2], (1e6 * 10 * 1 * 3) / 1e11, 't_edge = 0.3 ms');
});

test('rate and SNR: r = b log2(1 + p h / sigma2), snr_db = 10 log10(p h / sigma2)', () => {
  const params: Params = { ...PARAMS, sigma2: 1e-14 };
  const out = evaluateSlotCase(semantic([{ ...SPEC_VEHICLE, h: 4e-12, action: { rho: 1, lambda: 0.6, p: 0.75, w: 1 } }], params));
  const v = out.vehicles[0]!;
  // snr = 0.75 * 4e-12 / 1e-14 = 300
  closeTo(v.snr_db, 10 * Math.log10(300), 'snr_db = 24.77 dB');
  closeTo(v.r, 5e7 * Math.log2(1 + 300), 'r = 5e7 * log2(301) = 4.1152e8 bit/s');
});

test('t_veh: local d c_loc / F; offloading d c_ext / (F lambda) (eq. 6 with the extraction cost)', () => {
  const out = evaluateSlotCase(
    semantic([
      // local speech: 1.2e6 * 15 / 3e9 = 6 ms
      { ...SPEC_VEHICLE, modality: 'speech', d: 1.2e6, F: 3e9, action: { rho: 0, lambda: 0.5, p: 0.7, w: 1 } },
      // offloaded speech: 1.2e6 * 1.5 / (3e9 * 0.5) = 1.2 ms
      { ...SPEC_VEHICLE, modality: 'speech', d: 1.2e6, F: 3e9, action: { rho: 1, lambda: 0.5, p: 0.7, w: 1 } },
      // offloaded text: 2e6 * 1 / (5e9 * 0.8) = 0.5 ms
      { ...SPEC_VEHICLE, modality: 'text', d: 2e6, F: 5e9, action: { rho: 1, lambda: 0.8, p: 0.7, w: 1 } },
      // local text: 2e6 * 10 / 5e9 = 4 ms
      { ...SPEC_VEHICLE, modality: 'text', d: 2e6, F: 5e9, action: { rho: 0, lambda: 0.8, p: 0.7, w: 1 } },
    ]),
  );
  closeTo(out.vehicles[0]!.t_veh, (1.2e6 * 15) / 3e9, 'local speech t_veh');
  closeTo(out.vehicles[1]!.t_veh, (1.2e6 * 1.5) / (3e9 * 0.5), 'offloaded speech t_veh');
  closeTo(out.vehicles[2]!.t_veh, (2e6 * 1) / (5e9 * 0.8), 'offloaded text t_veh');
  closeTo(out.vehicles[3]!.t_veh, (2e6 * 10) / 5e9, 'local text t_veh');
  // a local vehicle's latency is its own computing time
  closeTo(out.vehicles[0]!.t, (1.2e6 * 15) / 3e9, 'local t = t_veh');
});

test('t_trans = lambda d / r, t_edge = d c_loc eta M / F_e, t = t_veh + t_trans + t_edge (eta = 1.5, M = 2)', () => {
  const params: Params = { ...PARAMS, eta: 1.5, F_e: 5e10, B_max: 2e7 };
  const out = evaluateSlotCase(
    semantic(
      [
        { ...SPEC_VEHICLE, modality: 'text', d: 1e6, F: 4e9, h: 1e-9, action: { rho: 1, lambda: 0.5, p: 0.8, w: 0.25 } },
        { ...SPEC_VEHICLE, modality: 'speech', d: 3e6, F: 4e9, h: 1e-9, action: { rho: 1, lambda: 0.9, p: 0.8, w: 0.75 } },
      ],
      params,
    ),
  );
  assert.equal(out.M, 2);
  // vehicle 0: b = 2e7 * 0.25 / 1.0 = 5e6; snr = 0.8 * 1e-9 / 8e-15 = 1e5
  const r0 = 5e6 * Math.log2(1 + 1e5);
  const t_trans0 = (0.5 * 1e6) / r0;
  const t_edge0 = (1e6 * 10 * 1.5 * 2) / 5e10; // 0.6 ms
  const t_veh0 = (1e6 * 1) / (4e9 * 0.5); // 0.5 ms
  closeTo(out.vehicles[0]!.r, r0, 'r0');
  closeTo(out.vehicles[0]!.t_trans, t_trans0, 't_trans0');
  closeTo(out.vehicles[0]!.t_edge, t_edge0, 't_edge0');
  closeTo(out.vehicles[0]!.t, t_veh0 + t_trans0 + t_edge0, 't0');
  // vehicle 1: b = 1.5e7
  const r1 = 1.5e7 * Math.log2(1 + 1e5);
  const t_trans1 = (0.9 * 3e6) / r1;
  const t_edge1 = (3e6 * 15 * 1.5 * 2) / 5e10; // 2.7 ms
  const t_veh1 = (3e6 * 1.5) / (4e9 * 0.9); // 1.25 ms
  closeTo(out.vehicles[1]!.t_trans, t_trans1, 't_trans1');
  closeTo(out.vehicles[1]!.t_edge, t_edge1, 't_edge1');
  closeTo(out.vehicles[1]!.t, t_veh1 + t_trans1 + t_edge1, 't1');
});

test('energy: E_veh = kappa t_veh F^3 + p t_trans, E_edge = kappa_e t_edge (F_e / M)^3, E = E_veh + E_edge', () => {
  const params: Params = { ...PARAMS, kappa_e: 2e-30 };
  const vehicle: Vehicle = { ...SPEC_VEHICLE, modality: 'image', d: 1e6, F: 5e9, kappa: 3e-29, h: 1e-9 };
  const out = evaluateSlotCase(
    semantic(
      [
        { ...vehicle, action: { rho: 1, lambda: 0.5, p: 0.6, w: 0.5 } },
        { ...vehicle, action: { rho: 1, lambda: 0.5, p: 0.6, w: 0.5 } },
        { ...vehicle, action: { rho: 0, lambda: 0.5, p: 0.6, w: 0.5 } },
      ],
      params,
    ),
  );
  assert.equal(out.M, 2);
  // offloader: b = 2.5e7, snr = 0.6 * 1e-9 / 8e-15 = 75 000
  const r = 2.5e7 * Math.log2(1 + 75000);
  const t_veh = (1e6 * 2) / (5e9 * 0.5); // 0.8 ms
  const t_trans = (0.5 * 1e6) / r;
  const t_edge = (1e6 * 20 * 1 * 2) / 1e11; // 0.4 ms
  const E_veh = 3e-29 * t_veh * 5e9 ** 3 + 0.6 * t_trans; // 3.75 W x 0.8 ms + 0.6 W x t_trans
  const E_edge = 2e-30 * t_edge * (1e11 / 2) ** 3; // 2e-30 * 4e-4 * 1.25e32 = 0.1 J
  closeTo(out.vehicles[0]!.E_veh, E_veh, 'E_veh');
  closeTo(out.vehicles[0]!.E_edge, E_edge, 'E_edge');
  closeTo(out.vehicles[0]!.E_edge, 0.1, 'E_edge = 0.1 J');
  closeTo(out.vehicles[0]!.E, E_veh + E_edge, 'E');
  // local: E_veh = 3e-29 * (1e6 * 20 / 5e9) * 1.25e29 = 3.75 W x 4 ms = 15 mJ; E_edge = 0
  closeTo(out.vehicles[2]!.E_veh, 3e-29 * ((1e6 * 20) / 5e9) * 5e9 ** 3, 'local E_veh');
  closeTo(out.vehicles[2]!.E_veh, 0.015, 'local E_veh = 15 mJ');
  assert.equal(out.vehicles[2]!.E_edge, 0, 'local E_edge = 0');
  closeTo(out.vehicles[2]!.E, 0.015, 'local E');
});

test('latency utility (eqs. 12-14), slack in ms: P_high = log2(1 + slack) or -C; P_low = C or C / (1 - slack)', () => {
  // high priority, on time
  closeTo(latencyUtility(3, 1, 5), 2, 'log2(1 + 3) = 2');
  closeTo(latencyUtility(7, 1, 5), 3, 'log2(1 + 7) = 3');
  assert.equal(latencyUtility(0, 1, 5), 0, 'slack 0 is on time: log2(1) = 0');
  // high priority, late: -C
  closeTo(latencyUtility(-0.001, 1, 5), -5, 'just late: -C');
  closeTo(latencyUtility(-40, 1, 3), -3, 'late, C = 3: -3');
  // low priority, on time: C
  closeTo(latencyUtility(0, 0, 5), 5, 'slack 0: C');
  closeTo(latencyUtility(12.5, 0, 5), 5, 'on time: C');
  // low priority, late: C / (1 - slack)
  closeTo(latencyUtility(-1, 0, 5), 5 / 2, 'slack -1: 5 / 2 (the printed eq. 13 divides by zero here)');
  closeTo(latencyUtility(-4, 0, 5), 1, 'slack -4: 5 / 5 = 1');
  closeTo(latencyUtility(-0.25, 0, 3), 3 / 1.25, 'slack -0.25, C = 3: 2.4');
  assert.ok(latencyUtility(-10, 0, 5) < latencyUtility(-1, 0, 5), 'decays with lateness');
});

test('latency utility inside a slot: slack = (T_max - t) in ms, all four branches', () => {
  // local text on 4e9 Hz: t = 2e6 * 10 / 4e9 = 5 ms; deadlines 8, 3, 9 and 2 ms around it
  const local = (T_max: number, zeta: 0 | 1): Vehicle => ({ ...SPEC_VEHICLE, modality: 'text', d: 2e6, F: 4e9, T_max, zeta, action: { rho: 0, lambda: 1, p: 0.7, w: 1 } });
  const out = evaluateSlotCase(semantic([local(0.008, 1), local(0.003, 1), local(0.009, 0), local(0.002, 0)]));
  const t = (2e6 * 10) / 4e9; // 5 ms
  closeTo(out.vehicles[0]!.P, Math.log2(1 + (0.008 - t) * 1000), 'high, on time: log2(1 + 3) = 2');
  closeTo(out.vehicles[0]!.P, 2, 'high, on time = 2');
  closeTo(out.vehicles[1]!.P, -5, 'high, 2 ms late: -C');
  closeTo(out.vehicles[2]!.P, 5, 'low, on time: C');
  closeTo(out.vehicles[3]!.P, 5 / (1 - (0.002 - t) * 1000), 'low, 3 ms late: C / (1 + 3)');
  closeTo(out.vehicles[3]!.P, 1.25, 'low, 3 ms late = 1.25');
});

test('utility (eq. 16): U = psi_t P + psi_f S - psi_e e; the S < S_min penalty psi_f C only when offloading', () => {
  // Non-default preferences so that psi and C are read from the case.
  const params: Params = { ...PARAMS, psi_e: 0.5, psi_t: 0.25, psi_f: 0.25, C: 3, S_min: 0.6 };
  // offloaded image: b = 5e7 (alone in its case), snr = 87 500
  const offloaded = (fidelity: number): Vehicle => ({ ...SPEC_VEHICLE, fidelity, T_max: 0.02, zeta: 0 });
  const r = 5e7 * Math.log2(1 + 87500);
  const t = (2e6 * 2) / (4e9 * 0.6) + (0.6 * 2e6) / r + (2e6 * 20) / 1e11; // 3.5286 ms < 20 ms: P = C = 3
  const E = 1e-28 * ((2e6 * 2) / (4e9 * 0.6)) * 4e9 ** 3 + 0.7 * ((0.6 * 2e6) / r) + 1e-30 * ((2e6 * 20) / 1e11) * 1e33;
  const e = E / 0.01;
  assert.ok(t < 0.02);
  const below = evaluateSlotCase(semantic([offloaded(0.5)], params)).vehicles[0]!;
  closeTo(below.U, 0.25 * 3 + 0.25 * 0.5 - 0.5 * e - 0.25 * 3, 'S = 0.5 < S_min: penalised by psi_f C = 0.75');
  const atMin = evaluateSlotCase(semantic([offloaded(0.6)], params)).vehicles[0]!;
  closeTo(atMin.U, 0.25 * 3 + 0.25 * 0.6 - 0.5 * e, 'S = S_min is not below it: no penalty');
  const above = evaluateSlotCase(semantic([offloaded(0.95)], params)).vehicles[0]!;
  closeTo(above.U, 0.25 * 3 + 0.25 * 0.95 - 0.5 * e, 'S = 0.95: no penalty');
  // more energy, lower utility: energy is a cost
  assert.ok(above.U < 0.25 * 3 + 0.25 * 0.95);
  // local: S = 1 whatever "fidelity" says, never penalised
  const local = evaluateSlotCase(semantic([{ ...offloaded(0.1), action: { rho: 0, lambda: 0.6, p: 0.7, w: 0.5 } }], params)).vehicles[0]!;
  const tLocal = (2e6 * 20) / 4e9; // 10 ms < 20 ms: P = 3
  const eLocal = (1e-28 * tLocal * 4e9 ** 3) / 0.01; // 6.4 W x 10 ms = 64 mJ = 6.4 units
  closeTo(local.S, 1, 'local S = 1');
  closeTo(local.U, 0.25 * 3 + 0.25 * 1 - 0.5 * eLocal, 'local U, no penalty');
  closeTo(local.U, 0.75 + 0.25 - 3.2, 'local U = -2.2');
});

test('virtual energy queue (eq. 18) Q_next = max(Q + e - e_max, 0), clipping at 0; reward (eq. 33) uses Q before the update', () => {
  // local text, 1e6 bit on 5e9 Hz: t = 2 ms, E = 1e-29 * 2e-3 * 1.25e29 = 2.5 mJ, e = 0.25
  const local = (Q: number, E_max: number): Vehicle => ({
    ...SPEC_VEHICLE,
    modality: 'text',
    d: 1e6,
    F: 5e9,
    kappa: 1e-29,
    T_max: 0.02,
    zeta: 0,
    Q,
    E_max,
    action: { rho: 0, lambda: 1, p: 0.6, w: 1 },
  });
  const out = evaluateSlotCase(semantic([local(1.5, 0.1), local(3, 0.005), local(0, 0.001)])).vehicles;
  const e = (1e-29 * ((1e6 * 10) / 5e9) * 5e9 ** 3) / 0.01; // 0.25
  closeTo(e, 0.25, 'e = 0.25');
  const U = 0.5 * 5 + 0.3 * 1 - 0.2 * 0.25; // on time, low priority: P = C = 5; U = 2.75
  // vehicle 0: e_max = 0.1 / 0.01 = 10; Q + e - e_max = 1.5 + 0.25 - 10 < 0 -> 0
  assert.equal(out[0]!.Q_next, 0, 'clipped at 0');
  closeTo(out[0]!.reward, 10 * U - 1.5 * (0.25 - 10), 'reward with Q = 1.5 (before the update) = 27.5 + 14.625');
  closeTo(out[0]!.reward, 42.125, 'reward = 42.125');
  assert.ok(Math.abs(out[0]!.reward - 10 * U) > 1, 'not computed with the updated queue (0)');
  // vehicle 1: e_max = 0.5; Q + e - e_max = 3 + 0.25 - 0.5 = 2.75
  closeTo(out[1]!.Q_next, 2.75, 'Q_next = 2.75');
  closeTo(out[1]!.reward, 10 * U - 3 * (0.25 - 0.5), 'reward = 27.5 + 0.75');
  // vehicle 2: Q = 0: the queue term vanishes; e_max = 0.1, Q_next = 0.15
  closeTo(out[2]!.Q_next, 0 + 0.25 - 0.1, 'Q_next = 0.15');
  closeTo(out[2]!.reward, 10 * U, 'reward = V U = 27.5');
});

test('cost (Fig. 7): t[s] + 10 E[J]', () => {
  const out = evaluateSlotCase(semantic([{ ...SPEC_VEHICLE, modality: 'text', d: 1e6, F: 5e9, kappa: 1e-29, action: { rho: 0, lambda: 1, p: 0.6, w: 1 } }])).vehicles[0]!;
  // t = 2 ms, E = 2.5 mJ: cost = 0.002 + 0.025 = 0.027
  closeTo(out.cost, 0.002 + 10 * 0.0025, 'cost = 0.027');
});

test('non-semantic mode: lambda forced to 1, t_veh = 0 when offloading, S = 1 (never penalised); local unchanged', () => {
  const slotCase: SlotCase = {
    mode: 'non-semantic',
    params: PARAMS,
    vehicles: [
      // offloads with an action lambda of 0.4 and a (to be ignored) fidelity of 0.1
      { ...SPEC_VEHICLE, fidelity: 0.1, T_max: 0.02, zeta: 0, action: { rho: 1, lambda: 0.4, p: 0.7, w: 0.5 } },
      { ...SPEC_VEHICLE, modality: 'text', d: 1e6, F: 5e9, kappa: 1e-29, T_max: 0.02, zeta: 0, action: { rho: 0, lambda: 0.4, p: 0.7, w: 0.5 } },
    ],
  };
  const { table } = stubTable(0.2); // whatever the table says, S = 1
  const out = evaluateSlotCase(slotCase, table);
  assert.equal(out.M, 1);
  const v = out.vehicles[0]!;
  const r = 5e7 * Math.log2(1 + 87500); // the only offloader
  const t_trans = (1 * 2e6) / r; // lambda = 1: raw data, 2.4366 ms
  const t_edge = (2e6 * 20 * 1 * 1) / 1e11; // 0.4 ms
  const t = 0 + t_trans + t_edge;
  const E_veh = 1e-28 * 0 * 4e9 ** 3 + 0.7 * t_trans;
  const E_edge = 1e-30 * t_edge * 1e33; // 0.4 J
  const e = (E_veh + E_edge) / 0.01;
  const U = 0.5 * 5 + 0.3 * 1 - 0.2 * e; // on time, low priority; S = 1, no penalty
  checkRow(
    v,
    {
      b: 5e7,
      r,
      snr_db: 10 * Math.log10(87500),
      t_veh: 0,
      t_trans,
      t_edge,
      t,
      E_veh,
      E_edge,
      E: E_veh + E_edge,
      P: 5,
      S: 1,
      U,
      Q_next: Math.max(0.5 + e - 3, 0),
      reward: 10 * U - 0.5 * (e - 3),
      cost: t + 10 * (E_veh + E_edge),
    },
    'non-semantic offloader',
  );
  // the local vehicle: t_veh = 1e6 * 10 / 5e9 = 2 ms, E = 2.5 mJ
  closeTo(out.vehicles[1]!.t_veh, 0.002, 'local t_veh');
  closeTo(out.vehicles[1]!.E, 0.0025, 'local E');
  closeTo(out.vehicles[1]!.S, 1, 'local S');

  // lambda = 1 even where the semantic bounds would not allow it (lambda_max = 0.9)
  const capped = evaluateSlotCase({ ...slotCase, params: { ...PARAMS, lambda_max: 0.9 }, vehicles: [slotCase.vehicles[0]!] }, table).vehicles[0]!;
  closeTo(capped.t_trans, (1 * 2e6) / r, 'non-semantic t_trans at lambda = 1, not 0.9');
  assert.equal(capped.t_veh, 0, 'non-semantic t_veh = 0');
  closeTo(capped.S, 1, 'non-semantic S = 1');
});

test('lambda and p are clipped to [lambda_min, lambda_max] and [p_min, p_max]', () => {
  const vehicle: Vehicle = { ...SPEC_VEHICLE, modality: 'text', d: 1e6, F: 4e9, h: 1e-9, fidelity: 0.9 };
  const out = evaluateSlotCase(
    semantic([
      { ...vehicle, action: { rho: 1, lambda: 0.1, p: 0.3, w: 0.5 } }, // -> lambda 0.4, p 0.6
      { ...vehicle, action: { rho: 1, lambda: 1.7, p: 2, w: 0.5 } }, // -> lambda 1, p 0.8
      { ...vehicle, action: { rho: 1, lambda: -3, p: 0, w: 0.5 } }, // -> lambda 0.4, p 0.6
      { ...vehicle, action: { rho: 1, lambda: 0.7, p: 0.65, w: 0.5 } }, // inside: unchanged
      { ...vehicle, action: { rho: 0, lambda: 0.7, p: 5, w: 0.5 } }, // local: p -> 0.8 in the SNR
    ]),
  ).vehicles;
  // four offloaders, equal weights: b = 5e7 / 4 = 1.25e7
  const cases: [number, number][] = [
    [0.4, 0.6],
    [1, 0.8],
    [0.4, 0.6],
    [0.7, 0.65],
  ];
  cases.forEach(([lambda, p], i) => {
    const snr = (p * 1e-9) / 8e-15;
    const r = 1.25e7 * Math.log2(1 + snr);
    const t_veh = (1e6 * 1) / (4e9 * lambda);
    const t_trans = (lambda * 1e6) / r;
    closeTo(out[i]!.snr_db, 10 * Math.log10(snr), `vehicle ${i} snr_db at p = ${p}`);
    closeTo(out[i]!.r, r, `vehicle ${i} r`);
    closeTo(out[i]!.t_veh, t_veh, `vehicle ${i} t_veh at lambda = ${lambda}`);
    closeTo(out[i]!.t_trans, t_trans, `vehicle ${i} t_trans`);
    closeTo(out[i]!.E_veh, 1e-28 * t_veh * 4e9 ** 3 + p * t_trans, `vehicle ${i} E_veh`);
  });
  closeTo(out[4]!.snr_db, 10 * Math.log10((0.8 * 1e-9) / 8e-15), 'local snr_db at p = 0.8 = 50 dB');
  closeTo(out[4]!.snr_db, 50, 'local snr_db = 50 dB');

  // the bounds come from the case: lambda in [0.5, 0.9], p in [0.65, 0.75]
  const narrow: Params = { ...PARAMS, lambda_min: 0.5, lambda_max: 0.9, p_min: 0.65, p_max: 0.75 };
  const two = evaluateSlotCase(
    semantic(
      [
        { ...vehicle, action: { rho: 1, lambda: 0.45, p: 0.8, w: 1 } },
        { ...vehicle, action: { rho: 1, lambda: 0.95, p: 0.6, w: 1 } },
      ],
      narrow,
    ),
  ).vehicles;
  // b = 5e7 / 2 = 2.5e7 each; vehicle 0 -> lambda 0.5, p 0.75; vehicle 1 -> lambda 0.9, p 0.65
  const r0 = 2.5e7 * Math.log2(1 + (0.75 * 1e-9) / 8e-15);
  const r1 = 2.5e7 * Math.log2(1 + (0.65 * 1e-9) / 8e-15);
  closeTo(two[0]!.t_veh, (1e6 * 1) / (4e9 * 0.5), 'lambda clipped up to 0.5');
  closeTo(two[0]!.t_trans, (0.5 * 1e6) / r0, 't_trans at lambda 0.5, p 0.75');
  closeTo(two[0]!.E_veh, 1e-28 * ((1e6 * 1) / (4e9 * 0.5)) * 4e9 ** 3 + 0.75 * ((0.5 * 1e6) / r0), 'E_veh at p 0.75');
  closeTo(two[1]!.t_veh, (1e6 * 1) / (4e9 * 0.9), 'lambda clipped down to 0.9');
  closeTo(two[1]!.t_trans, (0.9 * 1e6) / r1, 't_trans at lambda 0.9, p 0.65');
  closeTo(two[1]!.snr_db, 10 * Math.log10((0.65 * 1e-9) / 8e-15), 'snr_db at p 0.65');
});

test('the table is consulted at (modality, clipped lambda, snr_dB) when no fidelity is given', () => {
  const { table, calls } = stubTable(0.55);
  const vehicle: Vehicle = { modality: 'speech', d: 1e6, T_max: 0.02, zeta: 0, F: 4e9, kappa: 1e-28, h: 1e-12, E_max: 0.03, Q: 0, action: { rho: 1, lambda: 1.3, p: 0.8, w: 1 } };
  const v = evaluateSlotCase(semantic([vehicle]), table).vehicles[0]!;
  // snr = 0.8 * 1e-12 / 8e-15 = 100 -> 20 dB
  closeTo(v.S, 0.55, 'S from the table');
  const lookups = calls.filter((c) => c[0] === 2);
  assert.ok(lookups.length >= 1, 'the table was consulted for speech');
  closeTo(lookups[0]![1], 1, 'at the clipped lambda');
  closeTo(lookups[0]![2], 20, 'at snr_db = 20');
  // 0.55 < S_min: penalised. b = 5e7, r = 5e7 log2(101)
  const r = 5e7 * Math.log2(101);
  const t_veh = (1e6 * 1.5) / (4e9 * 1); // 0.375 ms
  const t_trans = (1 * 1e6) / r;
  const t_edge = (1e6 * 15) / 1e11; // 0.15 ms
  const e = (1e-28 * t_veh * 4e9 ** 3 + 0.8 * t_trans + 1e-30 * t_edge * 1e33) / 0.01;
  closeTo(v.U, 0.5 * 5 + 0.3 * 0.55 - 0.2 * e - 0.3 * 5, 'U with the S_min penalty');
});

test('a local vehicle: b = r = t_trans = t_edge = E_edge = 0, S = 1, t = t_veh, E = kappa t_veh F^3', () => {
  // among two offloaders, so M = 2 and B_max is shared, but none of it is the local vehicle's
  const local: Vehicle = {
    modality: 'image',
    d: 1.5e6,
    T_max: 0.01,
    zeta: 1,
    F: 4e9,
    kappa: 2e-28,
    h: 2e-9,
    E_max: 0.2,
    Q: 4,
    fidelity: 0.3,
    action: { rho: 0, lambda: 0.5, p: 0.7, w: 1 },
  };
  const out = evaluateSlotCase(semantic([{ ...SPEC_VEHICLE }, local, { ...SPEC_VEHICLE }]));
  assert.equal(out.M, 2);
  const t_veh = (1.5e6 * 20) / 4e9; // 7.5 ms
  const E = 2e-28 * 7.5e-3 * 4e9 ** 3; // 12.8 W x 7.5 ms = 96 mJ
  const e = E / 0.01; // 9.6
  const P = Math.log2(1 + (0.01 - t_veh) * 1000); // log2(3.5)
  const U = 0.5 * P + 0.3 * 1 - 0.2 * e; // no penalty although "fidelity" is 0.3
  checkRow(
    out.vehicles[1],
    {
      b: 0,
      r: 0,
      snr_db: 10 * Math.log10((0.7 * 2e-9) / 8e-15),
      t_veh,
      t_trans: 0,
      t_edge: 0,
      t: t_veh,
      E_veh: E,
      E_edge: 0,
      E,
      P,
      S: 1,
      U,
      Q_next: Math.max(4 + e - 20, 0),
      reward: 10 * U - 4 * (e - 20),
      cost: t_veh + 10 * E,
    },
    'local vehicle',
  );
  closeTo(E, 0.096, 'E = 96 mJ');
});

test('vehicleSlot with a given b and M: writes every field and returns the reward', () => {
  const params = slotParams({ V: 7, E_unit: 0.005 });
  const veh = allocateSlotVehicles(1);
  veh.modality[0] = 1;
  veh.d[0] = 1e6;
  veh.T_max[0] = 0.015;
  veh.zeta[0] = 1;
  veh.F[0] = 4e9;
  veh.kappa[0] = 1e-28;
  veh.h[0] = 1e-9;
  veh.E_max[0] = 0.05;
  veh.Q[0] = 2;
  const { table, calls } = stubTable(0.7);
  const out = allocateSlotOutputs(1);
  const reward = vehicleSlot(params, veh, 0, true, 0.8, 0.7, 1e7, 4, table, out);
  const snr = (0.7 * 1e-9) / 8e-15; // 87 500
  const r = 1e7 * Math.log2(1 + 87500);
  const t_veh = (1e6 * 2) / (4e9 * 0.8); // 0.625 ms
  const t_trans = (0.8 * 1e6) / r;
  const t_edge = (1e6 * 20 * 1 * 4) / 1e11; // 0.8 ms
  const t = t_veh + t_trans + t_edge;
  const E_veh = 1e-28 * t_veh * 4e9 ** 3 + 0.7 * t_trans;
  const E_edge = 1e-30 * t_edge * (1e11 / 4) ** 3; // 1e-30 * 8e-4 * 1.5625e31 = 12.5 mJ
  const E = E_veh + E_edge;
  const e = E / 0.005;
  const P = Math.log2(1 + (0.015 - t) * 1000);
  const U = 0.5 * P + 0.3 * 0.7 - 0.2 * e;
  const expectedReward = 7 * U - 2 * (e - 0.05 / 0.005);
  closeTo(E_edge, 0.0125, 'E_edge = 12.5 mJ');
  closeTo(reward, expectedReward, 'returned reward');
  const row = {} as Row;
  for (const f of FIELDS) row[f] = out[f][0]!;
  checkRow(
    row,
    {
      b: 1e7,
      r,
      snr_db: 10 * Math.log10(snr),
      t_veh,
      t_trans,
      t_edge,
      t,
      E_veh,
      E_edge,
      E,
      P,
      S: 0.7,
      U,
      Q_next: Math.max(2 + e - 10, 0),
      reward: expectedReward,
      cost: t + 10 * E,
    },
    'vehicleSlot',
  );
  assert.deepEqual(
    calls.map((c) => c[0]),
    [1],
    'one lookup, for image',
  );
  closeTo(calls[0]![1], 0.8, 'lookup lambda');
  closeTo(calls[0]![2], 10 * Math.log10(87500), 'lookup snr_db');
  // with out = null it only returns the reward
  closeTo(vehicleSlot(params, veh, 0, true, 0.8, 0.7, 1e7, 4, table, null), expectedReward, 'reward without out');
});

// ---------------------------------------------------------------------------------------------
// Four vehicles: mixed local/offload, all three modalities, both priorities, clipping, a late
// low-priority and a late high-priority task, the S_min penalty, and a queue clipped at zero.
const MULTI_VEHICLES: Vehicle[] = [
  // 0: text, offloads, low priority, late; lambda 0.3 -> 0.4 and p 0.9 -> 0.8 by clipping
  { modality: 'text', d: 2.5e6, T_max: 0.006, zeta: 0, F: 3e9, kappa: 2e-28, h: 2e-10, E_max: 0.05, Q: 2, fidelity: 0.9, action: { rho: 1, lambda: 0.3, p: 0.9, w: 0.6 } },
  // 1: image, local, high priority, on time; its w and fidelity must play no part
  { modality: 'image', d: 1e6, T_max: 0.008, zeta: 1, F: 5e9, kappa: 1e-29, h: 5e-10, E_max: 0.1, Q: 0.3, fidelity: 0.2, action: { rho: 0, lambda: 0.7, p: 0.65, w: 1 } },
  // 2: speech, offloads, high priority, late, fidelity 0.45 < S_min
  { modality: 'speech', d: 3e6, T_max: 0.005, zeta: 1, F: 4e9, kappa: 1e-28, h: 1e-11, E_max: 0.02, Q: 0, fidelity: 0.45, action: { rho: 1, lambda: 0.5, p: 0.6, w: 0.2 } },
  // 3: image, offloads, low priority, on time
  { modality: 'image', d: 2.5e6, T_max: 0.02, zeta: 0, F: 3.5e9, kappa: 5e-29, h: 3e-9, E_max: 0.04, Q: 1.2, fidelity: 0.75, action: { rho: 1, lambda: 1.0, p: 0.75, w: 1.0 } },
];

function multiByHand(): { M: number; rows: Row[]; slackMs: number[] } {
  // M = 3 offloaders (0, 2, 3); their weights sum to 0.6 + 0.2 + 1.0 = 1.8
  // vehicle 0 (text, lambda 0.4, p 0.8)
  const b0 = (5e7 * 0.6) / 1.8; // 1.6667e7 Hz
  const snr0 = (0.8 * 2e-10) / 8e-15; // 20 000
  const r0 = b0 * Math.log2(1 + 20000); // 2.3813e8 bit/s
  const t_veh0 = (2.5e6 * 1) / (3e9 * 0.4); // 2.0833 ms
  const t_trans0 = (0.4 * 2.5e6) / r0; // 4.1994 ms
  const t_edge0 = (2.5e6 * 10 * 1 * 3) / 1e11; // 0.75 ms
  const t0 = t_veh0 + t_trans0 + t_edge0; // 7.0327 ms > 6 ms: late
  const E_veh0 = 2e-28 * t_veh0 * 3e9 ** 3 + 0.8 * t_trans0; // 5.4 W x 2.0833 ms + 0.8 W x 4.1994 ms
  const E_edge0 = 1e-30 * t_edge0 * (1e11 / 3) ** 3; // 37.037 W x 0.75 ms = 27.78 mJ
  const E0 = E_veh0 + E_edge0;
  const e0 = E0 / 0.01;
  const slack0 = (0.006 - t0) * 1000; // -1.03 ms
  const P0 = 5 / (1 - slack0); // low priority, late
  const U0 = 0.5 * P0 + 0.3 * 0.9 - 0.2 * e0;
  const row0: Row = {
    b: b0,
    r: r0,
    snr_db: 10 * Math.log10(snr0),
    t_veh: t_veh0,
    t_trans: t_trans0,
    t_edge: t_edge0,
    t: t0,
    E_veh: E_veh0,
    E_edge: E_edge0,
    E: E0,
    P: P0,
    S: 0.9,
    U: U0,
    Q_next: Math.max(2 + e0 - 0.05 / 0.01, 0),
    reward: 10 * U0 - 2 * (e0 - 5),
    cost: t0 + 10 * E0,
  };
  // vehicle 1 (local image)
  const t_veh1 = (1e6 * 20) / 5e9; // 4 ms
  const E1 = 1e-29 * t_veh1 * 5e9 ** 3; // 1.25 W x 4 ms = 5 mJ
  const e1 = E1 / 0.01; // 0.5
  const slack1 = (0.008 - t_veh1) * 1000; // 4 ms
  const P1 = Math.log2(1 + slack1); // log2(5)
  const U1 = 0.5 * P1 + 0.3 * 1 - 0.2 * e1;
  const row1: Row = {
    b: 0,
    r: 0,
    snr_db: 10 * Math.log10((0.65 * 5e-10) / 8e-15),
    t_veh: t_veh1,
    t_trans: 0,
    t_edge: 0,
    t: t_veh1,
    E_veh: E1,
    E_edge: 0,
    E: E1,
    P: P1,
    S: 1,
    U: U1,
    Q_next: Math.max(0.3 + e1 - 0.1 / 0.01, 0), // 0.3 + 0.5 - 10 < 0 -> 0
    reward: 10 * U1 - 0.3 * (e1 - 10),
    cost: t_veh1 + 10 * E1,
  };
  // vehicle 2 (speech, lambda 0.5, p 0.6)
  const b2 = (5e7 * 0.2) / 1.8; // 5.5556e6 Hz
  const snr2 = (0.6 * 1e-11) / 8e-15; // 750
  const r2 = b2 * Math.log2(1 + 750); // 5.307e7 bit/s
  const t_veh2 = (3e6 * 1.5) / (4e9 * 0.5); // 2.25 ms
  const t_trans2 = (0.5 * 3e6) / r2; // 28.26 ms
  const t_edge2 = (3e6 * 15 * 1 * 3) / 1e11; // 1.35 ms
  const t2 = t_veh2 + t_trans2 + t_edge2; // 31.86 ms > 5 ms: late
  const E_veh2 = 1e-28 * t_veh2 * 4e9 ** 3 + 0.6 * t_trans2;
  const E_edge2 = 1e-30 * t_edge2 * (1e11 / 3) ** 3; // 50 mJ
  const E2 = E_veh2 + E_edge2;
  const e2 = E2 / 0.01;
  const slack2 = (0.005 - t2) * 1000;
  const P2 = -5; // high priority, late
  const U2 = 0.5 * -5 + 0.3 * 0.45 - 0.2 * e2 - 0.3 * 5; // 0.45 < S_min: penalty psi_f C
  const row2: Row = {
    b: b2,
    r: r2,
    snr_db: 10 * Math.log10(snr2),
    t_veh: t_veh2,
    t_trans: t_trans2,
    t_edge: t_edge2,
    t: t2,
    E_veh: E_veh2,
    E_edge: E_edge2,
    E: E2,
    P: P2,
    S: 0.45,
    U: U2,
    Q_next: Math.max(0 + e2 - 0.02 / 0.01, 0),
    reward: 10 * U2 - 0 * (e2 - 2),
    cost: t2 + 10 * E2,
  };
  // vehicle 3 (image, lambda 1, p 0.75)
  const b3 = (5e7 * 1.0) / 1.8; // 2.7778e7 Hz
  const snr3 = (0.75 * 3e-9) / 8e-15; // 281 250
  const r3 = b3 * Math.log2(1 + 281250); // 5.028e8 bit/s
  const t_veh3 = (2.5e6 * 2) / (3.5e9 * 1); // 1.4286 ms
  const t_trans3 = (1 * 2.5e6) / r3; // 4.972 ms
  const t_edge3 = (2.5e6 * 20 * 1 * 3) / 1e11; // 1.5 ms
  const t3 = t_veh3 + t_trans3 + t_edge3; // 7.90 ms < 20 ms: on time
  const E_veh3 = 5e-29 * t_veh3 * 3.5e9 ** 3 + 0.75 * t_trans3;
  const E_edge3 = 1e-30 * t_edge3 * (1e11 / 3) ** 3; // 55.56 mJ
  const E3 = E_veh3 + E_edge3;
  const e3 = E3 / 0.01;
  const slack3 = (0.02 - t3) * 1000;
  const P3 = 5; // low priority, on time: C
  const U3 = 0.5 * 5 + 0.3 * 0.75 - 0.2 * e3;
  const row3: Row = {
    b: b3,
    r: r3,
    snr_db: 10 * Math.log10(snr3),
    t_veh: t_veh3,
    t_trans: t_trans3,
    t_edge: t_edge3,
    t: t3,
    E_veh: E_veh3,
    E_edge: E_edge3,
    E: E3,
    P: P3,
    S: 0.75,
    U: U3,
    Q_next: Math.max(1.2 + e3 - 0.04 / 0.01, 0),
    reward: 10 * U3 - 1.2 * (e3 - 4),
    cost: t3 + 10 * E3,
  };
  return { M: 3, rows: [row0, row1, row2, row3], slackMs: [slack0, slack1, slack2, slack3] };
}

test('four vehicles (mixed local/offload, modalities, priorities): every output field by hand', () => {
  const { M, rows, slackMs } = multiByHand();
  // the case exercises what it claims to
  assert.ok(slackMs[0]! < 0 && slackMs[1]! > 0 && slackMs[2]! < 0 && slackMs[3]! > 0, `slacks ${slackMs}`);
  assert.ok(rows[1]!.Q_next === 0 && 0.3 + rows[1]!.E / 0.01 - 10 < 0, 'vehicle 1 queue clips');
  assert.ok(rows[0]!.Q_next > 0 && rows[2]!.Q_next > 0 && rows[3]!.Q_next > 0);
  const out = evaluateSlotCase(semantic(MULTI_VEHICLES));
  assert.equal(out.M, M);
  assert.equal(out.vehicles.length, 4);
  rows.forEach((row, i) => checkRow(out.vehicles[i], row, `vehicle ${i}`));
});

// ---------------------------------------------------------------------------------------------
test('parseSlotCases: one case, an array of cases, and the first bad field of a malformed one', () => {
  const one = parseSlotCases(semantic([SPEC_VEHICLE]));
  assert.equal(one.isArray, false);
  assert.equal(one.cases.length, 1);
  const many = parseSlotCases([semantic([SPEC_VEHICLE]), semantic(MULTI_VEHICLES)]);
  assert.equal(many.isArray, true);
  assert.equal(many.cases.length, 2);
  assert.equal(many.cases[1]!.vehicles.length, 4);
  const bad = (mutate: (c: any) => void, field: string) => {
    const c: any = structuredClone(semantic(MULTI_VEHICLES));
    mutate(c);
    assert.throws(
      () => parseSlotCases(c),
      (err: unknown) => {
        assert.ok(err instanceof SlotCaseError, String(err));
        assert.ok(err.field.includes(field) || err.message.includes(field), `${err.message} should name ${field}`);
        return true;
      },
    );
  };
  bad((c) => delete c.vehicles[2].T_max, 'vehicles[2].T_max');
  bad((c) => (c.vehicles[1].d = -5), 'vehicles[1].d');
  bad((c) => (c.vehicles[3].action.p = -0.1), 'vehicles[3].action.p');
  bad((c) => (c.vehicles[0].action.rho = 2), 'vehicles[0].action.rho');
  bad((c) => (c.vehicles[0].modality = 'video'), 'vehicles[0].modality');
  bad((c) => (c.params.c_ext.image = 'two'), 'params.c_ext.image');
  bad((c) => (c.vehicles = []), 'vehicles');
});
