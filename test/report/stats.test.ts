import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confidenceInterval, mean, movingAverage, movingAverageBy, sampleStd, summarizeAcrossSeeds, tQuantile } from '../../src/report/stats.ts';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} differs from ${expected} by more than ${tolerance}`);

test('t quantiles match the printed table (two-sided 95%: 12.706, 4.303, 2.776, 2.262; normal limit 1.960)', () => {
  close(tQuantile(0.975, 1), 12.7062, 1e-4, 'df 1');
  close(tQuantile(0.975, 2), 4.3027, 1e-4, 'df 2');
  close(tQuantile(0.975, 4), 2.7764, 1e-4, 'df 4');
  close(tQuantile(0.975, 9), 2.2622, 1e-4, 'df 9');
  close(tQuantile(0.975, 29), 2.0452, 1e-4, 'df 29');
  close(tQuantile(0.975, 1e7), 1.95996, 1e-4, 'df -> infinity');
  close(tQuantile(0.95, 4), 2.1318, 1e-4, '90% two-sided, df 4');
  // exact form for df 1 (Cauchy) and df 2: tan(pi (p - 1/2)) and (2p - 1) sqrt(2 / (4p(1 - p)))
  close(tQuantile(0.975, 1), Math.tan(Math.PI * 0.475), 1e-9, 'df 1 closed form');
  close(tQuantile(0.975, 2), 0.95 * Math.sqrt(2 / (4 * 0.975 * 0.025)), 1e-9, 'df 2 closed form');
});

test('95% confidence intervals use Student t: n = 2, 3, 5 against hand-computed values', () => {
  // n = 2: values 1, 3: mean 2, s = sqrt(2), hw = 12.706 * sqrt(2) / sqrt(2) = 12.706
  const two = confidenceInterval([1, 3]);
  close(two.mean, 2, 1e-15, 'mean n=2');
  close(two.std, Math.SQRT2, 1e-15, 'std n=2');
  close(two.halfWidth, 12.7062, 1e-3, 'half width n=2');
  close(two.lo, 2 - 12.7062, 1e-3, 'lo n=2');
  close(two.hi, 2 + 12.7062, 1e-3, 'hi n=2');
  // n = 3: values 1, 2, 3: s = 1, hw = 4.303 / sqrt(3) = 2.4842
  const three = confidenceInterval([1, 2, 3]);
  assert.equal(three.mean, 2);
  assert.equal(three.std, 1);
  close(three.halfWidth, 2.4842, 1e-3, 'half width n=3');
  // n = 5: 2, 4, 4, 4, 6: mean 4, s = sqrt(2), hw = 2.776 * sqrt(2) / sqrt(5) = 1.7560
  const five = confidenceInterval([2, 4, 4, 4, 6]);
  assert.equal(five.mean, 4);
  close(five.halfWidth, 1.756, 1e-3, 'half width n=5');
  close(five.lo, 4 - five.halfWidth, 1e-12, 'lo n=5');
  close(five.hi, 4 + five.halfWidth, 1e-12, 'hi n=5');
  assert.equal(five.n, 5);
});

test('degenerate and edge cases: one value, none, NaN ignored, other levels, bad level', () => {
  assert.deepEqual(confidenceInterval([7]), { mean: 7, std: 0, halfWidth: 0, lo: 7, hi: 7, n: 1 });
  const none = confidenceInterval([]);
  assert.equal(none.n, 0);
  assert.ok(Number.isNaN(none.mean) && Number.isNaN(none.lo) && Number.isNaN(none.hi));
  const withNaN = confidenceInterval([1, Number.NaN, 3]);
  assert.equal(withNaN.n, 2);
  assert.equal(withNaN.mean, 2);
  // 90%: t(0.95, 2) = 2.920 -> values 1,2,3 (s = 1): hw = 2.920 / sqrt(3)
  close(confidenceInterval([1, 2, 3], 0.9).halfWidth, 2.92 / Math.sqrt(3), 1e-3, '90% n=3');
  // identical values: zero spread, zero width
  assert.equal(confidenceInterval([5, 5, 5]).halfWidth, 0);
  assert.throws(() => confidenceInterval([1, 2], 95), RangeError);
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  close(sampleStd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12, 'sample std');
});

test('summarizeAcrossSeeds groups a long table by its key fields, in order of first appearance', () => {
  const rows = [
    { algorithm: 'dmadrl', episode: 1, seed: 0, reward: 1 },
    { algorithm: 'dmadrl', episode: 1, seed: 1, reward: 3 },
    { algorithm: 'mappo', episode: 1, seed: 0, reward: 2 },
    { algorithm: 'dmadrl', episode: 2, seed: 0, reward: 2 },
    { algorithm: 'dmadrl', episode: 2, seed: 1, reward: '4' }, // as read from CSV
    { algorithm: 'dmadrl', episode: 2, seed: 2, reward: 6 },
    { algorithm: 'mappo', episode: 1, seed: 1, reward: '' }, // missing: not counted
  ];
  const summary = summarizeAcrossSeeds(rows, ['algorithm', 'episode'], 'reward');
  assert.deepEqual(
    summary.map((r) => [r.algorithm, r.episode, r.mean, r.n]),
    [
      ['dmadrl', 1, 2, 2],
      ['mappo', 1, 2, 1],
      ['dmadrl', 2, 4, 3],
    ],
  );
  close(summary[0]!.hi - summary[0]!.mean, 12.7062, 1e-3, 'n=2 group');
  close(summary[2]!.halfWidth, (4.3027 * 2) / Math.sqrt(3), 1e-3, 'n=3 group (s = 2)');
  assert.equal(summary[1]!.lo, 2);
  assert.equal(summary[1]!.hi, 2);
  assert.equal('seed' in summary[0]!, false);
});

test('moving average: trailing window, shorter at the start; per group in order of a field', () => {
  assert.deepEqual(movingAverage([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5]);
  assert.deepEqual(movingAverage([3, 6, 9, 12, 15], 3), [3, 4.5, 6, 9, 12]);
  assert.deepEqual(movingAverage([1, 2, 3], 1), [1, 2, 3]);
  assert.deepEqual(movingAverage([], 5), []);
  assert.throws(() => movingAverage([1], 0), RangeError);
  const rows = [
    { seed: 1, episode: 2, r: 4 },
    { seed: 0, episode: 1, r: 1 },
    { seed: 1, episode: 1, r: 2 },
    { seed: 0, episode: 2, r: 3 },
  ];
  const smoothed = movingAverageBy(rows, ['seed'], 'episode', 'r', 2, 'smooth');
  assert.deepEqual(
    smoothed.map((row) => row.smooth),
    [3, 1, 2, 2],
  );
  assert.deepEqual(
    smoothed.map((row) => row.r),
    [4, 1, 2, 3],
  ); // original values kept
  assert.equal('smooth' in rows[0]!, false); // input not modified
});

test('Welch interval of a difference of means: the Welch–Satterthwaite df and the t quantile, by hand', async () => {
  const { welchDifference, confidenceInterval, tQuantile } = await import('../../src/report/stats.ts');
  const a = confidenceInterval([1, 2, 3]); // mean 2, s^2 = 1
  const b = confidenceInterval([4, 5, 6, 7]); // mean 5.5, s^2 = 5/3
  const va = 1 / 3;
  const vb = 5 / 3 / 4;
  const df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 3);
  const half = tQuantile(0.975, df) * Math.sqrt(va + vb);
  const d = welchDifference(a, b);
  assert.ok(Math.abs(d.df - df) < 1e-12 && Math.abs(d.df - 4.9588) < 1e-3, `df ${d.df}`);
  assert.ok(Math.abs(d.lo - (-3.5 - half)) < 1e-9 && Math.abs(d.hi - (-3.5 + half)) < 1e-9);
  assert.equal(d.verdict, 'lower');
  assert.equal(welchDifference(confidenceInterval([1, 2, 3]), confidenceInterval([1.5, 2.5, 3.5])).verdict, 'tie');
  assert.equal(welchDifference(confidenceInterval([1]), b).verdict, 'unknown');
});
