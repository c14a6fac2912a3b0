// Running a policy on a scenario for some episodes and summarizing what happened.
// Every policy evaluated with the same seed sees the same vehicles, tasks and channel draws
// (the environment's streams do not depend on actions), so comparisons are paired.
import type { Scenario } from '../config/scenario.ts';
import { RandomStreams, deriveSeed } from '../random/stream.ts';
import { SvecCore } from '../sim/core.ts';
import type { FidelityModel } from '../sim/fidelity.ts';
import { allocateSlotActions } from '../sim/slotModel.ts';
import type { Policy } from '../policies/policy.ts';
import { markdownTable } from '../util/markdown.ts';
import { EpisodeAccumulator, meanStats, type EpisodeStats } from '../sim/episodeStats.ts';
import { createBuiltinPolicy } from '../policies/registry.ts';

/** Summary of one policy over E episodes: per-episode statistics averaged over episodes. */
export interface PolicySummary extends EpisodeStats {
  policy: string;
  label: string;
  episodes: number;
  /** standard deviation of the per-episode team reward */
  teamRewardStd: number;
  /** how many distinct lambda values (rounded to 0.01) offloaded tasks used */
  distinctLambdas: number;
  /** per-episode team rewards */
  episodeRewards: number[];
}

export interface SimulateOptions {
  episodes: number;
  /** environment seed: episode e uses deriveSeed(seed, e) */
  seed: number;
  /** seed of the policy's own randomness (default: seed) */
  policySeed?: number;
  /** episodes played first and not counted (e.g. Greedy building its history), on seeds deriveSeed(warmupSeed, e) */
  warmupEpisodes?: number;
  warmupSeed?: number;
  fidelity?: FidelityModel;
  onEpisode?: (episode: number, teamReward: number) => void;
}

/**
 * Runs `makePolicy`'s policy for `episodes` episodes; episode e uses seed deriveSeed(seed, e),
 * the policy draws from its own stream of RandomStreams(seed).
 */
export function simulatePolicy(
  scenario: Scenario,
  makePolicy: (core: SvecCore, streams: RandomStreams) => Policy,
  options: SimulateOptions,
): PolicySummary {
  const core = new SvecCore(scenario, { fidelity: options.fidelity });
  const streams = new RandomStreams(options.policySeed ?? options.seed);
  const policy = makePolicy(core, streams);
  const actions = allocateSlotActions(core.n);
  const accumulator = new EpisodeAccumulator(core.n);
  // One episode of the policy on the given environment seed; statistics go to `stats`.
  const play = (seed: number, stats: EpisodeAccumulator) => {
    core.reset(seed);
    policy.startEpisode?.(core);
    while (!core.episodeDone) {
      policy.act(core, actions);
      stats.beforeStep(core);
      core.step(actions);
      policy.observe?.(core, actions);
      stats.afterStep(core, actions);
    }
    return stats.finish();
  };
  // Warm-up episodes (e.g. Greedy building its history) are played but not counted.
  const uncounted = new EpisodeAccumulator(core.n);
  for (let episode = 0; episode < (options.warmupEpisodes ?? 0); episode++) play(deriveSeed(options.warmupSeed ?? options.seed + 1, episode), uncounted);
  const episodes: EpisodeStats[] = [];
  for (let episode = 0; episode < options.episodes; episode++) {
    const stats = play(deriveSeed(options.seed, episode), accumulator);
    episodes.push(stats);
    options.onEpisode?.(episode, stats.teamReward);
  }
  const episodeRewards = episodes.map((e) => e.teamReward);
  const mean = meanStats(episodes);
  const variance = episodeRewards.length > 1 ? episodeRewards.reduce((a, r) => a + (r - mean.teamReward) ** 2, 0) / (episodeRewards.length - 1) : 0;
  return {
    ...mean,
    policy: policy.name,
    label: policy.label,
    episodes: options.episodes,
    teamRewardStd: Math.sqrt(variance),
    distinctLambdas: accumulator.lambdasUsed.size,
    episodeRewards,
  };
}

/** Runs a built-in policy by name ('greedy', 'offload-all:0.4', ...). */
export function simulateBuiltin(scenario: Scenario, spec: string, options: SimulateOptions): PolicySummary {
  const summary = simulatePolicy(scenario, (core, streams) => createBuiltinPolicy(spec, streams.get('policy'), core), options);
  // Name rows by the spec the user gave, so 'offload-all:1' and 'offload-all:0.4' stay apart.
  return { ...summary, policy: spec };
}

/** The columns of the comparison table, with headers and formatting. */
export const SUMMARY_COLUMNS: { key: keyof PolicySummary; header: string; digits: number }[] = [
  { key: 'teamReward', header: 'team reward/episode', digits: 1 },
  { key: 'latencyMs', header: 'latency ms', digits: 2 },
  { key: 'energyMJ', header: 'energy mJ', digits: 2 },
  { key: 'fidelity', header: 'fidelity', digits: 3 },
  { key: 'offloadFraction', header: 'offload', digits: 3 },
  { key: 'queue', header: 'queue', digits: 3 },
  { key: 'highPriorityMissRate', header: 'HP miss', digits: 3 },
  { key: 'cost', header: 'cost', digits: 4 },
];

/** A Markdown table of summaries (also readable on a terminal). */
export function formatSummaryTable(rows: PolicySummary[]): string {
  const headers = ['policy', ...SUMMARY_COLUMNS.map((c) => c.header)];
  const body = rows.map((row) => [
    row.policy,
    ...SUMMARY_COLUMNS.map((c) => {
      const value = row[c.key] as number;
      return Number.isNaN(value) ? '—' : value.toFixed(c.digits);
    }),
  ]);
  return markdownTable(headers, body);
}
