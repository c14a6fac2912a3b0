import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { clippedSurrogate, clippedValueLoss, gae } from '../../src/agents/mappo.ts';
import { defaultScenario } from '../../src/config/scenario.ts';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { resume, train } from '../../src/train/run.ts';

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);

test('GAE against a hand computation (gamma 0.9, lambda 0.5, episode end at the last step)', () => {
  // rewards [1, 2, 3], values [0.5, 1, 1.5], done after step 2:
  // d2 = 3 - 1.5 = 1.5;            A2 = 1.5
  // d1 = 2 + 0.9*1.5 - 1 = 2.35;   A1 = 2.35 + 0.45*1.5 = 3.025
  // d0 = 1 + 0.9*1 - 0.5 = 1.4;    A0 = 1.4 + 0.45*3.025 = 2.76125
  const { advantages, returns } = gae([1, 2, 3], [0.5, 1, 1.5], [0, 0, 1], 99, 0.9, 0.5);
  near(advantages[2]!, 1.5);
  near(advantages[1]!, 3.025);
  near(advantages[0]!, 2.76125);
  near(returns[0]!, 2.76125 + 0.5);
  // without the done flag the last value is bootstrapped: d2 = 3 + 0.9*2 - 1.5 = 3.3
  near(gae([1, 2, 3], [0.5, 1, 1.5], [0, 0, 0], 2, 0.9, 0.5).advantages[2]!, 3.3);
});

test('PPO clipped surrogate and clipped value loss against hand-computed values', async () => {
  await initNeuralBackend();
  // ratio 1.5, A = 2, eps 0.2: min(3, 1.2*2) = 2.4; ratio 0.5, A = 2: min(1, 0.8*2) = 1;
  // ratio 0.5, A = -1: min(-0.5, -0.8) = -0.8; ratio 1.5, A = -1: min(-1.5, -1.2) = -1.5
  const s = clippedSurrogate(tf.tensor1d([1.5, 0.5, 0.5, 1.5]), tf.tensor1d([2, 2, -1, -1]), 0.2).dataSync();
  [2.4, 1, -0.8, -1.5].forEach((v, k) => assert.ok(Math.abs(s[k]! - v) < 1e-6, `${s[k]} vs ${v}`));
  // V = 2, V_old = 1, R = 3, clip 0.2: max((2-3)^2, (1.2-3)^2)/2 = 3.24/2 = 1.62
  // V = 1.1, V_old = 1, R = 0: max(1.21, 1.21)/2 = 0.605 (inside the clip range)
  const v = clippedValueLoss(tf.tensor1d([2, 1.1]), tf.tensor1d([1, 1]), tf.tensor1d([3, 0]), 0.2).dataSync();
  assert.ok(Math.abs(v[0]! - 1.62) < 1e-6 && Math.abs(v[1]! - 0.605) < 1e-6, `${v}`);
});

test('MAPPO trains, writes the shared metrics, and resumes exactly from a checkpoint', async () => {
  const root = mkdtempSync(join(tmpdir(), 'svec-mappo-'));
  const scenario = { ...defaultScenario(), vehicles: 3, slotsPerEpisode: 6 };
  const hp = { hiddenSize: 8, parallelEnvs: 2, epochs: 2, minibatches: 2, checkpointEvery: 2 };
  const whole = join(root, 'whole');
  const rows = await train({ algo: 'mappo', scenario, hyperparameters: hp, seed: 3, episodes: 6, runDir: whole });
  assert.equal(rows.length, 6);
  assert.ok(rows.every((r) => Number.isFinite(r.actorLoss) && Number.isFinite(r.criticLoss)));
  assert.ok(rows[5]!.totalUpdates === 3 * 2 * 2, 'three iterations of 2 epochs x 2 minibatches');
  const broken = join(root, 'broken');
  await assert.rejects(
    train({
      algo: 'mappo',
      scenario,
      hyperparameters: hp,
      seed: 3,
      episodes: 6,
      runDir: broken,
      afterEpisode: (e) => {
        if (e === 4) throw new Error('crash');
      },
    }),
    /crash/,
  );
  await resume(broken);
  assert.equal(readFileSync(join(broken, 'metrics.jsonl'), 'utf8'), readFileSync(join(whole, 'metrics.jsonl'), 'utf8'));
});
