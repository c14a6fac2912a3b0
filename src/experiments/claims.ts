// The claims of the paper's Section VI, each checked against what a reproduction measured.
// Every check states its rule in `test` so a reader can disagree with the rule, not just the
// verdict; a claim whose experiment was not run (or cannot be judged at this budget) says so.
import { mean } from '../report/stats.ts';
import type { CellResult } from './cellTask.ts';
import type { Cell, ExperimentId } from './definitions.ts';
import { curveRows, fidelityRows, pointsOf, sweepRows, type ExperimentPoint } from './figures.ts';
import { displayName } from '../report/palette.ts';
import { benchmarkNames } from '../agents/catalog.ts';

export type Verdict = 'holds' | 'does not hold' | 'partly' | 'not measured';

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

/** Mean held-out team reward per algorithm over a set of points. */
function meanRewardBy(points: readonly ExperimentPoint[], metric: keyof CellResult['evaluation'] = 'teamReward'): Map<string, number> {
  const groups = new Map<string, number[]>();
  for (const p of points) groups.set(p.result.algo, [...(groups.get(p.result.algo) ?? []), p.result.evaluation[metric] as number]);
  return new Map([...groups].map(([algo, values]) => [algo, mean(values)]));
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

export function checkClaims(cells: readonly Cell[], results: ReadonlyMap<string, CellResult>): ClaimCheck[] {
  const checks: ClaimCheck[] = [];
  const fig4 = pointsOf('fig4', cells, results);
  const fig5 = pointsOf('fig5', cells, results);

  // 1. Convergence of DMADRL in about 250 episodes (Fig. 4a).
  {
    const base = { id: 'convergence', claim: 'DMADRL is stable and converges at about 250 episodes (Fig. 4a)', experiments: ['fig4'] as ExperimentId[], test: 'episode after which the smoothed mean training curve stays within 10% of its range of its final level; holds if at most 375 (1.5 x 250) in a run long enough to tell (at least 300 episodes)' };
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
    const base = { id: 'semantic-gain', claim: 'Semantic communication improves the reward of every algorithm (Fig. 4, 5)', experiments: ['fig4', 'fig5'] as ExperimentId[], test: 'held-out team reward, semantic minus non-semantic, per algorithm, averaged over seeds and over every N run; holds if positive for all' };
    const points = [...fig4, ...fig5];
    const sem = meanRewardBy(points.filter((p) => p.variant === 'semantic'));
    const non = meanRewardBy(points.filter((p) => p.variant === 'non-semantic'));
    const algos = [...sem.keys()].filter((a) => non.has(a));
    if (algos.length === 0) checks.push(notMeasured(base, 'fig4/fig5 were not run with both variants'));
    else {
      const gains = algos.map((a) => [a, sem.get(a)! - non.get(a)!] as const);
      const better = gains.filter(([, g]) => g > 0).length;
      checks.push({ ...base, measured: gains.map(([a, g]) => `${displayName(a)} ${g >= 0 ? '+' : ''}${fmt(g)}`).join('; '), verdict: better === gains.length ? 'holds' : better === 0 ? 'does not hold' : 'partly' });
    }
  }

  // 3. DMADRL has the highest reward at every N, and the gap widens with N (Fig. 5a).
  {
    const base = { id: 'reward-vs-n', claim: 'DMADRL has the highest average reward at every N, and its lead widens as N grows (Fig. 5a)', experiments: ['fig5'] as ExperimentId[], test: 'held-out mean team reward per N (semantic); lead = DMADRL minus the best other algorithm; widens if the lead at the largest N exceeds the lead at the smallest' };
    const rows = sweepRows('fig5', fig5, 'teamReward', 'semantic');
    const xs = [...new Set(rows.map((r) => r.x as number))].sort((a, b) => a - b);
    const leads = xs.map((x) => {
      const at = rows.filter((r) => r.x === x);
      const own = at.find((r) => r.algorithm === 'dmadrl')?.mean ?? Number.NaN;
      const others = at.filter((r) => r.algorithm !== 'dmadrl');
      const best = others.reduce((b, r) => (r.mean > b.mean ? r : b), { mean: Number.NEGATIVE_INFINITY, algorithm: '' } as { mean: number; algorithm: unknown });
      return { x, lead: own - best.mean, best: String(best.algorithm) };
    }).filter((l) => Number.isFinite(l.lead));
    if (leads.length === 0) checks.push(notMeasured(base, 'fig5 was not run with DMADRL and another algorithm'));
    else {
      const highest = leads.filter((l) => l.lead > 0).length;
      const widens = leads.length >= 2 && leads[leads.length - 1]!.lead > leads[0]!.lead;
      checks.push({
        ...base,
        measured: `highest at ${highest} of ${leads.length} N; lead ${leads.map((l) => `N=${l.x}: ${fmt(l.lead)} (vs ${displayName(l.best)})`).join(', ')}`,
        verdict: highest === leads.length && widens ? 'holds' : highest === 0 ? 'does not hold' : 'partly',
      });
    }
  }

  // 4. Lowest latency, cost and queue (Fig. 6, 7, 8).
  for (const [id, metric, label, exp] of [
    ['latency', 'latencyMs', 'average latency at every N (Fig. 6)', 'fig6'],
    ['cost', 'cost', 'average cost (latency + 10 x energy) at every N (Fig. 7)', 'fig7'],
    ['queue', 'queue', 'average Lyapunov queue length (Fig. 8)', 'fig8'],
  ] as const) {
    const base = { id: `lowest-${id}`, claim: `DMADRL has the lowest ${label}`, experiments: [exp] as ExperimentId[], test: `held-out mean ${metric} per ${exp === 'fig8' ? 'run' : 'N'} against every other algorithm drawn; holds if DMADRL is lowest everywhere` };
    const points = pointsOf(exp, cells, results);
    const rows = exp === 'fig8'
      ? sweepRows(exp, points.map((p) => ({ ...p, x: 0 })), metric, 'semantic')
      : sweepRows(exp, points, metric, 'semantic');
    const xs = [...new Set(rows.map((r) => r.x as number))];
    const wins = xs.map((x) => {
      const at = rows.filter((r) => r.x === x);
      const own = at.find((r) => r.algorithm === 'dmadrl')?.mean;
      const lowest = at.reduce((b, r) => (r.mean < b.mean ? r : b), at[0]!);
      const others = at.filter((r) => r.algorithm !== 'dmadrl');
      // the best of the others: the runner-up when DMADRL is lowest
      const rival = others.reduce((b, r) => (r.mean < b.mean ? r : b), others[0] ?? lowest);
      return { x, own, lowest, rival };
    }).filter((w) => w.own !== undefined && Number.isFinite(w.own));
    if (wins.length === 0) checks.push(notMeasured(base, `${exp} was not run with DMADRL`));
    else {
      const lowestCount = wins.filter((w) => w.lowest.algorithm === 'dmadrl').length;
      checks.push({
        ...base,
        measured: `lowest at ${lowestCount} of ${wins.length}; ${wins.map((w) => `${exp === 'fig8' ? '' : `N=${w.x}: `}DMADRL ${fmt(w.own!, 3)} vs ${w.lowest.algorithm === 'dmadrl' ? 'next' : 'lowest'} ${displayName(String(w.rival.algorithm))} ${fmt(w.rival.mean, 3)}`).join(', ')}`,
        verdict: lowestCount === wins.length ? 'holds' : lowestCount === 0 ? 'does not hold' : 'partly',
      });
    }
  }

  // 5. Fidelity rises with SNR and with bandwidth, and DMADRL beats the conventional scheme (Fig. 9, 10).
  for (const [exp, axis] of [['fig9', 'SNR'], ['fig10', 'maximum bandwidth']] as const) {
    const points = pointsOf(exp, cells, results);
    const base = { id: `fidelity-${exp}`, claim: `Semantic fidelity rises with the ${axis} for every modality, and DMADRL's is higher than the conventional scheme's (Fig. ${exp.slice(3)})`, experiments: [exp] as ExperimentId[], test: `per modality, DMADRL's held-out fidelity rises from the lowest to the highest ${axis} (no fall larger than 5% of its range), and exceeds the conventional scheme at every point` };
    if (points.length === 0) {
      checks.push(notMeasured(base, `${exp} was not run`));
      continue;
    }
    const parts: string[] = [];
    let rising = 0;
    let beating = 0;
    let modalities = 0;
    for (const modality of ['text', 'image', 'speech'] as const) {
      const rows = fidelityRows(points, modality, exp === 'fig9');
      const own = rows.filter((r) => r.algorithm === 'dmadrl');
      const conv = rows.filter((r) => r.algorithm === 'conventional');
      if (own.length === 0) continue;
      modalities++;
      const rises = risesWithin(own.map((r) => r.mean));
      const beats = own.every((r) => r.mean > (conv.find((c) => c.x === r.x)?.mean ?? Number.POSITIVE_INFINITY));
      rising += rises ? 1 : 0;
      beating += beats ? 1 : 0;
      parts.push(`${modality}: ${fmt(own[0]!.mean, 3)} → ${fmt(own[own.length - 1]!.mean, 3)} (conventional ${fmt(conv[0]?.mean ?? Number.NaN, 3)} → ${fmt(conv[conv.length - 1]?.mean ?? Number.NaN, 3)})`);
    }
    if (modalities === 0) checks.push(notMeasured(base, 'no task was offloaded in the evaluation'));
    else {
      const all = rising === modalities && beating === modalities;
      checks.push({ ...base, measured: `rises for ${rising}/${modalities}, beats conventional for ${beating}/${modalities}; ${parts.join('; ')}`, verdict: all ? 'holds' : rising + beating === 0 ? 'does not hold' : 'partly' });
    }
  }

  // 6. K = 7 denoising steps is best (Fig. 11).
  {
    const base = { id: 'denoising-steps', claim: 'K = 7 denoising steps gives the best long-term reward (Fig. 11)', experiments: ['fig11'] as ExperimentId[], test: 'held-out mean team reward per K; holds if K = 7 has the highest' };
    const points = pointsOf('fig11', cells, results);
    const byK = new Map<number, number[]>();
    for (const p of points) byK.set(p.x ?? Number.NaN, [...(byK.get(p.x ?? Number.NaN) ?? []), p.result.evaluation.teamReward]);
    const ks = [...byK].map(([k, v]) => ({ k, reward: mean(v) })).sort((a, b) => a.k - b.k);
    if (ks.length === 0) checks.push(notMeasured(base, 'fig11 was not run'));
    else {
      const best = ks.reduce((b, r) => (r.reward > b.reward ? r : b));
      const tried7 = ks.some((r) => r.k === 7);
      const measured = `best K = ${best.k}; ${ks.map((r) => `K=${r.k}: ${fmt(r.reward)}`).join(', ')}${tried7 ? '' : ' (K = 7 not in this profile)'}`;
      checks.push({ ...base, measured, verdict: !tried7 ? 'not measured' : best.k === 7 ? 'holds' : 'does not hold' });
    }
  }

  // 7. DMADRL's overall reward is 1.21 times the best benchmark's.
  {
    const base = { id: 'overall-ratio', claim: "DMADRL's overall reward is 1.21 times the best benchmark's", experiments: ['fig4'] as ExperimentId[], test: "held-out mean team reward at the profile's N (semantic) of DMADRL over the best of MADDPG-RA, MAPPO, SAC, DDPG; a ratio is only meaningful when both are positive, otherwise the difference is given; holds if the ratio is at least 1.21" };
    const rewards = meanRewardBy(fig4.filter((p) => p.variant === 'semantic'));
    const own = rewards.get('dmadrl');
    const bench = benchmarkNames().filter((a) => rewards.has(a)).map((a) => [a, rewards.get(a)!] as const).sort((a, b) => b[1] - a[1])[0];
    if (own === undefined || !bench) checks.push(notMeasured(base, 'fig4 was not run with DMADRL and a benchmark'));
    else {
      const positive = own > 0 && bench[1] > 0;
      const ratio = own / bench[1];
      checks.push({
        ...base,
        measured: positive
          ? `ratio ${fmt(ratio, 2)} (DMADRL ${fmt(own)} vs ${displayName(bench[0])} ${fmt(bench[1])})`
          : `DMADRL ${fmt(own)} vs best benchmark ${displayName(bench[0])} ${fmt(bench[1])} (difference ${fmt(own - bench[1])}; no meaningful ratio)`,
        verdict: positive ? (ratio >= 1.21 ? 'holds' : ratio > 1 ? 'partly' : 'does not hold') : own > bench[1] ? 'partly' : 'does not hold',
      });
    }
  }
  return checks;
}
