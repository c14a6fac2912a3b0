// Summary statistics across seeds: mean, sample standard deviation and the confidence interval
// of the mean with Student's exact t quantile (@stdlib/stats-base-dists-t-quantile, which inverts
// the regularized incomplete beta function, so any n >= 2 gets the exact quantile, no table).
// With one value the interval is degenerate, lo = hi = mean (no spread can be estimated); every
// summary carries n so a table or plot can say so.
import tQuantileStdlib from '@stdlib/stats-base-dists-t-quantile';

// a type alias, not an interface, so summary rows fit Record<string, unknown> (CSV rows, plot data)
export type Interval = {
  mean: number;
  /** sample standard deviation (n - 1 in the denominator; 0 when n < 2) */
  std: number;
  /** half width of the confidence interval of the mean (0 when n < 2) */
  halfWidth: number;
  lo: number;
  hi: number;
  /** number of finite values the summary is built from (NaNs are left out) */
  n: number;
};

/** Arithmetic mean; NaN for an empty list. */
export function mean(values: readonly number[]): number {
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

/** Sample standard deviation (Bessel's correction); 0 for fewer than two values. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/** Quantile of Student's t distribution: P(T <= t) = p with `degreesOfFreedom` (> 0). */
export function tQuantile(p: number, degreesOfFreedom: number): number {
  return tQuantileStdlib(p, degreesOfFreedom);
}

/**
 * Mean and two-sided confidence interval of the mean (Student t, n - 1 degrees of freedom):
 * mean ± t(1 - (1 - level)/2, n - 1) · s / √n. NaNs are ignored; n = 1 gives lo = hi = mean;
 * n = 0 gives NaN everywhere except n.
 */
export function confidenceInterval(values: readonly number[], level = 0.95): Interval {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  const finite = values.filter((v) => !Number.isNaN(v));
  const n = finite.length;
  const m = mean(finite);
  const std = n >= 2 ? sampleStd(finite) : n === 1 ? 0 : Number.NaN;
  const halfWidth = n >= 2 ? tQuantile(1 - (1 - level) / 2, n - 1) * (std / Math.sqrt(n)) : n === 1 ? 0 : Number.NaN;
  return { mean: m, std, halfWidth, lo: m - halfWidth, hi: m + halfWidth, n };
}

/** One output row of summarizeAcrossSeeds: the key fields of the group plus its interval. */
export type SeedSummaryRow<K extends string> = { [F in K]: unknown } & Interval;

/**
 * Summarizes a long-format table across seeds: rows are grouped by the values of `keyFields`
 * (e.g. ['algorithm', 'episode']; the seed field is simply left out of the key) and the
 * `valueField` of each group is reduced to mean, std, 95% CI (lo, hi, halfWidth) and n.
 * Groups come out in order of first appearance. Values may be numbers or numeric strings (as read
 * from CSV); missing, empty or non-numeric values are not counted.
 */
export function summarizeAcrossSeeds<K extends string>(rows: readonly Record<string, unknown>[], keyFields: readonly K[], valueField: string, level = 0.95): SeedSummaryRow<K>[] {
  const groups = new Map<string, { keys: Record<string, unknown>; values: number[] }>();
  for (const row of rows) {
    const keyValues = keyFields.map((f) => row[f]);
    const id = JSON.stringify(keyValues);
    let group = groups.get(id);
    if (group === undefined) {
      const keys: Record<string, unknown> = {};
      keyFields.forEach((f, i) => (keys[f] = keyValues[i]));
      group = { keys, values: [] };
      groups.set(id, group);
    }
    group.values.push(toNumber(row[valueField]));
  }
  return [...groups.values()].map(({ keys, values }) => ({ ...keys, ...confidenceInterval(values, level) }) as SeedSummaryRow<K>);
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

/** Trailing moving average with the given window (the first window - 1 points average what exists). */
export function movingAverage(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`moving-average window must be a positive integer, got ${window}`);
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= window) sum -= values[i - window]!;
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

/**
 * Trailing moving average of `valueField` within each group of a long-format table (e.g. per
 * algorithm x seed, ordered by `orderField` such as the episode), smoothing each seed's learning
 * curve before summarizeAcrossSeeds. Returns copies of the rows with the smoothed value written
 * to `outputField` (default: `valueField`), in the input order.
 */
export function movingAverageBy<R extends Record<string, unknown>, O extends string = string>(
  rows: readonly R[],
  groupFields: readonly string[],
  orderField: string,
  valueField: string,
  window: number,
  outputField: O = valueField as O,
): Array<R & { [F in O]: number }> {
  const out = rows.map((r) => ({ ...r }) as Record<string, unknown>);
  const groups = new Map<string, number[]>();
  rows.forEach((row, index) => {
    const id = JSON.stringify(groupFields.map((f) => row[f]));
    const list = groups.get(id);
    if (list === undefined) groups.set(id, [index]);
    else list.push(index);
  });
  for (const indices of groups.values()) {
    indices.sort((a, b) => toNumber(rows[a]![orderField]) - toNumber(rows[b]![orderField]));
    const smoothed = movingAverage(
      indices.map((i) => toNumber(rows[i]![valueField])),
      window,
    );
    indices.forEach((rowIndex, k) => (out[rowIndex]![outputField] = smoothed[k]));
  }
  return out as Array<R & { [F in O]: number }>;
}

/** The difference of two means with Welch's interval (unequal variances). */
export type Difference = {
  /** mean of a minus mean of b */
  diff: number;
  lo: number;
  hi: number;
  /** Welch–Satterthwaite degrees of freedom (NaN when either side has fewer than 2 values) */
  df: number;
  /** 'higher' / 'lower': the interval excludes 0; 'tie': it contains 0; 'unknown': fewer than 2 values on a side */
  verdict: 'higher' | 'lower' | 'tie' | 'unknown';
};

/**
 * Welch's two-sample interval for mean(a) - mean(b) from summaries (mean, std, n):
 * diff ± t(1 - (1 - level)/2, df) sqrt(s_a^2/n_a + s_b^2/n_b), df by Welch–Satterthwaite. Two
 * identical constant samples give a zero-width interval and 'tie'.
 */
export function welchDifference(a: Pick<Interval, 'mean' | 'std' | 'n'>, b: Pick<Interval, 'mean' | 'std' | 'n'>, level = 0.95): Difference {
  const diff = a.mean - b.mean;
  if (a.n < 2 || b.n < 2) return { diff, lo: Number.NaN, hi: Number.NaN, df: Number.NaN, verdict: 'unknown' };
  const va = (a.std * a.std) / a.n;
  const vb = (b.std * b.std) / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { diff, lo: diff, hi: diff, df: Infinity, verdict: diff > 0 ? 'higher' : diff < 0 ? 'lower' : 'tie' };
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const half = tQuantile(1 - (1 - level) / 2, df) * se;
  const lo = diff - half;
  const hi = diff + half;
  return { diff, lo, hi, df, verdict: lo > 0 ? 'higher' : hi < 0 ? 'lower' : 'tie' };
}
