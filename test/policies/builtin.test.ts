import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultScenario } from '../../src/config/scenario.ts';
import { RandomStreams } from '../../src/random/stream.ts';
import { SvecCore } from '../../src/sim/core.ts';
import { createBuiltinPolicy } from '../../src/policies/registry.ts';
import { allocateSlotActions } from '../../src/sim/slotModel.ts';
import { simulateBuiltin } from '../../src/experiments/simulate.ts';

const scenario = { ...defaultScenario(), vehicles: 6, slotsPerEpisode: 20 };

test('the registry builds every built-in policy and rejects unknown names clearly', () => {
  const core = new SvecCore(scenario);
  core.reset(1);
  const rng = new RandomStreams(1).get('policy');
  for (const spec of ['random', 'local-only', 'offload-all', 'offload-all:0.4', 'greedy', 'oracle']) {
    const policy = createBuiltinPolicy(spec, rng, core);
    const actions = allocateSlotActions(core.n);
    policy.act(core, actions);
    for (let i = 0; i < core.n; i++) assert.ok(actions.rho[i] === 0 || actions.rho[i] === 1);
  }
  assert.throws(() => createBuiltinPolicy('telepathy', rng, core), /unknown policy 'telepathy'.*greedy/);
  assert.throws(() => createBuiltinPolicy('offload-all:abc', rng, core), /not a number/);
  assert.throws(() => createBuiltinPolicy('offload-all:0.2', rng, core).act(core, allocateSlotActions(core.n)), /outside the scenario's range/);
});

test('local-only never offloads; offload-all always offloads at its lambda', () => {
  const local = simulateBuiltin(scenario, 'local-only', { episodes: 1, seed: 3 });
  assert.equal(local.offloadFraction, 0);
  assert.ok(Number.isNaN(local.fidelity));
  const all = simulateBuiltin(scenario, 'offload-all:0.4', { episodes: 1, seed: 3 });
  assert.equal(all.offloadFraction, 1);
  assert.equal(all.distinctLambdas, 1);
  assert.ok(Math.abs(all.meanLambda - 0.4) < 1e-12);
});

test('different policies evaluated with the same seed see the same tasks and channels (paired comparison)', () => {
  // every slot's tasks and channel gains, as each policy's environment saw them
  const draws = (policy: string, seed: number) => {
    const seen: number[] = [];
    simulateBuiltin(scenario, policy, {
      episodes: 2,
      seed,
      onEnvironment: (env) => env.onSlot((core) => seen.push(...core.vehicles.d, ...core.vehicles.T_max, ...core.vehicles.modality, ...core.vehicles.h)),
    });
    return seen;
  };
  const local = draws('local-only', 9);
  const offload = draws('offload-all:0.4', 9);
  const greedy = draws('greedy', 9);
  assert.ok(local.length > 0);
  assert.deepEqual(offload, local, 'offloading everything changes no draw');
  assert.deepEqual(greedy, local, 'a stochastic policy changes no draw either');
  assert.notDeepEqual(draws('local-only', 10), local, 'another seed gives other draws');
  // and the rewards differ, so the comparison is not vacuous
  assert.notDeepEqual(
    simulateBuiltin(scenario, 'local-only', { episodes: 2, seed: 9 }).episodeRewards,
    simulateBuiltin(scenario, 'offload-all:0.4', { episodes: 2, seed: 9 }).episodeRewards,
  );
});

test('greedy learns from the system gains it observes: it beats random once it has history', () => {
  const big = { ...defaultScenario(), vehicles: 10 };
  const greedy = simulateBuiltin(big, 'greedy', { episodes: 8, seed: 4 });
  const random = simulateBuiltin(big, 'random', { episodes: 8, seed: 4 });
  const lastHalf = (r: number[]) => r.slice(4).reduce((x, y) => x + y, 0);
  assert.ok(lastHalf(greedy.episodeRewards) > lastHalf(random.episodeRewards), `greedy ${greedy.episodeRewards} vs random ${random.episodeRewards}`);
});
