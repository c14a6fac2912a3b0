// Per-episode statistics of whatever policy drives the core: the numbers every table and
// learning curve reports. Call beforeStep() before core.step() (it remembers the tasks being
// served) and afterStep() after it. Idle slots (trace mobility: no vehicle in the slot) are left
// out of every per-task mean; on the road every slot is always active.
import type { SvecCore } from './core.ts';
import type { SlotActions } from './slotModel.ts';

export interface EpisodeStats {
  /** sum over slots and vehicles of the reward r_n (eq. 33 under the scenario's objective) */
  teamReward: number;
  /** the same episode's team reward under each reading of eq. 33, whichever the scenario uses */
  teamRewardDrift: number;
  teamRewardEq33: number;
  /** the reward's utility part: V sum over slots and vehicles of U_n */
  utilityPart: number;
  /** mean over vehicles of the virtual energy queue Q at the episode's end (energy units) */
  finalBacklog: number;
  /** mean over vehicle-slots of the energy spent beyond the budget, max(e - e_max, 0) (energy units) */
  overspend: number;
  latencyMs: number;
  energyMJ: number;
  /** mean fidelity of offloaded tasks (NaN when none) */
  fidelity: number;
  offloadFraction: number;
  queue: number;
  highPriorityMissRate: number;
  cost: number;
  utility: number;
  /** mean lambda of offloaded tasks (NaN when none) */
  meanLambda: number;
  /** trace mobility: vehicles that took a slot during the episode (after its start; 0 on the road) */
  slotEntries: number;
  /** trace mobility: slot vehicles that left coverage or the trace during the episode (0 on the road) */
  slotExits: number;
  /** share of vehicle-slots that were idle (no vehicle in the slot; 0 on the road) */
  idleSlotShare: number;
  /** fidelity-table lookups the evaluated slots made (offloaded semantic tasks) */
  fidelityLookups: number;
  /** share of those lookups whose (lambda, SNR) lay outside the table's grid, clamped at its edge (NaN when none) */
  fidelityOutsideGridShare: number;
}

/** The statistics' names, in the order runs write them. */
export const EPISODE_STAT_NAMES: readonly (keyof EpisodeStats)[] = [
  'teamReward',
  'teamRewardDrift',
  'teamRewardEq33',
  'utilityPart',
  'finalBacklog',
  'overspend',
  'latencyMs',
  'energyMJ',
  'fidelity',
  'offloadFraction',
  'queue',
  'highPriorityMissRate',
  'cost',
  'utility',
  'meanLambda',
  'slotEntries',
  'slotExits',
  'idleSlotShare',
  'fidelityOutsideGridShare',
];

export class EpisodeAccumulator {
  private deadlines: Float64Array;
  private priorities: Uint8Array;
  private active: Uint8Array;
  private slots = 0;
  private idleSlots = 0;
  private entries = 0;
  private exits = 0;
  private lookups = 0;
  private outsideGrid = 0;
  private teamReward = 0;
  private latency = 0;
  private energy = 0;
  private fidelity = 0;
  private offloads = 0;
  private queue = 0;
  private cost = 0;
  private utility = 0;
  private overspent = 0;
  private rewardDrift = 0;
  private rewardEq33 = 0;
  private readonly queueBefore: Float64Array;
  private readonly lastQueue: Float64Array;
  private energyBudgets: Float64Array | undefined;
  /** V of the last slot seen (the utility part is V sum U) */
  private V = 0;
  private highPriority = 0;
  private highPriorityMisses = 0;
  private lambdaSum = 0;
  /** distinct lambda values (rounded to 0.01) of offloaded tasks, over the accumulator's life */
  readonly lambdasUsed = new Set<number>();

  constructor(n: number) {
    this.deadlines = new Float64Array(n);
    this.priorities = new Uint8Array(n);
    this.active = new Uint8Array(n);
    this.lastQueue = new Float64Array(n);
    this.queueBefore = new Float64Array(n);
  }

  beforeStep(core: SvecCore): void {
    this.deadlines.set(core.vehicles.T_max);
    this.energyBudgets ??= new Float64Array(core.n);
    this.energyBudgets.set(core.vehicles.E_max);
    this.queueBefore.set(core.vehicles.Q);
    this.priorities.set(core.vehicles.zeta);
    this.active.set(core.active);
  }

  afterStep(core: SvecCore, actions: SlotActions): void {
    const out = core.out;
    const s = core.scenario;
    let served = 0;
    for (let i = 0; i < core.n; i++) {
      if (this.active[i] === 0) continue;
      served++;
      this.teamReward += out.reward[i]!;
      this.latency += out.t[i]!;
      this.energy += out.E[i]!;
      this.queue += out.Q_next[i]!;
      this.cost += out.cost[i]!;
      this.utility += out.U[i]!;
      this.overspent += Math.max(out.E[i]! - this.energyBudgets![i]!, 0) / core.params.E_unit;
      // both readings of eq. 33 for the slot (slotModel.ts): V U - drift, and V U - Q(t) (e - e_max)
      const vu = core.params.V * out.U[i]!;
      this.rewardDrift += vu - out.drift[i]!;
      this.rewardEq33 += vu - (this.queueBefore[i]! * (out.E[i]! - this.energyBudgets![i]!)) / core.params.E_unit;
      if (actions.rho[i] === 1) {
        this.offloads++;
        this.fidelity += out.S[i]!;
        const lambda = s.mode === 'semantic' ? Math.min(Math.max(actions.lambda[i]!, s.lambda.min), s.lambda.max) : 1;
        this.lambdaSum += lambda;
        this.lambdasUsed.add(Math.round(lambda * 100) / 100);
      }
      if (this.priorities[i] === 1) {
        this.highPriority++;
        if (out.t[i]! > this.deadlines[i]!) this.highPriorityMisses++;
      }
    }
    this.slots += served;
    this.lastQueue.set(out.Q_next);
    this.V = core.params.V;
    this.idleSlots += core.n - served;
    // (the core also advances after the last slot, to give the next observation: those moves
    // belong to no slot of this episode)
    if (!core.episodeDone) {
      this.entries += core.mobility.lastEntries;
      this.exits += core.mobility.lastExits;
    }
    this.lookups += core.slotFidelityLookups;
    this.outsideGrid += core.slotFidelityOutsideGrid;
  }

  /** The episode's statistics; then starts counting the next episode from zero. */
  finish(): EpisodeStats {
    const slots = Math.max(1, this.slots);
    const stats: EpisodeStats = {
      teamReward: this.teamReward,
      teamRewardDrift: this.rewardDrift,
      teamRewardEq33: this.rewardEq33,
      utilityPart: this.V * this.utility,
      finalBacklog: this.lastQueue.reduce((a, q) => a + q, 0) / Math.max(1, this.lastQueue.length),
      overspend: this.overspent / slots,
      latencyMs: (this.latency / slots) * 1000,
      energyMJ: (this.energy / slots) * 1000,
      fidelity: this.offloads > 0 ? this.fidelity / this.offloads : Number.NaN,
      offloadFraction: this.offloads / slots,
      queue: this.queue / slots,
      highPriorityMissRate: this.highPriority > 0 ? this.highPriorityMisses / this.highPriority : 0,
      cost: this.cost / slots,
      utility: this.utility / slots,
      meanLambda: this.offloads > 0 ? this.lambdaSum / this.offloads : Number.NaN,
      slotEntries: this.entries,
      slotExits: this.exits,
      idleSlotShare: this.slots + this.idleSlots > 0 ? this.idleSlots / (this.slots + this.idleSlots) : 0,
      fidelityLookups: this.lookups,
      fidelityOutsideGridShare: this.lookups > 0 ? this.outsideGrid / this.lookups : Number.NaN,
    };
    this.idleSlots = this.entries = this.exits = this.lookups = this.outsideGrid = 0;
    this.slots = this.teamReward = this.latency = this.energy = this.fidelity = this.offloads = 0;
    this.queue = this.cost = this.utility = this.highPriority = this.highPriorityMisses = this.lambdaSum = this.overspent = this.rewardDrift = this.rewardEq33 = 0;
    this.lastQueue.fill(0);
    return stats;
  }
}

/** Means of per-episode statistics weighted equally per episode (fidelity and lambda over episodes that offloaded). */
export function meanStats(episodes: EpisodeStats[]): EpisodeStats {
  const keys = Object.keys(episodes[0] ?? {}) as (keyof EpisodeStats)[];
  const result = {} as EpisodeStats;
  for (const key of keys) {
    const values = episodes.map((e) => e[key]).filter((v) => !Number.isNaN(v));
    result[key] = values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  }
  return result;
}
