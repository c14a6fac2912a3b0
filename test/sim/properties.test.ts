// Property tests over random slots and random actions (fast-check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultScenario } from '../../src/config/scenario.ts';
import { SvecCore } from '../../src/sim/core.ts';
import { decodeRawActions, RAW_ACTION_DIM } from '../../src/sim/observation.ts';
import { allocateSlotActions, allocateSlotOutputs, evaluateSlot } from '../../src/sim/slotModel.ts';

const unit = fc.double({ min: -1, max: 1, noNaN: true });
const wild = fc.double({ min: -50, max: 50, noNaN: true });

const caseArb = fc.record({
  seed: fc.nat({ max: 1_000_000 }),
  n: fc.integer({ min: 1, max: 12 }),
  semantic: fc.boolean(),
  raw: fc.array(wild, { minLength: 12 * RAW_ACTION_DIM, maxLength: 12 * RAW_ACTION_DIM }),
  slots: fc.integer({ min: 1, max: 8 }),
});

test('bandwidth shares sum to B_max (at most), fidelity in [0, 1], queues never negative, actions within bounds', () => {
  fc.assert(
    fc.property(caseArb, ({ seed, n, semantic, raw, slots }) => {
      const scenario = { ...defaultScenario(), vehicles: n, mode: semantic ? ('semantic' as const) : ('non-semantic' as const) };
      const core = new SvecCore(scenario);
      core.reset(seed);
      const actions = allocateSlotActions(n);
      decodeRawActions(raw, scenario, n, actions);
      for (let i = 0; i < n; i++) {
        assert.ok(actions.lambda[i]! >= scenario.lambda.min && actions.lambda[i]! <= scenario.lambda.max);
        assert.ok(actions.p[i]! >= scenario.powerW.min && actions.p[i]! <= scenario.powerW.max);
        assert.ok(actions.w[i]! >= scenario.bandwidthWeightMin && actions.w[i]! <= 1);
      }
      for (let s = 0; s < slots; s++) {
        const M = core.step(actions);
        const out = core.out;
        let bandwidth = 0;
        let offloaders = 0;
        for (let i = 0; i < n; i++) {
          bandwidth += out.b[i]!;
          if (actions.rho[i] === 1) offloaders++;
          else assert.equal(out.b[i], 0);
          assert.ok(out.S[i]! >= 0 && out.S[i]! <= 1, `fidelity ${out.S[i]}`);
          assert.ok(out.Q_next[i]! >= 0, `queue ${out.Q_next[i]}`);
          assert.ok(core.vehicles.Q[i]! >= 0);
          assert.ok(out.t[i]! >= 0 && Number.isFinite(out.t[i]!));
          assert.ok(out.E[i]! >= 0 && Number.isFinite(out.E[i]!));
          assert.ok(Number.isFinite(out.reward[i]!));
          if (!semantic) assert.equal(out.S[i], 1);
        }
        assert.equal(M, offloaders);
        assert.ok(bandwidth <= scenario.bandwidthHz * (1 + 1e-12));
        if (offloaders > 0) assert.ok(Math.abs(bandwidth - scenario.bandwidthHz) < 1e-6 * scenario.bandwidthHz);
      }
    }),
    { numRuns: 200, seed: 20261128 },
  );
});

test('actions outside their bounds are clipped: same results as the clipped action', () => {
  fc.assert(
    fc.property(fc.nat({ max: 100000 }), unit, unit, (seed, lambdaOff, powerOff) => {
      const scenario = { ...defaultScenario(), vehicles: 3 };
      const core = new SvecCore(scenario);
      core.reset(seed);
      const wildActions = allocateSlotActions(3);
      const clipped = allocateSlotActions(3);
      for (let i = 0; i < 3; i++) {
        wildActions.rho[i] = clipped.rho[i] = 1;
        wildActions.w[i] = clipped.w[i] = 1;
        wildActions.lambda[i] = lambdaOff > 0 ? 1 + lambdaOff : 0.4 + lambdaOff; // above max or below min
        clipped.lambda[i] = lambdaOff > 0 ? 1 : 0.4;
        wildActions.p[i] = powerOff > 0 ? 0.8 + powerOff : 0.6 + powerOff * 0.5;
        clipped.p[i] = powerOff > 0 ? 0.8 : 0.6;
      }
      const a = allocateSlotOutputs(3);
      const b = allocateSlotOutputs(3);
      evaluateSlot(core.params, core.vehicles, wildActions, core.fidelity, a);
      evaluateSlot(core.params, core.vehicles, clipped, core.fidelity, b);
      assert.deepEqual(a, b);
    }),
    { numRuns: 100, seed: 7 },
  );
});

test('one seed reproduces a run exactly; another seed does not', () => {
  const run = (seed: number) => {
    const scenario = { ...defaultScenario(), vehicles: 6 };
    const core = new SvecCore(scenario);
    core.reset(seed);
    const actions = allocateSlotActions(6);
    const trace: number[] = [];
    for (let t = 0; t < 30; t++) {
      for (let i = 0; i < 6; i++) {
        actions.rho[i] = (t + i) % 2;
        actions.lambda[i] = 0.5;
        actions.p[i] = 0.7;
        actions.w[i] = 0.5;
      }
      core.step(actions);
      trace.push(...core.out.reward, ...core.out.t, ...core.vehicles.h);
    }
    return trace;
  };
  assert.deepEqual(run(11), run(11));
  assert.notDeepEqual(run(11), run(12));
});
