import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DmadrlAgent, DmadrlConfigSchema } from '../../src/agents/dmadrl.ts';
import { ReplayMemory } from '../../src/agents/replay.ts';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { StackedMlp } from '../../src/nn/stackedMlp.ts';
import { RandomStreams } from '../../src/random/stream.ts';
import { spaces } from '../helpers/learners.ts';

function tinyAgent(seed: number, overrides: Record<string, unknown> = {}) {
  const streams = new RandomStreams(seed);
  const config = DmadrlConfigSchema.parse({ hiddenSize: 8, batchSize: 4, denoisingSteps: 3, ...overrides });
  return new DmadrlAgent(config, spaces(3, 5), { init: streams.get('init'), policy: streams.get('policy'), learner: streams.get('learner') });
}

function filledReplay(seed: number) {
  const memory = new ReplayMemory({ capacity: 32, agents: 3, obsDim: 5, actionDim: 5, priorityAlpha: 0 });
  const rng = new RandomStreams(seed).get('tasks');
  const vec = (n: number, lo = 0, hi = 1) => Float32Array.from({ length: n }, () => rng.uniformIn(lo, hi));
  for (let k = 0; k < 32; k++) memory.add(vec(15), vec(15, -1, 1), vec(3, -1, 1), vec(15), new Float32Array(3).fill(k % 10 === 9 ? 1 : 0));
  return memory;
}

test('soft update: target <- (1 - tau) target + tau online', async () => {
  await initNeuralBackend();
  const streams = new RandomStreams(1);
  const online = new StackedMlp({ groups: 2, sizes: [3, 4, 1], activation: 'relu', name: 'su-online' }, streams.get('init'));
  const target = new StackedMlp({ groups: 2, sizes: [3, 4, 1], activation: 'relu', name: 'su-target' }, streams.get('init'));
  const before = target.variables.map((v) => Array.from(v.dataSync()));
  const onlineValues = online.variables.map((v) => Array.from(v.dataSync()));
  online.softUpdate(target, 0.25);
  target.variables.forEach((v, k) => {
    const after = v.dataSync();
    after.forEach((x, j) => assert.ok(Math.abs(x - (0.75 * before[k]![j]! + 0.25 * onlineValues[k]![j]!)) < 1e-6));
  });
  online.dispose();
  target.dispose();
});

test('acting gives one-hot offloading and continuous values in [-1, 1]; reproducible from the seed', async () => {
  await initNeuralBackend();
  const obs = Float32Array.from({ length: 15 }, (_, k) => (k % 7) / 7);
  const a = tinyAgent(5);
  const b = tinyAgent(5);
  for (const explore of [true, false]) {
    const x = a.act(obs, explore);
    assert.deepEqual(x, b.act(obs, explore));
    for (let i = 0; i < 3; i++) {
      assert.equal(x[i * 5]! + x[i * 5 + 1]!, 1);
      for (let c = 2; c < 5; c++) assert.ok(x[i * 5 + c]! >= -1 && x[i * 5 + c]! <= 1);
    }
  }
  a.dispose();
  b.dispose();
});

test("one update round changes actor and critic weights (each agent's slice) and moves targets by tau", async () => {
  await initNeuralBackend();
  for (const parameterSharing of [false, true]) {
    const agent = tinyAgent(7, { parameterSharing, tau: 0.5 });
    const memory = filledReplay(8);
    const actorBefore = Array.from(agent.actor.weights[0]!.dataSync());
    const criticBefore = Array.from(agent.critic.weights[0]!.dataSync());
    const targetBefore = Array.from(agent.targetActor.weights[0]!.dataSync());
    const stats = agent.update(memory.sample(4, new RandomStreams(9).get('replay')));
    assert.ok(Number.isFinite(stats.criticLoss) && Number.isFinite(stats.actorLoss));
    assert.equal(stats.tdErrors.length, 4);
    const actorAfter = agent.actor.weights[0]!.dataSync();
    const criticAfter = agent.critic.weights[0]!.dataSync();
    assert.notDeepEqual(Array.from(actorAfter), actorBefore);
    assert.notDeepEqual(Array.from(criticAfter), criticBefore);
    // every agent's slice of the stacked actor weights moved
    const groups = parameterSharing ? 1 : 3;
    const per = actorBefore.length / groups;
    for (let g = 0; g < groups; g++) {
      let moved = 0;
      for (let j = g * per; j < (g + 1) * per; j++) moved += Math.abs(actorAfter[j]! - actorBefore[j]!);
      assert.ok(moved > 0, `agent ${g}'s actor did not change`);
    }
    const targetAfter = agent.targetActor.weights[0]!.dataSync();
    targetAfter.forEach((t, j) => assert.ok(Math.abs(t - (0.5 * targetBefore[j]! + 0.5 * actorAfter[j]!)) < 1e-5));
    agent.dispose();
  }
});

test('memory stays flat over many act/update rounds (no tensor leaks)', async () => {
  await initNeuralBackend();
  const agent = tinyAgent(11);
  const memory = filledReplay(12);
  const rng = new RandomStreams(13).get('replay');
  const obs = new Float32Array(15).fill(0.5);
  for (let k = 0; k < 3; k++) {
    agent.act(obs, true);
    agent.update(memory.sample(4, rng));
  }
  const before = tf.memory();
  for (let k = 0; k < 40; k++) {
    agent.act(obs, k % 2 === 0);
    agent.update(memory.sample(4, rng));
  }
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);
  agent.dispose();
});

test('acting in plain arithmetic equals the TF.js reverse chain (same noise), for both mean forms and shared parameters', async () => {
  await initNeuralBackend();
  for (const overrides of [
    { denoisedBound: 'clip' },
    { denoisedBound: 'none' },
    { denoisedBound: 'tanh' },
    { parameterSharing: true, activation: 'relu' },
    { activation: 'tanh' },
  ]) {
    const a = tinyAgent(21, { ...overrides, denoisingSteps: 4 });
    const obs = Float32Array.from({ length: 15 }, (_, k) => ((k * 7) % 11) / 11);
    const rngA = new RandomStreams(5).get('policy');
    const viaTf = a.denoiseWithTf(obs, rngA);
    // the acting chain draws from the agent's own policy stream: give both the same state
    (a as unknown as { streams: { policy: unknown } }).streams.policy = new RandomStreams(5).get('policy');
    const viaJs = a.denoiseArrays(obs, true);
    viaTf.forEach((v, j) => assert.ok(Math.abs(v - viaJs[j]!) <= 1e-4 * Math.max(1, Math.abs(v)), `${JSON.stringify(overrides)} [${j}]: ${v} vs ${viaJs[j]}`));
    a.dispose();
  }
});
