// One harness for every algorithm and every environment: a tiny test-double environment (not the
// SVEC simulator; other sizes, three choices, one continuous value, its own metrics) trains
// through the same runHarness as SVEC, with the off-policy and the on-policy loop, and resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAlgorithm } from '../../src/agents/catalog.ts';
import type { EnvSpec, MultiAgentEnv, StepResult } from '../../src/env/environment.ts';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { RandomStream, RandomStreams } from '../../src/random/stream.ts';
import { runHarness } from '../../src/train/harness.ts';
import { readMetrics } from '../../src/train/metrics.ts';
import { svecEnvironment } from '../../src/train/run.ts';
import { defaultScenario } from '../../src/config/scenario.ts';

/**
 * Two agents each see a target t in [-1, 1] and a cue c in {0, 1, 2}; the reward is
 * 1 for choosing the cue's choice plus -(a - t)^2 for the continuous value a. Episodes of 6 steps.
 */
class MatchingEnv implements MultiAgentEnv {
  readonly spec: EnvSpec = {
    id: 'matching', agents: 2, maxEpisodeSteps: 6, metrics: ['hits', 'meanSquaredError'],
    observation: { size: 4, low: [-1, 0, 0, 0], high: [1, 1, 1, 1] },
    action: { discrete: [3], continuous: 1 },
  };
  private rng: RandomStream = new RandomStreams(0).get('tasks');
  private t = 0;
  private hits = 0;
  private squared = 0;
  private readonly obs = new Float32Array(8);
  private readonly result: StepResult = { observations: this.obs, rewards: new Float64Array(2), terminations: new Uint8Array(2), truncations: new Uint8Array(2) };
  closed = false;

  private draw(): void {
    for (let i = 0; i < 2; i++) {
      this.obs[i * 4] = this.rng.uniformIn(-1, 1);
      const cue = this.rng.int(3);
      for (let c = 0; c < 3; c++) this.obs[i * 4 + 1 + c] = c === cue ? 1 : 0;
    }
  }

  reset(seed: number): Float32Array {
    this.rng = new RandomStreams(seed).get('tasks');
    this.t = 0;
    this.hits = this.squared = 0;
    this.result.truncations.fill(0);
    this.draw();
    return this.obs;
  }

  step(actions: Float32Array): StepResult {
    if (actions.length !== 8) throw new Error(`matching: expected 8 action values, got ${actions.length}`);
    for (let i = 0; i < 2; i++) {
      const scores = actions.subarray(i * 4, i * 4 + 3);
      const choice = scores.indexOf(Math.max(...scores));
      const hit = this.obs[i * 4 + 1 + choice] === 1 ? 1 : 0;
      const error = (actions[i * 4 + 3]! - this.obs[i * 4]!) ** 2;
      this.hits += hit;
      this.squared += error;
      this.result.rewards[i] = hit - error;
    }
    this.t++;
    if (this.t >= this.spec.maxEpisodeSteps) this.result.truncations.fill(1);
    else this.draw();
    return this.result;
  }

  episodeMetrics(): Record<string, number> {
    return { hits: this.hits, meanSquaredError: this.squared / (2 * this.t) };
  }

  close(): void {
    this.closed = true;
  }
}

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
    assert.ok(envs.every((e) => e.closed), 'the harness closes every environment it made');
    // interrupted after episode 2 (a checkpoint), then resumed: the same metrics
    const broken = join(root, 'broken');
    await assert.rejects(runHarness({ runDir: broken, seed: 3, episodes: 6, createEnv, algorithm, hyperparameters, resume: false, afterEpisode: (e) => { if (e >= 2) throw new Error('crash'); } }), /crash/);
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
