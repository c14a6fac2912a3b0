import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScenario } from '../../src/config/scenario.ts';
import { runTrainingTasks } from '../../src/experiments/parallel.ts';
import { train } from '../../src/train/run.ts';

test('runs in worker threads equal the same runs in the main thread', async () => {
  const root = mkdtempSync(join(tmpdir(), 'svec-par-'));
  const scenario = { ...defaultScenario(), vehicles: 3, slotsPerEpisode: 6 };
  const hyperparameters = { hiddenSize: 8, batchSize: 8, learningStarts: 6, randomWarmupSlots: 6, denoisingSteps: 2 };
  const seen: number[] = [];
  const results = await runTrainingTasks(
    [1, 2].map((seed) => ({ algo: 'dmadrl', scenario, hyperparameters, seed, episodes: 3, runDir: join(root, `w${seed}`) })),
    { workers: 2, onProgress: (m) => seen.push(m.episode) },
  );
  assert.deepEqual(
    results.map((r) => r.episodes),
    [3, 3],
  );
  assert.equal(seen.length, 6);
  await train({ algo: 'dmadrl', scenario, hyperparameters, seed: 2, episodes: 3, runDir: join(root, 'main2') });
  assert.equal(readFileSync(join(root, 'w2', 'metrics.jsonl'), 'utf8'), readFileSync(join(root, 'main2', 'metrics.jsonl'), 'utf8'));
  assert.notEqual(readFileSync(join(root, 'w1', 'metrics.jsonl'), 'utf8'), readFileSync(join(root, 'w2', 'metrics.jsonl'), 'utf8'));
});
