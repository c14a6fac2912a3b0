// One harness for every algorithm and every environment: a tiny test-double environment (not the
// SVEC simulator; other sizes, three choices, one continuous value, its own metrics) trains
// through the same runHarness as SVEC, with the off-policy and the on-policy loop, and resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAlgorithm } from '../../src/agents/catalog.ts';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { MatchingEnv } from '../helpers/envs.ts';
import { runHarness } from '../../src/train/harness.ts';
import { readMetrics } from '../../src/train/metrics.ts';
import { svecEnvironment } from '../../src/train/run.ts';
import { defaultScenario } from '../../src/config/scenario.ts';

const small = { hiddenSize: 8, batchSize: 8, learningStarts: 8, randomWarmupSlots: 6, checkpointEvery: 2, denoisingSteps: 2 };

for (const algo of ['ddpg', 'sac', 'dmadrl', 'maddpg-ra', 'mappo']) {
  test(`${algo} trains on a non-SVEC environment through the harness, and resumes exactly`, async () => {
    await initNeuralBackend();
    const algorithm = await loadAlgorithm(algo);
    const own = Object.fromEntries(Object.entries({ ...small, parallelEnvs: 2, epochs: 1, minibatches: 1 }).filter(([k]) => k in algorithm.schema.shape));
    const hyperparameters = algorithm.schema.parse(own) as Record<string, unknown>;
    const root = mkdtempSync(join(tmpdir(), `svec-harness-${algo}-`));
    const envs: MatchingEnv[] = [];
    const createEnv = () => {
      const env = new MatchingEnv();
      envs.push(env);
      return env;
    };
    const whole = await runHarness({ runDir: join(root, 'whole'), seed: 3, episodes: 6, createEnv, algorithm, hyperparameters, resume: false });
    assert.equal(whole.length, 6);
    // the environment's own metrics are columns of the run, beside the harness's
    const header = readFileSync(join(root, 'whole', 'metrics.csv'), 'utf8').split('\n')[0]!;
    assert.ok(header.startsWith('episode,totalSlots,totalUpdates,episodeReturn,hits,meanSquaredError,criticLoss'), header);
    for (const row of whole) {
      assert.ok(row.hits! >= 0 && row.hits! <= 12);
      assert.ok(Math.abs(row.episodeReturn - (row.hits! - row.meanSquaredError! * 12) / 2) < 1e-6, 'the return is the mean over agents of the summed rewards');
    }
    assert.ok(whole.at(-1)!.totalUpdates > 0, 'the learner was updated');
    assert.ok(
      envs.every((e) => e.closed),
      'the harness closes every environment it made',
    );
    // interrupted after episode 2 (a checkpoint), then resumed: the same metrics
    const broken = join(root, 'broken');
    await assert.rejects(
      runHarness({
        runDir: broken,
        seed: 3,
        episodes: 6,
        createEnv,
        algorithm,
        hyperparameters,
        resume: false,
        afterEpisode: (e) => {
          if (e >= 2) throw new Error('crash');
        },
      }),
      /crash/,
    );
    await runHarness({ runDir: broken, seed: 3, episodes: 6, createEnv, algorithm, hyperparameters, resume: true });
    assert.equal(readFileSync(join(broken, 'metrics.jsonl'), 'utf8'), readFileSync(join(root, 'whole', 'metrics.jsonl'), 'utf8'));
  });
}

test('the SVEC environment runs through the same harness', async () => {
  await initNeuralBackend();
  const algorithm = await loadAlgorithm('ddpg');
  const hyperparameters = algorithm.schema.parse({ hiddenSize: 8, batchSize: 8, learningStarts: 8, randomWarmupSlots: 6 }) as Record<string, unknown>;
  const runDir = join(mkdtempSync(join(tmpdir(), 'svec-harness-svec-')), 'run');
  const scenario = { ...defaultScenario(), vehicles: 2, slotsPerEpisode: 5 };
  await runHarness({ runDir, seed: 1, episodes: 3, createEnv: svecEnvironment(scenario), algorithm, hyperparameters, resume: false });
  const rows = readMetrics(runDir);
  assert.equal(rows.length, 3);
  assert.ok(Number.isFinite(rows[2]!.teamReward) && Number.isFinite(rows[2]!.latencyMs));
  assert.equal(rows[2]!.totalSlots, 15);
});
