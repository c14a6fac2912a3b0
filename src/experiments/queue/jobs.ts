// The jobs of a sweep on the queue: one BullMQ job per cell, its data checked by one zod schema
// when a worker takes it (the schema is the single source of the job's type), and the queue's
// settings in one place.
//
// A job's id is the sweep's id and the cell key, `SWEEP.KEY`: adding the same sweep twice adds
// nothing (BullMQ keeps one job per id), two sweeps in two output folders never share a job, and
// the id never reads as an integer (BullMQ refuses such custom ids; a 12-hex-digit key alone is
// all decimal digits about once in 300 cells).
import { z } from 'zod';
import { ScenarioSchema } from '../../config/scenario.ts';
import { formatZodError } from '../../config/load.ts';
import { EXPERIMENTS, type ExperimentId } from '../definitions.ts';

/** The queue every svec sweep uses (several sweeps share it, told apart by their ids). */
export const QUEUE_NAME = 'svec-cells';

/** Version of the job format below; a worker refuses any other. */
export const JOB_FORMAT = 1;

const KEY = /^[0-9a-f]{12}$/;

export const CellSchema = z.strictObject({
  key: z.string().regex(KEY, 'a cell key is 12 hexadecimal digits'),
  algo: z.string().min(1),
  learning: z.boolean(),
  seed: z.number().int().min(0).max(0xffffffff),
  episodes: z.number().int().min(0),
  scenario: z.record(z.string(), z.unknown()),
  hyperparameters: z.record(z.string(), z.unknown()),
  uses: z.array(
    z.strictObject({
      experiment: z.enum(Object.keys(EXPERIMENTS) as [ExperimentId, ...ExperimentId[]]),
      variant: z.string(),
      x: z.number().nullable(),
    }),
  ),
});

export const CellJobSchema = z
  .strictObject({
    format: z.literal(JOB_FORMAT),
    /** the sweep's id (OUT/queue.json) */
    sweep: z.string().regex(KEY, 'a sweep id is 12 hexadecimal digits'),
    /** the output folder as the coordinator sees it; a worker may see it elsewhere (svec worker --out) */
    outDir: z.string().min(1),
    /** the cell's folder, relative to the output folder */
    cellPath: z.string().regex(/^cells\/[0-9a-f]{12}$/, "a cell's folder is cells/KEY, relative to the output folder"),
    /** the svec that planned the sweep: workers must run the same */
    codeVersion: z.string().min(1),
    task: z.strictObject({
      cell: CellSchema,
      scenario: ScenarioSchema,
      hyperparameters: z.record(z.string(), z.unknown()),
      evalEpisodes: z.number().int().min(1),
      evalSeed: z.number().int().min(0).max(0xffffffff),
    }),
  })
  .refine((job) => job.cellPath === `cells/${job.task.cell.key}`, { message: "cellPath must be cells/ followed by the cell's key", path: ['cellPath'] });

export type CellJobData = z.infer<typeof CellJobSchema>;

/** What a worker returns for a finished cell (the job's return value). */
export interface CellJobResult {
  key: string;
  worker: string;
  wallSeconds: number;
}

/** The progress a worker reports while a cell trains. */
export interface CellJobProgress {
  episode: number;
}

export function cellJobId(sweep: string, key: string): string {
  return `${sweep}.${key}`;
}

/** A job whose data does not match the schema; the message names the job and every bad field. */
export class CellJobDataError extends Error {
  override name = 'CellJobDataError';
}

/** Validates a job's data (and that its id is its sweep and cell); throws CellJobDataError naming what is wrong. */
export function parseCellJob(jobId: string | undefined, data: unknown): CellJobData {
  const where = `job ${jobId ?? '(no id)'}`;
  const result = CellJobSchema.safeParse(data);
  if (!result.success) throw new CellJobDataError(`${where}: bad data: ${formatZodError(result.error, 'data').replace(/\n/g, '; ')}`);
  const expected = cellJobId(result.data.sweep, result.data.task.cell.key);
  if (jobId !== expected) throw new CellJobDataError(`${where}: its id does not match its data (expected ${expected})`);
  return result.data;
}

/**
 * How the queue treats a worker that stops answering. A worker renews the lock of each cell it
 * holds every lockDuration / 2; a lock not renewed for lockDuration marks the job stalled, and
 * the stalled check (every stalledInterval, in every worker) hands it to another worker, which
 * resumes the cell from its newest checkpoint. Cells train in worker threads, so the worker's
 * main thread stays free to renew locks however long a cell runs: only a dead, frozen or cut-off
 * worker loses its lock. 30 s is far above a renewal's few milliseconds (a busy 2-core machine,
 * a garbage collection or an NFS hiccup do not cost a cell), and small against cells that take
 * minutes: a killed worker's cell goes on elsewhere within 45 s.
 */
export interface StallSettings {
  lockDuration: number;
  stalledInterval: number;
  /** a cell whose worker dies this many times (e.g. one that runs out of memory each time) fails */
  maxStalledCount: number;
}

export function stallSettings(stallSeconds = 30): StallSettings {
  const lockDuration = Math.round(stallSeconds * 1000);
  return { lockDuration, stalledInterval: Math.max(500, Math.round(lockDuration / 2)), maxStalledCount: 2 };
}

/** Attempts of a cell and the wait between them (exponential: backoff, 2 x backoff, ...). */
export interface RetrySettings {
  attempts: number;
  backoffMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { attempts: 3, backoffMs: 30_000 };
