import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPERIMENTS, experimentAlgorithms, PROFILES, resolveCells } from '../../src/experiments/definitions.ts';
import { algorithmNames, isAlgorithm } from '../../src/agents/catalog.ts';
import { ScenarioSchema } from '../../src/config/scenario.ts';
import { defaultHyperparameters } from '../../src/experiments/reproduce.ts';
import { resolveTracePath } from '../../src/sim/mobility/index.ts';
import { existsSync } from 'node:fs';

const isLearning = isAlgorithm;

test('fig5 under the paper profile resolves to the expected cells', () => {
  const cells = resolveCells(['fig5'], PROFILES.paper, isLearning);
  // every learning algorithm + greedy, 2 variants (semantic, non-semantic), 6 values of N, 3 seeds
  assert.equal(cells.length, (algorithmNames().length + 1) * 2 * 6 * 3);
  const dmadrl = cells.filter((c) => c.algo === 'dmadrl' && c.scenario.mode === 'non-semantic' && c.scenario.vehicles === 30);
  assert.deepEqual(
    dmadrl.map((c) => c.seed),
    [1, 2, 3],
  );
  assert.ok(dmadrl.every((c) => c.episodes === 1000 && c.learning));
  assert.equal(new Set(cells.map((c) => c.key)).size, cells.length, 'keys are unique');
});

test('figures that need the same runs share cells (fig5, fig6 and fig7 over N)', () => {
  const fig5 = resolveCells(['fig5'], PROFILES.paper, isLearning);
  const all = resolveCells(['fig5', 'fig6', 'fig7'], PROFILES.paper, isLearning);
  assert.equal(all.length, fig5.length, 'fig6 and fig7 add no runs');
  const shared = all.find((c) => c.algo === 'sac' && c.scenario.vehicles === 20 && c.seed === 2 && c.scenario.mode === undefined)!;
  assert.deepEqual(shared.uses.map((u) => u.experiment).sort(), ['fig5', 'fig6', 'fig7']);
});

test('profiles thin sweeps, restrict algorithms, and deterministic built-ins need one seed', () => {
  const thinned = resolveCells(['fig5'], { ...PROFILES.quick, sweeps: undefined }, isLearning);
  const values = [...new Set(thinned.map((c) => c.scenario.vehicles))].sort((a, b) => Number(a) - Number(b));
  assert.deepEqual(values, [5, 15, 25, 30], 'every second value and the last');
  const quick = resolveCells(['fig5'], PROFILES.quick, isLearning);
  assert.deepEqual([...new Set(quick.map((c) => c.scenario.vehicles))], PROFILES.quick.sweeps!.vehicles, 'explicit sweep values win');
  const demo = resolveCells(['oracle-gap'], PROFILES.demo, isLearning);
  assert.deepEqual([...new Set(demo.map((c) => c.algo))].sort(), ['ddpg', 'dmadrl', 'greedy', 'local-only', 'mappo', 'oracle']);
  assert.equal(demo.filter((c) => c.algo === 'oracle').length, 1);
  assert.equal(demo.find((c) => c.algo === 'oracle')!.episodes, 0, 'the oracle does not train');
  const fig11 = resolveCells(['fig11'], PROFILES.paper, isLearning);
  assert.deepEqual(
    fig11.map((c) => c.hyperparameters.denoisingSteps).filter((k, i, a) => a.indexOf(k) === i),
    [1, 3, 5, 7, 9, 12],
  );
  assert.throws(() => resolveCells(['fig99' as never], PROFILES.quick, isLearning), /unknown experiment 'fig99'/);
});

test('every definition names known algorithms and valid scenario fields', () => {
  const builtins = ['greedy', 'oracle', 'random', 'local-only'];
  for (const def of Object.values(EXPERIMENTS)) {
    for (const algo of experimentAlgorithms(def.id)) assert.ok(isLearning(algo) || builtins.includes(algo), `${def.id}: ${algo}`);
    for (const cell of resolveCells([def.id], PROFILES.quick, isLearning)) {
      const parsed = ScenarioSchema.safeParse(cell.scenario);
      assert.ok(parsed.success, `${def.id}: ${JSON.stringify(cell.scenario)}`);
    }
  }
});

test('with defaults, overrides equal to a default are dropped so equal runs share one cell', async () => {
  const base = ScenarioSchema.parse({});
  const hpDefaults = await defaultHyperparameters(algorithmNames());
  const defaults = { scenario: base as unknown as Record<string, unknown>, hyperparameters: (algo: string) => hpDefaults.get(algo)! };
  const profile = { ...PROFILES.quick, vehicles: base.vehicles };
  const cells = resolveCells(['fig4', 'fig11', 'fig9'], profile, isLearning, defaults);
  // Fig. 11 at K = 7 (the default) and Fig. 9 at the default noise power are Fig. 4's DMADRL runs
  const shared = cells.filter(
    (c) => c.algo === 'dmadrl' && c.seed === 1 && Object.keys(c.scenario).length === 0 && Object.keys(c.hyperparameters).every((k) => k in (profile.hyperparameters ?? {})),
  );
  assert.equal(shared.length, 1);
  assert.deepEqual(shared[0]!.uses.map((u) => u.experiment).sort(), ['fig11', 'fig4', 'fig9']);
  // the profile's short-run settings reach only the algorithms that have them
  assert.equal(shared[0]!.hyperparameters.learningStarts, 200);
  const mappo = cells.find((c) => c.algo === 'mappo')!;
  assert.equal('learningStarts' in mappo.hyperparameters, false);
});

test('the mobility experiment runs every algorithm at N = 20 on the road and on both committed traces', () => {
  const cells = resolveCells(['mobility'], PROFILES.quick, isLearning);
  assert.deepEqual([...new Set(cells.map((c) => c.scenario.vehicles))], [20], 'N = 20 whatever the profile says');
  const traces = [...new Set(cells.map((c) => (c.scenario.mobility as { trace?: string } | undefined)?.trace ?? 'road'))].sort();
  assert.deepEqual(traces, ['road', 'traces/grid.trace.gz', 'traces/highway.trace.gz']);
  for (const cell of cells) {
    const scenario = ScenarioSchema.parse(cell.scenario);
    if (scenario.mobility.model === 'trace') assert.ok(existsSync(resolveTracePath(scenario.mobility.trace!)), scenario.mobility.trace);
  }
  assert.deepEqual(new Set(cells.map((c) => c.algo)), new Set([...algorithmNames(), 'greedy', 'local-only', 'oracle']));
});
