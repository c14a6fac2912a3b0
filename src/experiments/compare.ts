// The fair harness: every learning algorithm trained with the same seeds and the same budget of
// environment slots (episodes x slots per episode), in parallel worker threads; every result
// evaluated greedily on the same held-out seeds; the built-in policies (Greedy with the same
// budget of history-building episodes) and the per-slot oracle beside them; mean and 95%
// confidence interval across seeds. Resumable: finished runs are not retrained.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../config/scenario.ts';
import { algorithmSpec } from '../agents/registry.ts';
import { loadFidelityModel } from '../sim/fidelity.ts';
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

export async function compare(options: CompareOptions): Promise<CompareRow[]> {
  const { scenario, seeds } = options;
  mkdirSync(options.outDir, { recursive: true });
  const learning = options.algos.filter((a) => isLearning(a));
  const builtins = [...new Set([...options.algos.filter((a) => !isLearning(a)), ...(options.references ?? DEFAULT_REFERENCES)])];

  // 1. Train every learning algorithm on every seed, two runs at a time (one per core).
  options.onStage?.(`training ${learning.length} algorithms x ${seeds.length} seeds, ${options.episodes} episodes each`);
  const tasks = learning.flatMap((algo) =>
    seeds.map((seed) => ({
      algo,
      scenario,
      hyperparameters: (algorithmSpec(algo).schema.parse(options.hyperparameters?.[algo] ?? {}) as Record<string, unknown>),
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
  writeComparison(options.outDir, rows, options);
  return rows;
}

function isLearning(name: string): boolean {
  try {
    algorithmSpec(name);
    return true;
  } catch {
    return false;
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
  const header = ['policy', 'kind', 'seeds', ...SUMMARY_COLUMNS.flatMap((c) => [`${c.key}_mean`, `${c.key}_ci95_lo`, `${c.key}_ci95_hi`])];
  const csv = [header.join(','), ...rows.map((r) => [r.name, r.kind, r.seeds, ...SUMMARY_COLUMNS.flatMap((c) => {
    const m = r.metrics[c.key]!;
    return [m.mean, m.lo, m.hi];
  })].join(','))];
  writeFileAtomic(join(outDir, 'comparison.csv'), `${csv.join('\n')}\n`);
  writeFileAtomic(join(outDir, 'comparison.md'), `${formatComparison(rows)}\n`);
}

/** Markdown: mean ± 95% CI half width per metric. */
export function formatComparison(rows: CompareRow[]): string {
  const headers = ['policy', 'seeds', ...SUMMARY_COLUMNS.map((c) => c.header)];
  const body = rows.map((r) => [
    r.kind === 'learning' ? `**${r.name}**` : r.name,
    String(r.seeds),
    ...SUMMARY_COLUMNS.map((c) => {
      const m = r.metrics[c.key]!;
      if (Number.isNaN(m.mean)) return '—';
      return m.n >= 2 ? `${m.mean.toFixed(c.digits)} ± ${m.halfWidth.toFixed(c.digits)}` : m.mean.toFixed(c.digits);
    }),
  ]);
  return markdownTable(headers, body);
}
