// The one list of learning algorithms. Everything that names algorithms derives from it: the CLI's
// choices, `svec compare`'s default, the experiment definitions, the claims table's benchmarks,
// the figures' colours and labels, and the tests. To add an algorithm, write its module (a class
// implementing a contract of agents/contract.ts plus an `algorithm` export) and add one entry here.
//
// An entry holds only metadata and a lazy loader, so listing algorithms (e.g. for `svec --help`)
// does not load TensorFlow.js.
import type { z } from 'zod';
import type { RandomStreams } from '../random/stream.ts';
import type { AnyLearner, LearnerSpaces } from './contract.ts';
import { UserError, userErrorName } from '../util/errors.ts';

/** What an algorithm's module exports as `algorithm`. */
export interface AlgorithmModule {
  /** the full hyperparameter schema (shared fields, loop fields and its own): the single source of truth */
  schema: z.ZodObject;
  /** builds a learner for an environment's spaces; weights are drawn from streams.get('init') */
  create(hyperparameters: Record<string, unknown>, spaces: LearnerSpaces, streams: RandomStreams): AnyLearner;
}

export interface AlgorithmEntry {
  /** registry name, e.g. 'dmadrl' (what --algo takes) */
  name: string;
  /** legend and table label */
  label: string;
  /** one line for --help and the docs */
  description: string;
  /** which training loop of train/ runs it */
  kind: 'off-policy' | 'on-policy';
  /** one of the paper's baselines (the claims compare DMADRL against these) */
  benchmark: boolean;
  /** figure colour ('#rrggbb'); the proposed method stands out */
  color: string;
  /**
   * rough seconds of training per environment step with `agents` agents at the given
   * hyperparameters, measured on the 2-core development machine (docs/reproduce.md); sizes
   * sweeps and orders their cells
   */
  secondsPerStep(agents: number, hyperparameters: Record<string, unknown>): number;
  load(): Promise<AlgorithmModule>;
}

const entries = new Map<string, AlgorithmEntry>();

/** Adds (or replaces) an algorithm; the built-in ones are registered below. */
export function registerAlgorithm(entry: AlgorithmEntry): void {
  entries.set(entry.name, entry);
}

/** Removes an algorithm (tests that registered a fake one). */
export function unregisterAlgorithm(name: string): void {
  entries.delete(name);
}

/** Every algorithm's name, in registration order (the proposed method first). */
export function algorithmNames(): string[] {
  return [...entries.keys()];
}

/** The paper's baselines among them. */
export function benchmarkNames(): string[] {
  return [...entries.values()].filter((e) => e.benchmark).map((e) => e.name);
}

export function isAlgorithm(name: string): boolean {
  return entries.has(name);
}

export function allAlgorithms(): AlgorithmEntry[] {
  return [...entries.values()];
}

/** The entry of `name`, or an Error listing the available names. */
export function algorithmEntry(name: string): AlgorithmEntry {
  const entry = entries.get(name);
  if (!entry) throw new UnknownAlgorithmError(name);
  return entry;
}

export class UnknownAlgorithmError extends UserError {
  override name = userErrorName('UnknownAlgorithmError');
  constructor(algo: string) {
    super(`unknown algorithm '${algo}' (available: ${algorithmNames().join(', ')})`);
  }
}

/** The module of `name` (schema and factory), loaded on first use. */
export async function loadAlgorithm(name: string): Promise<AlgorithmModule> {
  return algorithmEntry(name).load();
}

const denoisingSteps = (hp: Record<string, unknown>) => Number(hp.denoisingSteps ?? 7);

// The algorithms' training costs: s per slot = a + b N, least-squares fits (scripts/fit-catalog.py)
// to `npm run bench -- train-loop` (N = 5, 20, 30, an update every slot, measured after 10
// warm-up episodes as long runs run, one run alone on a 2-core machine; docs/performance.md):
// DMADRL's and MADDPG-RA's to the fourth session's run F (2026-12-01), the others' to the third
// session's run (their code has not changed since). DMADRL's has a per-agent term in its K + 1
// network passes (also fitted to K = 1, 3, 12 at N = 20). Times the paper-scale factor: five
// paper-profile cells (1,000 episodes, on reproduce's worker pool, two at a time:
// scripts/paper-cells.ts) took 1.18x what the third session's fits gave them. Checked against
// eight other paper-scale cells (fourth session): the estimate is 1.065x their measured time.
const TWO_RUNS_AT_ONCE = 1.18;

registerAlgorithm({
  name: 'dmadrl',
  label: 'DMADRL',
  description: 'diffusion actors (DDPM reverse process) with centralized critics (the paper)',
  kind: 'off-policy',
  benchmark: false,
  color: '#D55E00', // vermillion
  secondsPerStep: (n, hp) => TWO_RUNS_AT_ONCE * (0.000564 + 0.000158 * n + 0.000046 * n * (denoisingSteps(hp) + 1)),
  load: async () => (await import('./dmadrl.ts')).algorithm,
});
registerAlgorithm({
  name: 'maddpg-ra',
  label: 'MADDPG-RA',
  description: 'MADDPG with attention critics over the other agents (MAAC-style), Gumbel-softmax offloading',
  kind: 'off-policy',
  benchmark: true,
  color: '#0072B2', // blue
  secondsPerStep: (n) => TWO_RUNS_AT_ONCE * (0.00163 + 0.000364 * n),
  load: async () => (await import('./maddpgRa.ts')).algorithm,
});
registerAlgorithm({
  name: 'mappo',
  label: 'MAPPO',
  description: 'MAPPO: shared PPO actor with agent ids, centralized value function, GAE, clipping, parallel rollouts',
  kind: 'on-policy',
  benchmark: true,
  color: '#009E73', // bluish green
  secondsPerStep: (n) => TWO_RUNS_AT_ONCE * (0.000038 + 0.0000118 * n),
  load: async () => (await import('./mappo.ts')).algorithm,
});
registerAlgorithm({
  name: 'sac',
  label: 'SAC',
  description: 'independent discrete-continuous SAC per vehicle with twin critics and automatic entropy tuning',
  kind: 'off-policy',
  benchmark: true,
  color: '#CC79A7', // reddish purple
  secondsPerStep: (n) => TWO_RUNS_AT_ONCE * (0.00136 + 0.000148 * n),
  load: async () => (await import('./sac.ts')).algorithm,
});
registerAlgorithm({
  name: 'ddpg',
  label: 'DDPG',
  description: 'independent DDPG per vehicle, Gaussian exploration, Gumbel-softmax offloading',
  kind: 'off-policy',
  benchmark: true,
  color: '#E69F00', // orange
  secondsPerStep: (n) => TWO_RUNS_AT_ONCE * (0.00094 + 0.0000781 * n),
  load: async () => (await import('./ddpg.ts')).algorithm,
});
