// `svec worker --queue URL`: takes cells of any sweep from the queue and runs them with the same
// runCell as a local sweep, on worker threads (one per --concurrency). Threads, not this thread:
// training a cell keeps a core busy for minutes, and this thread must stay free to renew the
// job locks (jobs.ts, stallSettings) and report progress.
//
// What can go wrong, and what happens:
//   - the job's data is not a cell job (schema in jobs.ts): refused by name, failed, not retried
//   - the cell fails (a bug, a diverged run): the attempt fails; BullMQ retries it with backoff,
//     and after the last attempt the job is failed with its error, listed in the sweep's report
//   - the cell's folder is locked by a live process elsewhere (util/lock.ts): the job waits
//     (delayed, no attempt used) and is tried again later
//   - this worker cannot serve the sweep (it cannot see the output folder, or runs another svec
//     version): the job goes back to the queue for other workers and this worker stops, saying why
//   - this worker is killed: its locks lapse, the job stalls and another worker resumes the cell
//     from its newest checkpoint
//   - SIGTERM (handled by the CLI through stop()): no new cells; the cells in hand finish first
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { DelayedError, Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { Piscina } from 'piscina';
import { checkpointEpisode } from '../../train/checkpoint.ts';
import { UserError, userErrorName } from '../../util/errors.ts';
import { codeVersion } from '../../util/version.ts';
import type { CellProgressMessage, CellTask } from '../cellTask.ts';
import { checkRedis, redisOptions, scrub, type QueueConnection } from './connection.ts';
import { readSweepRecord } from './coordinator.ts';
import { CellJobDataError, parseCellJob, QUEUE_NAME, stallSettings, type CellJobProgress, type CellJobResult } from './jobs.ts';

/** This worker cannot serve the queue's sweep (another svec version, no view of the output folder). */
export class QueueWorkerError extends UserError {
  override name = userErrorName('QueueWorkerError');
}

export interface QueueWorkerOptions {
  connection: QueueConnection;
  /** cells at a time, each on its own thread (default 1) */
  concurrency?: number;
  /** stop once the queue holds no waiting or delayed cell */
  once?: boolean;
  /** where this machine sees the output folder, when not at the coordinator's path */
  outDir?: string;
  /** seconds without lock renewal after which a worker counts as dead (jobs.ts, stallSettings) */
  stallSeconds?: number;
  /** how long a cell locked elsewhere waits before it is tried again (ms) */
  lockedRetryMs?: number;
  log?: (line: string) => void;
}

export interface QueueWorkerSummary {
  id: string;
  finished: number;
  failed: number;
}

export interface QueueWorkerHandle {
  id: string;
  /** settles when the worker has stopped (rejects with QueueWorkerError when it could not serve) */
  done: Promise<QueueWorkerSummary>;
  /** graceful stop: take no new cell, finish the ones in hand */
  stop(): Promise<void>;
}

/** Where workers note themselves for `svec queue status` (a Redis hash: worker id to its record). */
export const WORKERS_KEY = `svec:${QUEUE_NAME}:workers`;

/** What `svec queue status` shows of a worker. */
export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  codeVersion: string;
  startedAt: string;
  lastSeen: string;
  state: 'running' | 'stopping' | 'stopped';
  inHand: string[];
  finished: number;
  failed: number;
}

const HEARTBEAT_MS = 10_000;

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const { connection } = options;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const log = (line: string) => options.log?.(scrub(line, connection));
  await checkRedis(connection);
  const id = `${hostname()}:${process.pid}`;
  const say = (line: string) => log(`svec worker ${id}: ${line}`);
  const version = codeVersion();
  const record: WorkerRecord = {
    id,
    host: hostname(),
    pid: process.pid,
    concurrency,
    codeVersion: version,
    startedAt: new Date().toISOString(),
    lastSeen: new Date().toISOString(),
    state: 'running',
    inHand: [],
    finished: 0,
    failed: 0,
  };
  const registry = new Redis(redisOptions(connection));
  registry.on('error', () => {}); // reported through BullMQ's own connections below
  const note = async () => {
    record.lastSeen = new Date().toISOString();
    await registry.hset(WORKERS_KEY, id, JSON.stringify(record)).catch(() => {});
  };
  await note();
  const heartbeat = setInterval(() => void note(), HEARTBEAT_MS);

  const pool = new Piscina({
    filename: new URL('./cellJobThread.mjs', import.meta.url).href,
    maxThreads: concurrency,
    minThreads: concurrency,
    idleTimeout: 10 * 60_000,
  });
  let problem: QueueWorkerError | undefined;
  let stopping: Promise<void> | undefined;

  const processor = async (job: Job, token?: string): Promise<CellJobResult> => {
    let data;
    try {
      data = parseCellJob(job.id, job.data);
    } catch (error) {
      if (!(error instanceof CellJobDataError)) throw error;
      say(`refused ${error.name}: ${error.message}`);
      // a job that can never run: failed now, not retried
      throw new UnrecoverableError(`${error.name}: ${error.message}`);
    }
    const key = data.task.cell.key;
    const outDir = options.outDir ?? data.outDir;
    // Problems of this worker, not of the job: hand the job back to the others and stop.
    const sweep = (() => {
      try {
        return readSweepRecord(outDir);
      } catch {
        return undefined;
      }
    })();
    if (sweep?.sweep !== data.sweep) {
      return giveBack(
        job,
        token,
        `cannot serve sweep ${data.sweep}: ${outDir} ${sweep ? `holds sweep ${sweep.sweep}` : 'has no queue.json'} on this machine; mount the shared output folder there, or name where it is mounted with --out`,
      );
    }
    if (data.codeVersion !== version) {
      return giveBack(
        job,
        token,
        `cannot serve sweep ${data.sweep}: it was planned by svec ${data.codeVersion} and this worker runs ${version}; run the same svec version on every machine`,
      );
    }

    const cellDir = join(outDir, data.cellPath);
    const attempt = `attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}`;
    let from = 0;
    try {
      if (data.task.cell.learning) from = checkpointEpisode(join(cellDir, 'run'));
    } catch {
      // a damaged checkpoint: the cell's own run will say so
    }
    say(
      `cell ${key} (${data.task.cell.algo}, sweep ${data.sweep}) started, ${attempt}${from > 0 ? `; resuming from the checkpoint at episode ${from} of ${data.task.cell.episodes}` : ''}`,
    );
    record.inHand.push(key);
    void note();
    const started = performance.now();
    const channel = new MessageChannel();
    let lastReport = 0;
    channel.port2.on('message', (message: CellProgressMessage) => {
      const now = Date.now();
      // at most one progress event a second per cell: a paper-scale sweep has hundreds of cells
      if (message.done || now - lastReport < 1000) return;
      lastReport = now;
      void job.updateProgress({ episode: message.episode } satisfies CellJobProgress).catch(() => {});
    });
    const task: CellTask = { ...data.task, cellDir };
    try {
      const outcome = (await pool.run({ ...task, port: channel.port1 }, { transferList: [channel.port1] })) as { ok: true } | { ok: false; name: string; message: string };
      if (!outcome.ok) {
        if (outcome.name === 'FolderLockedError') {
          // another live process writes this cell: not a failure, try again later
          say(`cell ${key} is locked elsewhere (${outcome.message}); trying it again later`);
          await job.moveToDelayed(Date.now() + (options.lockedRetryMs ?? 30_000), token);
          throw new DelayedError();
        }
        const message = `${outcome.name}: ${outcome.message}`;
        record.failed++;
        say(`cell ${key} failed (${attempt}): ${message}`);
        throw new Error(message);
      }
      const wallSeconds = (performance.now() - started) / 1000;
      record.finished++;
      say(`cell ${key} finished in ${wallSeconds.toFixed(1)} s`);
      return { key, worker: id, wallSeconds };
    } finally {
      channel.port2.close();
      record.inHand.splice(record.inHand.indexOf(key), 1);
      void note();
    }
  };

  const giveBack = async (job: Job, token: string | undefined, why: string): Promise<never> => {
    problem ??= new QueueWorkerError(`svec worker ${id}: ${why}`);
    say(`${why}; handing the job back to the other workers and stopping`);
    void stop();
    await job.moveToWait(token);
    throw new WaitingError();
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: redisOptions(connection),
    concurrency,
    name: id,
    // started below, once the worker has said where it serves
    autorun: false,
    ...stallSettings(options.stallSeconds),
  });
  let lastError = '';
  worker.on('error', (error) => {
    const text = scrub(error.message, connection);
    // one line per distinct error: a Redis outage would otherwise print one per retry
    if (text !== lastError) say(`queue connection: ${text}`);
    lastError = text;
  });
  worker.on('ready', () => (lastError = ''));

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // close first, before any await: from now on the worker fetches no further job
      const closed = worker.close();
      record.state = 'stopping';
      await note();
      await closed;
      await pool.destroy();
      clearInterval(heartbeat);
      if (onceTimer) clearInterval(onceTimer);
      record.state = 'stopped';
      await note();
      registry.disconnect();
    })();
    return stopping;
  };

  let onceTimer: NodeJS.Timeout | undefined;
  if (options.once) {
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(connection) });
    queue.on('error', () => {});
    onceTimer = setInterval(() => {
      if (record.inHand.length > 0 || stopping) return;
      void queue
        .getJobCounts('waiting', 'delayed', 'prioritized')
        .then(async (counts) => {
          if (Object.values(counts).every((n) => n === 0) && record.inHand.length === 0 && !stopping) {
            say('no cell left on the queue (--once); stopping');
            await stop();
          }
        })
        .catch(() => {});
    }, 1000);
    worker.on('closed', () => void queue.close());
  }

  await worker.waitUntilReady();
  void worker.run().catch((error: Error) => say(`stopped: ${scrub(error.message, connection)}`));
  say(`serving queue ${QUEUE_NAME} at ${connection.display} with ${concurrency} thread(s)${options.outDir ? `, output folder ${options.outDir}` : ''}`);
  let resolveDone!: (summary: QueueWorkerSummary) => void;
  let rejectDone!: (error: Error) => void;
  const done = new Promise<QueueWorkerSummary>((ok, fail) => {
    resolveDone = ok;
    rejectDone = fail;
  });
  worker.on('closed', () => {
    void (stopping ?? stop()).then(() => (problem ? rejectDone(problem) : resolveDone({ id, finished: record.finished, failed: record.failed })));
  });
  return { id, done, stop };
}
