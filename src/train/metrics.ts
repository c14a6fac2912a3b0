// Per-episode training metrics, in metrics.jsonl (one JSON object per line) and metrics.csv.
// The columns are the harness's own (HARNESS_COLUMNS), then the environment's per-episode
// statistics (spec.metrics), then the losses and the learner's diagnostics. On resume both files
// are cut back to the checkpoint's episode, so a resumed run's files equal those of an
// uninterrupted run.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/io.ts';

/** One episode's row: every column is a number (NaN where not applicable; null in JSON). */
export type EpisodeMetrics = Record<string, number> & {
  /** 1-based episode number */
  episode: number;
  /** environment steps (slots) since the run began */
  totalSlots: number;
  /** update rounds (off-policy) or minibatch steps (on-policy) since the run began */
  totalUpdates: number;
  /** mean over agents of the sum of the rewards the learners learned from */
  episodeReturn: number;
};

export const HARNESS_COLUMNS = ['episode', 'totalSlots', 'totalUpdates', 'episodeReturn'] as const;
export const LOSS_COLUMNS = ['criticLoss', 'actorLoss', 'meanQ'] as const;

/** The columns of a run: harness, environment statistics, losses, learner diagnostics. */
export function metricColumns(environmentMetrics: readonly string[], diagnostics: readonly string[]): string[] {
  const columns = [...HARNESS_COLUMNS, ...environmentMetrics, ...LOSS_COLUMNS, ...diagnostics];
  const duplicate = columns.find((c, k) => columns.indexOf(c) !== k);
  if (duplicate) throw new Error(`metrics: the column '${duplicate}' is declared twice (environment metrics and learner diagnostics must not repeat the harness's own)`);
  return columns;
}

function toJsonLine(row: Record<string, number>, columns: readonly string[]): string {
  const record: Record<string, number | null> = {};
  for (const key of columns) {
    const value = row[key];
    record[key] = value !== undefined && Number.isFinite(value) ? value : null;
  }
  return JSON.stringify(record);
}

function fromJsonLine(line: string): EpisodeMetrics {
  const record = JSON.parse(line) as Record<string, number | null>;
  const row: Record<string, number> = {};
  for (const [key, value] of Object.entries(record)) row[key] = value ?? Number.NaN;
  return row as EpisodeMetrics;
}

function toCsvLine(row: Record<string, number>, columns: readonly string[]): string {
  return columns.map((key) => (row[key] !== undefined && Number.isFinite(row[key]) ? String(row[key]) : '')).join(',');
}

export class MetricsWriter {
  private readonly jsonlPath: string;
  private readonly csvPath: string;
  private rows: EpisodeMetrics[] = [];
  private isOpen = false;

  constructor(
    runDir: string,
    readonly columns: readonly string[],
  ) {
    this.jsonlPath = join(runDir, 'metrics.jsonl');
    this.csvPath = join(runDir, 'metrics.csv');
  }

  /** Keeps the first `episodes` rows already on disk (resume) and rewrites both files with them. */
  open(episodes: number): void {
    const existing = readMetricsFile(this.jsonlPath);
    if (existing.length < episodes) throw new Error(`${this.jsonlPath} has ${existing.length} episodes but the checkpoint is at episode ${episodes}`);
    this.rows = existing.slice(0, episodes);
    writeFileAtomic(this.jsonlPath, this.rows.map((r) => `${toJsonLine(r, this.columns)}\n`).join(''));
    writeFileAtomic(this.csvPath, [this.columns.join(','), ...this.rows.map((r) => toCsvLine(r, this.columns))].join('\n') + '\n');
    this.isOpen = true;
  }

  readBack(): EpisodeMetrics[] {
    return this.rows.slice();
  }

  append(row: EpisodeMetrics): void {
    if (!this.isOpen) throw new Error('metrics writer is not open');
    appendFileSync(this.jsonlPath, `${toJsonLine(row, this.columns)}\n`);
    appendFileSync(this.csvPath, `${toCsvLine(row, this.columns)}\n`);
    this.rows.push(row);
  }

  close(): void {
    this.isOpen = false;
  }
}

function readMetricsFile(path: string): EpisodeMetrics[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((line, k) => {
      try {
        return fromJsonLine(line);
      } catch {
        throw new Error(`${path}: line ${k + 1} is not a JSON object`);
      }
    });
}

/** Reads a run's metrics.jsonl (every column it holds). */
export function readMetrics(runDir: string): EpisodeMetrics[] {
  return readMetricsFile(join(runDir, 'metrics.jsonl'));
}
