// `svec reproduce --queue URL`: the same sweep as a local run (experiments/reproduce.ts plans it
// and writes the figures and the report), but the unfinished cells become BullMQ jobs that
// `svec worker` processes run on any machine that reaches Redis and sees the output folder.
//   1. OUT/queue.json names the sweep (a random id, made once): every coordinator started on this
//      folder, from any machine, adds the same job ids, so adding the sweep again adds nothing
//   2. enqueue every unfinished cell as a job (a failed job from an earlier invocation is retried,
//      a job still waiting or running is left alone: a restarted coordinator picks the sweep up)
//   3. wait: QueueEvents feeds the progress view as cells train and finish anywhere; a poll of
//      the jobs' states every few seconds catches what an event may have missed (a coordinator
//      restarted mid-sweep, a dropped connection)
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { writeFileAtomic } from '../../util/io.ts';
import { codeVersion } from '../../util/version.ts';
import { UserError, userErrorName } from '../../util/errors.ts';
import type { CellTask } from '../cellTask.ts';
import { reproduce, type CellRunner, type ReproduceOptions, type ReproduceSummary } from '../reproduce.ts';
import { checkRedis, redisOptions, scrub, type QueueConnection } from './connection.ts';
import { cellJobId, DEFAULT_RETRY, JOB_FORMAT, QUEUE_NAME, type CellJobData, type CellJobProgress, type CellJobResult, type RetrySettings } from './jobs.ts';

/** OUT/queue.json: which sweep of the queue this folder is. */
export interface SweepRecord {
  sweep: string;
  queue: string;
  createdAt: string;
}

/** OUT/queue.json cannot be read. */
export class SweepRecordError extends UserError {
  override name = userErrorName('SweepRecordError');
}

export function sweepRecordPath(outDir: string): string {
  return join(outDir, 'queue.json');
}

/** The sweep record of an output folder, or undefined when it has none. */
export function readSweepRecord(outDir: string): SweepRecord | undefined {
  const path = sweepRecordPath(outDir);
  if (!existsSync(path)) return undefined;
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as SweepRecord;
    if (typeof record.sweep !== 'string' || !/^[0-9a-f]{12}$/.test(record.sweep)) throw new Error('no sweep id');
    return record;
  } catch (error) {
    throw new SweepRecordError(`${path}: not an svec sweep record (${(error as Error).message}); remove it to start the queue's bookkeeping of this folder afresh`);
  }
}

/** The folder's sweep record, made on the first queued run. */
export function ensureSweepRecord(outDir: string): SweepRecord {
  const existing = readSweepRecord(outDir);
  if (existing) return existing;
  const record: SweepRecord = { sweep: randomBytes(6).toString('hex'), queue: QUEUE_NAME, createdAt: new Date().toISOString() };
  writeFileAtomic(sweepRecordPath(outDir), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** A cell's job data: every path relative to the output folder. */
export function cellJobData(sweep: string, outDir: string, task: CellTask): CellJobData {
  return {
    format: JOB_FORMAT,
    sweep,
    outDir: resolve(outDir),
    cellPath: relative(outDir, task.cellDir).split('\\').join('/'),
    codeVersion: codeVersion(),
    task: { cell: task.cell, scenario: task.scenario, hyperparameters: task.hyperparameters, evalEpisodes: task.evalEpisodes, evalSeed: task.evalSeed },
  } as CellJobData;
}

export interface EnqueueOutcome {
  /** jobs added now */
  added: string[];
  /** jobs already on the queue (waiting, running, delayed for a retry) */
  existing: string[];
  /** failed jobs of an earlier invocation, retried with fresh attempts */
  retried: string[];
}

/** Puts the tasks on the queue as jobs (in order: the first is taken first); what is there already stays. */
export async function enqueueCells(queue: Queue, sweep: string, outDir: string, tasks: CellTask[], retry: RetrySettings = DEFAULT_RETRY): Promise<EnqueueOutcome> {
  const outcome: EnqueueOutcome = { added: [], existing: [], retried: [] };
  const toAdd: CellTask[] = [];
  for (const task of tasks) {
    const id = cellJobId(sweep, task.cell.key);
    const job = await queue.getJob(id);
    if (!job) {
      toAdd.push(task);
      continue;
    }
    const state = await job.getState();
    if (state === 'failed') {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      outcome.retried.push(id);
    } else if (state === 'completed' && !existsSync(join(task.cellDir, 'result.json'))) {
      // finished once, but its result is gone (removed by hand): run it again
      await job.remove();
      toAdd.push(task);
    } else {
      outcome.existing.push(id);
    }
  }
  if (toAdd.length > 0) {
    await queue.addBulk(
      toAdd.map((task) => ({
        name: 'cell',
        data: cellJobData(sweep, outDir, task),
        opts: {
          jobId: cellJobId(sweep, task.cell.key),
          attempts: retry.attempts,
          backoff: { type: 'exponential', delay: retry.backoffMs },
          // finished jobs stay: their ids keep a second enqueue of the sweep from adding them again
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
    outcome.added.push(...toAdd.map((t) => cellJobId(sweep, t.cell.key)));
  }
  return outcome;
}

export interface QueueRunnerOptions {
  connection: QueueConnection;
  outDir: string;
  retry?: RetrySettings;
  /** how often the jobs' states are polled besides the events (ms) */
  pollMs?: number;
  onStage?: (stage: string) => void;
}

/** The runner that puts a sweep's pending cells on the queue and waits for them. */
export function queueRunner(options: QueueRunnerOptions): CellRunner {
  return async (pending, events) => {
    const { connection, outDir } = options;
    const stage = (text: string) => options.onStage?.(scrub(text, connection));
    await checkRedis(connection);
    const { sweep } = ensureSweepRecord(outDir);
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(connection) });
    const queueEvents = new QueueEvents(QUEUE_NAME, { connection: redisOptions(connection) });
    const errors = (error: Error) => stage(`queue connection: ${error.message}`);
    queue.on('error', errors);
    queueEvents.on('error', errors);
    try {
      await queueEvents.waitUntilReady();
      // the cells still to finish, by job id
      const unresolved = new Map(pending.map((t) => [cellJobId(sweep, t.cell.key), t]));
      let wake: () => void = () => {};
      queueEvents.on('progress', ({ jobId, data }) => {
        const task = unresolved.get(jobId);
        const episode = (data as Partial<CellJobProgress>)?.episode;
        if (task !== undefined && typeof episode === 'number') events.progress(task.cell.key, episode);
      });
      for (const name of ['completed', 'failed', 'stalled', 'removed'] as const) queueEvents.on(name, ({ jobId }: { jobId: string }) => unresolved.has(jobId) && wake());

      const outcome = await enqueueCells(queue, sweep, outDir, pending, options.retry);
      const workers = await queue.getWorkersCount().catch(() => Number.NaN);
      stage(
        `sweep ${sweep} on queue ${QUEUE_NAME} at ${connection.display}: ${outcome.added.length} cell(s) queued now, ${outcome.existing.length} already on the queue, ${outcome.retried.length} failed before and retried; ` +
          (workers === 0
            ? 'no worker is connected yet: start `svec worker --queue URL` where the output folder is shared'
            : `${Number.isNaN(workers) ? 'an unknown number of' : workers} worker(s) connected`),
      );

      // Wait until every cell finished or failed for good.
      const missingSince = new Map<string, number>();
      while (unresolved.size > 0) {
        for (const [id, task] of [...unresolved]) {
          const key = task.cell.key;
          const resultHere = existsSync(join(task.cellDir, 'result.json'));
          const state = await queue.getJobState(id);
          if (state === 'completed' || (resultHere && state !== 'active')) {
            if (resultHere) {
              unresolved.delete(id);
              events.finished(key);
              continue;
            }
            // a worker finished the cell but its result is not here (yet: a network filesystem
            // may show it a little later); after a while, the folder is not shared
            const since = missingSince.get(id) ?? Date.now();
            missingSince.set(id, since);
            if (Date.now() - since > 30_000) {
              const job = await queue.getJob(id);
              const worker = (job?.returnvalue as CellJobResult | undefined)?.worker ?? job?.processedBy ?? 'a worker';
              unresolved.delete(id);
              events.failed(
                key,
                `QueueError: ${worker} finished the cell, but ${join(task.cellDir, 'result.json')} does not exist here: is the output folder the same shared folder on every machine?`,
              );
            }
          } else if (state === 'failed') {
            const job = await queue.getJob(id);
            unresolved.delete(id);
            events.failed(
              key,
              `${scrub(job?.failedReason || 'failed', connection)} (after ${job?.attemptsMade ?? '?'} attempt(s)${job?.processedBy ? `, last on ${job.processedBy}` : ''})`,
            );
          } else if (state === 'unknown') {
            // removed from the queue while we waited (by hand): put it back
            await enqueueCells(queue, sweep, outDir, [task], options.retry);
            stage(`cell ${key} was removed from the queue; queued it again`);
          }
        }
        if (unresolved.size === 0) break;
        await new Promise<void>((done) => {
          const timer = setTimeout(done, options.pollMs ?? 5000);
          wake = () => {
            clearTimeout(timer);
            done();
          };
        });
      }
    } finally {
      await queueEvents.close();
      await queue.close();
    }
  };
}

export interface QueueReproduceOptions extends Omit<ReproduceOptions, 'runner' | 'workers'> {
  connection: QueueConnection;
  retry?: RetrySettings;
  pollMs?: number;
}

/** A reproduction whose cells run on the queue's workers; figures and report as a local run. */
export async function reproduceOnQueue(options: QueueReproduceOptions): Promise<ReproduceSummary> {
  const { connection, retry, pollMs, ...rest } = options;
  // Defensive: the command line is recorded in history.json and the report. The CLI passes it
  // with the password taken out already; nothing else may put it back.
  const command = rest.command === undefined ? undefined : scrub(rest.command, connection);
  return reproduce({ ...rest, command, runner: queueRunner({ connection, outDir: rest.outDir, retry, pollMs, onStage: rest.onStage }) });
}
