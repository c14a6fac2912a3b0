// What the two hand-computation tests of the one-slot model share (test/sim/slotFormulas.test.ts
// in process, test/cli/modelStep.test.ts through the CLI): the spec's example parameters, the
// output fields the spec lists for every vehicle, and the agreement rule. Plain data and
// assertions only, so neither test takes a formula from the code it checks.
import assert from 'node:assert/strict';

/** The spec's example parameters (../shared/spec/system-model.md, "One slot"), all SI units; no objective (the default, drift). */
export const SPEC_PARAMS = {
  B_max: 5e7,
  F_e: 1e11,
  sigma2: 8e-15,
  eta: 1,
  kappa_e: 1e-30,
  C: 5,
  psi_e: 0.2,
  psi_t: 0.5,
  psi_f: 0.3,
  S_min: 0.6,
  V: 10,
  E_unit: 0.01,
  lambda_min: 0.4,
  lambda_max: 1.0,
  p_min: 0.6,
  p_max: 0.8,
  c_loc: { text: 10, image: 20, speech: 15 },
  c_ext: { text: 1, image: 2, speech: 1.5 },
};

/** The output fields the spec lists for every vehicle, in its order. */
export const SLOT_FIELDS = ['b', 'r', 'snr_db', 't_veh', 't_trans', 't_edge', 't', 'E_veh', 'E_edge', 'E', 'P', 'S', 'U', 'Q_next', 'drift', 'reward', 'cost'] as const;

/** Agreement with a hand-computed value: relative error at most 1e-9. */
export const REL = 1e-9;

export function closeTo(actual: unknown, expected: number, label: string): void {
  assert.ok(Number.isFinite(expected), `${label}: the hand-computed value ${expected} is not finite`);
  assert.equal(typeof actual, 'number', `${label}: not a number (${String(actual)})`);
  const err = Math.abs((actual as number) - expected);
  assert.ok(err <= REL * Math.abs(expected), `${label}: got ${actual}, expected ${expected} (relative error ${err / Math.abs(expected)})`);
}
