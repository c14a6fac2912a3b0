// Checkpoints and exact resumption.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScenario } from '../../src/config/scenario.ts';
import { DmadrlAgent, DmadrlConfigSchema } from '../../src/agents/dmadrl.ts';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { RandomStreams } from '../../src/random/stream.ts';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.ts';
import { resume, train } from '../../src/train/run.ts';
import { TrainingDivergedError } from '../../src/agents/contract.ts';
import { spaces } from '../helpers/learners.ts';

const scenarioOverrides = ['vehicles=3', 'slotsPerEpisode=8'];
const scenario = { ...defaultScenario(), vehicles: 3, slotsPerEpisode: 8 };
const hp = { hiddenSize: 8, batchSize: 8, learningStarts: 8, randomWarmupSlots: 8, denoisingSteps: 3, checkpointEvery: 2 };
const hpFlags = Object.entries(hp).flatMap(([k, v]) => ['--hp', `${k}=${v}`]);

const streamsOf = new WeakMap<DmadrlAgent, RandomStreams>();
function agent(seed: number) {
  const s = new RandomStreams(seed);
  const created = new DmadrlAgent(DmadrlConfigSchema.parse({ hiddenSize: 8, batchSize: 4, denoisingSteps: 2 }), spaces(2, 5), {
    init: s.get('init'),
    policy: s.get('policy'),
    learner: s.get('learner'),
  });
  streamsOf.set(created, s);
  return created;
}

test('checkpoint round trip is bit-exact (weights, optimizer state, arrays, state)', async () => {
  await initNeuralBackend();
  const dir = mkdtempSync(join(tmpdir(), 'svec-ckpt-'));
  const a = agent(1);
  // give the optimizers some state
  const { ReplayMemory } = await import('../../src/agents/replay.ts');
  const memory = new ReplayMemory({ capacity: 8, agents: 2, obsDim: 5, actionDim: 5, priorityAlpha: 0 });
  for (let k = 0; k < 8; k++) memory.add(new Float32Array(10).fill(k / 8), new Float32Array(10).fill(0.1), [1, -1], new Float32Array(10).fill(0.3), [0, 0]);
  a.update(memory.sample(4, new RandomStreams(2).get('replay')));
  const extra = { replayObs: Float32Array.from([1.5, -2.25, 3]), tree: Float64Array.from([0.1, 0.2]) };
  await saveCheckpoint(dir, 7, { state: { hello: 'world', streams: streamsOf.get(a)!.getState() }, arrays: extra, variables: a.variables, optimizers: a.optimizers });
  const b = agent(99);
  const loaded = await loadCheckpoint(latestCheckpoint(dir)!, b.variables, b.optimizers);
  assert.equal(loaded.episode, 7);
  assert.equal(loaded.state.hello, 'world');
  streamsOf.get(b)!.setState(loaded.state.streams as ReturnType<RandomStreams['getState']>);
  assert.deepEqual(Array.from(loaded.arrays.replayObs!), [1.5, -2.25, 3]);
  assert.deepEqual(Array.from(loaded.arrays.tree!), [0.1, 0.2]);
  a.variables.forEach((v, k) => assert.deepEqual(b.variables[k]!.dataSync(), v.dataSync()));
  for (const [k, opt] of a.optimizers.entries()) {
    const wa = await opt.getWeights();
    const wb = await b.optimizers[k]!.getWeights();
    assert.equal(wb.length, wa.length);
    wa.forEach((w, j) => assert.deepEqual(Array.from(wb[j]!.tensor.dataSync()), Array.from(w.tensor.dataSync())));
  }
  // one more identical update from both gives identical weights (Adam's beta powers restored too)
  a.update(memory.sample(4, new RandomStreams(3).get('replay')));
  b.update(memory.sample(4, new RandomStreams(3).get('replay')));
  a.variables.forEach((v, k) => assert.deepEqual(b.variables[k]!.dataSync(), v.dataSync()));
  a.dispose();
  b.dispose();
});

test('a run interrupted after a checkpoint and resumed equals the uninterrupted run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'svec-resume-'));
  const whole = join(root, 'whole');
  await train({ algo: 'dmadrl', scenario, hyperparameters: hp, seed: 4, episodes: 6, runDir: whole });
  const broken = join(root, 'broken');
  await assert.rejects(
    train({
      algo: 'dmadrl',
      scenario,
      hyperparameters: hp,
      seed: 4,
      episodes: 6,
      runDir: broken,
      afterEpisode: (e) => {
        if (e === 3) throw new Error('simulated crash');
      },
    }),
    /simulated crash/,
  );
  assert.equal(readFileSync(join(broken, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 3);
  await resume(broken);
  assert.equal(readFileSync(join(broken, 'metrics.jsonl'), 'utf8'), readFileSync(join(whole, 'metrics.jsonl'), 'utf8'));
  assert.equal(readFileSync(join(broken, 'metrics.csv'), 'utf8'), readFileSync(join(whole, 'metrics.csv'), 'utf8'));
  await assert.rejects(train({ algo: 'dmadrl', scenario, hyperparameters: hp, seed: 4, episodes: 6, runDir: whole }), /already holds a run/);
});

function runCli(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/svec.mjs', ...args], { env: { ...process.env, CI: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

test('SIGKILL during training, then `svec train --resume`, gives exactly the uninterrupted metrics', async () => {
  const root = mkdtempSync(join(tmpdir(), 'svec-kill-'));
  const reference = join(root, 'reference');
  const episodes = 60; // long enough that the kill lands mid-run (asserted below)
  await train({ algo: 'dmadrl', scenario, hyperparameters: hp, seed: 6, episodes, runDir: reference });
  const killed = join(root, 'killed');
  const child = spawn(
    process.execPath,
    ['bin/svec.mjs', 'train', '--algo', 'dmadrl', ...scenarioOverrides.flatMap((s) => ['--set', s]), ...hpFlags, '--seed', '6', '--episodes', String(episodes), '--out', killed],
    { env: { ...process.env, CI: '1' } },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  // Kill it as soon as its first checkpoint exists (mid-way through the following episodes).
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(killed, 'checkpoints', 'latest')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  const signal = await exited;
  const lines = existsSync(join(killed, 'metrics.jsonl')) ? readFileSync(join(killed, 'metrics.jsonl'), 'utf8').trim().split('\n').length : 0;
  assert.equal(signal, 'SIGKILL', 'the run was killed');
  assert.ok(lines < episodes, `the run was killed before it finished (it had written ${lines} of ${episodes} episodes)`);
  const resumed = await runCli(['train', '--resume', killed]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(readFileSync(join(killed, 'metrics.jsonl'), 'utf8'), readFileSync(join(reference, 'metrics.jsonl'), 'utf8'));
  assert.ok(!readdirSync(join(killed, 'checkpoints')).some((f) => f.includes('.tmp')), 'no half-written checkpoint is left');
});

test('a NaN loss stops the run with a clear message and keeps the last good checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'svec-nan-'));
  // An absurd learning rate makes the critic diverge within a few episodes.
  await assert.rejects(
    train({
      algo: 'dmadrl',
      scenario,
      hyperparameters: { ...hp, learningStarts: 16, criticLr: 1e30, actorLr: 1e30, gradientClip: 0, checkpointEvery: 1 },
      seed: 1,
      episodes: 40,
      runDir: dir,
    }),
    (err: Error) => err instanceof TrainingDivergedError && /diverged|became/.test(err.message),
  );
  const latest = latestCheckpoint(dir);
  assert.ok(latest, 'a checkpoint from before the divergence is kept');
});
