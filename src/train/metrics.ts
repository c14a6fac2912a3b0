// Per-episode training metrics, in metrics.jsonl (one JSON object per line) and metrics.csv.
// On resume both files are cut back to the checkpoint's episode, so a resumed run's files equal
// those of an uninterrupted run.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeStats } from '../sim/episodeStats.ts';
import { writeFileAtomic } from '../util/io.ts';

export interface EpisodeMetrics extends EpisodeStats {
  episode: number;
  totalSlots: number;
  totalUpdates: number;
  criticLoss: number;
  actorLoss: number;
  meanQ: number;
  /** share of continuous outputs of the diffusion actor at the clip bounds (NaN when not applicable) */
  clipShare: number;
}

export const METRIC_COLUMNS: (keyof EpisodeMetrics)[] = [
  'episode', 'totalSlots', 'totalUpdates', 'teamReward', 'latencyMs', 'energyMJ', 'fidelity', 'offloadFraction',
  'queue', 'highPriorityMissRate', 'cost', 'utility', 'meanLambda', 'criticLoss', 'actorLoss', 'meanQ', 'clipShare',
];

function toJsonLine(row: EpisodeMetrics): string {
  const record: Record<string, number | null> = {};
  for (const key of METRIC_COLUMNS) {
    const value = row[key];
    record[key] = Number.isFinite(value) ? value : null;
  }
  return JSON.stringify(record);
}

function fromJsonLine(line: string): EpisodeMetrics {
  const record = JSON.parse(line) as Record<string, number | null>;
  const row = {} as EpisodeMetrics;
  for (const key of METRIC_COLUMNS) row[key] = record[key] ?? Number.NaN;
  return row;
}

function toCsvLine(row: EpisodeMetrics): string {
  return METRIC_COLUMNS.map((key) => (Number.isFinite(row[key]) ? String(row[key]) : '')).join(',');
}

export class MetricsWriter {
  private readonly jsonlPath: string;
  private readonly csvPath: string;
  private rows: EpisodeMetrics[] = [];
  private isOpen = false;

  constructor(runDir: string) {
    this.jsonlPath = join(runDir, 'metrics.jsonl');
    this.csvPath = join(runDir, 'metrics.csv');
  }

  /** Keeps the first `episodes` rows already on disk (resume) and rewrites both files with them. */
  open(episodes: number): void {
    const existing = existsSync(this.jsonlPath)
      ? readFileSync(this.jsonlPath, 'utf8').split('\n').filter((l) => l.trim().length > 0).map(fromJsonLine)
      : [];
    if (existing.length < episodes) throw new Error(`${this.jsonlPath} has ${existing.length} episodes but the checkpoint is at episode ${episodes}`);
    this.rows = existing.slice(0, episodes);
    writeFileAtomic(this.jsonlPath, this.rows.map((r) => `${toJsonLine(r)}\n`).join(''));
    writeFileAtomic(this.csvPath, [METRIC_COLUMNS.join(','), ...this.rows.map(toCsvLine)].join('\n') + '\n');
    this.isOpen = true;
  }

  readBack(): EpisodeMetrics[] {
    return this.rows.slice();
  }

  append(row: EpisodeMetrics): void {
    if (!this.isOpen) throw new Error('metrics writer is not open');
    appendFileSync(this.jsonlPath, `${toJsonLine(row)}\n`);
    appendFileSync(this.csvPath, `${toCsvLine(row)}\n`);
    this.rows.push(row);
  }

  close(): void {
    this.isOpen = false;
  }
}

/** Reads a run's metrics.jsonl. */
export function readMetrics(runDir: string): EpisodeMetrics[] {
  const path = join(runDir, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim().length > 0).map(fromJsonLine);
}
