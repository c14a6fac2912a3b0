// `svec queue status --queue URL`: the cells on the queue by sweep and state, and the workers
// that have noted themselves (worker.ts, WORKERS_KEY).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { markdownTable } from '../../util/markdown.ts';
import { checkRedis, redisOptions, scrub, type QueueConnection } from './connection.ts';
import { CellJobSchema, QUEUE_NAME } from './jobs.ts';
import { WORKERS_KEY, type WorkerRecord } from './worker.ts';

/** A worker that has not noted itself for this long while running is probably gone (killed, cut off). */
const SILENT_MS = 60_000;

export interface SweepStatus {
  sweep: string;
  outDir: string;
  waiting: number;
  active: number;
  finished: number;
  failed: number;
  /** waiting for a retry after a failed attempt */
  delayed: number;
  failures: { key: string; algo: string; error: string; attempts: number }[];
  /** cells being run now, and where */
  running: { key: string; algo: string; worker: string; progress: string }[];
}

export interface QueueStatus {
  queue: string;
  redis: string;
  sweeps: SweepStatus[];
  /** jobs whose data is not a cell job (refused by workers) */
  foreign: number;
  workers: (WorkerRecord & { seenSecondsAgo: number; silent: boolean })[];
}

const STATES = {
  waiting: 'waiting',
  prioritized: 'waiting',
  'waiting-children': 'waiting',
  active: 'active',
  delayed: 'delayed',
  completed: 'finished',
  failed: 'failed',
} as const;

export async function queueStatus(connection: QueueConnection, now = Date.now()): Promise<QueueStatus> {
  await checkRedis(connection);
  const queue = new Queue(QUEUE_NAME, { connection: redisOptions(connection) });
  queue.on('error', () => {});
  const registry = new Redis(redisOptions(connection));
  registry.on('error', () => {});
  try {
    const sweeps = new Map<string, SweepStatus>();
    let foreign = 0;
    for (const [state, bucket] of Object.entries(STATES)) {
      const jobs = await queue.getJobs(state as keyof typeof STATES, 0, -1);
      for (const job of jobs) {
        const parsed = CellJobSchema.safeParse(job.data);
        if (!parsed.success) {
          foreign++;
          continue;
        }
        const { sweep, outDir, task } = parsed.data;
        const entry = sweeps.get(sweep) ?? { sweep, outDir, waiting: 0, active: 0, finished: 0, failed: 0, delayed: 0, failures: [], running: [] };
        sweeps.set(sweep, entry);
        entry[bucket]++;
        if (bucket === 'failed') entry.failures.push({ key: task.cell.key, algo: task.cell.algo, error: scrub(job.failedReason ?? '', connection), attempts: job.attemptsMade });
        if (bucket === 'active') {
          const episode = (job.progress as { episode?: number } | undefined)?.episode;
          entry.running.push({
            key: task.cell.key,
            algo: task.cell.algo,
            worker: job.processedBy ?? '?',
            progress: task.cell.learning ? `episode ${episode ?? 0} of ${task.cell.episodes}` : 'evaluating',
          });
        }
      }
    }
    const records = await registry.hgetall(WORKERS_KEY);
    const workers = Object.values(records)
      .map((text) => JSON.parse(text) as WorkerRecord)
      .map((w) => {
        const seenSecondsAgo = Math.max(0, (now - Date.parse(w.lastSeen)) / 1000);
        return { ...w, seenSecondsAgo, silent: w.state !== 'stopped' && seenSecondsAgo * 1000 > SILENT_MS };
      })
      .sort((a, b) => a.seenSecondsAgo - b.seenSecondsAgo);
    return { queue: QUEUE_NAME, redis: connection.display, sweeps: [...sweeps.values()], foreign, workers };
  } finally {
    registry.disconnect();
    await queue.close();
  }
}

function ago(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s ago`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(0)} min ago`;
  return `${(seconds / 3600).toFixed(1)} h ago`;
}

export function formatQueueStatus(status: QueueStatus): string {
  const lines: string[] = [`queue ${status.queue} at ${status.redis}`, ''];
  if (status.sweeps.length === 0) lines.push('no sweep on the queue', '');
  for (const s of status.sweeps) {
    lines.push(
      `sweep ${s.sweep} (${s.outDir}): ${s.waiting} waiting, ${s.active} active, ${s.finished} finished, ${s.failed} failed${s.delayed ? `, ${s.delayed} waiting to retry` : ''}`,
    );
    for (const r of s.running) lines.push(`  running: ${r.key} (${r.algo}) on ${r.worker}, ${r.progress}`);
    for (const f of s.failures) lines.push(`  failed:  ${f.key} (${f.algo}) after ${f.attempts} attempt(s): ${f.error}`);
    lines.push('');
  }
  if (status.foreign > 0) lines.push(`${status.foreign} job(s) that are not svec cell jobs (refused by the workers)`, '');
  if (status.workers.length === 0) lines.push('no worker seen yet');
  else {
    lines.push('workers seen:');
    lines.push(
      markdownTable(
        ['worker', 'state', 'last seen', 'threads', 'finished', 'failed', 'in hand', 'svec'],
        status.workers.map((w) => [
          w.id,
          w.silent ? `${w.state}, silent (killed?)` : w.state,
          ago(w.seenSecondsAgo),
          String(w.concurrency),
          String(w.finished),
          String(w.failed),
          w.inHand.join(' ') || '—',
          w.codeVersion,
        ]),
        { align: 'left' },
      ),
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
