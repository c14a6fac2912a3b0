// The reproduce job queue on this machine: the demo profile's fig4 and oracle-gap cells (8 cells:
// DMADRL, DDPG and MAPPO with and without semantic communication, Greedy, the oracle) run through
// a redis-server on 127.0.0.1 by 1 and then 2 `svec worker` processes (one thread each), and by a
// local 2-thread run for comparison; then the queue's own cost per job: no-op jobs carrying a real
// cell job's data, enqueued, taken and completed one at a time.
// Wall times are the coordinator's (enqueue to report written); the workers are started (and
// ready) before, as they would be on a cluster. Prints one JSON line.
//   npm run bench -- queue-sweep
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { defaultScenario } from '../src/config/scenario.ts';
import { PROFILES, type ExperimentId } from '../src/experiments/definitions.ts';
import { reproduce } from '../src/experiments/reproduce.ts';
import { parseQueueUrl, redisOptions } from '../src/experiments/queue/connection.ts';
import { reproduceOnQueue } from '../src/experiments/queue/coordinator.ts';
import { QUEUE_NAME } from '../src/experiments/queue/jobs.ts';
import { startRedisServer } from '../test/helpers/redisServer.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const profile = PROFILES.demo;
const only: ExperimentId[] = ['fig4', 'oracle-gap'];
const baseScenario = defaultScenario();
const OVERHEAD_JOBS = 200;

const redis = await startRedisServer();
const connection = parseQueueUrl(redis.url);
const queue = new Queue(QUEUE_NAME, { connection: redisOptions(connection) });

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/svec.mjs'), 'worker', '--queue', redis.url], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('serving queue')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`svec worker exited (${code}): ${text}`)));
  });
}

/** Seconds of compute the cells' results record: their sum and the longest (no schedule beats it). */
function cellSeconds(outDir: string, keys: string[]): { total: number; longest: number } {
  const seconds = keys.map((key) => (JSON.parse(readFileSync(join(outDir, 'cells', key, 'result.json'), 'utf8')) as { wallSeconds: number }).wallSeconds);
  return { total: seconds.reduce((a, b) => a + b, 0), longest: Math.max(...seconds) };
}

async function queuedSweep(workers: number): Promise<{ seconds: number; cells: number; data: unknown; compute: { total: number; longest: number } }> {
  const outDir = mkdtempSync(join(tmpdir(), `svec-bench-queue-${workers}-`));
  const children = await Promise.all(Array.from({ length: workers }, startWorker));
  try {
    const started = performance.now();
    const summary = await reproduceOnQueue({ profile, only, outDir, baseScenario, connection, pollMs: 1000 });
    const seconds = (performance.now() - started) / 1000;
    if (summary.failed.length > 0) throw new Error(`cells failed: ${JSON.stringify(summary.failed)}`);
    const jobs = await queue.getJobs('completed', 0, -1);
    const compute = cellSeconds(
      outDir,
      jobs.map((j) => (j.data as { task: { cell: { key: string } } }).task.cell.key),
    );
    return { seconds, cells: summary.cells, data: jobs[0]!.data, compute };
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    await queue.obliterate({ force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function localSweep(threads: number): Promise<number> {
  const outDir = mkdtempSync(join(tmpdir(), 'svec-bench-local-'));
  try {
    const started = performance.now();
    await reproduce({ profile, only, outDir, baseScenario, workers: threads });
    return (performance.now() - started) / 1000;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Milliseconds per job for add, take and complete of no-op jobs carrying `data`, one at a time. */
async function overheadPerJob(data: unknown): Promise<number> {
  const name = `${QUEUE_NAME}-overhead`;
  const overheadQueue = new Queue(name, { connection: redisOptions(connection) });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker(name, async () => ({ ok: true }), { connection: redisOptions(connection), concurrency: 1, autorun: false });
  worker.on('completed', () => ++done === OVERHEAD_JOBS && finish());
  await worker.waitUntilReady();
  const started = performance.now();
  void worker.run();
  for (let k = 0; k < OVERHEAD_JOBS; k++) await overheadQueue.add('cell', data, { jobId: `job-${k}`, removeOnComplete: false });
  await finished;
  const ms = (performance.now() - started) / OVERHEAD_JOBS;
  await worker.close();
  await overheadQueue.obliterate({ force: true });
  await overheadQueue.close();
  return ms;
}

try {
  // the machine is shared: its load says how much of the 2 cores the sweep could have
  const load = loadavg()[0]!;
  const one = await queuedSweep(1);
  const two = await queuedSweep(2);
  const local = await localSweep(2);
  const overhead = await overheadPerJob(one.data);
  console.log(
    JSON.stringify({
      name: 'queue-sweep',
      profile: profile.name,
      experiments: only.join(','),
      cells: one.cells,
      workers_1_s: Number(one.seconds.toFixed(1)),
      workers_2_s: Number(two.seconds.toFixed(1)),
      speedup: Number((one.seconds / two.seconds).toFixed(2)),
      local_2_threads_s: Number(local.toFixed(1)),
      cell_compute_s: [Number(one.compute.total.toFixed(1)), Number(two.compute.total.toFixed(1))],
      longest_cell_s: [Number(one.compute.longest.toFixed(1)), Number(two.compute.longest.toFixed(1))],
      load_average_at_start: Number(load.toFixed(2)),
      queue_overhead_ms_per_job: Number(overhead.toFixed(2)),
      overhead_jobs: OVERHEAD_JOBS,
      job_data_bytes: JSON.stringify(one.data).length,
    }),
  );
} finally {
  await queue.close();
  await redis.stop();
}
