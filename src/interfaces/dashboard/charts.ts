// The dashboard's charts: per-episode curves of every numeric field of metrics.jsonl, drawn by
// the same Vega-Lite spec builders as the static figures (report/specs.ts). Runs of one setting
// (same algorithm, scenario and hyperparameters; only the seed differs) form one series with the
// mean and the 95% Student-t interval across seeds (report/stats.ts) when there are two or more.
import type { TopLevelSpec } from 'vega-lite';
import { barChartSpec, lineChartSpec, type AxisOptions } from '../../report/specs.ts';
import { movingAverageBy, summarizeAcrossSeeds } from '../../report/stats.ts';
import type { MetricsRow, RunInfo } from './runs.ts';

interface MetricAxis {
  title: string;
  unit?: string;
}

/** Axis titles of the fields svec writes (titles as in the reproduce figures where they overlap). */
const KNOWN_METRICS: Record<string, MetricAxis> = {
  teamReward: { title: 'Team reward per episode' },
  utilityPart: { title: 'Utility part of the reward (V sum U)' },
  finalBacklog: { title: 'Mean final backlog Q_T', unit: 'energy units' },
  overspend: { title: 'Energy over the budget per vehicle-slot', unit: 'energy units' },
  episodeReturn: { title: 'Return the learners saw (mean over agents)' },
  latencyMs: { title: 'Average latency', unit: 'ms' },
  energyMJ: { title: 'Average energy', unit: 'mJ' },
  offloadFraction: { title: 'Offload share' },
  criticLoss: { title: 'Critic loss' },
  actorLoss: { title: 'Actor loss' },
  fidelity: { title: 'Semantic fidelity' },
  queue: { title: 'Average Lyapunov queue length', unit: 'J' },
  cost: { title: 'Average cost', unit: 's + 10 x J' },
  utility: { title: 'Average utility per vehicle-slot' },
  highPriorityMissRate: { title: 'High-priority deadline miss rate' },
  meanLambda: { title: 'Mean semantic extraction factor λ' },
  meanQ: { title: 'Mean Q value' },
  clipShare: { title: 'Actor outputs at the clip bounds (share)' },
  totalSlots: { title: 'Slots so far' },
  totalUpdates: { title: 'Updates so far' },
};

/** Shares and rates: a t interval over few seeds can reach past [0, 1], so their bands are clipped (as the fidelity figures do). */
const UNIT_INTERVAL = new Set(['offloadFraction', 'fidelity', 'highPriorityMissRate', 'clipShare']);

/** Shown first, in this order (after the reward and its parts); running counters come last. */
const LEADING = ['overspend', 'latencyMs', 'energyMJ', 'offloadFraction', 'criticLoss', 'actorLoss'];
const TRAILING = ['totalSlots', 'totalUpdates'];

/** A part of the reward (its utility or backlog term, or any other reward-named field). */
function isRewardPart(field: string): boolean {
  return field !== 'teamReward' && (/reward|backlog/i.test(field) || (/utility/i.test(field) && field !== 'utility'));
}

/**
 * The numeric fields of the rows, in display order: team reward, its parts, latency, energy,
 * offload share, losses, then the other fields svec writes, then unknown ones (as they first
 * appear), then the running counters. 'episode' is the x axis, not a metric.
 */
export function metricFields(rows: Iterable<MetricsRow>): string[] {
  const seen: string[] = [];
  const known = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (key === 'episode' || known.has(key)) continue;
      known.add(key);
      seen.push(key);
    }
  }
  const rank = (field: string): number => {
    if (field === 'teamReward') return 0;
    if (field === 'utilityPart' || field === 'finalBacklog') return 1;
    // the other readings of the reward (teamRewardDrift, teamRewardEq33) and any other reward-named field
    if (isRewardPart(field)) return 1.5;
    if (LEADING.includes(field)) return 2 + LEADING.indexOf(field);
    if (TRAILING.includes(field)) return 1000 + TRAILING.indexOf(field);
    if (field in KNOWN_METRICS) return 100 + Object.keys(KNOWN_METRICS).indexOf(field);
    return 500;
  };
  return seen
    .map((field, i) => ({ field, i }))
    .sort((a, b) => rank(a.field) - rank(b.field) || a.i - b.i)
    .map((x) => x.field);
}

/** 'rewardBacklogPart' -> 'Reward backlog part'. */
function humanize(field: string): string {
  const words = field
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function metricAxis(field: string): MetricAxis {
  return KNOWN_METRICS[field] ?? { title: humanize(field) };
}

// ---------------------------------------------------------------------------------------------
// Series.

export interface RunData {
  run: RunInfo;
  config: Record<string, unknown> | undefined;
  rows: readonly MetricsRow[];
}

export interface Series {
  /** series name as the palette reads it: the algorithm, or 'algorithm:distinction' */
  name: string;
  runs: string[];
  seeds: Array<number | null>;
}

/** Canonical JSON (sorted keys) so two configs compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What makes runs seeds of one setting: algorithm, scenario and hyperparameters. */
function settingKey(data: RunData): string {
  const config = data.config ?? {};
  return canonical({ algo: config.algo ?? data.run.algo, scenario: config.scenario ?? null, hyperparameters: config.hyperparameters ?? null });
}

function commonPrefix(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  const split = paths.map((p) => p.split('/'));
  const out: string[] = [];
  for (let i = 0; i < split[0]!.length; i++) {
    const segment = split[0]![i];
    if (split.every((s) => s[i] === segment)) out.push(segment!);
    else break;
  }
  return out.join('/');
}

/**
 * Groups the runs into series: one per setting when `combineSeeds`, else one per run. Names are
 * the algorithm where that is unambiguous, else the algorithm with the shortest text that tells
 * the series apart (the run's tag, then its folder), so the palette keeps the algorithm's colour.
 */
export function groupSeries(data: readonly RunData[], combineSeeds: boolean): Array<Series & { members: RunData[] }> {
  const bySetting = new Map<string, RunData[]>();
  for (const d of data) {
    const key = combineSeeds ? settingKey(d) : `run:${d.run.id}`;
    bySetting.set(key, [...(bySetting.get(key) ?? []), d]);
  }
  // a seed twice in one setting (the same run repeated in two folders) is no independent sample:
  // such a setting is split by folder (tag), and if that is not enough, into single runs
  const hasRepeatedSeed = (members: readonly RunData[]) => new Set(members.map((m) => m.run.seed)).size < members.length;
  const groups: RunData[][] = [];
  for (const members of bySetting.values()) {
    if (!hasRepeatedSeed(members)) {
      groups.push(members);
      continue;
    }
    const byTag = new Map<string, RunData[]>();
    for (const m of members) byTag.set(m.run.tag, [...(byTag.get(m.run.tag) ?? []), m]);
    for (const part of byTag.values()) {
      if (hasRepeatedSeed(part)) groups.push(...part.map((m) => [m]));
      else groups.push(part);
    }
  }
  const list = groups.map((members) => {
    const algo = members[0]!.run.algo;
    const ids = members.map((m) => m.run.id || '.');
    const tags = [...new Set(members.map((m) => m.run.tag))];
    const folder = commonPrefix(ids) || ids.join(', ');
    const seedText = members.length === 1 && members[0]!.run.seed !== null ? ` seed ${members[0]!.run.seed}` : '';
    const container = members[0]!.run.container;
    const candidates = [
      algo,
      `${algo}:${tags.join(', ')}`,
      `${algo}:${tags.join(', ')}${seedText}`,
      `${algo}:${container ? `${container} ` : ''}${tags.join(', ')}${seedText}`,
      `${algo}:${folder}`,
      `${algo}:${ids.join(', ')}`,
    ];
    return { members, candidates, level: 0 };
  });
  // raise the naming level of colliding series until every name is unique
  for (let round = 0; round < 6; round++) {
    const byName = new Map<string, typeof list>();
    for (const g of list) {
      const name = g.candidates[g.level]!;
      byName.set(name, [...(byName.get(name) ?? []), g]);
    }
    let collided = false;
    for (const same of byName.values()) {
      if (same.length < 2) continue;
      collided = true;
      for (const g of same) g.level = Math.min(g.level + 1, g.candidates.length - 1);
    }
    if (!collided) break;
  }
  return list.map((g) => ({
    name: g.candidates[g.level]!,
    runs: g.members.map((m) => m.run.id),
    seeds: g.members.map((m) => m.run.seed),
    members: g.members,
  }));
}

// ---------------------------------------------------------------------------------------------
// Charts.

export interface ChartOptions {
  combineSeeds: boolean;
  /** trailing moving-average window over episodes, per run, before the summary (1: none) */
  smooth: number;
  width?: number;
  height?: number;
}

export interface MetricChart {
  field: string;
  title: string;
  /** points plotted (series x episodes with a value) */
  points: number;
  spec: TopLevelSpec;
}

export interface ChartsPayload {
  series: Series[];
  charts: MetricChart[];
  /** fields that exist but have no finite value yet (e.g. losses before the first update) */
  empty: string[];
}

const EPISODE_AXIS: AxisOptions = { field: 'episode', title: 'Training episode', format: 'd' };

/** One line chart per metric field of the selected runs, as Vega-Lite specs. */
export function buildCharts(data: readonly RunData[], options: ChartOptions): ChartsPayload {
  const series = groupSeries(data, options.combineSeeds);
  const fields = metricFields(data.flatMap((d) => d.rows));
  const banded = series.some((s) => s.members.length >= 2);
  const charts: MetricChart[] = [];
  const empty: string[] = [];
  for (const field of fields) {
    const long: Array<{ series: string; run: string; episode: number; value: number }> = [];
    for (const s of series) {
      for (const member of s.members) {
        for (const row of member.rows) {
          const value = row[field];
          const episode = row.episode;
          // rows without a finite value are left out before smoothing (a NaN would spread through the window)
          if (typeof value === 'number' && Number.isFinite(value) && typeof episode === 'number') long.push({ series: s.name, run: member.run.id, episode, value });
        }
      }
    }
    if (long.length === 0) {
      empty.push(field);
      continue;
    }
    const smoothed = options.smooth > 1 ? movingAverageBy(long, ['series', 'run'], 'episode', 'value', options.smooth) : long;
    const summary = summarizeAcrossSeeds(smoothed, ['series', 'episode'], 'value')
      .filter((r) => Number.isFinite(r.mean))
      .sort((a, b) => String(a.series).localeCompare(String(b.series)) || (a.episode as number) - (b.episode as number));
    const axis = metricAxis(field);
    const notes = [banded ? 'mean and 95% CI across seeds (Student t)' : 'per episode', options.smooth > 1 ? `moving average over ${options.smooth} episodes` : ''].filter(Boolean);
    const clip = UNIT_INTERVAL.has(field) ? (v: number) => Math.min(1, Math.max(0, v)) : (v: number) => v;
    const rows = summary.map((r) => ({ series: r.series, episode: r.episode, mean: r.mean, lo: clip(r.lo), hi: clip(r.hi), n: r.n }));
    charts.push({
      field,
      title: axis.title,
      points: rows.length,
      spec: lineChartSpec({
        data: rows,
        series: 'series',
        x: EPISODE_AXIS,
        y: { field: 'mean', ...axis },
        band: banded ? { lo: 'lo', hi: 'hi' } : false,
        title: axis.title,
        subtitle: notes.join('; '),
        legendOrient: 'bottom',
        width: options.width ?? 380,
        height: options.height ?? 180,
      }),
    });
  }
  return { series: series.map(({ name, runs, seeds }) => ({ name, runs, seeds })), charts, empty };
}

// ---------------------------------------------------------------------------------------------
// A compare folder's held-out evaluation (comparison.json): bars with the 95% CI across seeds.

interface ComparisonMetric {
  mean: number;
  lo: number;
  hi: number;
  halfWidth?: number;
  n: number;
}

export interface ComparisonRow {
  name: string;
  kind?: string;
  seeds?: number;
  metrics: Record<string, ComparisonMetric>;
}

/** Bar chart spec of one metric of comparison.json's rows (the static figures' bar chart). */
export function comparisonChart(rows: readonly ComparisonRow[], field: string, evalEpisodes: number | undefined): TopLevelSpec | undefined {
  const data = rows
    .filter((r) => r.metrics?.[field] && Number.isFinite(r.metrics[field]!.mean))
    .map((r) => ({ algorithm: r.name, mean: r.metrics[field]!.mean, lo: r.metrics[field]!.lo, hi: r.metrics[field]!.hi, n: r.metrics[field]!.n }));
  if (data.length === 0) return undefined;
  const axis = metricAxis(field);
  return barChartSpec({
    data,
    y: { field: 'mean', ...axis },
    title: `${axis.title}, held-out evaluation`,
    subtitle: `mean and 95% CI across seeds${evalEpisodes ? `; ${evalEpisodes} evaluation episode${evalEpisodes === 1 ? '' : 's'} per seed` : ''}`,
    height: 220,
  });
}
