// The paper's Greedy baseline (Section VI.A.2, ref. [37]): "each connected vehicle selects the
// optimal semantic extraction, task offloading and resource allocation strategy at the current
// moment based on the historical system gain".
//
// Our reading: each vehicle keeps, for each task priority (high / low) and each action of a
// discretized grid, the running mean of the system gain U_n (eq. 16) it observed after playing
// that action. It plays the action with the best mean (untried actions first), and with
// probability `epsilon` a uniformly random grid action, so that estimates keep improving.
// Estimates persist across episodes of one run (the vehicle's history).
import type { SvecCore } from '../sim/core.ts';
import type { SlotActions } from '../sim/slotModel.ts';
import type { RandomStream } from '../random/stream.ts';
import type { Policy } from './policy.ts';

export interface GreedyOptions {
  /** extraction factors on the grid */
  lambdas: number[];
  /** transmit powers on the grid, as fractions of the way from p_min to p_max */
  powerLevels: number[];
  /** bandwidth weights on the grid */
  bandwidthWeights: number[];
  /** probability of a random grid action */
  epsilon: number;
}

export const GREEDY_DEFAULTS: GreedyOptions = {
  lambdas: [0.4, 0.6, 0.8, 1.0],
  powerLevels: [0, 1],
  bandwidthWeights: [0.3, 1],
  epsilon: 0.05,
};

interface GridAction {
  rho: 0 | 1;
  lambda: number;
  powerLevel: number;
  w: number;
}

export function greedyPolicy(rng: RandomStream, options: Partial<GreedyOptions> = {}): Policy {
  const opts = { ...GREEDY_DEFAULTS, ...options };
  // Arm 0 is local execution; the rest offload with every grid combination.
  const grid: GridAction[] = [{ rho: 0, lambda: 1, powerLevel: 0, w: 1 }];
  for (const lambda of opts.lambdas) for (const powerLevel of opts.powerLevels) for (const w of opts.bandwidthWeights) grid.push({ rho: 1, lambda, powerLevel, w });
  const arms = grid.length;
  let n = 0;
  let sums = new Float64Array(0);
  let counts = new Uint32Array(0);
  let chosen = new Int32Array(0);
  let context = new Uint8Array(0);

  function ensureSize(size: number) {
    if (size === n) return;
    n = size;
    sums = new Float64Array(n * 2 * arms);
    counts = new Uint32Array(n * 2 * arms);
    chosen = new Int32Array(n);
    context = new Uint8Array(n);
  }

  return {
    name: 'greedy',
    label: 'greedy',
    act(core: SvecCore, out: SlotActions) {
      ensureSize(core.n);
      const s = core.scenario;
      for (let i = 0; i < core.n; i++) {
        const ctx = core.vehicles.zeta[i]!;
        const base = (i * 2 + ctx) * arms;
        let arm: number;
        if (rng.uniform() < opts.epsilon) {
          arm = rng.int(arms);
        } else {
          arm = 0;
          let best = -Infinity;
          for (let a = 0; a < arms; a++) {
            const c = counts[base + a]!;
            const estimate = c === 0 ? Infinity : sums[base + a]! / c; // untried first
            if (estimate > best) {
              best = estimate;
              arm = a;
            }
          }
        }
        chosen[i] = arm;
        context[i] = ctx;
        const g = grid[arm]!;
        out.rho[i] = g.rho;
        out.lambda[i] = Math.min(Math.max(g.lambda, s.lambda.min), s.lambda.max);
        out.p[i] = s.powerW.min + g.powerLevel * (s.powerW.max - s.powerW.min);
        out.w[i] = Math.max(g.w, s.bandwidthWeightMin);
      }
    },
    observe(core: SvecCore) {
      for (let i = 0; i < core.n; i++) {
        const k = (i * 2 + context[i]!) * arms + chosen[i]!;
        sums[k] = sums[k]! + core.out.U[i]!;
        counts[k] = counts[k]! + 1;
      }
    },
  };
}
