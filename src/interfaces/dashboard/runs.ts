// Run discovery and the metrics reader of the dashboard. Only small readers of what svec writes:
// a train run is a folder with config.json and metrics.jsonl (svec train, and the runs inside
// compare and reproduce folders); a compare folder has comparison.json and runs/; a reproduce
// folder has plan.json and cells/<key>/ (a learning cell's run in cells/<key>/run), and, once
// finished, figures/, report.md and summary.json. Nothing here imports the training code.
import { closeSync, readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileExistsInside, joinRelative, openInside, readJsonInside, readRange, resolveInside } from './files.ts';

/** Folders never descended into: checkpoints are large and hold no runs; hidden and installed trees. */
const SKIPPED_FOLDERS = new Set(['checkpoints', 'node_modules']);
/** A run whose metrics.jsonl changed this recently (and is not complete) is shown as training. */
export const LIVE_WINDOW_MS = 60_000;

export interface RunInfo {
  /** path of the run folder relative to the runs folder, '/'-separated ('' when it is the folder itself) */
  id: string;
  /** what the run list shows */
  label: string;
  /** a short text telling this run's setting apart from others of the same algorithm (never the seed) */
  tag: string;
  /** id of the compare or reproduce folder the run belongs to */
  container: string | null;
  algo: string;
  seed: number | null;
  episodesPlanned: number | null;
  episodesDone: number;
  /** modification time of metrics.jsonl, ms since the epoch */
  updatedAt: number | null;
  live: boolean;
}

export interface CompareInfo {
  id: string;
  runs: string[];
}

export interface ReproduceInfo {
  id: string;
  profile: string | null;
  cells: number;
  finished: number;
  hasSummary: boolean;
  runs: string[];
}

export interface Discovery {
  runs: RunInfo[];
  compares: CompareInfo[];
  reproductions: ReproduceInfo[];
  /** the walk stopped at its folder limit (a very large tree) */
  truncated: boolean;
}

export interface DiscoveryLimits {
  maxDepth: number;
  maxFolders: number;
}

const DEFAULT_LIMITS: DiscoveryLimits = { maxDepth: 8, maxFolders: 20_000 };

// ---------------------------------------------------------------------------------------------
// Metrics: metrics.jsonl read incrementally (only the bytes appended since the last read; a
// replaced or shortened file, as a resumed run writes, is read again from the start).

/** One episode's row: its numeric fields (null where svec wrote no finite value). */
export type MetricsRow = Record<string, number | null>;

interface MetricsState {
  ino: number;
  /** bytes consumed: up to the end of the last complete line */
  offset: number;
  mtimeMs: number;
  rows: MetricsRow[];
  malformed: number;
}

function parseRow(line: string, index: number): MetricsRow | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return undefined;
  const row: MetricsRow = {};
  for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
    if (typeof value === 'number') row[key] = Number.isFinite(value) ? value : null;
    else if (value === null) row[key] = null;
  }
  if (typeof row.episode !== 'number') row.episode = index + 1;
  return row;
}

/** Runs whose parsed rows are kept (the ones being charted); others are re-read when asked for. */
const PARSED_RUNS_KEPT = 64;

interface CountState {
  ino: number;
  offset: number;
  lines: number;
}

export class MetricsStore {
  private readonly states = new Map<string, MetricsState>();
  private readonly counts = new Map<string, CountState>();

  constructor(private readonly root: string) {}

  /** The rows of RUN/metrics.jsonl (complete lines only); [] when the file is missing. */
  read(runId: string): { rows: readonly MetricsRow[]; malformed: number; mtimeMs: number | null } {
    let file: ReturnType<typeof openInside>;
    try {
      file = openInside(this.root, joinRelative(runId, 'metrics.jsonl'));
    } catch {
      this.states.delete(runId);
      return { rows: [], malformed: 0, mtimeMs: null };
    }
    try {
      let state = this.states.get(runId);
      if (state === undefined || state.ino !== file.ino || file.size < state.offset) {
        state = { ino: file.ino, offset: 0, mtimeMs: file.mtimeMs, rows: [], malformed: 0 };
      }
      // most recently used last; the oldest parsed run is dropped beyond the limit
      this.states.delete(runId);
      this.states.set(runId, state);
      if (this.states.size > PARSED_RUNS_KEPT) this.states.delete(this.states.keys().next().value!);
      if (file.size > state.offset) {
        const chunk = readRange(file.fd, state.offset, file.size);
        const lastNewline = chunk.lastIndexOf(0x0a);
        if (lastNewline >= 0) {
          // a line still being written (no newline yet) is left for the next read
          for (const line of chunk.subarray(0, lastNewline).toString('utf8').split('\n')) {
            if (line.trim() === '') continue;
            const row = parseRow(line, state.rows.length);
            if (row === undefined) state.malformed += 1;
            else state.rows.push(row);
          }
          state.offset += lastNewline + 1;
        }
      }
      state.mtimeMs = file.mtimeMs;
      return { rows: state.rows, malformed: state.malformed, mtimeMs: file.mtimeMs };
    } finally {
      closeSync(file.fd);
    }
  }

  /** Complete non-empty lines of RUN/metrics.jsonl (episodes so far) without parsing or keeping them. */
  count(runId: string): { episodes: number; mtimeMs: number | null } {
    let file: ReturnType<typeof openInside>;
    try {
      file = openInside(this.root, joinRelative(runId, 'metrics.jsonl'));
    } catch {
      this.counts.delete(runId);
      return { episodes: 0, mtimeMs: null };
    }
    try {
      let state = this.counts.get(runId);
      if (state === undefined || state.ino !== file.ino || file.size < state.offset) {
        state = { ino: file.ino, offset: 0, lines: 0 };
        this.counts.set(runId, state);
      }
      if (file.size > state.offset) {
        const chunk = readRange(file.fd, state.offset, file.size);
        const lastNewline = chunk.lastIndexOf(0x0a);
        if (lastNewline >= 0) {
          state.lines += chunk
            .subarray(0, lastNewline)
            .toString('utf8')
            .split('\n')
            .filter((l) => l.trim() !== '').length;
          state.offset += lastNewline + 1;
        }
      }
      return { episodes: state.lines, mtimeMs: file.mtimeMs };
    } finally {
      closeSync(file.fd);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Discovery.

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** 'vehicles=5 mode=non-semantic': a reproduce cell's scenario overrides. */
function overridesText(scenario: unknown): string {
  const record = asRecord(scenario);
  if (!record) return '';
  return Object.entries(record)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

interface PlanCell {
  algo?: string;
  seed?: number;
  scenario?: unknown;
}

function planCells(root: string, reproduceId: string): Map<string, PlanCell> {
  const plan = asRecord(readJsonInside(root, joinRelative(reproduceId, 'plan.json')));
  const cells = new Map<string, PlanCell>();
  if (plan && Array.isArray(plan.cells)) {
    for (const cell of plan.cells) {
      const record = asRecord(cell);
      if (record && typeof record.key === 'string') cells.set(record.key, record as PlanCell);
    }
  }
  return cells;
}

/** Config of a run (its config.json), or undefined. */
export function readRunConfig(root: string, runId: string): Record<string, unknown> | undefined {
  return asRecord(readJsonInside(root, joinRelative(runId, 'config.json')));
}

/** Walks the runs folder (no symlinked folders, no hidden or checkpoint folders) and lists what svec wrote there. */
export function discoverRuns(root: string, metrics: MetricsStore, limits: Partial<DiscoveryLimits> = {}, now = Date.now()): Discovery {
  const { maxDepth, maxFolders } = { ...DEFAULT_LIMITS, ...limits };
  const runs: RunInfo[] = [];
  const compares: CompareInfo[] = [];
  const reproductions: ReproduceInfo[] = [];
  const containers: Array<{ id: string; kind: 'compare' | 'reproduce'; cells?: Map<string, PlanCell> }> = [];
  let folders = 0;
  let truncated = false;

  const visit = (id: string, depth: number, container: (typeof containers)[number] | null): void => {
    if (folders >= maxFolders) {
      truncated = true;
      return;
    }
    folders += 1;
    let entries;
    try {
      entries = readdirSync(resolveInside(root, id), { withFileTypes: true });
    } catch {
      return;
    }
    const files = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
    const dirs = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !SKIPPED_FOLDERS.has(e.name))
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

    if (files.has('config.json') && files.has('metrics.jsonl')) {
      runs.push(describeRun(root, id, container, metrics, now));
      return; // a run folder holds no further runs
    }
    let here = container;
    if (files.has('comparison.json')) {
      here = { id, kind: 'compare' };
      containers.push(here);
      compares.push({ id, runs: [] });
    } else if (files.has('plan.json') && dirs.includes('cells')) {
      here = { id, kind: 'reproduce', cells: planCells(root, id) };
      containers.push(here);
      const summary = asRecord(readJsonInside(root, joinRelative(id, 'summary.json')));
      const plan = asRecord(readJsonInside(root, joinRelative(id, 'plan.json')));
      const profile = asRecord(plan?.profile)?.name;
      let finished = 0;
      try {
        for (const cell of readdirSync(resolveInside(root, joinRelative(id, 'cells')), { withFileTypes: true })) {
          if (cell.isDirectory() && fileExistsInside(root, joinRelative(id, 'cells', cell.name, 'result.json'))) finished += 1;
        }
      } catch {
        // no cells yet
      }
      reproductions.push({ id, profile: typeof profile === 'string' ? profile : null, cells: here.cells!.size, finished, hasSummary: summary !== undefined, runs: [] });
    }
    if (depth >= maxDepth) return;
    for (const dir of dirs) visit(joinRelative(id, dir), depth + 1, here);
  };
  visit('', 0, null);

  for (const run of runs) {
    if (run.container === null) continue;
    (compares.find((c) => c.id === run.container) ?? reproductions.find((r) => r.id === run.container))?.runs.push(run.id);
  }
  // reproduce cells: label and tag from the plan (algorithm, scenario overrides, seed)
  for (const container of containers) {
    if (container.kind !== 'reproduce' || !container.cells) continue;
    for (const run of runs) {
      if (run.container !== container.id) continue;
      const key = basename(dirname(run.id));
      const cell = container.cells.get(key);
      if (!cell) continue;
      const overrides = overridesText(cell.scenario);
      run.tag = overrides || 'base scenario';
      run.label = `${cell.algo ?? run.algo}${overrides ? ` · ${overrides}` : ''} · seed ${cell.seed ?? run.seed ?? '?'} (cell ${key})`;
    }
  }
  return { runs, compares, reproductions, truncated };
}

function describeRun(root: string, id: string, container: { id: string } | null, metrics: MetricsStore, now: number): RunInfo {
  const config = readRunConfig(root, id) ?? {};
  const { episodes, mtimeMs } = metrics.count(id);
  const algo = typeof config.algo === 'string' ? config.algo : 'run';
  const seed = typeof config.seed === 'number' ? config.seed : null;
  const episodesPlanned = typeof config.episodes === 'number' ? config.episodes : null;
  const name = id === '' ? '.' : id;
  // seeds of one `svec train --seeds` (DIR/seed-S) or one compare algorithm share their parent's name
  const parent = dirname(name);
  const tag = /^seed-\d+$/.test(basename(name)) && parent !== '.' ? parent : name;
  const complete = episodesPlanned !== null && episodes >= episodesPlanned;
  return {
    id,
    label: name,
    tag,
    container: container?.id ?? null,
    algo,
    seed,
    episodesPlanned,
    episodesDone: episodes,
    updatedAt: mtimeMs,
    live: mtimeMs !== null && !complete && now - mtimeMs < LIVE_WINDOW_MS,
  };
}
