// The one training harness every algorithm runs on, over any environment of the interface in
// env/environment.ts:
//   1. build the environment(s) and the learner from the environment's declared spaces;
//   2. resume from the newest checkpoint when asked (weights, optimizers, random streams, the
//      loop's state: replay memory, counters);
//   3. iterate the algorithm's loop (off-policy replay or on-policy rollouts), writing one metrics
//      row per episode;
//   4. every C episodes (and at the end) check that every weight is finite, then checkpoint.
// A run killed at any point and resumed produces exactly the metrics of an uninterrupted run.
import type { AlgorithmModule } from '../agents/catalog.ts';
import { TrainingDivergedError, type AnyLearner } from '../agents/contract.ts';
import { OffPolicyLoopSchema, OnPolicyLoopSchema } from '../agents/hyperparameters.ts';
import type { EnvFactory } from '../env/environment.ts';
import { RandomStreams, type StreamName, type StreamState } from '../random/stream.ts';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import type { TrainingLoop } from './loop.ts';
import { metricColumns, MetricsWriter, type EpisodeMetrics } from './metrics.ts';
import { OffPolicyLoop } from './offPolicy.ts';
import { OnPolicyLoop } from './onPolicy.ts';

export interface Throughput {
  slotsPerSecond: number;
  updatesPerSecond: number;
}

export interface HarnessOptions {
  runDir: string;
  seed: number;
  /** total episodes of the run (a resumed run continues up to it) */
  episodes: number;
  createEnv: EnvFactory;
  algorithm: AlgorithmModule;
  /** validated by algorithm.schema */
  hyperparameters: Record<string, unknown>;
  /** continue from the newest checkpoint of runDir (from the start when it has none yet) */
  resume: boolean;
  onEpisode?: (metrics: EpisodeMetrics, throughput: Throughput) => void;
  /** test hook: called after each iteration's metrics (and checkpoint) are written, with the last episode */
  afterEpisode?: (episode: number) => void;
}

function pick(record: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in record).map((k) => [k, record[k]]));
}

/** Every weight finite, or the run stops before a checkpoint could keep a broken one. */
function checkFinite(learner: AnyLearner, episode: number): void {
  for (const v of learner.variables) {
    const values = v.dataSync();
    for (let k = 0; k < values.length; k++) {
      if (!Number.isFinite(values[k]!)) throw new TrainingDivergedError(`a weight of ${v.name} became ${values[k]} at episode ${episode}; the last good checkpoint is kept`);
    }
  }
}

/** Runs (or resumes) training; returns every episode's metrics. */
export async function runHarness(options: HarnessOptions): Promise<EpisodeMetrics[]> {
  const { seed, hyperparameters: hp } = options;
  const checkpointEvery = Number(hp.checkpointEvery ?? 10);
  // 1. Environment, learner and loop, sized by the environment's declared spaces.
  const env = options.createEnv();
  const { spec } = env;
  const streams = new RandomStreams(seed);
  const learner = options.algorithm.create(hp, { agents: spec.agents, observationSize: spec.observation.size, action: spec.action }, streams);
  const normalize = hp.rewardNormalization !== 'none';
  let loop: TrainingLoop;
  if (learner.kind === 'off-policy') {
    loop = new OffPolicyLoop(env, learner, OffPolicyLoopSchema.parse(pick(hp, Object.keys(OffPolicyLoopSchema.shape))), seed, streams, normalize);
  } else {
    loop = new OnPolicyLoop(env, options.createEnv, learner, OnPolicyLoopSchema.parse(pick(hp, Object.keys(OnPolicyLoopSchema.shape))), seed, normalize);
  }
  const metrics = new MetricsWriter(options.runDir, metricColumns(spec.metrics, learner.diagnosticNames));
  try {
    // 2. Resume.
    let episode = 0;
    // (a run stopped before its first checkpoint starts again from episode 0)
    const dir = options.resume ? latestCheckpoint(options.runDir) : null;
    if (dir) {
      const loaded = await loadCheckpoint(dir, learner.variables, learner.optimizers);
      learner.weightsChanged();
      const state = loaded.state as { streams: Record<StreamName, StreamState>; loop: Record<string, unknown> };
      streams.setState(state.streams);
      loop.restore({ state: state.loop, arrays: loaded.arrays });
      episode = loaded.episode;
    }
    metrics.open(episode);
    const history = metrics.readBack();
    const started = performance.now();
    const slotsAtStart = loop.totalSlots;
    const updatesAtStart = loop.totalUpdates;
    const checkpointIterations = Math.max(1, Math.ceil(checkpointEvery / loop.episodesPerIteration));

    // 3. Iterate.
    while (episode < options.episodes) {
      const outcomes = loop.iterate(episode);
      const seconds = (performance.now() - started) / 1000;
      const throughput = { slotsPerSecond: (loop.totalSlots - slotsAtStart) / seconds, updatesPerSecond: (loop.totalUpdates - updatesAtStart) / seconds };
      for (const outcome of outcomes) {
        if (episode >= options.episodes) break; // the last on-policy iteration may play more than asked
        episode++;
        const row = {
          episode,
          totalSlots: outcome.totalSlots,
          totalUpdates: outcome.totalUpdates,
          episodeReturn: outcome.episodeReturn,
          ...outcome.environment,
          ...outcome.losses,
          ...outcome.diagnostics,
        } as EpisodeMetrics;
        metrics.append(row);
        history.push(row);
        options.onEpisode?.(row, throughput);
      }
      // 4. Checkpoint at iteration boundaries.
      const iterations = Math.ceil(episode / loop.episodesPerIteration);
      if (iterations % checkpointIterations === 0 || episode >= options.episodes) {
        checkFinite(learner, episode);
        const saved = loop.checkpoint();
        await saveCheckpoint(options.runDir, episode, {
          state: { streams: streams.getState(), loop: saved.state },
          arrays: saved.arrays,
          variables: learner.variables,
          optimizers: learner.optimizers,
        });
      }
      options.afterEpisode?.(episode);
    }
    return history;
  } finally {
    metrics.close();
    loop.dispose();
    learner.dispose();
  }
}
