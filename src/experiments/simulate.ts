// Running a policy on the SVEC environment for some episodes and summarizing what happened.
// Every policy evaluated with the same seed sees the same vehicles, tasks and channel draws
// (the environment's streams do not depend on actions), so comparisons are paired. Built-in
// policies act with physical actions and see the slot (stepPhysical); learners act through the
// environment interface with raw actions, greedily.
import type { Learner } from '../agents/contract.ts';
import type { Scenario } from '../config/scenario.ts';
import { SvecEnv } from '../env/svec.ts';
import { RandomStreams, deriveSeed } from '../random/stream.ts';
import type { SvecCore } from '../sim/core.ts';
import { loadFidelityModel, type FidelityModel } from '../sim/fidelity.ts';
import { UserError, userErrorName } from '../util/errors.ts';
import { allocateSlotActions } from '../sim/slotModel.ts';
import type { Policy } from '../policies/policy.ts';
import { markdownTable } from '../util/markdown.ts';
import { meanStats, type EpisodeStats } from '../sim/episodeStats.ts';
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
  /** sees the environment before the counted episodes (e.g. a recorder subscribing to its slots) */
  onEnvironment?: (env: SvecEnv) => void;
}

/** Plays counted (and warm-up) episodes with `playOne` and summarizes them. */
function runEpisodes(env: SvecEnv, name: string, label: string, playOne: (seed: number) => EpisodeStats, options: SimulateOptions): PolicySummary {
  // Warm-up episodes (e.g. Greedy building its history) are played but not counted.
  for (let episode = 0; episode < (options.warmupEpisodes ?? 0); episode++) playOne(deriveSeed(options.warmupSeed ?? options.seed + 1, episode));
  env.lambdasUsed.clear(); // count only the counted episodes' lambdas
  options.onEnvironment?.(env);
  const episodes: EpisodeStats[] = [];
  for (let episode = 0; episode < options.episodes; episode++) {
    const stats = playOne(deriveSeed(options.seed, episode));
    episodes.push(stats);
    options.onEpisode?.(episode, stats.teamReward);
  }
  const episodeRewards = episodes.map((e) => e.teamReward);
  const mean = meanStats(episodes);
  const variance = episodeRewards.length > 1 ? episodeRewards.reduce((a, r) => a + (r - mean.teamReward) ** 2, 0) / (episodeRewards.length - 1) : 0;
  return { ...mean, policy: name, label, episodes: options.episodes, teamRewardStd: Math.sqrt(variance), distinctLambdas: env.lambdasUsed.size, episodeRewards };
}

/**
 * Runs `makePolicy`'s policy for `episodes` episodes; episode e uses seed deriveSeed(seed, e),
 * the policy draws from its own stream of RandomStreams(policySeed ?? seed).
 */
export function simulatePolicy(scenario: Scenario, makePolicy: (core: SvecCore, streams: RandomStreams) => Policy, options: SimulateOptions): PolicySummary {
  const env = new SvecEnv(scenario, { fidelity: options.fidelity });
  const core = env.core;
  const policy = makePolicy(core, new RandomStreams(options.policySeed ?? options.seed));
  const actions = allocateSlotActions(core.n);
  return runEpisodes(
    env,
    policy.name,
    policy.label,
    (seed) => {
      env.reset(seed);
      policy.startEpisode?.(core);
      while (!env.episodeDone) {
        policy.act(core, actions);
        env.stepPhysical(actions);
        policy.observe?.(core, actions);
      }
      return env.episodeMetrics() as unknown as EpisodeStats;
    },
    options,
  );
}

/** Runs a learner greedily through the environment interface (its acting noise is its own streams'). */
export function simulateLearner(scenario: Scenario, name: string, learner: Learner, options: SimulateOptions): PolicySummary {
  const env = new SvecEnv(scenario, { fidelity: options.fidelity });
  return runEpisodes(
    env,
    name,
    `${name} (greedy)`,
    (seed) => {
      let obs = env.reset(seed);
      while (!env.episodeDone) obs = env.step(learner.act(obs, false)).observations;
      return env.episodeMetrics() as unknown as EpisodeStats;
    },
    options,
  );
}

/** Runs a built-in policy by name ('greedy', 'offload-all:0.4', ...). */
export function simulateBuiltin(scenario: Scenario, spec: string, options: SimulateOptions): PolicySummary {
  const summary = simulatePolicy(scenario, (core, streams) => createBuiltinPolicy(spec, streams.get('policy'), core), options);
  // Name rows by the spec the user gave, so 'offload-all:1' and 'offload-all:0.4' stay apart.
  return { ...summary, policy: spec };
}

export class PolicyNameError extends UserError {
  override name = userErrorName('PolicyNameError');
}

/**
 * Built-in policies by name on one scenario, every name checked before anything runs; episodes
 * report progress as (episodes done over all policies, policy, its team reward).
 */
export function simulateBuiltins(
  scenario: Scenario,
  specs: readonly string[],
  options: Omit<SimulateOptions, 'onEpisode' | 'fidelity'> & { onEpisode?: (done: number, policy: string, teamReward: number) => void },
): { rows: PolicySummary[]; fidelity: FidelityModel } {
  const fidelity = loadFidelityModel(scenario.fidelityTable);
  const probe = new SvecEnv(scenario, { fidelity });
  probe.reset(0);
  for (const spec of specs) {
    try {
      createBuiltinPolicy(spec, new RandomStreams(0).get('policy'), probe.core).act(probe.core, allocateSlotActions(probe.core.n));
    } catch (err) {
      throw new PolicyNameError(`--policies: ${(err as Error).message}`);
    }
  }
  const rows = specs.map((spec, k) =>
    simulateBuiltin(scenario, spec, { ...options, fidelity, onEpisode: (episode, reward) => options.onEpisode?.(k * options.episodes + episode + 1, spec, reward) }),
  );
  return { rows, fidelity };
}

/** The columns of the comparison table, with headers and formatting. */
export const SUMMARY_COLUMNS: { key: keyof PolicySummary; header: string; digits: number }[] = [
  { key: 'teamReward', header: 'team reward/episode', digits: 1 },
  // the reward's two parts, so that no ranking rests on a reward one part alone explains
  { key: 'utilityPart', header: 'utility part V ΣU', digits: 1 },
  { key: 'finalBacklog', header: 'final backlog Q_T', digits: 2 },
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
