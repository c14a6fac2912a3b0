// The SVEC simulator as a MultiAgentEnv: one agent per vehicle. It wraps the batched core
// (sim/core.ts) and adds what the interface needs: raw hybrid actions decoded onto the physical
// ranges (eq. 31), observations (eq. 29), per-agent rewards and the episode's statistics.
//
// Built-in SVEC policies (greedy, oracle, ...) see the whole slot; they act through
// `stepPhysical()` with physical actions and read the core directly. Learners see only the
// interface: observations, raw actions and rewards.
import type { Scenario } from '../config/scenario.ts';
import { SvecCore } from '../sim/core.ts';
import { EPISODE_STAT_NAMES, EpisodeAccumulator } from '../sim/episodeStats.ts';
import type { FidelityModel } from '../sim/fidelity.ts';
import { decodeRawActions, OBSERVATION_FEATURES, observationDim, RAW_ACTION_DIM, writeObservations } from '../sim/observation.ts';
import { allocateSlotActions, type SlotActions } from '../sim/slotModel.ts';
import type { EnvSpec, MultiAgentEnv, StepResult } from './environment.ts';

/** Seen before every slot is evaluated: the core still holds the slot's tasks and channels. */
export type SlotListener = (core: SvecCore, actions: SlotActions) => void;

export class SvecEnv implements MultiAgentEnv {
  readonly spec: EnvSpec;
  readonly core: SvecCore;
  readonly scenario: Scenario;
  private readonly actions: SlotActions;
  private readonly accumulator: EpisodeAccumulator;
  private readonly result: StepResult;
  private readonly listeners: SlotListener[] = [];
  private lastEpisode: Record<string, number> | null = null;

  constructor(scenario: Scenario, options: { fidelity?: FidelityModel } = {}) {
    this.scenario = scenario;
    this.core = new SvecCore(scenario, { fidelity: options.fidelity });
    const n = scenario.vehicles;
    const size = observationDim(scenario.observation);
    this.spec = {
      id: 'svec',
      agents: n,
      observation: {
        size,
        low: new Array<number>(size).fill(0),
        high: new Array<number>(size).fill(1),
        names: OBSERVATION_FEATURES[scenario.observation],
      },
      // eq. 31: rho from two scores (local, offload), then lambda, power and bandwidth weight in [-1, 1]
      action: { discrete: [2], continuous: 3, names: ['offload', 'lambda', 'power', 'bandwidth'] },
      maxEpisodeSteps: scenario.slotsPerEpisode,
      metrics: EPISODE_STAT_NAMES,
    };
    this.actions = allocateSlotActions(n);
    this.accumulator = new EpisodeAccumulator(n);
    this.result = {
      observations: new Float32Array(n * size),
      rewards: new Float64Array(n),
      terminations: new Uint8Array(n),
      truncations: new Uint8Array(n),
    };
  }

  /** Calls `listener` before every slot is evaluated (recorders of what a policy chose). */
  onSlot(listener: SlotListener): void {
    this.listeners.push(listener);
  }

  reset(seed: number): Float32Array {
    this.core.reset(seed);
    this.accumulator.finish(); // start counting from zero
    this.lastEpisode = null;
    this.result.terminations.fill(0);
    this.result.truncations.fill(0);
    writeObservations(this.core, this.scenario.observation, this.result.observations);
    return this.result.observations;
  }

  step(raw: Float32Array): StepResult {
    const n = this.core.n;
    if (raw.length !== n * RAW_ACTION_DIM) throw new Error(`svec: step() expects ${n * RAW_ACTION_DIM} action values (${n} agents x ${RAW_ACTION_DIM}), got ${raw.length}`);
    decodeRawActions(raw, this.scenario, n, this.actions);
    return this.stepPhysical(this.actions);
  }

  /** One slot under physical actions (what built-in policies write); the same result as step(). */
  stepPhysical(actions: SlotActions): StepResult {
    const core = this.core;
    for (const listener of this.listeners) listener(core, actions);
    this.accumulator.beforeStep(core);
    core.step(actions);
    this.accumulator.afterStep(core, actions);
    const result = this.result;
    const reward = core.out.reward;
    if (this.scenario.rewardSharing === 'team') {
      // eq. 35: every agent learns from the team reward (1/N) sum_n r_n
      let sum = 0;
      for (let i = 0; i < core.n; i++) sum += reward[i]!;
      result.rewards.fill(sum / core.n);
    } else {
      result.rewards.set(reward);
    }
    // the next slot's observation, also after the last slot (a time limit: learners bootstrap from it)
    writeObservations(core, this.scenario.observation, result.observations);
    if (core.episodeDone) {
      // Episodes end by time limit: every agent is truncated, none terminated.
      result.truncations.fill(1);
      this.lastEpisode = this.accumulator.finish() as unknown as Record<string, number>;
    }
    return result;
  }

  /** The physical actions of the last step() (decoded from the raw actions). */
  get lastActions(): Readonly<SlotActions> {
    return this.actions;
  }

  get episodeDone(): boolean {
    return this.core.episodeDone;
  }

  episodeMetrics(): Record<string, number> {
    if (!this.lastEpisode) throw new Error('svec: episodeMetrics() is available once an episode is over');
    return this.lastEpisode;
  }

  /** Distinct lambda values (rounded to 0.01) offloaded tasks used since the set was last cleared. */
  get lambdasUsed(): Set<number> {
    return this.accumulator.lambdasUsed;
  }

  close(): void {}
}
