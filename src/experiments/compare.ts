// The fair harness: every learning algorithm trained with the same seeds and the same budget of
// environment slots (episodes x slots per episode), in parallel worker threads; every result
// evaluated greedily on the same held-out seeds; the built-in policies (Greedy with the same
// budget of history-building episodes) and the per-slot oracle beside them; mean and 95%
// confidence interval across seeds. Resumable: finished runs are not retrained.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../config/scenario.ts';
import { algorithmNames, isAlgorithm, loadAlgorithm } from '../agents/catalog.ts';
import { applyOverrides, parseConfig } from '../config/load.ts';
import { SvecEnv } from '../env/svec.ts';
import { createBuiltinPolicy } from '../policies/registry.ts';
import { RandomStreams } from '../random/stream.ts';
import { loadFidelityModel } from '../sim/fidelity.ts';
import { UserError, userErrorName } from '../util/errors.ts';
import { confidenceInterval, type Interval } from '../report/stats.ts';
import { writeFileAtomic } from '../util/io.ts';
import { markdownTable } from '../util/markdown.ts';
import { runTrainingTasks } from './parallel.ts';
import { evaluateRun } from './evaluate.ts';
import { simulateBuiltin, SUMMARY_COLUMNS, type PolicySummary } from './simulate.ts';
import type { TrainingProgressMessage } from './trainTask.ts';

export interface CompareOptions {
  scenario: Scenario;
  /** learning algorithms and built-in policies, e.g. ['dmadrl', 'mappo', 'greedy'] */
  algos: string[];
  seeds: number[];
  /** training episodes per run (the slot budget is episodes x slotsPerEpisode) */
  episodes: number;
  /** held-out evaluation episodes and the base of their seeds */
  evalEpisodes: number;
  evalSeed: number;
  /** hyperparameter overrides per algorithm */
  hyperparameters?: Record<string, Record<string, unknown>>;
  outDir: string;
  workers?: number;
  /** built-in policies always shown for reference (besides any in algos) */
  references?: string[];
  onProgress?: (message: TrainingProgressMessage) => void;
  onStage?: (stage: string) => void;
}

export interface CompareRow {
  name: string;
  kind: 'learning' | 'built-in';
  seeds: number;
  metrics: Record<string, Interval>;
  /** per-seed summaries */
  perSeed: PolicySummary[];
}

export const DEFAULT_REFERENCES = ['random', 'local-only', 'offload-all:1', 'offload-all:0.4', 'oracle'];

/** What `svec compare` runs by default: every learning algorithm, and Greedy. */
export function defaultComparison(): string[] {
  return [...algorithmNames(), 'greedy'];
}

export class CompareError extends UserError {
  override name = userErrorName('CompareError');
}

/**
 * Checks the names and hyperparameters of a comparison before anything is written; returns each
 * learning algorithm's validated hyperparameters.
 */
export async function checkComparison(
  options: Pick<CompareOptions, 'scenario' | 'algos' | 'seeds' | 'hyperparameters' | 'references'>,
): Promise<Record<string, Record<string, unknown>>> {
  if (options.algos.length === 0) throw new CompareError('--algos: no algorithm or policy named');
  const duplicate = options.algos.find((a, k) => options.algos.indexOf(a) !== k);
  if (duplicate) throw new CompareError(`--algos: '${duplicate}' is named twice`);
  if (options.seeds.length === 0) throw new CompareError('--seeds: no seed given');
  const probe = new SvecEnv(options.scenario, { fidelity: loadFidelityModel(options.scenario.fidelityTable) });
  for (const name of [...options.algos.filter((a) => !isAlgorithm(a)), ...(options.references ?? DEFAULT_REFERENCES)]) {
    try {
      createBuiltinPolicy(name, new RandomStreams(0).get('policy'), probe.core);
    } catch (err) {
      throw new CompareError(`--algos: '${name}' is neither a learning algorithm (${algorithmNames().join(', ')}) nor a built-in policy: ${(err as Error).message}`);
    }
  }
  for (const algo of Object.keys(options.hyperparameters ?? {})) {
    if (!options.algos.includes(algo) || !isAlgorithm(algo)) throw new CompareError(`--hp ${algo}.…: '${algo}' is not a learning algorithm of this comparison`);
  }
  const validated: Record<string, Record<string, unknown>> = {};
  for (const algo of options.algos.filter(isAlgorithm)) {
    const { schema } = await loadAlgorithm(algo);
    validated[algo] = parseConfig(schema, options.hyperparameters?.[algo] ?? {}, `${algo} hyperparameters`) as Record<string, unknown>;
  }
  return validated;
}

/** `ALGO.key=value` overrides (repeatable `--hp`) grouped by algorithm. */
export function parseAlgorithmOverrides(items: readonly string[]): Record<string, Record<string, unknown>> {
  const grouped: Record<string, Record<string, unknown>> = {};
  for (const item of items) {
    const dot = item.indexOf('.');
    const algo = item.slice(0, dot);
    if (dot <= 0 || !isAlgorithm(algo)) throw new CompareError(`--hp ${item}: expected ALGO.key=value with ALGO one of ${algorithmNames().join(', ')}`);
    grouped[algo] = { ...grouped[algo], ...applyOverrides({}, [item.slice(dot + 1)], '--hp') };
  }
  return grouped;
}

export async function compare(options: CompareOptions): Promise<CompareRow[]> {
  const { scenario, seeds } = options;
  const hyperparameters = await checkComparison(options);
  mkdirSync(options.outDir, { recursive: true });
  const learning = options.algos.filter(isAlgorithm);
  const builtins = [...new Set([...options.algos.filter((a) => !isAlgorithm(a)), ...(options.references ?? DEFAULT_REFERENCES)])];

  // 1. Train every learning algorithm on every seed, two runs at a time (one per core).
  options.onStage?.(`training ${learning.length} algorithms x ${seeds.length} seeds, ${options.episodes} episodes each`);
  const tasks = learning.flatMap((algo) =>
    seeds.map((seed) => ({
      algo,
      scenario,
      hyperparameters: hyperparameters[algo]!,
      seed,
      episodes: options.episodes,
      runDir: join(options.outDir, 'runs', algo, `seed-${seed}`),
    })),
  );
  await runTrainingTasks(tasks, { workers: options.workers, onProgress: options.onProgress });

  // 2. Greedy evaluation of every run on the same held-out seeds.
  options.onStage?.('evaluating on held-out seeds');
  const rows: CompareRow[] = [];
  for (const algo of learning) {
    const perSeed: PolicySummary[] = [];
    for (const seed of seeds) {
      const result = await evaluateRun(join(options.outDir, 'runs', algo, `seed-${seed}`), { episodes: options.evalEpisodes, seed: options.evalSeed, builtins: [] });
      perSeed.push({ ...result.rows[0]!, policy: algo });
    }
    rows.push(summarize(algo, 'learning', perSeed));
  }
  // 3. Built-in policies on the same held-out seeds; their own randomness seeded per seed.
  // Greedy first builds its history over the same training budget (on the training seeds).
  const fidelity = loadFidelityModel(scenario.fidelityTable);
  for (const spec of builtins) {
    const deterministic = spec === 'local-only' || spec.startsWith('offload-all') || spec === 'oracle';
    const seedList = deterministic ? seeds.slice(0, 1) : seeds;
    const perSeed = seedList.map((seed) =>
      simulateBuiltin(scenario, spec, {
        episodes: options.evalEpisodes,
        seed: options.evalSeed,
        policySeed: seed,
        fidelity,
        warmupEpisodes: spec === 'greedy' ? options.episodes : 0,
        warmupSeed: seed,
      }),
    );
    rows.push(summarize(spec, 'built-in', perSeed));
  }
  addOracleScores(rows);
  writeComparison(options.outDir, rows, options);
  return rows;
}

/**
 * The oracle-normalized score of every row, (R - R_local-only) / (R_oracle - R_local-only) of the
 * held-out team reward: 0 is no better than never offloading, 1 is the per-slot oracle. Per seed,
 * then the interval across seeds; only when both references were evaluated.
 */
export function addOracleScores(rows: CompareRow[]): void {
  const reference = (name: string) => rows.find((r) => r.name === name)?.metrics.teamReward?.mean;
  const local = reference('local-only');
  const oracle = reference('oracle');
  if (local === undefined || oracle === undefined || !(oracle > local)) return;
  for (const row of rows) {
    const scores = row.perSeed.map((s) => (s.teamReward - local) / (oracle - local));
    row.metrics.oracleScore = confidenceInterval(scores);
  }
}

export function summarize(name: string, kind: CompareRow['kind'], perSeed: PolicySummary[]): CompareRow {
  const metrics: Record<string, Interval> = {};
  for (const column of SUMMARY_COLUMNS) metrics[column.key] = confidenceInterval(perSeed.map((s) => s[column.key] as number));
  return { name, kind, seeds: perSeed.length, metrics, perSeed };
}

/** comparison.json, comparison.csv and comparison.md in the output folder. */
export function writeComparison(outDir: string, rows: CompareRow[], options: Pick<CompareOptions, 'seeds' | 'episodes' | 'evalEpisodes' | 'evalSeed' | 'scenario'>): void {
  const record = {
    seeds: options.seeds,
    trainingEpisodes: options.episodes,
    slotBudget: options.episodes * options.scenario.slotsPerEpisode,
    evalEpisodes: options.evalEpisodes,
    evalSeed: options.evalSeed,
    scenario: options.scenario,
    rows: rows.map(({ perSeed, ...row }) => ({ ...row, perSeed: perSeed.map(({ episodeRewards: _r, ...s }) => s) })),
  };
  writeFileAtomic(join(outDir, 'comparison.json'), `${JSON.stringify(record, null, 2)}\n`);
  const columns = comparisonColumns(rows);
  const header = ['policy', 'kind', 'seeds', ...columns.flatMap((c) => [`${c.key}_mean`, `${c.key}_ci95_lo`, `${c.key}_ci95_hi`])];
  const csv = [
    header.join(','),
    ...rows.map((r) =>
      [
        r.name,
        r.kind,
        r.seeds,
        ...columns.flatMap((c) => {
          const m = r.metrics[c.key];
          return m ? [m.mean, m.n >= 2 ? m.lo : '', m.n >= 2 ? m.hi : ''] : ['', '', ''];
        }),
      ].join(','),
    ),
  ];
  writeFileAtomic(join(outDir, 'comparison.csv'), `${csv.join('\n')}\n`);
  writeFileAtomic(join(outDir, 'comparison.md'), `${formatComparison(rows)}\n`);
}

/** The columns of comparison tables: the oracle-normalized score (when computed) first, then the summaries'. */
function comparisonColumns(rows: CompareRow[]): { key: string; header: string; digits: number }[] {
  const score = rows.some((r) => r.metrics.oracleScore) ? [{ key: 'oracleScore', header: 'oracle-normalized score', digits: 3 }] : [];
  return [...score, ...SUMMARY_COLUMNS];
}

/** Markdown: mean ± 95% CI half width per metric (the mean alone with one seed). */
export function formatComparison(rows: CompareRow[]): string {
  const columns = comparisonColumns(rows);
  const headers = ['policy', 'seeds', ...columns.map((c) => c.header)];
  const body = rows.map((r) => [
    r.kind === 'learning' ? `**${r.name}**` : r.name,
    String(r.seeds),
    ...columns.map((c) => {
      const m = r.metrics[c.key];
      if (!m) return '—';
      if (Number.isNaN(m.mean)) return '—';
      return m.n >= 2 ? `${m.mean.toFixed(c.digits)} ± ${m.halfWidth.toFixed(c.digits)}` : m.mean.toFixed(c.digits);
    }),
  ]);
  return markdownTable(headers, body);
}
