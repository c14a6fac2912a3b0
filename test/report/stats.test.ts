import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confidenceInterval, movingAverage } from '../../src/report/stats.ts';

test('95% confidence intervals use Student t: n = 2, 3, 5 against hand-computed values', () => {
  // n = 2: values 1, 3: mean 2, s = sqrt(2), t(0.975, 1) = 12.706 -> hw = 12.706 * sqrt(2)/sqrt(2) = 12.706
  const two = confidenceInterval([1, 3]);
  assert.ok(Math.abs(two.halfWidth - 12.7062) < 1e-3);
  // n = 3: values 1, 2, 3: s = 1, t(0.975, 2) = 4.303 -> hw = 4.303 / sqrt(3)
  const three = confidenceInterval([1, 2, 3]);
  assert.ok(Math.abs(three.halfWidth - 4.3027 / Math.sqrt(3)) < 1e-3);
  assert.equal(three.mean, 2);
  // n = 5: 2, 4, 4, 4, 6: mean 4, s = sqrt(2), t(0.975, 4) = 2.776 -> hw = 2.776 sqrt(2)/sqrt(5)
  const five = confidenceInterval([2, 4, 4, 4, 6]);
  assert.ok(Math.abs(five.halfWidth - (2.7764 * Math.sqrt(2)) / Math.sqrt(5)) < 1e-3);
  assert.ok(Math.abs(five.lo - (4 - five.halfWidth)) < 1e-12);
  // one value: a degenerate interval at the value
  assert.deepEqual(confidenceInterval([7]), { mean: 7, std: 0, halfWidth: 0, lo: 7, hi: 7, n: 1 });
  assert.equal(confidenceInterval([1, Number.NaN, 3]).n, 2);
});

test('moving average', () => {
  assert.deepEqual(movingAverage([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5]);
});
