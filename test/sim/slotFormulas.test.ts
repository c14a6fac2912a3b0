// Every formula of the spec's "One slot" section against values computed by hand here, with the
// arithmetic written out (never by calling the code under test). Relative error <= 1e-9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSlotCase, parseSlotCases, type SlotCase } from '../../src/sim/slotCase.ts';
import { close, MULTI_CASE, multiCaseByHand, PARAMS, SPEC_CASE, specCaseByHand } from '../fixtures/handCases.ts';
import { latencyUtility } from '../../src/sim/slotModel.ts';

test('the spec example case, field by field', () => {
  const expected = specCaseByHand();
  const out = evaluateSlotCase(SPEC_CASE);
  assert.equal(out.M, 1);
  for (const [field, value] of Object.entries(expected)) if (field !== 'M') close(out.vehicles[0]![field as keyof (typeof out.vehicles)[0]], value, field);
  assert.ok(expected.P > 0 && expected.t < 0.012, 'this case is on time');
});

test('four vehicles: shares, clipping, local execution, late tasks, the S_min penalty, every field', () => {
  const { M, rows } = multiCaseByHand();
  const out = evaluateSlotCase(MULTI_CASE);
  assert.equal(out.M, M);
  rows.forEach((row, i) => {
    for (const [field, value] of Object.entries(row)) {
      if (field === 'slack') continue;
      close(out.vehicles[i]![field as keyof (typeof out.vehicles)[0]], value, `vehicle ${i} ${field}`);
    }
  });
  // the case exercises what it claims to
  assert.ok(rows[0]!.slack < 0, 'vehicle 0 is late (low priority decays)');
  assert.ok(rows[2]!.slack < 0, 'vehicle 2 is late (high priority fails)');
  assert.ok(rows[3]!.slack >= 0, 'vehicle 3 is on time');
  const bandwidth = out.vehicles.reduce((a, v) => a + v.b, 0);
  close(bandwidth, 5e7, 'bandwidth shares sum to B_max');
});

test('non-semantic mode: lambda = 1, no extraction time, S = 1 whatever the table says', () => {
  const slotCase: SlotCase = { ...SPEC_CASE, mode: 'non-semantic', vehicles: [{ ...SPEC_CASE.vehicles[0]!, fidelity: 0.1 }] };
  const out = evaluateSlotCase(slotCase).vehicles[0]!;
  const r = 5e7 * Math.log2(1 + 87500);
  const t_trans = 2e6 / r; // lambda = 1
  const t_edge = 4e-4;
  close(out.t_veh, 0, 't_veh');
  close(out.t_trans, t_trans, 't_trans');
  close(out.t, t_trans + t_edge, 't');
  close(out.S, 1, 'S');
  close(out.E_veh, 0.7 * t_trans, 'E_veh');
});

test('queue update clips at zero; the reward uses the queue before the update', () => {
  // A local text task with tiny energy and a large budget: e - e_max < 0 and Q + e - e_max < 0.
  const slotCase: SlotCase = {
    mode: 'semantic',
    params: PARAMS,
    vehicles: [{ modality: 'text', d: 1e6, T_max: 0.02, zeta: 0, F: 5e9, kappa: 1e-29, h: 1e-9, E_max: 0.1, Q: 1.5, action: { rho: 0, lambda: 1, p: 0.6, w: 1 } }],
  };
  const out = evaluateSlotCase(slotCase).vehicles[0]!;
  const t = (1e6 * 10) / 5e9; // 2 ms
  const E = 1e-29 * t * 5e9 ** 3; // 2.5 mJ
  const e = E / 0.01;
  close(out.E, E, 'E');
  close(out.Q_next, 0, 'Q_next clipped at 0');
  assert.ok(1.5 + e - 10 < 0);
  const U = 0.5 * 5 + 0.3 * 1 - 0.2 * e; // low priority on time: P = C
  close(out.U, U, 'U');
  close(out.reward, 10 * U - 1.5 * (e - 10), 'reward with Q(t) = 1.5');
});

test('latency utility (eqs. 12–14) at and around the deadline', () => {
  close(latencyUtility(3, 1, 5), 2, 'high, 3 ms early: log2(4)');
  close(latencyUtility(0, 1, 5), 0, 'high, exactly on time');
  close(latencyUtility(-0.001, 1, 5), -5, 'high, late: -C');
  close(latencyUtility(0, 0, 5), 5, 'low, on time: C');
  close(latencyUtility(-1, 0, 5), 2.5, 'low, 1 ms late: C / 2');
  close(latencyUtility(-4, 0, 5), 1, 'low, 4 ms late: C / 5');
});

test('parseSlotCases accepts one case or an array and names the first bad field', () => {
  assert.equal(parseSlotCases(SPEC_CASE).isArray, false);
  assert.equal(parseSlotCases([SPEC_CASE, MULTI_CASE]).cases.length, 2);
  const bad = structuredClone(MULTI_CASE) as unknown as { vehicles: { action: { rho: number } }[] };
  bad.vehicles[2]!.action.rho = 2;
  assert.throws(() => parseSlotCases(bad), /vehicles\[2\]\.action\.rho: must be 0 or 1/);
  assert.throws(() => parseSlotCases([SPEC_CASE, { ...SPEC_CASE, mode: 'x' }]), /\[1\]\.mode/);
});
