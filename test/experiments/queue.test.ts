// svec reproduce on the job queue (BullMQ over a redis-server this file starts on a free
// 127.0.0.1 port, with a password, and stops afterwards). One sweep, told as its faults happen:
// a coordinator killed after enqueuing and started again, a job with bad data, a cell that fails
// every attempt, a worker killed with SIGKILL mid-cell, a worker stopped with SIGTERM mid-cell;
// its cell results must equal a local run's. The profile is a tiny one (4 cells, seconds each):
// the real demo (about a minute of training on 2 cores) would make this file several minutes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { defaultScenario } from '../../src/config/scenario.ts';
import type { Profile } from '../../src/experiments/definitions.ts';
import { planCells, reproduce } from '../../src/experiments/reproduce.ts';
import { checkRedis, parseQueueUrl, QueueConnectionError, QueueUrlError, redisOptions } from '../../src/experiments/queue/connection.ts';
import { readSweepRecord, reproduceOnQueue } from '../../src/experiments/queue/coordinator.ts';
import { cellJobId, QUEUE_NAME } from '../../src/experiments/queue/jobs.ts';
import type { QueueStatus } from '../../src/experiments/queue/status.ts';
import { codeVersion } from '../../src/util/version.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../helpers/redisServer.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const available = redisServerAvailable();
// In CI a missing redis-server is a failure (scripts/setup.sh installs it); elsewhere a visible skip.
const skip = !available && !process.env.CI ? 'redis-server is not installed (apt-get install redis-server): the queue tests need it' : false;

const tiny: Profile = {
  name: 'demo',
  description: 'queue test profile',
  seeds: 1,
  episodes: 8,
  evalEpisodes: 1,
  vehicles: 2,
  sweepStride: 1,
  algorithms: ['ddpg', 'greedy', 'oracle'],
  experiments: ['fig4', 'oracle-gap'],
  // a checkpoint after every episode: a worker killed mid-cell leaves one to resume from
  hyperparameters: { hiddenSize: 8, batchSize: 4, learningStarts: 5, randomWarmupSlots: 3, parallelEnvs: 1, checkpointEvery: 1 },
};
const baseScenario = { ...defaultScenario(), slotsPerEpisode: 10 };
const evalSeed = 99;
const retry = { attempts: 2, backoffMs: 200 };
const password = `svec-test-${randomBytes(8).toString('hex')}`;

let redis: RedisServer | undefined;
const captured: string[] = [];

before(async () => {
  if (available) redis = await startRedisServer({ password });
});
after(async () => {
  await redis?.stop();
});

/** A child process whose standard error is kept line by line, with a wait for a line. */
class Child {
  readonly lines: string[] = [];
  readonly exit: Promise<number | null>;
  private waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    let pending = '';
    const take = (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) this.add(line);
    };
    process.stderr!.on('data', take);
    process.stdout!.on('data', take);
    this.exit = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }
  private add(line: string): void {
    this.lines.push(line);
    captured.push(line);
    for (const w of [...this.waiters]) {
      const m = line.match(w.pattern);
      if (m) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }
  waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const m = line.match(pattern);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms; it printed:\n${this.lines.join('\n')}`)), timeoutMs);
      this.waiters.push({ pattern, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }
}

function node(name: string, args: string[]): Child {
  // children get the password from the environment, never on their command line
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, SVEC_REDIS_PASSWORD: password }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Child(name, child);
}
const svec = (name: string, args: string[]) => node(name, [join(ROOT, 'bin/svec.mjs'), ...args]);

const workerUrl = () => `redis://127.0.0.1:${redis!.port}/0`;
const startWorker = (name: string, extra: string[] = []) => svec(name, ['worker', '--queue', workerUrl(), '--stall-seconds', '3', ...extra]);

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A cell's result without what differs between any two runs (wall time, time of day). */
function comparable(path: string): unknown {
  const { wallSeconds: _w, finishedAt: _f, ...rest } = JSON.parse(readFileSync(path, 'utf8'));
  return rest;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('queue URLs: the password comes from the URL or SVEC_REDIS_PASSWORD and never into a message', () => {
  const fromUrl = parseQueueUrl('redis://:p%40ss@127.0.0.1:7001/2', {});
  assert.deepEqual({ host: fromUrl.host, port: fromUrl.port, db: fromUrl.db, password: fromUrl.password }, { host: '127.0.0.1', port: 7001, db: 2, password: 'p@ss' });
  assert.equal(fromUrl.display, 'redis://127.0.0.1:7001/2');
  assert.equal(parseQueueUrl('redis://127.0.0.1', { SVEC_REDIS_PASSWORD: 'env-pass' }).password, 'env-pass');
  assert.throws(() => parseQueueUrl('http://127.0.0.1:6379', {}), QueueUrlError);
  assert.throws(
    () => parseQueueUrl('redis://:hidden-pass@127.0.0.1:6379/zero', {}),
    (err: Error) => err instanceof QueueUrlError && !err.message.includes('hidden-pass') && /database/.test(err.message),
  );
});

test('the Redis check: a wrong or missing password is one clear message without the password', { skip }, async () => {
  if (!available) assert.fail('redis-server is not installed; CI needs it (scripts/setup.sh installs it with apt-get)');
  await assert.rejects(
    checkRedis(parseQueueUrl(`redis://:wrong-pass@127.0.0.1:${redis!.port}/0`, {})),
    (err: Error) => err instanceof QueueConnectionError && /refused the password/.test(err.message) && !err.message.includes('wrong-pass'),
  );
  await assert.rejects(checkRedis(parseQueueUrl(`redis://127.0.0.1:${redis!.port}/0`, {})), /needs a password/);
});

test('svec reproduce --queue: killed coordinator, bad job, failing cell, SIGKILLed and SIGTERMed workers; results equal a local run', { skip, timeout: 300_000 }, async () => {
  if (!available) assert.fail('redis-server is not installed; CI needs it (scripts/setup.sh installs it with apt-get)');
  const outLocal = mkdtempSync(join(tmpdir(), 'svec-queue-local-'));
  const outQueue = mkdtempSync(join(tmpdir(), 'svec-queue-'));
  const connection = parseQueueUrl(redis!.url, {});
  const queue = new Queue(QUEUE_NAME, { connection: redisOptions(connection) });
  const children: Child[] = [];
  try {
    const cells = await planCells(tiny.experiments!, tiny, baseScenario);
    assert.equal(cells.length, 4);
    const semantic = cells.find((c) => c.learning && c.scenario.mode === undefined)!;
    const nonSemantic = cells.find((c) => c.learning && c.scenario.mode === 'non-semantic')!;

    // The same sweep run locally, for the comparison at the end.
    const local = await reproduce({ profile: tiny, outDir: outLocal, baseScenario, workers: 2, evalSeed });
    assert.equal(local.failed.length, 0);

    // 1. A coordinator that enqueues the sweep, then is killed.
    const first = node('coordinator 1', [
      '--import',
      'tsx',
      join(ROOT, 'test/helpers/queueCoordinator.ts'),
      JSON.stringify({ profile: tiny, outDir: outQueue, baseScenario, evalSeed, retry, url: workerUrl() }),
    ]);
    children.push(first);
    await first.waitFor(/4 cell\(s\) queued now/);
    first.process.kill('SIGKILL');
    assert.equal(await first.exit, null);
    const { sweep } = readSweepRecord(outQueue)!;
    assert.equal((await queue.getJobCounts('waiting')).waiting, 4);

    // A job that is not a cell job, and a cell that fails on every attempt (its run folder is a file).
    await queue.add('cell', { format: 1, sweep, outDir: outQueue, cellPath: '../../etc', codeVersion: 'x', task: { cell: { key: 'zz' } } }, { jobId: 'bad-cell-job', attempts: 3 });
    mkdirSync(join(outQueue, 'cells', nonSemantic.key), { recursive: true });
    writeFileSync(join(outQueue, 'cells', nonSemantic.key, 'run'), 'in the way\n');

    // 2. Two workers, and the coordinator started again: it adds nothing and waits.
    const workers = [startWorker('worker 1'), startWorker('worker 2')];
    children.push(...workers);
    const stages: string[] = [];
    const coordinator = reproduceOnQueue({
      profile: tiny,
      outDir: outQueue,
      baseScenario,
      evalSeed,
      retry,
      connection,
      pollMs: 500,
      command: `svec reproduce --queue ${redis!.url}`,
      onStage: (s) => stages.push(s),
    });

    // Kill the worker training the semantic cell once that cell has a checkpoint.
    const cellDir = join(outQueue, 'cells', semantic.key);
    await until(() => existsSync(join(cellDir, 'run', 'checkpoints', 'latest')), 'the first checkpoint of the semantic cell');
    const started = new RegExp(`cell ${semantic.key} \\(ddpg, sweep ${sweep}\\) started`);
    const victim = workers.find((w) => w.lines.some((l) => started.test(l)))!;
    const survivor = workers.find((w) => w !== victim)!;
    victim.process.kill('SIGKILL');
    assert.equal(existsSync(join(cellDir, 'result.json')), false, 'killed mid-cell');
    assert.equal(await victim.exit, null);

    // The stalled job goes to the survivor, which resumes from the checkpoint; SIGTERM it at once:
    // it finishes that cell, then exits.
    const resumed = await survivor.waitFor(new RegExp(`cell ${semantic.key} .* started, attempt \\d of 2; resuming from the checkpoint at episode (\\d+) of 8`));
    survivor.process.kill('SIGTERM');
    assert.ok(Number(resumed[1]) >= 1);
    assert.equal(await survivor.exit, 0);
    const afterSignal = survivor.lines.slice(survivor.lines.findIndex((l) => /SIGTERM: taking no new cell/.test(l)));
    assert.ok(
      afterSignal.some((l) => l.includes(`cell ${semantic.key} finished`)),
      survivor.lines.join('\n'),
    );
    assert.ok(!afterSignal.some((l) => / started, attempt/.test(l)), 'no new cell after SIGTERM');

    // A third worker takes whatever is left and exits when the queue is empty.
    const third = startWorker('worker 3', ['--once']);
    children.push(third);
    const summary = await coordinator;
    assert.equal(await third.exit, 0);
    assert.ok(
      stages.some((s) => /: 0 cell\(s\) queued now/.test(s)),
      `the restarted coordinator adds nothing: ${stages.join('\n')}`,
    );

    // The failing cell is failed after its attempts, with its error, and listed in the report; the rest finished.
    assert.deepEqual(
      summary.failed.map((f) => f.key),
      [nonSemantic.key],
    );
    assert.match(summary.failed[0]!.error, /RunDirectoryError: .* exists and is not a directory \(after 2 attempt\(s\)/);
    const report = readFileSync(summary.reportPath, 'utf8');
    assert.match(report, new RegExp(`## Missing cells[\\s\\S]*${nonSemantic.key}[^\\n]*RunDirectoryError`));
    for (const c of cells.filter((c) => c !== nonSemantic)) assert.ok(existsSync(join(outQueue, 'cells', c.key, 'result.json')), c.key);

    // The bad job was refused by name, failed at once and not retried.
    const bad = (await queue.getJob('bad-cell-job'))!;
    assert.equal(await bad.getState(), 'failed');
    assert.equal(bad.attemptsMade, 1);
    assert.match(bad.failedReason, /^CellJobDataError: job bad-cell-job: bad data: .*cellPath/);
    assert.ok(captured.some((l) => /refused CellJobDataError: job bad-cell-job/.test(l)));

    // 3. The obstacle removed, a rerun retries the failed cell (with a worker that exits when done).
    rmSync(join(outQueue, 'cells', nonSemantic.key, 'run'));
    const rerun = reproduceOnQueue({ profile: tiny, outDir: outQueue, baseScenario, evalSeed, retry, connection, pollMs: 500 });
    await until(async () => (await queue.getJobState(cellJobId(sweep, nonSemantic.key))) === 'waiting', 'the failed cell back on the queue');
    const fourth = startWorker('worker 4', ['--once']);
    children.push(fourth);
    const retried = await rerun;
    assert.equal(await fourth.exit, 0);
    assert.equal(retried.failed.length, 0, JSON.stringify(retried.failed));
    assert.equal(retried.ran, 1);

    // Every cell equals the local run's (wall times and time stamps aside).
    for (const c of cells)
      assert.deepEqual(comparable(join(outQueue, 'cells', c.key, 'result.json')), comparable(join(outLocal, 'cells', c.key, 'result.json')), `cell ${c.key} (${c.algo})`);

    // 4. A rerun of the finished sweep enqueues nothing.
    const countsBefore = await queue.getJobCounts();
    const again = await reproduceOnQueue({ profile: tiny, outDir: outQueue, baseScenario, evalSeed, retry, connection });
    assert.equal(again.ran, 0);
    assert.deepEqual(await queue.getJobCounts(), countsBefore);

    // svec queue status (JSON and text) and a wrong password, side by side (each is a CLI start).
    const status = svec('status', ['queue', 'status', '--queue', redis!.url, '--json']);
    const text = svec('status text', ['queue', 'status', '--queue', workerUrl()]);
    const wrong = svec('wrong password', ['queue', 'status', '--queue', `redis://:not-${password}@127.0.0.1:${redis!.port}/0`]);
    children.push(status, text, wrong);
    assert.deepEqual(await Promise.all([status.exit, text.exit, wrong.exit]), [0, 0, 2]);
    // the sweep's cells and the workers seen (the killed one never said goodbye)
    const parsed = JSON.parse(status.lines.join('\n')) as QueueStatus;
    const ours = parsed.sweeps.find((s) => s.sweep === sweep)!;
    assert.deepEqual([ours.waiting, ours.active, ours.finished, ours.failed], [0, 0, 4, 0]);
    assert.equal(parsed.foreign, 1);
    const states = new Map(parsed.workers.map((w) => [w.pid, w.state]));
    assert.equal(states.get(victim.process.pid!), 'running');
    for (const w of [survivor, third, fourth]) assert.equal(states.get(w.process.pid!), 'stopped');
    assert.ok(
      text.lines.some((l) => l.includes(`sweep ${sweep} (${outQueue}): 0 waiting, 0 active, 4 finished, 0 failed`)),
      text.lines.join('\n'),
    );
    // a wrong password: one line, exit status 2, the password not repeated (checked below)
    assert.equal(wrong.lines.length, 1, wrong.lines.join('\n'));
    assert.match(wrong.lines[0]!, /^svec: Redis at redis:\/\/127\.0\.0\.1:\d+\/0 refused the password/);

    // The password is in no file of the output folder and in nothing any process printed.
    const history = readFileSync(join(outQueue, 'history.json'), 'utf8');
    assert.match(history, new RegExp(`svec reproduce --queue redis://(:\\*\\*\\*@)?127\\.0\\.0\\.1:${redis!.port}/0`));
    for (const file of filesUnder(outQueue)) assert.ok(!readFileSync(file).includes(password), `${file} holds the password`);
    for (const line of [...captured, ...stages]) assert.ok(!line.includes(password), `printed the password: ${line}`);
  } finally {
    for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    rmSync(outLocal, { recursive: true, force: true });
    rmSync(outQueue, { recursive: true, force: true });
  }
});

test('svec worker: a worker that cannot see the output folder hands the job back and stops (exit 2)', { skip, timeout: 120_000 }, async () => {
  if (!available) assert.fail('redis-server is not installed; CI needs it (scripts/setup.sh installs it with apt-get)');
  // database 1: apart from the sweep of the test above
  const url = `redis://127.0.0.1:${redis!.port}/1`;
  const queue = new Queue(QUEUE_NAME, { connection: redisOptions(parseQueueUrl(url, { SVEC_REDIS_PASSWORD: password })) });
  try {
    const key = 'abcdef012345';
    const sweep = '0123456789ab';
    const id = cellJobId(sweep, key);
    const [cell] = await planCells(['oracle-gap'], { ...tiny, algorithms: ['greedy'] }, baseScenario);
    await queue.add(
      'cell',
      {
        format: 1,
        sweep,
        outDir: join(tmpdir(), 'svec-no-such-folder'),
        cellPath: `cells/${key}`,
        codeVersion: codeVersion(),
        task: { cell: { ...cell!, key }, scenario: baseScenario, hyperparameters: {}, evalEpisodes: 1, evalSeed },
      },
      { jobId: id, attempts: 2 },
    );
    const worker = svec('blind worker', ['worker', '--queue', url]);
    assert.equal(await worker.exit, 2);
    assert.match(worker.lines.at(-1)!, /^svec: svec worker \S+: cannot serve sweep 0123456789ab: .*svec-no-such-folder has no queue\.json on this machine/);
    const job = (await queue.getJob(id))!;
    assert.equal(await job.getState(), 'waiting', 'back on the queue for other workers');
    assert.equal(job.attemptsMade, 0, 'no attempt used');
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
});
