// Pendulum-v1 as Gymnasium computes it, step by step by hand; `svec validate` end to end on a
// tiny budget; and environments users bring with --env-module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkEnvironment } from '../../src/env/environment.ts';
import { angleNormalize, PendulumEnv } from '../../src/env/pendulum.ts';
import { environmentFactory } from '../../src/env/registry.ts';

test('Pendulum-v1 dynamics, cost and observation by hand (gymnasium/envs/classic_control/pendulum.py)', () => {
  const env = new PendulumEnv();
  checkEnvironment(env);
  env.reset(7);
  assert.ok(Math.abs(env.theta) <= Math.PI && Math.abs(env.thetaDot) <= 1, 'start in [-pi, pi] x [-1, 1]');
  env.theta = 2.5;
  env.thetaDot = -0.7;
  const step = env.step(Float32Array.of(0.5)); // u = 2 a = 1 (0.5 is exact in float32)
  const u = 1;
  const cost = angleNormalize(2.5) ** 2 + 0.1 * 0.7 ** 2 + 0.001 * u * u;
  const thdot = -0.7 + (((3 * 10) / 2) * Math.sin(2.5) + 3 * u) * 0.05;
  const th = 2.5 + thdot * 0.05;
  assert.ok(Math.abs(step.rewards[0]! + cost) < 1e-12, `reward ${step.rewards[0]} vs ${-cost}`);
  assert.ok(Math.abs(env.thetaDot - thdot) < 1e-12 && Math.abs(env.theta - th) < 1e-12);
  assert.deepEqual(Array.from(step.observations), [Math.fround(Math.cos(th)), Math.fround(Math.sin(th)), Math.fround(thdot)]);
  // the torque is clipped to [-2, 2] (actions beyond [-1, 1]) and the speed to [-8, 8]
  env.theta = 0.1;
  env.thetaDot = 7.9;
  env.step(Float32Array.of(5));
  assert.equal(env.thetaDot, 8);
  // angle_normalize is Python's ((x + pi) % (2 pi)) - pi
  assert.ok(Math.abs(angleNormalize((3 * Math.PI) / 2) + Math.PI / 2) < 1e-12);
  assert.ok(Math.abs(angleNormalize((-3 * Math.PI) / 2) - Math.PI / 2) < 1e-12);
  // 200 steps, then truncation (never termination)
  env.reset(1);
  let steps = 0;
  for (;;) {
    const s = env.step(Float32Array.of(0));
    steps++;
    assert.equal(s.terminations[0], 0);
    if (s.truncations[0] === 1) break;
  }
  assert.equal(steps, 200);
});

test('svec validate on a tiny budget prints the JSON object, and --env-module trains on a user environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svec-validate-'));
  const run = (args: string[]) => spawnSync(process.execPath, ['bin/svec.mjs', 'validate', ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  const result = run([
    '--algo',
    'ddpg',
    '--env',
    'pendulum',
    '--steps',
    '400',
    '--seeds',
    '1,2',
    '--eval-episodes',
    '2',
    '--hp',
    'learningStarts=100',
    '--hp',
    'randomWarmupSlots=100',
    '--hp',
    'hiddenSize=16',
    '--out',
    join(dir, 'p'),
    '--json',
  ]);
  assert.equal(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout.trim());
  assert.deepEqual(Object.keys(out).slice(0, 5), ['algo', 'env', 'steps', 'per_seed', 'mean_return']);
  assert.equal(out.steps, 400);
  assert.equal(out.per_seed.length, 2);
  for (const s of out.per_seed) assert.ok(s.returns.length === 2 && s.returns.every((r: number) => r < 0 && r > -2000));
  assert.ok(Math.abs(out.mean_return - (out.per_seed[0].mean_return + out.per_seed[1].mean_return) / 2) < 1e-9);
  assert.equal(out.reference.return, -152.1);
  const config = JSON.parse(readFileSync(join(dir, 'p', 'seed-1', 'config.json'), 'utf8'));
  assert.equal(config.env, 'pendulum');
  assert.equal(config.hyperparameters.gamma, 0.98, 'the rl-zoo preset was applied');
  // a user module: a two-step constant environment of two agents
  const module = join(dir, 'env.mjs');
  writeFileSync(
    module,
    `export function createEnv() {
  let t = 0;
  const result = { observations: new Float32Array(2), rewards: new Float64Array(2), terminations: new Uint8Array(2), truncations: new Uint8Array(2) };
  return {
    spec: { id: 'constant', agents: 2, observation: { size: 1, low: [0], high: [1] }, action: { discrete: [2], continuous: 1 }, maxEpisodeSteps: 2, metrics: [] },
    reset() { t = 0; result.truncations.fill(0); return result.observations; },
    step(a) { t++; result.rewards.fill(a[1] > a[0] ? 1 : 0); if (t >= 2) result.truncations.fill(1); return result; },
    episodeMetrics() { return {}; },
    close() {},
  };
}
`,
  );
  const custom = run([
    '--algo',
    'mappo',
    '--env-module',
    module,
    '--steps',
    '40',
    '--seeds',
    '3',
    '--eval-episodes',
    '2',
    '--hp',
    'hiddenSize=8',
    '--out',
    join(dir, 'm'),
    '--json',
  ]);
  assert.equal(custom.status, 0, custom.stderr);
  const parsed = JSON.parse(custom.stdout.trim());
  assert.equal(parsed.env, `module ${module}`);
  assert.ok(parsed.per_seed[0].returns.every((r: number) => r >= 0 && r <= 2));
});

test('--env-module: a module that is not an environment is refused by name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'svec-env-module-'));
  const bad = join(dir, 'bad.mjs');
  writeFileSync(bad, 'export function createEnv() { return { spec: { id: "x", agents: 1 }, reset() {}, step() {}, episodeMetrics() {}, close() {} }; }\n');
  await assert.rejects(environmentFactory({ module: bad }), /spec.maxEpisodeSteps must be an integer/);
  const none = join(dir, 'none.mjs');
  writeFileSync(none, 'export const x = 1;\n');
  await assert.rejects(environmentFactory({ module: none }), /exports neither createEnv nor a default function/);
  await assert.rejects(environmentFactory({ name: 'cartpole' }), /unknown environment 'cartpole'/);
});
