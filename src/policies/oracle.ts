// The per-slot oracle: an upper bound on myopic decisions, not in the paper.
//
// It sees the whole slot (every task, channel gain, CPU, budget and queue) and searches the
// joint action that maximizes the slot's team reward sum_n r_n (eq. 33) under the exact slot
// formulas (vehicleSlot of slotModel.ts). Search method:
//  1. Discretize the bandwidth into K quanta: an offloader holding k quanta gets b = B_max k / K.
//     For each M (number of offloaders) and each vehicle, tabulate the best reward over a grid of
//     lambda x power at every k = 1..K (vehicles interact only through M and the bandwidth
//     shares, so given (M, k) each vehicle's best lambda and power are independent).
//  2. For an offloading set S, split the K quanta among its members by dynamic programming
//     (exact for the discretization: max sum_n f_n(k_n), sum k_n = K, k_n >= 1).
//  3. Search offloading sets by best-improvement local search over single flips (add or remove
//     one vehicle) and swaps (one member out, one non-member in), started from the empty set
//     (and, when N <= 8, also from the full set and from the set of vehicles that gain by
//     offloading alone); keep the best. `setSearch: 'exhaustive'` enumerates all
//     2^N sets instead (small N only), which is what the tests compare the local search with.
//  4. Refine each offloader's lambda and power on a finer grid at its final bandwidth, and set
//     w_n = k_n / max_j k_j (so b_n = B_max k_n / K exactly, unless w_n falls below the
//     scenario's minimum weight, where it is clipped).
// The final actions are scored again by the simulator itself, so the reported reward is exact.
import type { SvecCore } from '../sim/core.ts';
import type { FidelityModel } from '../sim/fidelity.ts';
import { vehicleSlot, type SlotActions, type SlotParams, type SlotVehicles } from '../sim/slotModel.ts';
import type { Policy } from './policy.ts';

export interface OracleOptions {
  /** lambda grid points over [lambda_min, lambda_max] in the search */
  lambdaPoints: number;
  /** power grid points over [p_min, p_max] in the search */
  powerPoints: number;
  /** K, bandwidth quanta (at least N are used) */
  bandwidthQuanta: number;
  /** 'local' search over sets, or 'exhaustive' enumeration of all 2^N sets (N <= 20) */
  setSearch: 'local' | 'exhaustive';
  /** refine lambda and power on a 4x finer grid at the final bandwidth */
  refine: boolean;
}

export const ORACLE_DEFAULTS: OracleOptions = { lambdaPoints: 13, powerPoints: 3, bandwidthQuanta: 30, setSearch: 'local', refine: true };

/** The oracle's decision for one slot and the team reward it predicts for it. */
export interface OracleResult {
  offloadSet: number[];
  quanta: number[];
  predictedReward: number;
}

function linspace(lo: number, hi: number, points: number): Float64Array {
  if (points <= 1 || hi === lo) return Float64Array.of(hi);
  return Float64Array.from({ length: points }, (_, k) => lo + ((hi - lo) * k) / (points - 1));
}

/** Best reward of vehicle i offloading with bandwidth b among M offloaders, over a lambda x power grid. */
function bestOffloadReward(
  params: SlotParams,
  veh: SlotVehicles,
  fidelity: FidelityModel,
  i: number,
  b: number,
  M: number,
  lambdas: Float64Array,
  powers: Float64Array,
  best: { reward: number; lambda: number; p: number },
): void {
  best.reward = -Infinity;
  for (let a = 0; a < lambdas.length; a++) {
    for (let c = 0; c < powers.length; c++) {
      const reward = vehicleSlot(params, veh, i, true, lambdas[a]!, powers[c]!, b, M, fidelity, null);
      if (reward > best.reward) {
        best.reward = reward;
        best.lambda = lambdas[a]!;
        best.p = powers[c]!;
      }
    }
  }
}

/**
 * Solves one slot; writes the chosen actions into `out` and returns the decision.
 * Pure: depends only on its arguments.
 */
export function solveSlot(params: SlotParams, veh: SlotVehicles, fidelity: FidelityModel, options: Partial<OracleOptions>, wMin: number, out: SlotActions): OracleResult {
  const opts = { ...ORACLE_DEFAULTS, ...options };
  const n = veh.n;
  const K = Math.max(opts.bandwidthQuanta, n);
  const lambdas = params.semantic ? linspace(params.lambda_min, params.lambda_max, opts.lambdaPoints) : Float64Array.of(1);
  const powers = linspace(params.p_min, params.p_max, opts.powerPoints);
  const scratch = { reward: 0, lambda: 0, p: 0 };

  // Rewards when running locally (independent of everyone else).
  const localReward = new Float64Array(n);
  for (let i = 0; i < n; i++) localReward[i] = vehicleSlot(params, veh, i, false, params.lambda_max, params.p_min, 0, 0, fidelity, null);

  // Step 1: per-M tables of the best offloading reward at k quanta, built on demand.
  const tables = new Map<number, Float64Array>(); // value[i * (K + 1) + k]
  function table(M: number): Float64Array {
    let t = tables.get(M);
    if (!t) {
      t = new Float64Array(n * (K + 1)).fill(-Infinity);
      for (let i = 0; i < n; i++) {
        for (let k = 1; k <= K; k++) {
          bestOffloadReward(params, veh, fidelity, i, (params.B_max * k) / K, M, lambdas, powers, scratch);
          t[i * (K + 1) + k] = scratch.reward;
        }
      }
      tables.set(M, t);
    }
    return t;
  }

  // Step 2: the best split of K quanta among the members of S (DP), and the set's team reward.
  function evaluateSet(members: number[], wantQuanta: false): number;
  function evaluateSet(members: number[], wantQuanta: true): { value: number; quanta: number[] };
  function evaluateSet(members: number[], wantQuanta: boolean): number | { value: number; quanta: number[] } {
    let value = 0;
    const inSet = new Uint8Array(n);
    for (const i of members) inSet[i] = 1;
    for (let i = 0; i < n; i++) if (!inSet[i]) value += localReward[i]!;
    const M = members.length;
    if (M === 0) return wantQuanta ? { value, quanta: [] } : value;
    const t = table(M);
    // dp[q] = best sum for the members so far using q quanta; choice[j][q] = quanta of member j.
    let dp = new Float64Array(K + 1).fill(-Infinity);
    dp[0] = 0;
    const choice = wantQuanta ? new Int32Array(M * (K + 1)) : null;
    for (let j = 0; j < M; j++) {
      const row = members[j]! * (K + 1);
      const next = new Float64Array(K + 1).fill(-Infinity);
      const remainingMembers = M - j - 1;
      for (let q = j + 1; q <= K - remainingMembers; q++) {
        let best = -Infinity;
        let bestK = 1;
        for (let k = 1; k <= q - j; k++) {
          const v = dp[q - k]! + t[row + k]!;
          if (v > best) {
            best = v;
            bestK = k;
          }
        }
        next[q] = best;
        if (choice) choice[j * (K + 1) + q] = bestK;
      }
      dp = next;
    }
    value += dp[K]!;
    if (!wantQuanta) return value;
    const quanta = new Array<number>(M);
    let q = K;
    for (let j = M - 1; j >= 0; j--) {
      const k = choice![j * (K + 1) + q]!;
      quanta[j] = k;
      q -= k;
    }
    return { value, quanta };
  }

  // Step 3: search the offloading sets.
  let bestSet: number[] = [];
  let bestValue = evaluateSet([], false);
  if (opts.setSearch === 'exhaustive') {
    if (n > 20) throw new Error(`oracle: exhaustive set search is limited to N <= 20 (got ${n})`);
    for (let mask = 1; mask < 1 << n; mask++) {
      const members: number[] = [];
      for (let i = 0; i < n; i++) if (mask & (1 << i)) members.push(i);
      const value = evaluateSet(members, false);
      if (value > bestValue) {
        bestValue = value;
        bestSet = members;
      }
    }
  } else {
    const everyone = Array.from({ length: n }, (_, i) => i);
    // Starting from the full set walks through every M from N down (a table per M), so the
    // full set and the set of vehicles that gain by offloading alone are extra starts for
    // small N only; swap moves make the search from the empty set robust at any N.
    const starts: number[][] = [[]];
    if (n <= 8)
      starts.push(
        everyone,
        everyone.filter((i) => table(1)[i * (K + 1) + K]! > localReward[i]!),
      );
    const membersOf = (inSet: Uint8Array) => everyone.filter((j) => inSet[j] === 1);
    for (const start of starts) {
      const inSet = new Uint8Array(n);
      for (const i of start) inSet[i] = 1;
      let current = evaluateSet(start, false);
      for (;;) {
        // Best improving move: flip one vehicle (add or remove) or swap one member for a non-member.
        let bestMove: [number, number] | null = null;
        let bestMoveValue = current + 1e-12;
        for (let i = 0; i < n; i++) {
          inSet[i] ^= 1;
          const value = evaluateSet(membersOf(inSet), false);
          inSet[i] ^= 1;
          if (value > bestMoveValue) {
            bestMoveValue = value;
            bestMove = [i, -1];
          }
        }
        for (let i = 0; i < n; i++) {
          if (!inSet[i]) continue;
          for (let j = 0; j < n; j++) {
            if (inSet[j]) continue;
            inSet[i] = 0;
            inSet[j] = 1;
            const value = evaluateSet(membersOf(inSet), false);
            inSet[i] = 1;
            inSet[j] = 0;
            if (value > bestMoveValue) {
              bestMoveValue = value;
              bestMove = [i, j];
            }
          }
        }
        if (!bestMove) break;
        inSet[bestMove[0]] ^= 1;
        if (bestMove[1] >= 0) inSet[bestMove[1]] ^= 1;
        current = bestMoveValue;
      }
      if (current > bestValue) {
        bestValue = current;
        bestSet = membersOf(inSet);
      }
    }
  }

  // Step 4: actions, with a finer lambda/power search at the final bandwidth.
  const { quanta } = evaluateSet(bestSet, true);
  const maxQuanta = quanta.length > 0 ? Math.max(...quanta) : 1;
  for (let i = 0; i < n; i++) {
    out.rho[i] = 0;
    out.lambda[i] = params.lambda_max;
    out.p[i] = params.p_min;
    out.w[i] = 1;
  }
  const M = bestSet.length;
  let predicted = 0;
  for (let i = 0; i < n; i++) predicted += localReward[i]!;
  bestSet.forEach((i, j) => {
    const b = (params.B_max * quanta[j]!) / K;
    bestOffloadReward(params, veh, fidelity, i, b, M, lambdas, powers, scratch);
    if (opts.refine) {
      const fine = { ...scratch };
      const dl = lambdas.length > 1 ? lambdas[1]! - lambdas[0]! : 0;
      const dp = powers.length > 1 ? powers[1]! - powers[0]! : 0;
      const fineLambdas = linspace(Math.max(params.lambda_min, fine.lambda - dl), Math.min(params.lambda_max, fine.lambda + dl), dl > 0 ? 9 : 1);
      const finePowers = linspace(Math.max(params.p_min, fine.p - dp), Math.min(params.p_max, fine.p + dp), dp > 0 ? 9 : 1);
      bestOffloadReward(params, veh, fidelity, i, b, M, fineLambdas, finePowers, fine);
      if (fine.reward > scratch.reward) Object.assign(scratch, fine);
    }
    out.rho[i] = 1;
    out.lambda[i] = scratch.lambda;
    out.p[i] = scratch.p;
    out.w[i] = Math.max(quanta[j]! / maxQuanta, wMin);
    predicted += scratch.reward - localReward[i]!;
  });
  return { offloadSet: bestSet, quanta, predictedReward: predicted };
}

/**
 * Brute force for tests: every offloading set, every split of K quanta (enumerated, no DP),
 * and the same lambda x power grid. Exponential: tiny N and K only.
 */
export function bruteForceSlot(
  params: SlotParams,
  veh: SlotVehicles,
  fidelity: FidelityModel,
  options: Pick<OracleOptions, 'lambdaPoints' | 'powerPoints' | 'bandwidthQuanta'>,
): number {
  const n = veh.n;
  const K = Math.max(options.bandwidthQuanta, n);
  const lambdas = params.semantic ? linspace(params.lambda_min, params.lambda_max, options.lambdaPoints) : Float64Array.of(1);
  const powers = linspace(params.p_min, params.p_max, options.powerPoints);
  const scratch = { reward: 0, lambda: 0, p: 0 };
  let best = -Infinity;
  for (let mask = 0; mask < 1 << n; mask++) {
    const members: number[] = [];
    let localSum = 0;
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) members.push(i);
      else localSum += vehicleSlot(params, veh, i, false, params.lambda_max, params.p_min, 0, 0, fidelity, null);
    }
    const M = members.length;
    if (M === 0) {
      best = Math.max(best, localSum);
      continue;
    }
    // every composition of K into M positive parts
    const parts = new Array<number>(M).fill(1);
    const visit = (j: number, remaining: number): void => {
      if (j === M - 1) {
        parts[j] = remaining;
        let total = localSum;
        for (let a = 0; a < M; a++) {
          bestOffloadReward(params, veh, fidelity, members[a]!, (params.B_max * parts[a]!) / K, M, lambdas, powers, scratch);
          total += scratch.reward;
        }
        if (total > best) best = total;
        return;
      }
      for (let k = 1; k <= remaining - (M - 1 - j); k++) {
        parts[j] = k;
        visit(j + 1, remaining - k);
      }
    };
    visit(0, K);
  }
  return best;
}

/** The oracle as a policy. */
export function oraclePolicy(options: Partial<OracleOptions> = {}): Policy & { last: OracleResult | null } {
  const policy = {
    name: 'oracle',
    label: 'oracle (per-slot optimum)',
    last: null as OracleResult | null,
    act(core: SvecCore, out: SlotActions) {
      policy.last = solveSlot(core.params, core.vehicles, core.fidelity, options, core.scenario.bandwidthWeightMin, out);
    },
  };
  return policy;
}
