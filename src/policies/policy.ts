// The policy interface every experiment runs. A policy sees the simulator core read-only: the
// built-in policies may look at whatever they need (the oracle sees the whole slot), learned
// agents look only at observations (see agents/). It writes physical actions into `out`.
import type { SvecCore } from '../sim/core.ts';
import type { SlotActions } from '../sim/slotModel.ts';
import type { RandomStream } from '../random/stream.ts';

export interface Policy {
  /** registry name, e.g. 'greedy' */
  readonly name: string;
  /** a short human description for tables */
  readonly label: string;
  /** Chooses every vehicle's action for the core's current slot. */
  act(core: SvecCore, out: SlotActions): void;
  /** Sees the slot's results after core.step(), with the actions that produced them. */
  observe?(core: SvecCore, actions: SlotActions): void;
  /** Called after each reset() of the core (a new episode). */
  startEpisode?(core: SvecCore): void;
}

/** What a policy factory gets: the scenario's core (for sizes and ranges) and its own stream. */
export interface PolicyContext {
  core: SvecCore;
  rng: RandomStream;
}
