import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScenario } from '../../src/config/scenario.ts';
import { algorithmNames } from '../../src/agents/catalog.ts';
import { compare, defaultComparison } from '../../src/experiments/compare.ts';

test('svec compare end to end on a tiny budget: every algorithm, CIs across seeds, files, resume without retraining', async () => {
  const out = mkdtempSync(join(tmpdir(), 'svec-compare-'));
  const scenario = { ...defaultScenario(), vehicles: 3, slotsPerEpisode: 5 };
  const small = { hiddenSize: 8, batchSize: 4, learningStarts: 5, randomWarmupSlots: 3 };
  const options = {
    scenario,
    algos: defaultComparison(),
    seeds: [1, 2],
    episodes: 2,
    evalEpisodes: 2,
    evalSeed: 777,
    hyperparameters: {
      dmadrl: { ...small, denoisingSteps: 2 },
      'maddpg-ra': { ...small, encodingSize: 8, attentionHeads: 2 },
      sac: small,
      ddpg: small,
      mappo: { hiddenSize: 8, parallelEnvs: 2, epochs: 1, minibatches: 1 },
    },
    outDir: out,
    workers: 2,
  };
  const rows = await compare(options);
  const names = rows.map((r) => r.name);
  for (const name of [...algorithmNames(), 'greedy', 'random', 'local-only', 'oracle']) assert.ok(names.includes(name), name);
  const dmadrl = rows.find((r) => r.name === 'dmadrl')!;
  assert.equal(dmadrl.seeds, 2);
  const reward = dmadrl.metrics.teamReward!;
  assert.ok(reward.lo <= reward.mean && reward.mean <= reward.hi);
  assert.equal(rows.find((r) => r.name === 'local-only')!.seeds, 1, 'deterministic policies are evaluated once');
  for (const file of ['comparison.md', 'comparison.csv', 'comparison.json']) assert.ok(existsSync(join(out, file)), file);
  assert.match(readFileSync(join(out, 'comparison.md'), 'utf8'), /\*\*dmadrl\*\*/);
  // rerunning does not retrain finished runs
  const metrics = join(out, 'runs', 'dmadrl', 'seed-1', 'metrics.jsonl');
  const before = statSync(metrics).mtimeMs;
  const again = await compare(options);
  assert.equal(statSync(metrics).mtimeMs, before);
  assert.deepEqual(again.find((r) => r.name === 'dmadrl')!.metrics.teamReward, reward);
});
