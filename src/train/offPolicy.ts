// The training loop shared by every off-policy learner (DMADRL, and the replay-based baselines):
// act in the batched simulator, store joint transitions, update every U slots, log per-episode
// metrics, checkpoint every C episodes, resume exactly.
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { Scenario } from '../config/scenario.ts';
import { RandomStreams, deriveSeed, type StreamName, type StreamState } from '../random/stream.ts';
import { SvecCore } from '../sim/core.ts';
import { EpisodeAccumulator } from '../sim/episodeStats.ts';
import type { FidelityModel } from '../sim/fidelity.ts';
import { decodeRawActions, observationDim, RAW_ACTION_DIM, writeObservations } from '../sim/observation.ts';
import { allocateSlotActions } from '../sim/slotModel.ts';
import { ReplayMemory, type ReplayBatch, type ReplayState } from '../agents/replay.ts';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { MetricsWriter, type EpisodeMetrics } from './metrics.ts';

export const OffPolicyLoopSchema = z.strictObject({
  replayCapacity: z.number().int().min(1).default(50_000).describe('joint transitions kept in the replay memory D (Table II: 50,000)'),
  learningStarts: z.number().int().min(1).default(1000).describe('transitions stored before the first update'),
  randomWarmupSlots: z.number().int().min(0).default(500).describe('slots of uniformly random actions at the start, to fill D'),
  updateEvery: z.number().int().min(1).default(1).describe('U: an update round every U slots (Algorithm 1 updates every slot)'),
  gradientSteps: z.number().int().min(1).default(1).describe('update rounds each time updates are due'),
  prioritizedReplay: z.boolean().default(false).describe('proportional prioritized replay (Schaul et al. 2016)'),
  priorityAlpha: z.number().min(0).max(1).default(0.6).describe('priority exponent alpha (prioritized replay only)'),
  priorityBeta: z.number().min(0).max(1).default(0.4).describe('importance-sampling exponent beta (prioritized replay only)'),
  checkpointEvery: z.number().int().min(1).default(10).describe('C: write a checkpoint every C episodes (and at the end)'),
});
export type OffPolicyLoopConfig = z.infer<typeof OffPolicyLoopSchema>;

/** What evaluation and checkpoints need from any learner. */
export interface Learner {
  /** obs [N * obsDim] -> raw hybrid actions [N * 5] (what the simulator decodes and D stores) */
  act(obs: Float32Array, explore: boolean): Float32Array;
  /** extra per-episode diagnostics averaged over the episode's slots (e.g. clip share) */
  slotDiagnostics(): Record<string, number>;
  /** the variables were assigned from outside (checkpoint restore): drop any cached copies */
  weightsChanged(): void;
  readonly variables: tf.Variable[];
  readonly optimizers: tf.Optimizer[];
  dispose(): void;
}

/** What the off-policy loop needs from a learner. */
export interface OffPolicyLearner extends Learner {
  /** one update round on a minibatch; losses and |TD errors| per sampled transition */
  update(batch: ReplayBatch): { criticLoss: number; actorLoss: number; meanQ: number; tdErrors: Float32Array };
  readonly batchSize: number;
}

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

export interface TrainRunOptions {
  runDir: string;
  scenario: Scenario;
  fidelity: FidelityModel;
  seed: number;
  /** total episodes of the run (a resumed run continues up to it) */
  episodes: number;
  loop: OffPolicyLoopConfig;
  /** builds the learner from the run's streams (weights are drawn from 'init') */
  createLearner: (streams: RandomStreams, obsDim: number) => OffPolicyLearner;
  /** continue from the newest checkpoint of runDir */
  resume: boolean;
  onEpisode?: (metrics: EpisodeMetrics, info: { slotsPerSecond: number; updatesPerSecond: number }) => void;
  /** test hook: called after each episode's metrics are written (and after a checkpoint) */
  afterEpisode?: (episode: number) => void;
}

/** Runs (or resumes) training; returns every episode's metrics. */
export async function trainOffPolicy(options: TrainRunOptions): Promise<EpisodeMetrics[]> {
  const { scenario, loop, seed } = options;
  const n = scenario.vehicles;
  const obsDim = observationDim(scenario.observation);
  const streams = new RandomStreams(seed);
  const learner = options.createLearner(streams, obsDim);
  const replay = new ReplayMemory({
    capacity: loop.replayCapacity,
    agents: n,
    obsDim,
    actionDim: RAW_ACTION_DIM,
    priorityAlpha: loop.prioritizedReplay ? loop.priorityAlpha : 0,
  });
  const metrics = new MetricsWriter(options.runDir);
  let startEpisode = 0;
  let totalSlots = 0;
  let totalUpdates = 0;
  if (options.resume) {
    const dir = latestCheckpoint(options.runDir);
    if (dir) {
      const loaded = await loadCheckpoint(dir, learner.variables, learner.optimizers);
      learner.weightsChanged();
      const state = loaded.state as { totalSlots: number; totalUpdates: number; streams: Record<StreamName, StreamState>; replay: Omit<ReplayState, 'arrays'> };
      streams.setState(state.streams);
      replay.setState({ ...state.replay, arrays: loaded.arrays as ReplayState['arrays'] });
      totalSlots = state.totalSlots;
      totalUpdates = state.totalUpdates;
      startEpisode = loaded.episode;
    }
  }
  metrics.open(startEpisode);

  const core = new SvecCore(scenario, { fidelity: options.fidelity });
  const actions = allocateSlotActions(n);
  const obs = new Float32Array(n * obsDim);
  const nextObs = new Float32Array(n * obsDim);
  const rewards = new Float32Array(n);
  const accumulator = new EpisodeAccumulator(n);
  const warmupRng = streams.get('exploration');
  const replayRng = streams.get('replay');
  const history: EpisodeMetrics[] = metrics.readBack();
  const started = performance.now();
  let slotsThisRun = 0;
  let updatesThisRun = 0;

  try {
    for (let episode = startEpisode; episode < options.episodes; episode++) {
      // Each episode's scenario draws depend only on (seed, episode): resumption needs no env state.
      core.reset(deriveSeed(seed, episode));
      let criticLoss = 0, actorLoss = 0, meanQ = 0, updates = 0;
      const diagnostics: Record<string, number> = {};
      writeObservations(core, scenario.observation, obs);
      while (!core.episodeDone) {
        // Act: random warm-up first, then the learner's exploring policy.
        let raw: Float32Array;
        if (totalSlots < loop.randomWarmupSlots) {
          raw = new Float32Array(n * RAW_ACTION_DIM);
          for (let k = 0; k < raw.length; k++) raw[k] = warmupRng.uniformIn(-1, 1);
        } else {
          raw = learner.act(obs, true);
          for (const [key, value] of Object.entries(learner.slotDiagnostics())) diagnostics[key] = (diagnostics[key] ?? 0) + value;
        }
        decodeRawActions(raw, scenario, n, actions);
        // Environment step and bookkeeping.
        accumulator.beforeStep(core);
        core.step(actions);
        accumulator.afterStep(core, actions);
        rewards.set(core.out.reward);
        const done = core.episodeDone;
        if (!done) writeObservations(core, scenario.observation, nextObs);
        else nextObs.set(obs); // no next slot: the transition is terminal (done = 1), nextObs unused
        // Store one hot offloading + continuous, exactly what the critic sees.
        const stored = new Float32Array(n * RAW_ACTION_DIM);
        for (let i = 0; i < n; i++) {
          const o = i * RAW_ACTION_DIM;
          stored[o] = actions.rho[i] === 1 ? 0 : 1;
          stored[o + 1] = actions.rho[i] === 1 ? 1 : 0;
          for (let c = 2; c < RAW_ACTION_DIM; c++) stored[o + c] = Math.max(-1, Math.min(1, raw[o + c]!));
        }
        replay.add(obs, stored, rewards, nextObs, done);
        obs.set(nextObs);
        totalSlots++;
        slotsThisRun++;
        // Learn: every U slots, G update rounds on fresh minibatches.
        if (replay.size >= loop.learningStarts && totalSlots % loop.updateEvery === 0) {
          for (let g = 0; g < loop.gradientSteps; g++) {
            const batch = replay.sample(learner.batchSize, replayRng, loop.priorityBeta);
            const stats = learner.update(batch);
            if (!Number.isFinite(stats.criticLoss) || !Number.isFinite(stats.actorLoss)) {
              throw new TrainingDivergedError(
                `training diverged at episode ${episode + 1}, slot ${totalSlots}: critic loss ${stats.criticLoss}, actor loss ${stats.actorLoss}; ` +
                  'the last good checkpoint is kept (try a smaller learning rate or rewardScale)',
              );
            }
            if (replay.prioritized) replay.updatePriorities(batch.indices, Array.from(stats.tdErrors, (e) => e + 1e-3));
            criticLoss += stats.criticLoss;
            actorLoss += stats.actorLoss;
            meanQ += stats.meanQ;
            updates++;
            totalUpdates++;
            updatesThisRun++;
          }
        }
      }
      const stats = accumulator.finish();
      const slots = scenario.slotsPerEpisode;
      const row: EpisodeMetrics = {
        episode: episode + 1,
        totalSlots,
        totalUpdates,
        ...stats,
        criticLoss: updates > 0 ? criticLoss / updates : Number.NaN,
        actorLoss: updates > 0 ? actorLoss / updates : Number.NaN,
        meanQ: updates > 0 ? meanQ / updates : Number.NaN,
        clipShare: diagnostics.clipShare !== undefined ? diagnostics.clipShare / slots : Number.NaN,
      };
      metrics.append(row);
      history.push(row);
      const seconds = (performance.now() - started) / 1000;
      options.onEpisode?.(row, { slotsPerSecond: slotsThisRun / seconds, updatesPerSecond: updatesThisRun / seconds });
      const last = episode + 1 === options.episodes;
      if ((episode + 1) % loop.checkpointEvery === 0 || last) {
        for (const v of learner.variables) {
          const values = v.dataSync();
          for (let k = 0; k < values.length; k++) {
            if (!Number.isFinite(values[k]!)) throw new TrainingDivergedError(`a weight of ${v.name} became ${values[k]} at episode ${episode + 1}; the last good checkpoint is kept`);
          }
        }
        const replayState = replay.getState();
        await saveCheckpoint(options.runDir, episode + 1, {
          state: {
            totalSlots,
            totalUpdates,
            streams: streams.getState(),
            replay: { next: replayState.next, size: replayState.size, maxPriority: replayState.maxPriority },
          },
          arrays: replayState.arrays,
          variables: learner.variables,
          optimizers: learner.optimizers,
        });
      }
      options.afterEpisode?.(episode + 1);
    }
  } finally {
    metrics.close();
    learner.dispose();
  }
  return history;
}
