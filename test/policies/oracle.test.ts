// The oracle against exhaustive search on small N.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultScenario } from '../../src/config/scenario.ts';
import { SvecCore } from '../../src/sim/core.ts';
import { bruteForceSlot, solveSlot } from '../../src/policies/oracle.ts';
import { allocateSlotActions, allocateSlotOutputs, evaluateSlot } from '../../src/sim/slotModel.ts';

const tiny = { lambdaPoints: 4, powerPoints: 2, bandwidthQuanta: 6, refine: false };

test('N = 3 and 4: the oracle equals brute force over every set, every bandwidth split and the grid', () => {
  for (const n of [3, 4]) {
    const core = new SvecCore({ ...defaultScenario(), vehicles: n });
    core.reset(100 + n);
    const out = allocateSlotActions(n);
    for (let slot = 0; slot < 25; slot++) {
      const oracle = solveSlot(core.params, core.vehicles, core.fidelity, tiny, core.scenario.bandwidthWeightMin, out);
      const brute = bruteForceSlot(core.params, core.vehicles, core.fidelity, tiny);
      assert.ok(Math.abs(oracle.predictedReward - brute) <= 1e-9 * Math.abs(brute) + 1e-9, `slot ${slot}: oracle ${oracle.predictedReward} vs brute force ${brute}`);
      core.step(out);
    }
  }
});

test('N = 8 and 10: local search finds the exhaustive optimum over sets (within 0.5%, usually exactly)', () => {
  for (const n of [8, 10]) {
    const core = new SvecCore({ ...defaultScenario(), vehicles: n });
    core.reset(7 * n);
    const out = allocateSlotActions(n);
    const options = { lambdaPoints: 7, powerPoints: 2, bandwidthQuanta: 12, refine: false };
    let exact = 0;
    const slots = 12;
    for (let slot = 0; slot < slots; slot++) {
      const local = solveSlot(core.params, core.vehicles, core.fidelity, { ...options, setSearch: 'local' }, 0.05, out);
      const exhaustive = solveSlot(core.params, core.vehicles, core.fidelity, { ...options, setSearch: 'exhaustive' }, 0.05, allocateSlotActions(n));
      assert.ok(exhaustive.predictedReward >= local.predictedReward - 1e-9);
      const gap = (exhaustive.predictedReward - local.predictedReward) / Math.abs(exhaustive.predictedReward);
      assert.ok(gap <= 0.005, `N=${n} slot ${slot}: local search ${local.predictedReward} vs exhaustive ${exhaustive.predictedReward}`);
      if (gap <= 1e-12) exact++;
      core.step(out);
    }
    assert.ok(exact >= slots - 2, `N=${n}: exact in only ${exact}/${slots} slots`);
  }
});

test("the predicted reward is what the simulator pays for the oracle's actions, and beats local-only and offload-all", () => {
  const n = 20;
  const core = new SvecCore({ ...defaultScenario(), vehicles: n });
  core.reset(5);
  const actions = allocateSlotActions(n);
  const out = allocateSlotOutputs(n);
  for (let slot = 0; slot < 5; slot++) {
    const decision = solveSlot(core.params, core.vehicles, core.fidelity, {}, core.scenario.bandwidthWeightMin, actions);
    evaluateSlot(core.params, core.vehicles, actions, core.fidelity, out);
    const paid = out.reward.reduce((a, b) => a + b, 0);
    assert.ok(paid >= decision.predictedReward - 1e-6 * Math.abs(paid), `paid ${paid} < predicted ${decision.predictedReward}`);
    for (const fixed of [
      { rho: 0, lambda: 1 },
      { rho: 1, lambda: 1 },
      { rho: 1, lambda: 0.4 },
    ]) {
      const other = allocateSlotActions(n);
      other.rho.fill(fixed.rho);
      other.lambda.fill(fixed.lambda);
      other.p.fill(0.8);
      other.w.fill(1);
      evaluateSlot(core.params, core.vehicles, other, core.fidelity, out);
      const fixedReward = out.reward.reduce((a, b) => a + b, 0);
      assert.ok(paid >= fixedReward - 1e-9, `oracle ${paid} < fixed policy ${fixedReward}`);
    }
    core.step(actions);
  }
});
