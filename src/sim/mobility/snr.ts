// The receive SNRs a scenario produces (`svec mobility snr`): what range the fidelity table's
// SNR grid must cover. Every active vehicle of every slot counts once, at the lowest and at the
// highest transmit power the scenario allows (the SNR of an offloaded task lies between them):
// SNR = 10 log10(p h / sigma^2) with h = g(distance) |u|^2 (Rayleigh fading included). The channel
// does not depend on the actions, so no policy is involved.
import type { Scenario } from '../../config/scenario.ts';
import { deriveSeed } from '../../random/stream.ts';
import { SvecCore } from '../core.ts';
import type { FidelityModel } from '../fidelity.ts';
import { allocateSlotActions } from '../slotModel.ts';
import { TraceMobility } from './trace.ts';

export const SNR_PERCENTILES = [1, 5, 25, 50, 75, 95, 99] as const;

export interface SnrDistribution {
  /** vehicle-slots counted */
  samples: number;
  /** percentile (1, 5, ..., 99) -> SNR in dB */
  atMinPowerDb: Record<string, number>;
  atMaxPowerDb: Record<string, number>;
  meanAtMaxPowerDb: number;
  /** distance to the RSU antenna, m: percentiles */
  distanceM: Record<string, number>;
  /** share of vehicle-slots that were idle (trace mobility) */
  idleShare: number;
  /** trace mobility: mean number of vehicles in coverage per slot (in a slot or waiting for one); null on the road */
  meanInCoverage: number | null;
  /** trace mobility: vehicles that took a slot / left one, per episode (means) */
  entriesPerEpisode: number;
  exitsPerEpisode: number;
  episodes: number;
  seed: number;
}

/** The p-th percentile (0..100) of sorted values, linear between order statistics (R type 7). */
export function percentile(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Receive-SNR percentiles over `episodes` episodes on seeds deriveSeed(seed, e) (as svec simulate draws them). */
export function measureSnrDistribution(scenario: Scenario, options: { episodes: number; seed: number; fidelity?: FidelityModel }): SnrDistribution {
  const core = new SvecCore(scenario, { fidelity: options.fidelity });
  const actions = allocateSlotActions(core.n); // all local: the channel does not depend on actions
  const lo: number[] = [];
  const hi: number[] = [];
  const dist: number[] = [];
  let idle = 0;
  let total = 0;
  let inCoverage = 0;
  let slots = 0;
  let entries = 0;
  let exits = 0;
  const trace = core.mobility instanceof TraceMobility ? core.mobility : null;
  const { min: pMin, max: pMax } = scenario.powerW;
  for (let e = 0; e < options.episodes; e++) {
    core.reset(deriveSeed(options.seed, e));
    while (!core.episodeDone) {
      slots++;
      if (trace) inCoverage += trace.waitingCount + core.n - core.active.reduce((a, b) => a + (1 - b), 0);
      for (let i = 0; i < core.n; i++) {
        total++;
        if (core.active[i] === 0) {
          idle++;
          continue;
        }
        lo.push(core.snrDbAt(i, pMin));
        hi.push(core.snrDbAt(i, pMax));
        dist.push(core.distanceM[i]!);
      }
      core.step(actions);
      if (!core.episodeDone) {
        entries += core.mobility.lastEntries;
        exits += core.mobility.lastExits;
      }
    }
  }
  const sortedLo = Float64Array.from(lo).sort();
  const sortedHi = Float64Array.from(hi).sort();
  const sortedDist = Float64Array.from(dist).sort();
  const table = (sorted: Float64Array) => Object.fromEntries(SNR_PERCENTILES.map((p) => [`p${p}`, round3(percentile(sorted, p))]));
  return {
    samples: lo.length,
    atMinPowerDb: table(sortedLo),
    atMaxPowerDb: table(sortedHi),
    meanAtMaxPowerDb: round3(hi.reduce((a, b) => a + b, 0) / Math.max(1, hi.length)),
    distanceM: table(sortedDist),
    idleShare: total > 0 ? idle / total : 0,
    meanInCoverage: trace ? Math.round((inCoverage / slots) * 10) / 10 : null,
    entriesPerEpisode: entries / options.episodes,
    exitsPerEpisode: exits / options.episodes,
    episodes: options.episodes,
    seed: options.seed,
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
