import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultScenario } from '../../src/config/scenario.ts';
import { SvecCore } from '../../src/sim/core.ts';
import { largeScaleGain, pathLossDb } from '../../src/sim/channel.ts';
import { SvecParallelEnv, type AgentAction } from '../../src/sim/parallelEnv.ts';
import { allocateSlotActions } from '../../src/sim/slotModel.ts';

test('path loss 128.1 + 37.6 log10(d_km): 128.1 dB at 1 km, 90.5 dB at 100 m', () => {
  assert.ok(Math.abs(pathLossDb(1) - 128.1) < 1e-12);
  assert.ok(Math.abs(pathLossDb(0.1) - (128.1 - 37.6)) < 1e-12);
  assert.ok(Math.abs(largeScaleGain(100) - 10 ** (-(128.1 - 37.6) / 10)) < 1e-24);
});

test('episode draws follow the scenario: CPU, budget, modalities, priorities, positions', () => {
  const scenario = { ...defaultScenario(), vehicles: 50 };
  const core = new SvecCore(scenario);
  core.reset(3);
  const actions = allocateSlotActions(50);
  for (let t = 0; t < scenario.slotsPerEpisode; t++) {
    const v = core.vehicles;
    for (let i = 0; i < 50; i++) {
      assert.ok(v.F[i]! >= 3e9 && v.F[i]! <= 5e9);
      assert.ok(v.E_max[i]! >= scenario.energyBudgetJ.min && v.E_max[i]! <= scenario.energyBudgetJ.max);
      assert.ok(v.d[i]! >= 1e6 && v.d[i]! <= 3e6);
      assert.ok(v.T_max[i]! >= 0.005 && v.T_max[i]! <= 0.025);
      assert.equal(v.zeta[i], v.T_max[i]! <= 0.015 ? 1 : 0); // priority rule of the spec
      const mask = core.modalityMask[i]!;
      assert.ok(mask >= 1 && mask <= 7);
      assert.ok(mask & (1 << v.modality[i]!), "a task has one of its vehicle's modalities");
      assert.ok(core.positionM[i]! >= 0 && core.positionM[i]! < scenario.road.lengthM);
      assert.ok(v.h[i]! > 0);
    }
    assert.equal(core.episodeDone, false);
    core.step(actions);
  }
  assert.equal(core.episodeDone, true);
  assert.throws(() => core.step(actions), /episode is over/);
});

test('vehicles move along the road by speed x slot and wrap around', () => {
  const scenario = { ...defaultScenario(), vehicles: 5 };
  const core = new SvecCore(scenario);
  core.reset(9);
  const before = Float64Array.from(core.positionM);
  core.step(allocateSlotActions(5));
  for (let i = 0; i < 5; i++) {
    let expected = before[i]! + core.speedMps[i]! * scenario.slotS;
    if (expected >= scenario.road.lengthM) expected -= scenario.road.lengthM;
    assert.ok(Math.abs(core.positionM[i]! - expected) < 1e-9);
  }
});

test('core state save/restore continues the episode bit-exactly', () => {
  const scenario = { ...defaultScenario(), vehicles: 8 };
  const actions = allocateSlotActions(8);
  actions.rho.fill(1);
  actions.lambda.fill(0.6);
  actions.p.fill(0.7);
  actions.w.fill(1);
  const a = new SvecCore(scenario);
  a.reset(21);
  for (let t = 0; t < 10; t++) a.step(actions);
  const saved = JSON.parse(JSON.stringify(a.getState()));
  const continued: number[] = [];
  for (let t = 0; t < 10; t++) {
    a.step(actions);
    continued.push(...a.out.reward);
  }
  const b = new SvecCore(scenario);
  b.setState(saved);
  const resumed: number[] = [];
  for (let t = 0; t < 10; t++) {
    b.step(actions);
    resumed.push(...b.out.reward);
  }
  assert.deepEqual(resumed, continued);
});

test('parallel API: reset(seed) and step(actions) give per-agent observations, rewards and infos', () => {
  const scenario = { ...defaultScenario(), vehicles: 4, slotsPerEpisode: 3, rewardSharing: 'own' as const };
  const env = new SvecParallelEnv(scenario);
  const { observations, infos } = env.reset(5);
  assert.deepEqual(env.possibleAgents, ['vehicle_0', 'vehicle_1', 'vehicle_2', 'vehicle_3']);
  assert.equal(observations.vehicle_0!.length, 5);
  for (const value of observations.vehicle_2!) assert.ok(value >= 0 && value <= 1.0001);
  assert.ok(['text', 'image', 'speech'].includes(infos.vehicle_1!.modality));
  const actions: Record<string, AgentAction> = {};
  env.agents.forEach((agent, i) => {
    actions[agent] = { offloadLogits: i % 2 === 0 ? [0, 1] : [1, 0], continuous: [0, 1, -1] };
  });
  for (let t = 0; t < 3; t++) {
    const step = env.step(actions);
    assert.equal(step.infos.vehicle_0!.offload, true);
    assert.equal(step.infos.vehicle_1!.offload, false);
    assert.ok(Math.abs(step.infos.vehicle_0!.lambda - 0.7) < 1e-12); // c = 0 -> middle of [0.4, 1]
    assert.ok(Math.abs(step.infos.vehicle_0!.powerW - 0.8) < 1e-12); // c = 1 -> p_max
    assert.equal(step.rewards.vehicle_3, env.core.out.reward[3]);
    assert.equal(step.truncations.vehicle_0, t === 2);
    assert.equal(step.terminations.vehicle_0, false);
    assert.ok(step.infos.vehicle_2!.latencyMs > 0);
  }
  assert.deepEqual(env.agents, []);
  assert.throws(() => env.reset(5) && env.step({}), /no action for agent 'vehicle_0'/);
});

test('parallel API equals the batched core for the same seed; extended observation has 11 features', () => {
  const scenario = { ...defaultScenario(), vehicles: 3, observation: 'extended' as const, rewardSharing: 'own' as const };
  const env = new SvecParallelEnv(scenario);
  const { observations } = env.reset(8);
  assert.equal(observations.vehicle_0!.length, 11);
  const core = new SvecCore(scenario);
  core.reset(8);
  const actions = allocateSlotActions(3);
  actions.rho.fill(1);
  actions.lambda.fill(0.4);
  actions.p.fill(0.6);
  actions.w.fill(scenario.bandwidthWeightMin);
  core.step(actions);
  const agentActions = Object.fromEntries(env.possibleAgents.map((a) => [a, { offloadLogits: [0, 1], continuous: [-1, -1, -1] }]));
  const step = env.step(agentActions);
  env.possibleAgents.forEach((agent, i) => assert.equal(step.rewards[agent], core.out.reward[i]));
});

test('reward sharing: under team (the default) every agent gets (1/N) sum_n r_n; under own its r_n', () => {
  const actions = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`vehicle_${i}`, { offloadLogits: i % 2 === 0 ? [0, 1] : [1, 0], continuous: [0, 0.5, -0.5] }]));
  const team = new SvecParallelEnv({ ...defaultScenario(), vehicles: 4 });
  const own = new SvecParallelEnv({ ...defaultScenario(), vehicles: 4, rewardSharing: 'own' });
  team.reset(3);
  own.reset(3);
  const a = team.step(actions(4));
  const b = own.step(actions(4));
  const perVehicle = Object.values(b.rewards);
  const mean = perVehicle.reduce((x, y) => x + y, 0) / 4;
  assert.ok(new Set(perVehicle).size > 1, 'own rewards differ between vehicles');
  for (const r of Object.values(a.rewards)) assert.ok(Math.abs(r - mean) < 1e-9);
  assert.equal(defaultScenario().rewardSharing, 'team');
  assert.equal(defaultScenario().objective, 'drift');
});

test("at the episode's end the observation is the next slot's (a time limit, not a terminal state)", () => {
  const scenario = { ...defaultScenario(), vehicles: 2, slotsPerEpisode: 2, observation: 'extended' as const };
  const env = new SvecParallelEnv(scenario);
  env.reset(4);
  const act = Object.fromEntries(env.possibleAgents.map((a) => [a, { offloadLogits: [1, 0], continuous: [0, 0, 0] }]));
  const first = env.step(act);
  const last = env.step(act);
  assert.equal(last.truncations.vehicle_0, true);
  assert.equal(last.terminations.vehicle_0, false);
  assert.notDeepEqual(Array.from(last.observations.vehicle_0!), Array.from(first.observations.vehicle_0!), 'a fresh task, not a copy of the last one');
});
