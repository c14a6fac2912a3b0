// The claims of the paper's Section VI, each checked against what a reproduction measured.
// Every check states its rule in `test` so a reader can disagree with the rule, not just the
// verdict; a claim whose experiment was not run (or cannot be judged at this budget) says so.
import { confidenceInterval, mean, welchDifference, type Difference, type Interval } from '../report/stats.ts';
import type { CellResult } from './cellTask.ts';
import type { Cell, ExperimentId } from './definitions.ts';
import { curveRows, fidelityRows, pointsOf, type ExperimentPoint } from './figures.ts';
import { displayName } from '../report/palette.ts';
import { benchmarkNames } from '../agents/catalog.ts';

/**
 * Verdicts are judged on intervals, not means: a difference counts only when Welch's 95% interval
 * of it excludes 0 ('inconclusive' when no difference a claim rests on is significant, or fewer
 * than two seeds allow no interval).
 */
export type Verdict = 'holds' | 'does not hold' | 'partly' | 'inconclusive' | 'not measured';

export interface ClaimCheck {
  id: string;
  /** the claim as the paper states it (Section VI) */
  claim: string;
  /** the experiment(s) it is checked on */
  experiments: ExperimentId[];
  /** how it is judged */
  test: string;
  measured: string;
  verdict: Verdict;
}

function notMeasured(base: Omit<ClaimCheck, 'measured' | 'verdict'>, why: string): ClaimCheck {
  return { ...base, measured: why, verdict: 'not measured' };
}

function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/**
 * The episode after which the smoothed mean curve stays within 10% of its total range of the
 * mean of its last tenth: when the curve has settled.
 */
export function convergenceEpisode(curve: readonly number[]): number {
  const n = curve.length;
  if (n === 0) return Number.NaN;
  const tail = curve.slice(Math.max(0, n - Math.max(1, Math.round(n / 10))));
  const final = mean(tail);
  const range = Math.max(...curve) - Math.min(...curve);
  const tolerance = 0.1 * range;
  let episode = n;
  for (let e = n - 1; e >= 0; e--) {
    if (Math.abs(curve[e]! - final) > tolerance) break;
    episode = e + 1;
  }
  return episode;
}

/** Whether `values` rise from first to last and never fall by more than `slack` of their range. */
export function risesWithin(values: readonly number[], slack = 0.05): boolean {
  if (values.length < 2) return false;
  const range = Math.max(...values) - Math.min(...values);
  for (let k = 1; k < values.length; k++) if (values[k]! < values[k - 1]! - slack * range) return false;
  return values[values.length - 1]! > values[0]!;
}

/** Per-seed held-out values of a metric per algorithm (and x) over a set of points. */
function valuesBy(points: readonly ExperimentPoint[], metric: keyof CellResult['evaluation'], key: (p: ExperimentPoint) => string = (p) => p.result.algo): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const p of points) groups.set(key(p), [...(groups.get(key(p)) ?? []), p.result.evaluation[metric] as number]);
  return groups;
}

const at = (algo: string, x: number | null) => `${algo}|${x}`;

/** 'a − b = d [lo, hi]' for a measured text; the interval only where one exists. */
function diffText(d: Difference, digits = 1): string {
  return `${d.diff >= 0 ? '+' : ''}${fmt(d.diff, digits)}${d.verdict === 'unknown' ? ' (one seed: no interval)' : ` [${fmt(d.lo, digits)}, ${fmt(d.hi, digits)}]`}`;
}

/** The verdict of a claim that needs 'ok' for every part: holds / partly / inconclusive / does not hold. */
function combine(parts: readonly ('yes' | 'no' | 'unsure')[]): Verdict {
  const yes = parts.filter((p) => p === 'yes').length;
  const no = parts.filter((p) => p === 'no').length;
  if (parts.length > 0 && yes === parts.length) return 'holds';
  if (parts.length > 0 && no === parts.length) return 'does not hold';
  if (yes === 0 && no === 0) return 'inconclusive';
  return 'partly';
}

/** Whether a Welch difference supports 'higher' (or 'lower' when lowerIsBetter). */
function judge(d: Difference, lowerIsBetter = false): 'yes' | 'no' | 'unsure' {
  if (d.verdict === 'unknown' || d.verdict === 'tie') return 'unsure';
  return (d.verdict === 'lower') === lowerIsBetter ? 'yes' : 'no';
}

/** The eq33 reading of the same held-out episodes, for a measured text. */
function eq33Note(points: readonly ExperimentPoint[], algos: readonly string[]): string {
  const byAlgo = valuesBy(points, 'teamRewardEq33');
  const parts = algos.filter((a) => byAlgo.has(a)).map((a) => `${displayName(a)} ${fmt(mean(byAlgo.get(a)!))}`);
  return parts.length > 0 && points.some((p) => p.result.scenario.objective !== 'eq33') ? ` (eq33 reading of the same episodes: ${parts.join(', ')})` : '';
}

export function checkClaims(cells: readonly Cell[], results: ReadonlyMap<string, CellResult>): ClaimCheck[] {
  const checks: ClaimCheck[] = [];
  const fig4 = pointsOf('fig4', cells, results);
  const fig5 = pointsOf('fig5', cells, results);
  const interval = (values: readonly number[] | undefined): Interval => confidenceInterval(values ?? []);

  // 1. Convergence of DMADRL in about 250 episodes (Fig. 4a).
  {
    const base = {
      id: 'convergence',
      claim: 'DMADRL is stable and converges at about 250 episodes (Fig. 4a)',
      experiments: ['fig4'] as ExperimentId[],
      test: 'episode after which the smoothed mean training curve stays within 10% of its range of its final level; holds if at most 375 (1.5 x 250) in a run long enough to tell (at least 300 episodes)',
    };
    const { rows } = curveRows('fig4', fig4, 'teamReward', 'semantic');
    const curve = rows.filter((r) => r.algorithm === 'dmadrl').map((r) => r.mean);
    if (curve.length === 0) checks.push(notMeasured(base, 'fig4 was not run'));
    else {
      const episode = convergenceEpisode(curve);
      const enough = curve.length >= 300;
      const measured = `settles at episode ${episode} of ${curve.length}${enough ? '' : ' (too few episodes to judge a claim about episode 250)'}`;
      checks.push({ ...base, measured, verdict: enough ? (episode <= 375 ? 'holds' : 'does not hold') : 'not measured' });
    }
  }

  // 2. Semantic communication improves every algorithm (Fig. 4 and 5).
  {
    const base = {
      id: 'semantic-gain',
      claim: 'Semantic communication improves the reward of every algorithm (Fig. 4, 5)',
      experiments: ['fig4', 'fig5'] as ExperimentId[],
      test: 'held-out team reward (drift objective), semantic minus non-semantic, paired by N and seed, per algorithm; holds if the 95% interval of the mean gain lies above 0 for every algorithm',
    };
    const points = [...fig4, ...fig5];
    const key = (p: ExperimentPoint) => `${p.result.algo}|${p.x}|${p.result.seed}`;
    const sem = new Map(points.filter((p) => p.variant === 'semantic').map((p) => [key(p), p] as const));
    const gains = new Map<string, number[]>();
    for (const p of points.filter((q) => q.variant === 'non-semantic')) {
      const twin = sem.get(key(p));
      if (twin) gains.set(p.result.algo, [...(gains.get(p.result.algo) ?? []), twin.result.evaluation.teamReward - p.result.evaluation.teamReward]);
    }
    if (gains.size === 0) checks.push(notMeasured(base, 'fig4/fig5 were not run with both variants'));
    else {
      // the mean paired gain with its one-sample t interval
      const judged = [...gains].map(([algo, values]) => {
        const ci = interval(values);
        const verdict: Difference['verdict'] = ci.n < 2 ? 'unknown' : ci.lo > 0 ? 'higher' : ci.hi < 0 ? 'lower' : 'tie';
        return { algo, d: { diff: ci.mean, lo: ci.n < 2 ? Number.NaN : ci.lo, hi: ci.n < 2 ? Number.NaN : ci.hi, df: ci.n - 1, verdict } };
      });
      checks.push({ ...base, measured: judged.map(({ algo, d }) => `${displayName(algo)} ${diffText(d)}`).join('; '), verdict: combine(judged.map(({ d }) => judge(d))) });
    }
  }

  // 3. DMADRL has the highest reward at every N, and the gap widens with N (Fig. 5a).
  {
    const base = {
      id: 'reward-vs-n',
      claim: 'DMADRL has the highest average reward at every N, and its lead widens as N grows (Fig. 5a)',
      experiments: ['fig5'] as ExperimentId[],
      test: "held-out team reward (drift objective) per N (semantic): DMADRL minus the best other algorithm there, with Welch's 95% interval; holds if the lead is significant at every N and larger at the largest N than at the smallest",
    };
    const semantic = fig5.filter((p) => p.variant === 'semantic');
    const values = valuesBy(semantic, 'teamReward', (p) => at(p.result.algo, p.x));
    const xs = [...new Set(semantic.map((p) => p.x as number))].sort((a, b) => a - b);
    const leads = xs
      .map((x) => {
        const own = values.get(at('dmadrl', x));
        const others = [...new Set(semantic.filter((p) => p.x === x && p.result.algo !== 'dmadrl').map((p) => p.result.algo))];
        if (!own || others.length === 0) return undefined;
        const best = others.reduce((b, a) => (mean(values.get(at(a, x))!) > mean(values.get(at(b, x))!) ? a : b));
        return { x, best, d: welchDifference(interval(own), interval(values.get(at(best, x)))) };
      })
      .filter((l): l is NonNullable<typeof l> => l !== undefined);
    if (leads.length === 0) checks.push(notMeasured(base, 'fig5 was not run with DMADRL and another algorithm'));
    else {
      const parts = leads.map((l) => judge(l.d));
      const widens = leads.length >= 2 && leads[leads.length - 1]!.d.diff > leads[0]!.d.diff;
      let verdict = combine(parts);
      if (verdict === 'holds' && !widens) verdict = 'partly';
      checks.push({ ...base, measured: `lead ${leads.map((l) => `N=${l.x}: ${diffText(l.d)} (vs ${displayName(l.best)})`).join(', ')}`, verdict });
    }
  }

  // 4. Lowest latency, cost and queue (Fig. 6, 7, 8).
  for (const [id, metric, label, exp] of [
    ['latency', 'latencyMs', 'average latency at every N (Fig. 6)', 'fig6'],
    ['cost', 'cost', 'average cost (latency + 10 x energy) at every N (Fig. 7)', 'fig7'],
    ['queue', 'queue', 'average Lyapunov queue length (Fig. 8)', 'fig8'],
  ] as const) {
    const base = {
      id: `lowest-${id}`,
      claim: `DMADRL has the lowest ${label}`,
      experiments: [exp] as ExperimentId[],
      test: `held-out ${metric} per ${exp === 'fig8' ? 'run' : 'N'}: DMADRL minus the lowest other algorithm, Welch's 95% interval; holds if significantly lower everywhere`,
    };
    const points = pointsOf(exp, cells, results)
      .filter((p) => p.variant === 'semantic')
      .map((p) => (exp === 'fig8' ? { ...p, x: 0 } : p));
    const values = valuesBy(points, metric, (p) => at(p.result.algo, p.x));
    const xs = [...new Set(points.map((p) => p.x as number))].sort((a, b) => a - b);
    const wins = xs
      .map((x) => {
        const own = values.get(at('dmadrl', x));
        const others = [...new Set(points.filter((p) => p.x === x && p.result.algo !== 'dmadrl').map((p) => p.result.algo))];
        if (!own || others.length === 0) return undefined;
        const rival = others.reduce((b, a) => (mean(values.get(at(a, x))!) < mean(values.get(at(b, x))!) ? a : b));
        return { x, rival, own: mean(own), rivalMean: mean(values.get(at(rival, x))!), d: welchDifference(interval(own), interval(values.get(at(rival, x)))) };
      })
      .filter((w): w is NonNullable<typeof w> => w !== undefined);
    if (wins.length === 0) checks.push(notMeasured(base, `${exp} was not run with DMADRL and another algorithm`));
    else {
      checks.push({
        ...base,
        measured: wins
          .map((w) => `${exp === 'fig8' ? '' : `N=${w.x}: `}DMADRL ${fmt(w.own, 3)} vs ${displayName(w.rival)} ${fmt(w.rivalMean, 3)}, difference ${diffText(w.d, 3)}`)
          .join('; '),
        verdict: combine(wins.map((w) => judge(w.d, true))),
      });
    }
  }

  // 5. Fidelity rises with SNR and with bandwidth, and DMADRL beats the conventional scheme (Fig. 9, 10).
  for (const [exp, axis] of [
    ['fig9', 'SNR'],
    ['fig10', 'maximum bandwidth'],
  ] as const) {
    const points = pointsOf(exp, cells, results);
    const base = {
      id: `fidelity-${exp}`,
      claim: `Semantic fidelity rises with the ${axis} for every modality, and DMADRL's is higher than the conventional scheme's (Fig. ${exp.slice(3)})`,
      experiments: [exp] as ExperimentId[],
      test: `per modality, DMADRL's held-out fidelity rises from the lowest to the highest ${axis} (no fall larger than 5% of its range), and is significantly higher than the conventional scheme's (Welch, 95%) at every point`,
    };
    if (points.length === 0) {
      checks.push(notMeasured(base, `${exp} was not run`));
      continue;
    }
    const parts: string[] = [];
    const judged: ('yes' | 'no' | 'unsure')[] = [];
    for (const modality of ['text', 'image', 'speech'] as const) {
      const rows = fidelityRows(points, modality, exp === 'fig9');
      const own = rows.filter((r) => r.algorithm === 'dmadrl');
      const conv = rows.filter((r) => r.algorithm === 'conventional');
      if (own.length === 0) continue;
      const rises = risesWithin(own.map((r) => r.mean));
      const beats = own.map((r) => {
        const c = conv.find((q) => q.x === r.x);
        return c ? judge(welchDifference(r, c)) : ('unsure' as const);
      });
      judged.push(rises ? 'yes' : 'no', ...beats);
      parts.push(
        `${modality}: ${rises ? 'rises' : 'does not rise'}, ${fmt(own[0]!.mean, 3)} → ${fmt(own[own.length - 1]!.mean, 3)}; above conventional significantly at ${beats.filter((b) => b === 'yes').length}/${beats.length} points (conventional ${fmt(conv[0]?.mean ?? Number.NaN, 3)} → ${fmt(conv[conv.length - 1]?.mean ?? Number.NaN, 3)})`,
      );
    }
    if (parts.length === 0) checks.push(notMeasured(base, 'no task was offloaded in the evaluation'));
    else checks.push({ ...base, measured: parts.join('; '), verdict: combine(judged) });
  }

  // 6. K = 7 denoising steps is best (Fig. 11).
  {
    const base = {
      id: 'denoising-steps',
      claim: 'K = 7 denoising steps gives the best long-term reward (Fig. 11)',
      experiments: ['fig11'] as ExperimentId[],
      test: 'held-out team reward (drift objective) per K; holds if K = 7 is significantly higher (Welch, 95%) than every other K',
    };
    const points = pointsOf('fig11', cells, results);
    const byK = valuesBy(points, 'teamReward', (p) => String(p.x));
    const ks = [...byK.keys()].map(Number).sort((a, b) => a - b);
    if (ks.length === 0) checks.push(notMeasured(base, 'fig11 was not run'));
    else if (!byK.has('7')) checks.push({ ...base, measured: `K in ${ks.join(', ')} (K = 7 not in this profile)`, verdict: 'not measured' });
    else {
      const seven = interval(byK.get('7'));
      const others = ks.filter((k) => k !== 7).map((k) => ({ k, d: welchDifference(seven, interval(byK.get(String(k)))) }));
      const best = ks.reduce((b, k) => (mean(byK.get(String(k))!) > mean(byK.get(String(b))!) ? k : b));
      checks.push({
        ...base,
        measured: `highest mean at K = ${best}; K = 7 minus ${others.map((o) => `K=${o.k}: ${diffText(o.d)}`).join(', ')}`,
        verdict: combine(others.map((o) => judge(o.d))),
      });
    }
  }

  // 7. DMADRL's overall reward is 1.21 times the best benchmark's.
  {
    const base = {
      id: 'overall-ratio',
      claim: "DMADRL's overall reward is 1.21 times the best benchmark's",
      experiments: ['fig4'] as ExperimentId[],
      test: `held-out team reward (drift objective) at the profile's N (semantic), DMADRL against the best of the paper's baselines (${benchmarkNames().map(displayName).join(', ')}); holds if DMADRL is significantly higher (Welch, 95%) and the ratio (meaningful only when both are positive) is at least 1.21`,
    };
    const semantic = fig4.filter((p) => p.variant === 'semantic');
    const values = valuesBy(semantic, 'teamReward');
    const own = values.get('dmadrl');
    const benches = benchmarkNames().filter((a) => values.has(a));
    if (!own || benches.length === 0) checks.push(notMeasured(base, 'fig4 was not run with DMADRL and a benchmark'));
    else {
      const best = benches.reduce((b, a) => (mean(values.get(a)!) > mean(values.get(b)!) ? a : b));
      const d = welchDifference(interval(own), interval(values.get(best)));
      const [o, b] = [mean(own), mean(values.get(best)!)];
      const positive = o > 0 && b > 0;
      const sign = judge(d);
      const verdict: Verdict = sign === 'unsure' ? 'inconclusive' : sign === 'no' ? 'does not hold' : positive && o / b >= 1.21 ? 'holds' : 'partly';
      const ratio = positive ? `ratio ${fmt(o / b, 2)}` : 'no meaningful ratio';
      checks.push({ ...base, measured: `DMADRL ${fmt(o)} vs ${displayName(best)} ${fmt(b)}: difference ${diffText(d)}, ${ratio}${eq33Note(semantic, ['dmadrl', best])}`, verdict });
    }
  }
  return checks;
}
