import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultScenario } from '../../src/config/scenario.ts';
import type { CellResult } from '../../src/experiments/cellTask.ts';
import { checkClaims, convergenceEpisode, risesWithin } from '../../src/experiments/claims.ts';
import type { Cell, ExperimentId } from '../../src/experiments/definitions.ts';

test('convergence episode: where a curve settles within 10% of its range of its final level', () => {
  const curve = Array.from({ length: 400 }, (_, e) => (e < 200 ? e : 200));
  assert.equal(convergenceEpisode(curve), 181); // within 20 of the final 200 from episode 181 on
  assert.equal(convergenceEpisode([5, 5, 5]), 1);
  const late = Array.from({ length: 400 }, (_, e) => e);
  assert.ok(convergenceEpisode(late) > 300, 'a curve rising to the end settles only near its end');
});

test('risesWithin tolerates small dips but not falls', () => {
  assert.equal(risesWithin([0.1, 0.3, 0.29, 0.8]), true);
  assert.equal(risesWithin([0.1, 0.8, 0.2, 0.9]), false);
  assert.equal(risesWithin([0.5, 0.4]), false);
});

// Synthetic results: one cell per (algorithm, variant, N, seed), with a given held-out reward
// (seeds 1..3 by default, their rewards spread by `spread` around it: -spread, 0, +spread).
function fakeCells(
  entries: { algo: string; experiment: ExperimentId; variant: string; x: number | null; reward: number; latency?: number; cost?: number; seed?: number }[],
  seeds = 3,
  spread = 1,
) {
  entries = entries.flatMap((e) =>
    e.seed !== undefined
      ? [e]
      : Array.from({ length: seeds }, (_, k) => ({
          ...e,
          seed: k + 1,
          reward: e.reward + (k - (seeds - 1) / 2) * spread,
          cost: e.cost === undefined ? undefined : e.cost + (k - (seeds - 1) / 2) * spread * 0.001,
        })),
  );
  const cells: Cell[] = [];
  const results = new Map<string, CellResult>();
  entries.forEach((entry, k) => {
    const key = `cell${k}`;
    const cell: Cell = {
      key,
      algo: entry.algo,
      learning: entry.algo !== 'greedy',
      seed: entry.seed!,
      episodes: 10,
      scenario: {},
      hyperparameters: {},
      uses: [{ experiment: entry.experiment, variant: entry.variant, x: entry.x }],
    };
    cells.push(cell);
    const evaluation = {
      teamReward: entry.reward,
      teamRewardDrift: entry.reward,
      teamRewardEq33: entry.reward,
      utilityPart: entry.reward,
      finalBacklog: 0,
      overspend: 0,
      latencyMs: entry.latency ?? 10,
      energyMJ: 1,
      fidelity: 0.8,
      offloadFraction: 0.5,
      queue: 1,
      highPriorityMissRate: 0,
      cost: entry.cost ?? 0.1,
      utility: 1,
      meanLambda: 0.7,
      slotEntries: 0,
      slotExits: 0,
      idleSlotShare: 0,
      fidelityLookups: 0,
      fidelityOutsideGridShare: Number.NaN,
      policy: entry.algo,
      label: entry.algo,
      episodes: 2,
      teamRewardStd: 0,
      distinctLambdas: 3,
      episodeRewards: [entry.reward],
    };
    results.set(key, {
      key,
      algo: entry.algo,
      seed: entry.seed!,
      episodes: 10,
      overrides: {},
      scenario: defaultScenario(),
      hyperparameters: {},
      uses: cell.uses,
      curve: { teamReward: Array.from({ length: 10 }, () => entry.reward), latencyMs: [], energyMJ: [], cost: [], queue: [], fidelity: [], utility: [] },
      evaluation,
      evalSeed: 1,
      evalEpisodes: 2,
      wallSeconds: 1,
      codeVersion: 'test',
      fidelityProvenance: {},
      finishedAt: '',
    });
  });
  return { cells, results };
}

test('claims: DMADRL leading with a widening gap holds; trailing does not; a missing experiment is not measured', () => {
  const leading = fakeCells([
    ...[5, 10, 20].flatMap((n) => [
      { algo: 'dmadrl', experiment: 'fig5' as const, variant: 'semantic', x: n, reward: 100 + 10 * n },
      { algo: 'mappo', experiment: 'fig5' as const, variant: 'semantic', x: n, reward: 90 },
      { algo: 'dmadrl', experiment: 'fig5' as const, variant: 'non-semantic', x: n, reward: 50 },
      { algo: 'mappo', experiment: 'fig5' as const, variant: 'non-semantic', x: n, reward: 40 },
    ]),
    { algo: 'dmadrl', experiment: 'fig4', variant: 'semantic', x: null, reward: 121 },
    { algo: 'sac', experiment: 'fig4', variant: 'semantic', x: null, reward: 100 },
  ]);
  const claims = new Map(checkClaims(leading.cells, leading.results).map((c) => [c.id, c]));
  assert.equal(claims.get('reward-vs-n')!.verdict, 'holds');
  assert.equal(claims.get('semantic-gain')!.verdict, 'holds');
  assert.equal(claims.get('overall-ratio')!.verdict, 'holds');
  assert.match(claims.get('overall-ratio')!.measured, /ratio 1\.21/);
  assert.equal(claims.get('denoising-steps')!.verdict, 'not measured');
  assert.equal(claims.get('convergence')!.verdict, 'not measured', 'ten episodes cannot show convergence at 250');

  const trailing = fakeCells([
    ...[5, 10].map((n) => ({ algo: 'dmadrl', experiment: 'fig5' as const, variant: 'semantic', x: n, reward: 10 })),
    ...[5, 10].map((n) => ({ algo: 'greedy', experiment: 'fig5' as const, variant: 'semantic', x: n, reward: 20 })),
    { algo: 'dmadrl', experiment: 'fig4', variant: 'semantic', x: null, reward: -50 },
    { algo: 'maddpg-ra', experiment: 'fig4', variant: 'semantic', x: null, reward: 30 },
  ]);
  const against = new Map(checkClaims(trailing.cells, trailing.results).map((c) => [c.id, c]));
  assert.equal(against.get('reward-vs-n')!.verdict, 'does not hold');
  assert.equal(against.get('overall-ratio')!.verdict, 'does not hold');
  assert.match(against.get('overall-ratio')!.measured, /no meaningful ratio/);
});

test('claims are judged on intervals: a tiny margin over three seeds is inconclusive, one seed allows no verdict', () => {
  // the example: a cost of 0.197 against 0.200, three seeds spread by 0.005
  const close = fakeCells(
    [
      { algo: 'dmadrl', experiment: 'fig7', variant: 'semantic', x: 5, reward: 0, cost: 0.197 },
      { algo: 'sac', experiment: 'fig7', variant: 'semantic', x: 5, reward: 0, cost: 0.2 },
    ],
    3,
    5,
  );
  const cost = checkClaims(close.cells, close.results).find((c) => c.id === 'lowest-cost')!;
  assert.equal(cost.verdict, 'inconclusive', cost.measured);
  // a clear margin with the same spread holds
  const clear = fakeCells(
    [
      { algo: 'dmadrl', experiment: 'fig7', variant: 'semantic', x: 5, reward: 0, cost: 0.1 },
      { algo: 'sac', experiment: 'fig7', variant: 'semantic', x: 5, reward: 0, cost: 0.2 },
    ],
    3,
    5,
  );
  assert.equal(checkClaims(clear.cells, clear.results).find((c) => c.id === 'lowest-cost')!.verdict, 'holds');
  // one seed: no interval, no verdict on a difference
  const single = fakeCells(
    [
      { algo: 'dmadrl', experiment: 'fig4', variant: 'semantic', x: null, reward: 500 },
      { algo: 'sac', experiment: 'fig4', variant: 'semantic', x: null, reward: 100 },
    ],
    1,
  );
  const ratio = checkClaims(single.cells, single.results).find((c) => c.id === 'overall-ratio')!;
  assert.equal(ratio.verdict, 'inconclusive');
  assert.match(ratio.measured, /one seed: no interval/);
});
