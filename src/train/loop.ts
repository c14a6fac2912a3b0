// What the harness (train/harness.ts) asks of a training loop: play whole episodes, learn on
// the way, and say what it must keep in a checkpoint. Two loops implement it: the off-policy
// replay loop (offPolicy.ts) and the on-policy rollout loop (onPolicy.ts).
import type { UpdateStats } from '../agents/contract.ts';

/** One finished episode, as the harness writes it into the metrics. */
export interface EpisodeOutcome {
  /** the environment's statistics of the episode (spec.metrics) */
  environment: Record<string, number>;
  /** mean over agents of the sum of the rewards learned from */
  episodeReturn: number;
  /** mean losses of the updates made during the episode (NaN when none) */
  losses: UpdateStats;
  /** the learner's diagnostics averaged over the episode's acting steps (NaN when it never acted) */
  diagnostics: Record<string, number>;
  /** counters after the episode (on-policy: after the iteration) */
  totalSlots: number;
  totalUpdates: number;
}

export interface LoopCheckpoint {
  state: Record<string, unknown>;
  arrays: Record<string, Float32Array | Float64Array>;
}

export interface TrainingLoop {
  /** episodes one iteration plays (a checkpoint falls only between iterations) */
  readonly episodesPerIteration: number;
  /** environment steps and updates so far */
  totalSlots: number;
  totalUpdates: number;
  /**
   * Plays one iteration whose first episode is `episode` (0-based; its environment seed is
   * deriveSeed(seed, episode)); returns its finished episodes in order.
   */
  iterate(episode: number): EpisodeOutcome[];
  /** what a checkpoint keeps beyond the learner's variables and the random streams */
  checkpoint(): LoopCheckpoint;
  restore(saved: LoopCheckpoint): void;
  dispose(): void;
}

export const NO_LOSSES: UpdateStats = { criticLoss: Number.NaN, actorLoss: Number.NaN, meanQ: Number.NaN };

/** Means of per-step diagnostics: NaN for names the learner never reported. */
export class DiagnosticsAverage {
  private sums: Record<string, number> = {};
  private count = 0;

  constructor(private readonly names: readonly string[]) {}

  add(values: Record<string, number>): void {
    for (const name of this.names) this.sums[name] = (this.sums[name] ?? 0) + (values[name] ?? Number.NaN);
    this.count++;
  }

  /** The means over `steps` steps (the episode's length: steps without acting count as zero). */
  finish(steps: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of this.names) out[name] = this.count > 0 ? this.sums[name]! / steps : Number.NaN;
    this.sums = {};
    this.count = 0;
    return out;
  }
}
