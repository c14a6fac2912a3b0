// The on-policy training loop (MAPPO): one iteration rolls out one episode in each of E
// environments with the current policy, then hands the whole rollout to the learner's update.
// Environment e of the iteration starting at episode k plays episode k + e (seed
// deriveSeed(seed, k + e)), one after the other, so the acting noise is drawn in a fixed order.
import { TrainingDivergedError, type OnPolicyLearner, type Rollout } from '../agents/contract.ts';
import type { OnPolicyLoopConfig } from '../agents/hyperparameters.ts';
import { episodeOver, type EnvFactory, type MultiAgentEnv } from '../env/environment.ts';
import { deriveSeed } from '../random/stream.ts';
import { RewardNormalizer, type RewardNormalizerState } from './rewardNormalizer.ts';
import { DiagnosticsAverage, type EpisodeOutcome, type LoopCheckpoint, type TrainingLoop } from './loop.ts';

export class OnPolicyLoop implements TrainingLoop {
  readonly episodesPerIteration: number;
  totalSlots = 0;
  totalUpdates = 0;
  private readonly envs: MultiAgentEnv[];
  private readonly diagnostics: DiagnosticsAverage;
  private readonly normalizer: RewardNormalizer;

  constructor(
    first: MultiAgentEnv,
    createEnv: EnvFactory,
    private readonly learner: OnPolicyLearner,
    config: OnPolicyLoopConfig,
    private readonly seed: number,
    normalizeRewards: boolean,
  ) {
    this.normalizer = new RewardNormalizer(normalizeRewards);
    this.episodesPerIteration = config.parallelEnvs;
    this.envs = [first, ...Array.from({ length: config.parallelEnvs - 1 }, () => createEnv())];
    this.diagnostics = new DiagnosticsAverage(learner.diagnosticNames);
  }

  iterate(episode: number): EpisodeOutcome[] {
    const { learner, envs } = this;
    const spec = envs[0]!.spec;
    const n = spec.agents;
    const obsSize = spec.observation.size;
    const E = envs.length;
    const T = spec.maxEpisodeSteps;
    const rows = E * T * n;
    const rollout: Rollout = {
      envs: E,
      steps: T,
      agents: n,
      observations: new Float32Array(rows * obsSize),
      stored: new Float32Array(rows * learner.storedWidth),
      logProbs: new Float32Array(rows),
      values: new Float32Array(rows),
      rewards: new Float64Array(rows),
      terminations: new Uint8Array(rows),
      truncations: new Uint8Array(rows),
      truncationValues: new Float32Array(rows),
    };
    const played: { environment: Record<string, number>; episodeReturn: number; diagnostics: Record<string, number> }[] = [];
    // 1. Roll out one whole episode in each environment.
    for (let e = 0; e < E; e++) {
      const env = envs[e]!;
      let obs = env.reset(deriveSeed(this.seed, episode + e));
      let rewardSum = 0;
      for (let t = 0; t < T; t++) {
        const base = (e * T + t) * n;
        rollout.observations.set(obs, base * obsSize);
        const sample = learner.sample(obs);
        this.diagnostics.add(learner.slotDiagnostics());
        rollout.stored.set(sample.stored, base * learner.storedWidth);
        rollout.logProbs.set(sample.logProb, base);
        rollout.values.set(sample.value, base);
        const step = env.step(sample.raw);
        rollout.rewards.set(step.rewards, base);
        rollout.terminations.set(step.terminations, base);
        rollout.truncations.set(step.truncations, base);
        for (let i = 0; i < n; i++) rewardSum += step.rewards[i]!;
        const over = episodeOver(step);
        if (step.truncations.some((x) => x === 1)) {
          // what a truncated agent's return continues with: the value of the observation after the cut
          const values = learner.values(step.observations);
          for (let i = 0; i < n; i++) if (step.truncations[i] === 1) rollout.truncationValues[base + i] = values[i]!;
        }
        this.totalSlots++;
        if (over !== (t === T - 1)) {
          throw new Error(`${spec.id}: the on-policy loop needs episodes of exactly maxEpisodeSteps (${T}) steps; an episode ended after ${t + 1}`);
        }
        obs = step.observations;
      }
      played.push({ environment: env.episodeMetrics(), episodeReturn: rewardSum / n, diagnostics: this.diagnostics.finish(T) });
    }
    // 2. The learner's update on the whole rollout, its rewards scaled by the running statistics.
    this.normalizer.observe(rollout.rewards);
    this.normalizer.scale(rollout.rewards);
    const stats = learner.update(rollout);
    if (!Number.isFinite(stats.criticLoss) || !Number.isFinite(stats.actorLoss)) {
      throw new TrainingDivergedError(
        `training diverged in the iteration of episodes ${episode + 1}-${episode + E}: value loss ${stats.criticLoss}, policy loss ${stats.actorLoss}; the last good checkpoint is kept`,
      );
    }
    this.totalUpdates += stats.updates;
    const losses = { criticLoss: stats.criticLoss, actorLoss: stats.actorLoss, meanQ: stats.meanQ };
    return played.map((p) => ({ ...p, losses, totalSlots: this.totalSlots, totalUpdates: this.totalUpdates }));
  }

  checkpoint(): LoopCheckpoint {
    return { state: { totalSlots: this.totalSlots, totalUpdates: this.totalUpdates, rewards: this.normalizer.getState() }, arrays: {} };
  }

  restore(saved: LoopCheckpoint): void {
    const state = saved.state as { totalSlots: number; totalUpdates: number; rewards?: RewardNormalizerState };
    this.normalizer.setState(state.rewards);
    this.totalSlots = state.totalSlots;
    this.totalUpdates = state.totalUpdates;
  }

  dispose(): void {
    for (const env of this.envs) env.close();
  }
}
