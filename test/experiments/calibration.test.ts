// The calibration claims of docs/model.md, checked on the default scenario (2 short evaluations).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultScenario } from '../../src/config/scenario.ts';
import { simulateBuiltin } from '../../src/experiments/simulate.ts';

test('default scenario is a real trade-off: the oracle mixes local and offloading, uses several lambdas and beats every fixed policy', () => {
  const scenario = { ...defaultScenario(), slotsPerEpisode: 25 };
  const options = { episodes: 2, seed: 1 };
  const oracle = simulateBuiltin(scenario, 'oracle', options);
  const fixed = ['local-only', 'offload-all:1', 'offload-all:0.4'].map((p) => simulateBuiltin(scenario, p, options));
  const bestFixed = Math.max(...fixed.map((r) => r.teamReward));
  assert.ok(oracle.offloadFraction > 0.05 && oracle.offloadFraction < 0.95, `oracle offload fraction ${oracle.offloadFraction}`);
  assert.ok(oracle.distinctLambdas > 1, 'the oracle uses more than one lambda');
  // "a clear margin": the oracle's team reward exceeds the best fixed policy's by at least 20% of its magnitude
  assert.ok(oracle.teamReward > bestFixed + 0.2 * Math.abs(bestFixed), `oracle ${oracle.teamReward} vs best fixed ${bestFixed}`);
  assert.ok(oracle.latencyMs >= 5 && oracle.latencyMs <= 25, `oracle latency ${oracle.latencyMs} ms`);
  for (const row of fixed) assert.ok(row.teamReward < oracle.teamReward);
});
