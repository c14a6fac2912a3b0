// The learner fixes of the audit (issue 11), each with a test that fails without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadAlgorithm, type AlgorithmModule } from '../../src/agents/catalog.ts';
import { expectedOverChoices } from '../../src/agents/common.ts';
import type { OffPolicyLearner, UpdateStats } from '../../src/agents/contract.ts';
import type { ReplayBatch } from '../../src/agents/replay.ts';
import { DmadrlAgent, DmadrlConfigSchema } from '../../src/agents/dmadrl.ts';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { RandomStreams } from '../../src/random/stream.ts';
import { latestCheckpoint, loadCheckpoint } from '../../src/train/checkpoint.ts';
import { runHarness } from '../../src/train/harness.ts';
import { OffPolicyLoopSchema } from '../../src/agents/hyperparameters.ts';
import { BanditEnv, MatchingEnv } from '../helpers/envs.ts';
import { spaces } from '../helpers/learners.ts';

const tmp = (name: string) => join(mkdtempSync(join(tmpdir(), `svec-fix-${name}-`)), 'run');

/** Trains DMADRL on a bandit with interior optima and returns its greedy action and last boundShare. */
async function dmadrlOnBandit(denoisedBound: string, seed: number, targets: number[]): Promise<{ action: number[]; boundShare: number }> {
  const algorithm = await loadAlgorithm('dmadrl');
  const hp = algorithm.schema.parse({
    hiddenSize: 32,
    batchSize: 32,
    learningStarts: 32,
    randomWarmupSlots: 32,
    denoisingSteps: 3,
    denoisedBound,
    gamma: 0,
    tau: 0.05,
    actorLr: 3e-3,
    criticLr: 3e-3,
    checkpointEvery: 1000,
    explorationStd: 0.2,
    rewardNormalization: 'none',
  }) as Record<string, unknown>;
  const runDir = tmp('bandit');
  const rows = await runHarness({ runDir, seed, episodes: 300, createEnv: () => new BanditEnv(targets, [], 4), algorithm, hyperparameters: hp, resume: false });
  const learner = algorithm.create(hp, spaces(1, 1, { discrete: [], continuous: targets.length }), new RandomStreams(5));
  await loadCheckpoint(latestCheckpoint(runDir)!, learner.variables, learner.optimizers);
  learner.weightsChanged();
  const action = Array.from(learner.act(Float32Array.of(1), false));
  learner.dispose();
  return { action, boundShare: rows.at(-1)!.boundShare! };
}

test("DMADRL: with the tanh bound its actions stay interior when the optimum is interior; the paper's clip saturates", async () => {
  await initNeuralBackend();
  const targets = [0.6, -0.4];
  for (const seed of [1, 2, 3]) {
    const { action, boundShare } = await dmadrlOnBandit('tanh', seed, targets);
    action.forEach((a, c) => assert.ok(Math.abs(a - targets[c]!) < 0.12, `seed ${seed}: action ${action} far from ${targets}`));
    assert.equal(boundShare, 0, 'no output at the bounds');
  }
  // the same problem with the clip of the paper's reading: outputs stuck at the bounds
  let stuck = 0;
  for (const seed of [1, 2, 3]) stuck += (await dmadrlOnBandit('clip', seed, targets)).action.some((a) => Math.abs(a) === 1) ? 1 : 0;
  assert.ok(stuck >= 2, `the clip left ${stuck} of 3 seeds at a bound`);
});

test('DMADRL: greedy acting is deterministic (no noise drawn), exploring acting is not', async () => {
  await initNeuralBackend();
  const streams = new RandomStreams(3);
  const agent = new DmadrlAgent(DmadrlConfigSchema.parse({ hiddenSize: 8, denoisingSteps: 4 }), spaces(3, 5), {
    init: streams.get('init'),
    policy: streams.get('policy'),
    learner: streams.get('learner'),
  });
  const obs = Float32Array.from({ length: 15 }, (_, k) => (k % 5) / 5);
  const policyState = JSON.stringify(streams.get('policy').getState());
  const a = agent.denoiseArrays(obs, false);
  const b = agent.denoiseArrays(obs, false);
  assert.deepEqual(a, b, 'two greedy chains agree');
  assert.equal(JSON.stringify(streams.get('policy').getState()), policyState, 'greedy acting draws no random numbers');
  assert.notDeepEqual(agent.denoiseArrays(obs, true), agent.denoiseArrays(obs, true), 'exploring chains differ');
  agent.dispose();
});

test("DMADRL: the choice's logits are not clipped to +-1, so a confident actor explores rarely against its choice", async () => {
  await initNeuralBackend();
  const streams = new RandomStreams(4);
  const agent = new DmadrlAgent(DmadrlConfigSchema.parse({ hiddenSize: 8, denoisingSteps: 2, explorationStd: 0 }), spaces(1, 2), {
    init: streams.get('init'),
    policy: streams.get('policy'),
    learner: streams.get('learner'),
  });
  // make the offload logit large: the noise network's last bias predicts eps far below 0 there,
  // so each step's x_0 = (x - sqrt(1 - abar) eps) / sqrt(abar) is pushed far above 0 (and local's far below)
  const bias = agent.actor.biases[agent.actor.biases.length - 1]!;
  bias.assign(tf.tensor(Float32Array.from([40, -40, 0, 0, 0]), bias.shape));
  agent.weightsChanged();
  let offloads = 0;
  for (let k = 0; k < 400; k++) offloads += agent.act(Float32Array.of(0.5, 0.5), true)[1]!;
  // clipped logits (+-1) cap the Gumbel-max probability of the preferred choice at e / (e + 1/e) = 0.88
  assert.ok(offloads / 400 > 0.97, `offloaded ${offloads} of 400 exploring steps`);
  agent.dispose();
});

test('expected discrete gradient: d/dlogits of sum_c p_c Q_c is p_c (Q_c - sum_j p_j Q_j), exactly; the continuous part learns from every choice', async () => {
  await initNeuralBackend();
  const logits = tf.tensor3d([[[0.3, -0.2, 1.1]]]);
  const continuous = tf.tensor3d([[[0.5]]]);
  const values = [2, -1, 0.5];
  // Q(choice, a) = values[choice] + a: the critic reads the one-hot
  const evalQ = (action: tf.Tensor3D) => tf.sum(tf.mul(action, tf.tensor3d([[[...values, 1]]])), -1, true) as tf.Tensor3D;
  const grad = tf
    .grad((l: tf.Tensor) => tf.sum(expectedOverChoices(l as tf.Tensor3D, continuous, evalQ)))(logits)
    .dataSync();
  const p = tf.softmax(logits).dataSync();
  const mean = values.reduce((a, v, c) => a + p[c]! * v, 0);
  values.forEach((v, c) => assert.ok(Math.abs(grad[c]! - p[c]! * (v - mean)) < 1e-6, `choice ${c}: ${grad[c]} vs ${p[c]! * (v - mean)}`));
  const value = expectedOverChoices(logits, continuous, evalQ).dataSync()[0]!;
  assert.ok(Math.abs(value - (mean + 0.5)) < 1e-6);
  // the continuous values learn from every choice equally: here Q(c, a) = v_c + w_c a, so the
  // gradient is the mean of the w_c, whatever the policy's probabilities
  const slopes = [3, -1, 4];
  const evalQ2 = (action: tf.Tensor3D) => {
    const oneHot = tf.slice(action, [0, 0, 0], [1, 1, 3]);
    const a = tf.slice(action, [0, 0, 3], [1, 1, 1]);
    return tf.add(tf.sum(tf.mul(oneHot, tf.tensor3d([[values]])), -1, true), tf.mul(a, tf.sum(tf.mul(oneHot, tf.tensor3d([[slopes]])), -1, true))) as tf.Tensor3D;
  };
  const dContinuous = tf
    .grad((a: tf.Tensor) => tf.sum(expectedOverChoices(tf.tensor3d([[[-20, 0, -20]]]), a as tf.Tensor3D, evalQ2)))(continuous)
    .dataSync()[0]!;
  assert.ok(Math.abs(dContinuous - 2) < 1e-6, `continuous gradient ${dContinuous}: (3 - 1 + 4) / 3 = 2 although choices 0 and 2 have probability ~0`);
});

test('DDPG with the expected discrete gradient learns the better choice of a bandit', async () => {
  await initNeuralBackend();
  const algorithm = await loadAlgorithm('ddpg');
  const hp = algorithm.schema.parse({
    hiddenSize: 16,
    batchSize: 32,
    learningStarts: 32,
    randomWarmupSlots: 32,
    gamma: 0,
    tau: 0.05,
    actorLr: 3e-3,
    criticLr: 3e-3,
    rewardNormalization: 'none',
    checkpointEvery: 1000,
  }) as Record<string, unknown>;
  const runDir = tmp('choice');
  await runHarness({ runDir, seed: 2, episodes: 80, createEnv: () => new BanditEnv([0], [0, 1, 0.2], 4), algorithm, hyperparameters: hp, resume: false });
  const learner = algorithm.create(hp, spaces(1, 1, { discrete: [3], continuous: 1 }), new RandomStreams(5));
  await loadCheckpoint(latestCheckpoint(runDir)!, learner.variables, learner.optimizers);
  learner.weightsChanged();
  assert.deepEqual(Array.from(learner.act(Float32Array.of(1), false).subarray(0, 3)), [0, 1, 0], 'the greedy choice is the best one');
  learner.dispose();
});

/** An off-policy learner double that records the minibatches it is given. */
function recordingAlgorithm(batches: ReplayBatch[]): AlgorithmModule {
  return {
    schema: OffPolicyLoopSchema.extend({ batchSize: OffPolicyLoopSchema.shape.learningStarts }) as never,
    create: (_hp, learnerSpaces): OffPolicyLearner => ({
      kind: 'off-policy',
      batchSize: 16,
      diagnosticNames: [],
      variables: [],
      optimizers: [],
      act: () => new Float32Array(learnerSpaces.agents * 4),
      update(batch: ReplayBatch): UpdateStats & { tdErrors: Float32Array } {
        batches.push(batch);
        return { criticLoss: 0, actorLoss: 0, meanQ: 0, tdErrors: new Float32Array(batch.weights.length) };
      },
      slotDiagnostics: () => ({}),
      weightsChanged() {},
      dispose() {},
    }),
  };
}

test('a time limit is not a terminal state: transitions at episode ends bootstrap (done 0), their next observation is a real one', async () => {
  const batches: ReplayBatch[] = [];
  await runHarness({
    runDir: tmp('truncation'),
    seed: 1,
    episodes: 12,
    createEnv: () => new MatchingEnv(),
    algorithm: recordingAlgorithm(batches),
    hyperparameters: { learningStarts: 16, randomWarmupSlots: 100, checkpointEvery: 100, rewardNormalization: 'none', rewardScale: 1 },
    resume: false,
  });
  assert.ok(batches.length > 0);
  for (const batch of batches)
    assert.ok(
      batch.dones.every((d) => d === 0),
      'no stored transition stops bootstrapping',
    );
});

test("running reward normalization: learners see rewards of about unit scale whatever the environment's scale", async () => {
  for (const scale of [1000, 0.001]) {
    const batches: ReplayBatch[] = [];
    await runHarness({
      runDir: tmp(`normalize-${scale}`),
      seed: 1,
      episodes: 60,
      createEnv: () => new BanditEnv([0.5], [0, 1], 4, scale),
      algorithm: recordingAlgorithm(batches),
      hyperparameters: { learningStarts: 16, randomWarmupSlots: 1000, checkpointEvery: 100, rewardNormalization: 'running', rewardScale: 1 },
      resume: false,
    });
    const rewards = batches.slice(-20).flatMap((b) => Array.from(b.rewards));
    const mean = rewards.reduce((a, r) => a + r, 0) / rewards.length;
    const std = Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / rewards.length);
    assert.ok(std > 0.5 && std < 2, `scale ${scale}: learners saw rewards of std ${std}`);
  }
});
