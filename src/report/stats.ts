// Summary statistics across seeds: mean, sample standard deviation and the 95% confidence
// interval of the mean with Student's t quantile (@stdlib). With one value the interval is that
// value (no spread can be estimated); the table marks n so readers can tell.
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

export interface Interval {
  mean: number;
  /** sample standard deviation (0 when n < 2) */
  std: number;
  /** half width of the 95% confidence interval of the mean (0 when n < 2) */
  halfWidth: number;
  lo: number;
  hi: number;
  n: number;
}

export function mean(values: number[]): number {
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

export function sampleStd(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/** Mean and 95% confidence interval (Student t, n - 1 degrees of freedom); NaNs are ignored. */
export function confidenceInterval(values: number[], level = 0.95): Interval {
  const finite = values.filter((v) => !Number.isNaN(v));
  const n = finite.length;
  const m = mean(finite);
  const std = sampleStd(finite);
  const halfWidth = n >= 2 ? tQuantile(1 - (1 - level) / 2, n - 1) * (std / Math.sqrt(n)) : 0;
  return { mean: m, std, halfWidth, lo: m - halfWidth, hi: m + halfWidth, n };
}

/** Trailing moving average with the given window (shorter at the start). */
export function movingAverage(values: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= window) sum -= values[i - window]!;
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}
