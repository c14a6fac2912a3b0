// `svec reproduce`: the experiments of Section VI as one resumable sweep.
//   1. resolve the experiments under a profile into cells (definitions.ts); figures that need the
//      same run share it
//   2. run every unfinished cell on worker threads, one per core (cellTask.ts): a finished cell
//      (its result.json exists) is never run again, an interrupted one resumes from its checkpoint
//   3. draw every figure from the cells' results and write report.md and report.html
//
//   OUT/plan.json        the profile, the experiments and their cells
//   OUT/cells/KEY/       one cell: its training run and result.json
//   OUT/figures/         SVG, PNG and the CSV behind each figure
//   OUT/report.md, OUT/report.html, OUT/summary.json
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { z } from 'zod';
import { ScenarioSchema, type Scenario } from '../config/scenario.ts';
import { algorithmEntry, isAlgorithm, loadAlgorithm } from '../agents/catalog.ts';
import { loadFidelityModel } from '../sim/fidelity.ts';
import { UserError, userErrorName } from '../util/errors.ts';
import { writeFileAtomic } from '../util/io.ts';
import { codeVersion } from '../util/version.ts';
import { cellScenario, readCellResult, type CellProgressMessage, type CellResult, type CellTask } from './cellTask.ts';
import { EXPERIMENTS, experimentAlgorithms, resolveCells, type Cell, type ExperimentId, type Profile } from './definitions.ts';
import { writeReport, type HistoryEntry } from './report.ts';

export interface ReproduceOptions {
  profile: Profile;
  /** experiments to run (default: the profile's, else all) */
  only?: ExperimentId[];
  outDir: string;
  /** the scenario every cell's overrides apply to (default: the default scenario) */
  baseScenario?: Scenario;
  workers?: number;
  /** held-out evaluation seed base (the same for every cell: paired comparisons) */
  evalSeed?: number;
  /** the command line, recorded in the report */
  command?: string;
  /** progress: training episodes (and finished built-in cells) done out of the total */
  onProgress?: (done: number, total: number, finishedCells: number, cells: number) => void;
  onStage?: (stage: string) => void;
  /** stop after this many cells have finished in this invocation (tests: an interrupted sweep) */
  maxCells?: number;
  /** runs the pending cells somewhere else (the job queue, experiments/queue/); default: worker threads here */
  runner?: CellRunner;
}

/** What a runner reports while it runs the pending cells of a sweep. */
export interface CellRunEvents {
  /** training episodes done so far in a cell */
  progress(key: string, episode: number): void;
  /** the cell's result.json exists */
  finished(key: string): void;
  /** the cell failed for good (this invocation); the report lists it with `error` */
  failed(key: string, error: string): void;
}

/** Runs the pending cells of a sweep (in the given order) and resolves once each finished or failed. */
export type CellRunner = (pending: CellTask[], events: CellRunEvents) => Promise<void>;

export interface ReproduceSummary {
  outDir: string;
  reportPath: string;
  cells: number;
  /** cells run (or resumed) by this invocation */
  ran: number;
  /** cells already finished before it */
  reused: number;
  failed: { key: string; algo: string; error: string }[];
  wallSeconds: number;
}

export const DEFAULT_EVAL_SEED = 1_000_003;

/**
 * The default runner: the cells on worker threads of this process (one per core unless
 * `workers` says otherwise), as many at a time as there are workers, in the order given.
 */
export function localCellRunner(workers?: number): CellRunner {
  return async (pending, events) => {
    const pool = new Piscina({
      filename: new URL('./cellWorker.mjs', import.meta.url).href,
      maxThreads: Math.max(1, workers ?? availableParallelism()),
      minThreads: 1,
      idleTimeout: 1000,
    });
    try {
      await Promise.all(
        pending.map(async (task) => {
          const channel = new MessageChannel();
          channel.port2.on('message', (message: CellProgressMessage) => {
            if (!message.done) events.progress(message.key, message.episode);
          });
          try {
            await pool.run({ ...task, port: channel.port1 }, { transferList: [channel.port1] });
            events.finished(task.cell.key);
          } catch (error) {
            events.failed(task.cell.key, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
          } finally {
            channel.port2.close();
          }
        }),
      );
    } finally {
      await pool.destroy();
    }
  };
}

/** Every learning algorithm's default hyperparameters (its schema's defaults), loaded once. */
export async function defaultHyperparameters(algos: Iterable<string>): Promise<Map<string, Record<string, unknown>>> {
  const defaults = new Map<string, Record<string, unknown>>();
  for (const algo of new Set(algos)) if (isAlgorithm(algo)) defaults.set(algo, (await loadAlgorithm(algo)).schema.parse({}) as Record<string, unknown>);
  return defaults;
}

/** The cells of a reproduction, normalized against the defaults (equal runs share one cell). */
export async function planCells(ids: ExperimentId[], profile: Profile, baseScenario: Scenario): Promise<Cell[]> {
  const schemaDefaults = ScenarioSchema.parse({}) as unknown as Record<string, unknown>;
  const base = baseScenario as unknown as Record<string, unknown>;
  const baseDifferences = Object.fromEntries(Object.entries(base).filter(([field, value]) => JSON.stringify(value) !== JSON.stringify(schemaDefaults[field])));
  const hyperparameters = await defaultHyperparameters(ids.flatMap((id) => experimentAlgorithms(id)));
  return resolveCells(ids, profile, isAlgorithm, {
    scenario: base,
    hyperparameters: (algo) => hyperparameters.get(algo)!,
    baseDifferences,
  });
}

/** Work units of a cell for the progress bar: its training episodes, or 1 for a built-in. */
function cellWork(cell: Cell): number {
  return cell.learning ? cell.episodes : 1;
}

/**
 * A rough cost of a cell in seconds on this machine, to run expensive cells first and to state
 * the expected duration. Measured on the 2-core development machine (see docs/reproduce.md); a
 * guide, not a promise. `evalEpisodes`: the held-out episodes every cell plays after training.
 */
export function estimateCellSeconds(cell: Cell, scenario: Scenario, evalEpisodes: number): number {
  const n = scenario.vehicles;
  const slots = cell.episodes * scenario.slotsPerEpisode;
  const evalSlots = evalEpisodes * scenario.slotsPerEpisode;
  // Built-in policies, measured through runCell (scripts/builtin-cells.ts, 2026-12-01, third session):
  // the oracle's held-out episodes take 0.79-0.94 ms per vehicle-slot (10 episodes at N = 5, 20,
  // 30: 2.0, 7.9, 14.1 s); Greedy's history over the cell's episodes plus its held-out episodes
  // ~0.37 us per vehicle-slot (1,000 + 10 episodes at N = 5, 20, 30: 0.22, 0.47, 0.64 s).
  if (!cell.learning) return cell.algo === 'oracle' ? 0.1 + 9.4e-4 * n * evalSlots : 0.1 + 3.7e-7 * n * (slots + evalSlots);
  // s per slot including updates, from the algorithm's entry (measured at the short-run settings)
  return 3 + slots * algorithmEntry(cell.algo).secondsPerStep(n, cell.hyperparameters);
}

/** How long a sweep should take: its cells, those still to run, and the estimate in seconds on `workers` workers. */
export async function estimateReproduction(
  ids: ExperimentId[],
  profile: Profile,
  baseScenario: Scenario,
  outDir: string,
  workers: number,
): Promise<{ cells: Cell[]; pending: Cell[]; seconds: number }> {
  const cells = await planCells(ids, profile, baseScenario);
  const pending = cells.filter((c) => !existsSync(join(outDir, 'cells', c.key, 'result.json')));
  const seconds = pending.reduce((a, c) => a + estimateCellSeconds(c, cellScenario(baseScenario, c), profile.evalEpisodes), 0) / Math.max(1, Math.min(workers, pending.length));
  return { cells, pending, seconds };
}

/** A duration for people: seconds under 90 s, minutes under 90 min, else hours. */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Experiment ids from a comma-separated list, each checked. */
export function parseExperimentIds(text: string): ExperimentId[] {
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((id) => id.length === 0)) throw new ReproduceError(`--only: empty item in '${text}' (e.g. --only fig4,fig9)`);
  for (const id of ids) if (!(id in EXPERIMENTS)) throw new ReproduceError(`--only: unknown experiment '${id}' (known: ${Object.keys(EXPERIMENTS).join(', ')})`);
  return ids as ExperimentId[];
}

export class ReproduceError extends UserError {
  override name = userErrorName('ReproduceError');
}

export async function reproduce(options: ReproduceOptions): Promise<ReproduceSummary> {
  const started = performance.now();
  const { profile, outDir } = options;
  const ids = options.only ?? profile.experiments ?? (Object.keys(EXPERIMENTS) as ExperimentId[]);
  const baseScenario = options.baseScenario ?? ScenarioSchema.parse({});
  const evalSeed = options.evalSeed ?? DEFAULT_EVAL_SEED;
  mkdirSync(join(outDir, 'cells'), { recursive: true });

  // 1. The plan: every cell with its resolved scenario and hyperparameters.
  const cells = await planCells(ids, profile, baseScenario);
  const schemas = new Map<string, z.ZodObject>();
  for (const cell of cells) if (cell.learning && !schemas.has(cell.algo)) schemas.set(cell.algo, (await loadAlgorithm(cell.algo)).schema);
  const tasks: CellTask[] = cells.map((cell) => ({
    cell,
    scenario: cellScenario(baseScenario, cell),
    hyperparameters: cell.learning ? (schemas.get(cell.algo)!.parse(cell.hyperparameters) as Record<string, unknown>) : {},
    cellDir: join(outDir, 'cells', cell.key),
    evalEpisodes: profile.evalEpisodes,
    evalSeed,
  }));
  writeFileAtomic(
    join(outDir, 'plan.json'),
    `${JSON.stringify({ profile, experiments: ids, evalSeed, baseScenario, codeVersion: codeVersion(), fidelityProvenance: loadFidelityModel(baseScenario.fidelityTable).provenance, cells }, null, 2)}\n`,
  );

  // 2. Run what is not finished, the most expensive first (better packing on the workers).
  const finished = new Set(tasks.filter((t) => existsSync(join(t.cellDir, 'result.json'))).map((t) => t.cell.key));
  let pending = tasks.filter((t) => !finished.has(t.cell.key));
  pending.sort((a, b) => estimateCellSeconds(b.cell, b.scenario, b.evalEpisodes) - estimateCellSeconds(a.cell, a.scenario, a.evalEpisodes));
  if (options.maxCells !== undefined) pending = pending.slice(0, options.maxCells);
  const total = cells.reduce((a, c) => a + cellWork(c), 0);
  const progressOf = new Map<string, number>(cells.filter((c) => finished.has(c.key)).map((c) => [c.key, cellWork(c)]));
  let finishedCells = finished.size;
  const report = () =>
    options.onProgress?.(
      [...progressOf.values()].reduce((a, b) => a + b, 0),
      total,
      finishedCells,
      cells.length,
    );
  report();
  options.onStage?.(`${cells.length} cells (${finished.size} finished already, ${pending.length} to run) for ${ids.join(', ')}`);

  const failed: ReproduceSummary['failed'] = [];
  const recordFailure = (task: CellTask, message: string) => {
    // recorded, not fatal: the other cells go on, the report lists what is missing, and the
    // next invocation tries this cell again
    failed.push({ key: task.cell.key, algo: task.cell.algo, error: message });
    mkdirSync(task.cellDir, { recursive: true });
    writeFileAtomic(join(task.cellDir, 'error.txt'), `${message}\n`);
  };
  if (pending.length > 0) {
    const byKey = new Map(pending.map((t) => [t.cell.key, t]));
    await (options.runner ?? localCellRunner(options.workers))(pending, {
      progress: (key, episode) => {
        progressOf.set(key, episode);
        report();
      },
      finished: (key) => {
        progressOf.set(key, cellWork(byKey.get(key)!.cell));
        finishedCells++;
        report();
        rmSync(join(byKey.get(key)!.cellDir, 'error.txt'), { force: true });
      },
      failed: (key, message) => recordFailure(byKey.get(key)!, message),
    });
  }

  // 3. Figures and the report from every finished cell.
  options.onStage?.('drawing figures and writing the report');
  const results = new Map<string, CellResult>();
  for (const task of tasks) {
    const result = readCellResult(task.cellDir);
    if (result) results.set(task.cell.key, result);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const history = readHistory(outDir);
  history.push({ command: options.command ?? '', startedAt: new Date(Date.now() - wallSeconds * 1000).toISOString(), wallSeconds, ran: pending.length, failed: failed.length });
  writeFileAtomic(join(outDir, 'history.json'), `${JSON.stringify(history, null, 2)}\n`);
  const reportPath = await writeReport({
    outDir,
    profile,
    experiments: ids,
    cells,
    results,
    baseScenario,
    evalSeed,
    command: options.command,
    history,
    failed,
  });
  // the summary's wall time includes drawing the figures and writing the report
  return { outDir, reportPath, cells: cells.length, ran: pending.length, reused: finished.size, failed, wallSeconds: (performance.now() - started) / 1000 };
}

function readHistory(outDir: string): HistoryEntry[] {
  const path = join(outDir, 'history.json');
  if (!existsSync(path)) return [];
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as HistoryEntry[];
  } catch {
    return [];
  }
}
