// Running a policy on a scenario for some episodes and summarizing what happened.
// Every policy evaluated with the same seed sees the same vehicles, tasks and channel draws
// (the environment's streams do not depend on actions), so comparisons are paired.
import type { Scenario } from '../config/scenario.ts';
import { RandomStreams, deriveSeed } from '../random/stream.ts';
import { SvecCore } from '../sim/core.ts';
import type { FidelityModel } from '../sim/fidelity.ts';
import { allocateSlotActions } from '../sim/slotModel.ts';
import type { Policy } from '../policies/policy.ts';
import { createBuiltinPolicy } from '../policies/registry.ts';

/** Summary of one policy over E episodes (means are over all vehicle-slots unless said). */
export interface PolicySummary {
  policy: string;
  label: string;
  episodes: number;
  /** mean over episodes of the team reward sum_t sum_n r_n */
  teamReward: number;
  /** standard deviation of the per-episode team reward */
  teamRewardStd: number;
  latencyMs: number;
  energyMJ: number;
  /** mean fidelity of offloaded tasks (NaN when nothing was offloaded) */
  fidelity: number;
  offloadFraction: number;
  queue: number;
  /** share of high-priority tasks finished after their deadline */
  highPriorityMissRate: number;
  /** mean per-task cost t[s] + 10 E[J] (Fig. 7) */
  cost: number;
  /** mean utility U_n per vehicle-slot */
  utility: number;
  /** mean lambda of offloaded tasks, and how many distinct lambda values (rounded to 0.01) were used */
  meanLambda: number;
  distinctLambdas: number;
  /** per-episode team rewards */
  episodeRewards: number[];
}

export interface SimulateOptions {
  episodes: number;
  seed: number;
  fidelity?: FidelityModel;
  onEpisode?: (episode: number, teamReward: number) => void;
}

/** Runs `makePolicy`'s policy for `episodes` episodes; episode e uses seed deriveSeed(seed, e). */
export function simulatePolicy(
  scenario: Scenario,
  makePolicy: (core: SvecCore, streams: RandomStreams) => Policy,
  options: SimulateOptions,
): PolicySummary {
  const core = new SvecCore(scenario, { fidelity: options.fidelity });
  const streams = new RandomStreams(options.seed);
  const policy = makePolicy(core, streams);
  const actions = allocateSlotActions(core.n);
  const episodeRewards: number[] = [];
  let slots = 0;
  let latency = 0, energy = 0, fidelitySum = 0, offloads = 0, queue = 0, cost = 0, utility = 0;
  let highPriority = 0, highPriorityMisses = 0, lambdaSum = 0;
  const lambdasUsed = new Set<number>();
  for (let episode = 0; episode < options.episodes; episode++) {
    core.reset(deriveSeed(options.seed, episode));
    policy.startEpisode?.(core);
    let teamReward = 0;
    while (!core.episodeDone) {
      policy.act(core, actions);
      const zeta = core.vehicles.zeta;
      const deadline = core.vehicles.T_max;
      // The task's priority and deadline must be read before step() draws the next tasks.
      for (let i = 0; i < core.n; i++) {
        if (zeta[i] === 1) highPriority++;
      }
      const deadlines = Float64Array.from(deadline);
      const priorities = Uint8Array.from(zeta);
      core.step(actions);
      policy.observe?.(core, actions);
      const out = core.out;
      for (let i = 0; i < core.n; i++) {
        teamReward += out.reward[i]!;
        latency += out.t[i]!;
        energy += out.E[i]!;
        queue += out.Q_next[i]!;
        cost += out.cost[i]!;
        utility += out.U[i]!;
        if (actions.rho[i] === 1) {
          offloads++;
          fidelitySum += out.S[i]!;
          const lambda = scenario.mode === 'semantic' ? Math.min(Math.max(actions.lambda[i]!, scenario.lambda.min), scenario.lambda.max) : 1;
          lambdaSum += lambda;
          lambdasUsed.add(Math.round(lambda * 100) / 100);
        }
        if (priorities[i] === 1 && out.t[i]! > deadlines[i]!) highPriorityMisses++;
      }
      slots += core.n;
    }
    episodeRewards.push(teamReward);
    options.onEpisode?.(episode, teamReward);
  }
  const mean = episodeRewards.reduce((a, b) => a + b, 0) / Math.max(1, episodeRewards.length);
  const variance = episodeRewards.length > 1 ? episodeRewards.reduce((a, r) => a + (r - mean) ** 2, 0) / (episodeRewards.length - 1) : 0;
  return {
    policy: policy.name,
    label: policy.label,
    episodes: options.episodes,
    teamReward: mean,
    teamRewardStd: Math.sqrt(variance),
    latencyMs: (latency / slots) * 1000,
    energyMJ: (energy / slots) * 1000,
    fidelity: offloads > 0 ? fidelitySum / offloads : Number.NaN,
    offloadFraction: offloads / slots,
    queue: queue / slots,
    highPriorityMissRate: highPriority > 0 ? highPriorityMisses / highPriority : 0,
    cost: cost / slots,
    utility: utility / slots,
    meanLambda: offloads > 0 ? lambdaSum / offloads : Number.NaN,
    distinctLambdas: lambdasUsed.size,
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
  const widths = headers.map((h, k) => Math.max(h.length, ...body.map((r) => r[k]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join(' | ')} |`;
  const separator = `|${widths.map((w, k) => (k === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(headers), separator, ...body.map(line)].join('\n');
}
