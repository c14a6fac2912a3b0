// The replay-based baselines (DDPG, SAC, MADDPG-RA) and DMADRL through the common registry:
// loss pieces against hand-computed values, one update changes every variable, checkpoints round-trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { OffPolicyLearner } from '../../src/agents/contract.ts';
import { ReplayMemory } from '../../src/agents/replay.ts';
import { MaddpgRaAgent, MaddpgRaConfigSchema } from '../../src/agents/maddpgRa.ts';
import { squashedGaussianLogProb, temperatureLoss, SacConfigSchema } from '../../src/agents/sac.ts';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { RandomStreams } from '../../src/random/stream.ts';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.ts';
import { spaces, testLearner } from '../helpers/learners.ts';

const N = 3;
const OBS = 5;
const tiny = { hiddenSize: 8, batchSize: 4, denoisingSteps: 2, encodingSize: 8, attentionHeads: 2 };

function replay(seed: number) {
  const memory = new ReplayMemory({ capacity: 16, agents: N, obsDim: OBS, actionDim: 5, priorityAlpha: 0 });
  const rng = new RandomStreams(seed).get('tasks');
  const vec = (n: number, lo = 0, hi = 1) => Float32Array.from({ length: n }, () => rng.uniformIn(lo, hi));
  for (let k = 0; k < 16; k++) {
    const actions = vec(N * 5, -1, 1);
    for (let i = 0; i < N; i++) {
      const offload = actions[i * 5]! > 0 ? 1 : 0;
      actions[i * 5] = 1 - offload;
      actions[i * 5 + 1] = offload;
    }
    memory.add(vec(N * OBS), actions, vec(N, -100, 10), vec(N * OBS), new Float32Array(N).fill(k === 15 ? 1 : 0));
  }
  return memory;
}

function learner(algo: string, seed: number) {
  return testLearner(algo, tiny, spaces(N, OBS), seed);
}

for (const algo of ['ddpg', 'sac', 'maddpg-ra', 'dmadrl']) {
  test(`${algo}: acting gives valid hybrid actions; one update changes every variable; checkpoint round trip`, async () => {
    await initNeuralBackend();
    const a = await learner(algo, 1);
    const obs = Float32Array.from({ length: N * OBS }, (_, k) => (k % 4) / 4);
    for (const explore of [true, false]) {
      const raw = a.act(obs, explore);
      for (let i = 0; i < N; i++) {
        assert.equal(raw[i * 5]! + raw[i * 5 + 1]!, 1);
        for (let c = 2; c < 5; c++) assert.ok(Math.abs(raw[i * 5 + c]!) <= 1);
      }
    }
    const before = a.variables.map((v) => Array.from(v.dataSync()));
    const stats = (a as OffPolicyLearner).update(replay(2).sample(4, new RandomStreams(3).get('replay')));
    assert.ok(Number.isFinite(stats.criticLoss) && Number.isFinite(stats.actorLoss), JSON.stringify(stats));
    // every network moves: online ones by their optimizer step, targets by the soft update, temperatures by theirs
    const unchanged = a.variables.filter((v, k) => !v.dataSync().some((x, j) => x !== before[k]![j])).map((v) => v.name);
    assert.deepEqual(unchanged, [], `${algo}: ${unchanged.length}/${a.variables.length} variables did not change`);
    // checkpoint round trip into a learner with other initial weights
    const dir = mkdtempSync(join(tmpdir(), `svec-${algo}-`));
    await saveCheckpoint(dir, 1, { state: {}, arrays: {}, variables: a.variables, optimizers: a.optimizers });
    const b = await learner(algo, 99);
    await loadCheckpoint(latestCheckpoint(dir)!, b.variables, b.optimizers);
    b.weightsChanged();
    a.variables.forEach((v, k) => assert.deepEqual(b.variables[k]!.dataSync(), v.dataSync()));
    a.dispose();
    b.dispose();
  });
}

test('SAC: default entropy targets and the temperature loss against hand-computed values', async () => {
  await initNeuralBackend();
  const defaults = SacConfigSchema.parse({});
  assert.ok(Math.abs(defaults.discreteEntropyTarget - 0.98 * Math.log(2)) < 1e-12);
  assert.equal(defaults.continuousEntropyTarget, undefined, "the Gaussian target defaults to -dim of the environment's continuous part");
  // log alpha = [ln 0.5, ln 2], entropies [0.3, 0.9], target 0.6:
  // loss = ln0.5 (0.3 - 0.6) + ln2 (0.9 - 0.6) = 0.3 ln2 + 0.3 ln2 = 0.6 ln 2
  const loss = temperatureLoss(tf.tensor1d([Math.log(0.5), Math.log(2)]), tf.tensor1d([0.3, 0.9]), 0.6).dataSync()[0]!;
  assert.ok(Math.abs(loss - 0.6 * Math.log(2)) < 1e-6);
  // gradient wrt log alpha = H - target: below target (0.3 < 0.6) -> negative -> alpha grows under descent
  const logAlpha = tf.variable(tf.tensor1d([0]));
  const { grads } = tf.variableGrads(() => temperatureLoss(logAlpha, tf.tensor1d([0.3]), 0.6), [logAlpha]);
  assert.ok(Math.abs(grads[logAlpha.name]!.dataSync()[0]! - -0.3) < 1e-6);
});

test('SAC: log-probability of a tanh-squashed Gaussian sample (hand-computed)', async () => {
  await initNeuralBackend();
  // u = 0.5, mean = 0, log std = 0: log N = -0.5 * 0.25 - 0.5 ln(2 pi); correction ln(1 - tanh(0.5)^2)
  const expected = -0.125 - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - Math.tanh(0.5) ** 2 + 1e-6);
  const value = squashedGaussianLogProb(tf.tensor1d([0.5]), tf.tensor1d([0]), tf.tensor1d([0])).dataSync()[0]!;
  assert.ok(Math.abs(value - expected) < 1e-5, `${value} vs ${expected}`);
});

test('MADDPG-RA: attention shapes, weights sum to 1, and no agent attends to itself', async () => {
  await initNeuralBackend();
  const n = 4;
  const B = 3;
  const config = MaddpgRaConfigSchema.parse({ hiddenSize: 8, encodingSize: 8, attentionHeads: 2 });
  const streams = new RandomStreams(5);
  const agent = new MaddpgRaAgent(config, spaces(n, OBS), { init: streams.get('init'), policy: streams.get('policy'), learner: streams.get('learner') });
  const rng = streams.get('tasks');
  const enc = () =>
    tf.tensor3d(
      Float32Array.from({ length: n * B * 8 }, () => rng.uniformIn(-1, 1)),
      [n, B, 8],
    );
  const queries = enc();
  const others = enc();
  const { context, weights } = agent.critic.attend(queries, others);
  assert.deepEqual(context.shape, [n, B, 8]);
  assert.deepEqual(weights.shape, [B, 2, n, n]);
  const w = weights.arraySync() as number[][][][];
  for (const perHead of w)
    for (const rows of perHead)
      rows.forEach((row, i) => {
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
        assert.ok(row[i]! < 1e-6, 'self-attention is masked');
      });
  // changing agent 2's keys/values leaves agent 2's context unchanged and changes the others'
  const othersChanged = tf.tidy(() => {
    const delta = tf.mul(tf.reshape(tf.oneHot(2, n), [n, 1, 1]), 3);
    return tf.add(others, delta) as tf.Tensor3D;
  });
  const after = agent.critic.attend(queries, othersChanged).context.arraySync() as number[][][];
  const before = context.arraySync() as number[][][];
  const diff = (i: number) => Math.max(...before[i]!.flat().map((x, k) => Math.abs(x - after[i]!.flat()[k]!)));
  assert.ok(diff(2) < 1e-6, 'agent 2 does not attend to itself');
  assert.ok(diff(0) > 1e-6 && diff(1) > 1e-6 && diff(3) > 1e-6, 'the others attend to agent 2');
  agent.dispose();
});
