// The off-policy training loop (DMADRL, DDPG, SAC, MADDPG-RA), Algorithm 1 of the paper: act in
// the environment, store joint transitions in the replay memory D, and run G update rounds every
// U steps once D holds enough. One iteration is one episode.
import { storedFromRaw, actionLayout, type ActionLayout } from '../agents/common.ts';
import { TrainingDivergedError, type OffPolicyLearner } from '../agents/contract.ts';
import type { OffPolicyLoopConfig } from '../agents/hyperparameters.ts';
import { ReplayMemory, type ReplayState } from '../agents/replay.ts';
import { actionWidth, episodeOver, type MultiAgentEnv } from '../env/environment.ts';
import { deriveSeed, type RandomStream, type RandomStreams } from '../random/stream.ts';
import { RewardNormalizer, type RewardNormalizerState } from './rewardNormalizer.ts';
import { DiagnosticsAverage, NO_LOSSES, type EpisodeOutcome, type LoopCheckpoint, type TrainingLoop } from './loop.ts';

export class OffPolicyLoop implements TrainingLoop {
  readonly episodesPerIteration = 1;
  totalSlots = 0;
  totalUpdates = 0;
  private readonly replay: ReplayMemory;
  private readonly layout: ActionLayout;
  private readonly warmupRng: RandomStream;
  private readonly replayRng: RandomStream;
  private readonly diagnostics: DiagnosticsAverage;
  private readonly normalizer: RewardNormalizer;

  constructor(
    private readonly env: MultiAgentEnv,
    private readonly learner: OffPolicyLearner,
    private readonly config: OffPolicyLoopConfig,
    private readonly seed: number,
    streams: RandomStreams,
    normalizeRewards: boolean,
  ) {
    this.normalizer = new RewardNormalizer(normalizeRewards);
    const { spec } = env;
    this.layout = actionLayout({ agents: spec.agents, observationSize: spec.observation.size, action: spec.action }, 'replay');
    this.replay = new ReplayMemory({
      capacity: config.replayCapacity,
      agents: spec.agents,
      obsDim: spec.observation.size,
      actionDim: actionWidth(spec.action),
      priorityAlpha: config.prioritizedReplay ? config.priorityAlpha : 0,
    });
    this.warmupRng = streams.get('exploration');
    this.replayRng = streams.get('replay');
    this.diagnostics = new DiagnosticsAverage(learner.diagnosticNames);
  }

  iterate(episode: number): EpisodeOutcome[] {
    const { env, learner, config, replay } = this;
    const n = env.spec.agents;
    const width = this.layout.width;
    let criticLoss = 0,
      actorLoss = 0,
      meanQ = 0,
      updates = 0,
      steps = 0,
      rewardSum = 0;
    // Each episode's draws depend only on (seed, episode): resumption needs no environment state.
    const obs = Float32Array.from(env.reset(deriveSeed(this.seed, episode)));
    const dones = new Float32Array(n);
    for (;;) {
      // Act: uniformly random actions while warming up, then the learner's exploring policy.
      let raw: Float32Array;
      if (this.totalSlots < config.randomWarmupSlots) {
        raw = new Float32Array(n * width);
        for (let k = 0; k < raw.length; k++) raw[k] = this.warmupRng.uniformIn(-1, 1);
      } else {
        raw = learner.act(obs, true);
        this.diagnostics.add(learner.slotDiagnostics());
      }
      const step = env.step(raw);
      const over = episodeOver(step);
      for (let i = 0; i < n; i++) {
        rewardSum += step.rewards[i]!;
        // only a terminal state stops bootstrapping; a time limit (truncation) does not: the
        // stored next observation is the one after the cut, and its value continues the return
        dones[i] = step.terminations[i]!;
      }
      // Store what the critics see: the one-hot of the choice taken and the clipped continuous part.
      const stored = learner.storedAction ? learner.storedAction(raw) : storedFromRaw(raw, n, this.layout);
      replay.add(obs, stored, step.rewards, step.observations, dones);
      this.normalizer.observe(step.rewards);
      obs.set(step.observations);
      this.totalSlots++;
      steps++;
      // Learn: every U steps, G update rounds on fresh minibatches.
      if (replay.size >= config.learningStarts && this.totalSlots % config.updateEvery === 0) {
        for (let g = 0; g < config.gradientSteps; g++) {
          const batch = replay.sample(learner.batchSize, this.replayRng, config.priorityBeta);
          this.normalizer.scale(batch.rewards);
          const stats = learner.update(batch);
          if (!Number.isFinite(stats.criticLoss) || !Number.isFinite(stats.actorLoss)) {
            throw new TrainingDivergedError(
              `training diverged at episode ${episode + 1}, step ${this.totalSlots}: critic loss ${stats.criticLoss}, actor loss ${stats.actorLoss}; ` +
                'the last good checkpoint is kept (try a smaller learning rate or rewardScale)',
            );
          }
          if (replay.prioritized)
            replay.updatePriorities(
              batch.indices,
              Array.from(stats.tdErrors, (e) => e + 1e-3),
            );
          criticLoss += stats.criticLoss;
          actorLoss += stats.actorLoss;
          meanQ += stats.meanQ;
          updates++;
          this.totalUpdates++;
        }
      }
      if (over) break;
    }
    return [
      {
        environment: env.episodeMetrics(),
        episodeReturn: rewardSum / n,
        losses: updates > 0 ? { criticLoss: criticLoss / updates, actorLoss: actorLoss / updates, meanQ: meanQ / updates } : NO_LOSSES,
        diagnostics: this.diagnostics.finish(steps),
        totalSlots: this.totalSlots,
        totalUpdates: this.totalUpdates,
      },
    ];
  }

  checkpoint(): LoopCheckpoint {
    const replay = this.replay.getState();
    return {
      state: {
        totalSlots: this.totalSlots,
        totalUpdates: this.totalUpdates,
        rewards: this.normalizer.getState(),
        replay: { next: replay.next, size: replay.size, maxPriority: replay.maxPriority },
      },
      arrays: replay.arrays,
    };
  }

  restore(saved: LoopCheckpoint): void {
    const state = saved.state as { totalSlots: number; totalUpdates: number; rewards?: RewardNormalizerState; replay: Omit<ReplayState, 'arrays'> };
    this.normalizer.setState(state.rewards);
    this.replay.setState({ ...state.replay, arrays: saved.arrays as ReplayState['arrays'] });
    this.totalSlots = state.totalSlots;
    this.totalUpdates = state.totalUpdates;
  }

  dispose(): void {
    this.env.close();
  }
}
