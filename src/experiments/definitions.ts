// The experiments of the paper's Section VI as small declarative definitions (one per figure),
// and their resolution into cells: one training run (or built-in evaluation) per
// algorithm x scenario variant x sweep value x seed. Cells are identified by what they compute,
// so figures that need the same runs (Fig. 5, 6 and 7 share one sweep over N) share cells.
//
// The sweep runner is experiments/reproduce.ts; figures and the report, experiments/figures.ts
// and experiments/report.ts. Copy a definition, edit it, and `svec reproduce --only` runs it.
import { createHash } from 'node:crypto';
import { algorithmNames } from '../agents/catalog.ts';
import { MOBILITY_DEFAULTS } from '../config/scenario.ts';

export type ExperimentId = 'fig4' | 'fig5' | 'fig6' | 'fig7' | 'fig8' | 'fig9' | 'fig10' | 'fig11' | 'oracle-gap' | 'lyapunov-v' | 'mobility';

/** A variant of the scenario (e.g. semantic vs non-semantic communication). */
export interface ScenarioVariant {
  label: string;
  /** scenario fields that differ from the default, in `--set` form */
  overrides: Record<string, unknown>;
}

export interface ExperimentDefinition {
  id: ExperimentId;
  /** the figure's title */
  title: string;
  /** learning algorithms and built-in policies drawn in the figure; LEARNERS stands for every registered learning algorithm */
  algorithms: string[];
  variants: ScenarioVariant[];
  /** the number of vehicles of every cell, whatever the profile says (absent: the profile's) */
  vehicles?: number;
  /** a scenario field swept along the x axis (absent: per-episode curves) */
  sweep?: { field: string; label: string; unit?: string; values: number[] };
  /** hyperparameter field swept instead (Fig. 11: denoising steps of DMADRL) */
  hyperparameterSweep?: { algo: string; field: string; label: string; values: number[] };
  /** the quantity on the y axis: a per-episode metric */
  metric: 'teamReward' | 'latencyMs' | 'cost' | 'queue' | 'fidelity';
  /** 'curve': the metric per training episode; 'final': held-out evaluation after training */
  kind: 'curve' | 'final';
}

/** Every learning algorithm of the registry (agents/catalog.ts), expanded when cells are resolved. */
export const LEARNERS = '@learners';
const LEARNING = [LEARNERS];
const SEMANTIC: ScenarioVariant = { label: 'semantic', overrides: {} };
const NON_SEMANTIC: ScenarioVariant = { label: 'non-semantic', overrides: { mode: 'non-semantic' } };
/** The committed SUMO traces (traces/, docs/mobility.md), each a variant beside the straight road. */
const traceVariant = (label: string, trace: string): ScenarioVariant => ({ label, overrides: { mobility: { ...MOBILITY_DEFAULTS, model: 'trace', trace } } });
const ROAD: ScenarioVariant = { label: 'road', overrides: {} };
const VEHICLES = { field: 'vehicles', label: 'Number of vehicles', values: [5, 10, 15, 20, 25, 30] };

export const EXPERIMENTS: Record<ExperimentId, ExperimentDefinition> = {
  fig4: { id: 'fig4', title: 'Reward per episode while training', algorithms: LEARNING, variants: [SEMANTIC, NON_SEMANTIC], metric: 'teamReward', kind: 'curve' },
  fig5: {
    id: 'fig5',
    title: 'Average team reward versus the number of vehicles',
    algorithms: [...LEARNING, 'greedy'],
    variants: [SEMANTIC, NON_SEMANTIC],
    sweep: VEHICLES,
    metric: 'teamReward',
    kind: 'final',
  },
  fig6: {
    id: 'fig6',
    title: 'Average latency versus the number of vehicles',
    algorithms: [...LEARNING, 'greedy'],
    variants: [SEMANTIC],
    sweep: { ...VEHICLES },
    metric: 'latencyMs',
    kind: 'final',
  },
  fig7: {
    id: 'fig7',
    title: 'Average cost (latency + 10 x energy) versus the number of vehicles',
    algorithms: [...LEARNING, 'greedy'],
    variants: [SEMANTIC],
    sweep: { ...VEHICLES },
    metric: 'cost',
    kind: 'final',
  },
  fig8: { id: 'fig8', title: 'Average Lyapunov queue length per episode', algorithms: LEARNING, variants: [SEMANTIC], metric: 'queue', kind: 'curve' },
  fig9: {
    id: 'fig9',
    title: 'Semantic fidelity versus SNR',
    algorithms: ['dmadrl'],
    variants: [SEMANTIC],
    sweep: { field: 'noisePowerW', label: 'Noise power', unit: 'W', values: [8e-13, 8e-14, 8e-15, 8e-16] },
    metric: 'fidelity',
    kind: 'final',
  },
  fig10: {
    id: 'fig10',
    title: 'Semantic fidelity versus the maximum bandwidth',
    algorithms: ['dmadrl'],
    variants: [SEMANTIC],
    sweep: { field: 'bandwidthHz', label: 'Maximum bandwidth', unit: 'Hz', values: [10e6, 20e6, 30e6, 40e6, 50e6] },
    metric: 'fidelity',
    kind: 'final',
  },
  fig11: {
    id: 'fig11',
    title: 'DMADRL reward per episode for several denoising steps K',
    algorithms: ['dmadrl'],
    variants: [SEMANTIC],
    hyperparameterSweep: { algo: 'dmadrl', field: 'denoisingSteps', label: 'K', values: [1, 3, 5, 7, 9, 12] },
    metric: 'teamReward',
    kind: 'curve',
  },
  'oracle-gap': {
    id: 'oracle-gap',
    title: 'Gap of every algorithm to the per-slot oracle',
    algorithms: [...LEARNING, 'greedy', 'local-only', 'oracle'],
    variants: [SEMANTIC],
    metric: 'teamReward',
    kind: 'final',
  },
  'lyapunov-v': {
    id: 'lyapunov-v',
    title: 'Lyapunov trade-off: energy against utility over V',
    algorithms: ['dmadrl', 'oracle'],
    variants: [SEMANTIC],
    sweep: { field: 'lyapunovV', label: 'V', values: [1, 3, 10, 30, 100] },
    metric: 'teamReward',
    kind: 'final',
  },
  // beyond the paper: the comparison at N = 20 on the straight road and on each committed trace
  mobility: {
    id: 'mobility',
    title: 'Held-out team reward on the straight road and on the SUMO traces',
    algorithms: [...LEARNING, 'greedy', 'local-only', 'oracle'],
    variants: [ROAD, traceVariant('highway trace', 'traces/highway.trace.gz'), traceVariant('urban grid trace', 'traces/grid.trace.gz')],
    vehicles: 20,
    metric: 'teamReward',
    kind: 'final',
  },
};

/** How much of everything to run. */
export interface Profile {
  name: 'demo' | 'quick' | 'standard' | 'paper';
  /** one line for --help and the report */
  description: string;
  seeds: number;
  episodes: number;
  evalEpisodes: number;
  /** vehicles when the experiment does not sweep them */
  vehicles: number;
  /** keep only every k-th sweep value (quick runs), always keeping the last */
  sweepStride: number;
  /** explicit values for some swept fields (scenario or hyperparameter field name), instead of thinning */
  sweeps?: Record<string, number[]>;
  /** restrict the algorithms (demo: DMADRL beside two baselines) */
  algorithms?: string[];
  /** the experiments run when --only is not given (default: all) */
  experiments?: ExperimentId[];
  /**
   * hyperparameter overrides for every learning algorithm whose schema has the field. Short
   * profiles start learning sooner: the defaults (1000 stored transitions before the first update)
   * would leave a 15-episode run of 50-slot episodes without a single update.
   */
  hyperparameters?: Record<string, unknown>;
}

const SHORT_RUN = { learningStarts: 200, randomWarmupSlots: 100 };

export const PROFILES: Record<Profile['name'], Profile> = {
  demo: {
    name: 'demo',
    description: 'DMADRL beside DDPG and MAPPO and the built-in policies, N = 5 (3 to 8 swept), one seed, 12 episodes (about a minute on 2 cores)',
    seeds: 1,
    episodes: 12,
    evalEpisodes: 2,
    vehicles: 5,
    sweepStride: 3,
    sweeps: { vehicles: [3, 5, 8] },
    algorithms: ['dmadrl', 'ddpg', 'mappo', 'greedy', 'local-only', 'oracle'],
    experiments: ['fig4', 'fig5', 'fig6', 'fig7', 'fig8', 'oracle-gap'],
    hyperparameters: SHORT_RUN,
  },
  quick: {
    name: 'quick',
    description:
      'every figure, all algorithms, N = 5 (3 to 10 swept), 2 seeds, 12 episodes, fewer sweep values, and the mobility comparison at N = 20 (about 3 minutes on 2 cores)',
    seeds: 2,
    episodes: 12,
    evalEpisodes: 2,
    vehicles: 5,
    sweepStride: 2,
    sweeps: { vehicles: [3, 6, 10], denoisingSteps: [1, 7, 12] },
    hyperparameters: SHORT_RUN,
  },
  standard: {
    name: 'standard',
    description: 'every figure, all algorithms, N = 6 (3 to 12 swept), 3 seeds, 30 episodes, and the mobility comparison at N = 20 (about 15 minutes on 2 cores)',
    seeds: 3,
    episodes: 30,
    evalEpisodes: 3,
    vehicles: 6,
    sweepStride: 2,
    sweeps: { vehicles: [3, 6, 9, 12], noisePowerW: [8e-13, 8e-14, 8e-15, 8e-16], denoisingSteps: [1, 3, 7, 12], lyapunovV: [1, 10, 100] },
    hyperparameters: SHORT_RUN,
  },
  paper: {
    name: 'paper',
    description:
      "the paper's scale: N = 20 (5 to 30 swept), 3 seeds, 1000 episodes, every sweep value (about 13 hours on 2 cores, estimated: 11.5 for Section VI, 1.4 for the mobility comparison)",
    seeds: 3,
    episodes: 1000,
    evalEpisodes: 10,
    vehicles: 20,
    sweepStride: 1,
  },
};

/** The algorithms and policies an experiment draws, LEARNERS expanded from the registry. */
export function experimentAlgorithms(id: ExperimentId): string[] {
  const def = EXPERIMENTS[id];
  if (!def) throw new Error(`unknown experiment '${id}' (known: ${Object.keys(EXPERIMENTS).join(', ')})`);
  return def.algorithms.flatMap((a) => (a === LEARNERS ? algorithmNames() : [a]));
}

/** One unit of work. Cells with the same key are the same run, whichever figures ask for them. */
export interface Cell {
  key: string;
  algo: string;
  learning: boolean;
  seed: number;
  episodes: number;
  /** scenario fields that differ from the default */
  scenario: Record<string, unknown>;
  /** hyperparameter overrides */
  hyperparameters: Record<string, unknown>;
  /** which experiments use it, and under which labels */
  uses: { experiment: ExperimentId; variant: string; x: number | null }[];
}

function thin(values: number[], stride: number): number[] {
  if (stride <= 1) return values;
  const kept = values.filter((_, k) => k % stride === 0);
  if (kept[kept.length - 1] !== values[values.length - 1]) kept.push(values[values.length - 1]!);
  return kept;
}

function cellKey(parts: unknown): string {
  const canonical = JSON.stringify(parts, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

/** Defaults used to drop overrides that change nothing, so equal runs get equal keys. */
export interface CellDefaults {
  /** the default scenario (fields at their default are left out of a cell's overrides) */
  scenario: Record<string, unknown>;
  /** the full default hyperparameters of a learning algorithm (their keys say which fields it has) */
  hyperparameters: (algo: string) => Record<string, unknown>;
  /**
   * how the base scenario differs from the schema's defaults (e.g. another fidelity table): part of
   * every key, so cells run on another base are never mistaken for these
   */
  baseDifferences?: Record<string, unknown>;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The cells of some experiments under a profile, merged: a cell needed by several figures
 * appears once, with every use listed. `isLearning` tells learning algorithms from built-ins.
 * With `defaults`, overrides equal to a default are dropped (Fig. 11's K = 7 is Fig. 4's DMADRL
 * run) and the profile's hyperparameters are applied to the algorithms that have them.
 */
export function resolveCells(ids: ExperimentId[], profile: Profile, isLearning: (algo: string) => boolean, defaults?: CellDefaults): Cell[] {
  const cells = new Map<string, Cell>();
  for (const id of ids) {
    const def = EXPERIMENTS[id];
    if (!def) throw new Error(`unknown experiment '${id}' (known: ${Object.keys(EXPERIMENTS).join(', ')})`);
    const algorithms = experimentAlgorithms(id).filter((a) => !profile.algorithms || profile.algorithms.includes(a));
    const valuesOf = (field: string, values: number[]) => profile.sweeps?.[field] ?? thin(values, profile.sweepStride);
    const sweep = def.sweep ? valuesOf(def.sweep.field, def.sweep.values) : [null];
    const hpSweep = def.hyperparameterSweep ? valuesOf(def.hyperparameterSweep.field, def.hyperparameterSweep.values) : [null];
    for (const algo of algorithms) {
      const learning = isLearning(algo);
      // deterministic built-ins need one seed; learning algorithms and stochastic built-ins need all
      const seeds = learning || algo === 'greedy' || algo === 'random' ? profile.seeds : 1;
      const hpDefaults = learning && defaults ? defaults.hyperparameters(algo) : undefined;
      for (const variant of def.variants) {
        for (const x of sweep) {
          for (const k of hpSweep) {
            for (let s = 1; s <= seeds; s++) {
              let scenario: Record<string, unknown> = { ...variant.overrides };
              if (!def.sweep || def.sweep.field !== 'vehicles') scenario.vehicles = def.vehicles ?? profile.vehicles;
              if (def.sweep && x !== null) scenario[def.sweep.field] = x;
              let hyperparameters: Record<string, unknown> = {};
              if (hpDefaults) {
                for (const [field, value] of Object.entries(profile.hyperparameters ?? {})) if (field in hpDefaults) hyperparameters[field] = value;
              }
              if (def.hyperparameterSweep && k !== null && algo === def.hyperparameterSweep.algo) hyperparameters[def.hyperparameterSweep.field] = k;
              if (defaults) {
                scenario = Object.fromEntries(Object.entries(scenario).filter(([f, v]) => !sameValue(v, defaults.scenario[f])));
                if (hpDefaults) hyperparameters = Object.fromEntries(Object.entries(hyperparameters).filter(([f, v]) => !sameValue(v, hpDefaults[f])));
              }
              const episodes = learning || algo === 'greedy' ? profile.episodes : 0;
              const keyParts: Record<string, unknown> = { algo, seed: s, episodes, scenario, hyperparameters };
              if (defaults?.baseDifferences && Object.keys(defaults.baseDifferences).length > 0) keyParts.base = defaults.baseDifferences;
              const key = cellKey(keyParts);
              const use = { experiment: id, variant: variant.label, x: x ?? k };
              const existing = cells.get(key);
              if (existing) existing.uses.push(use);
              else cells.set(key, { key, algo, learning, seed: s, episodes, scenario, hyperparameters, uses: [use] });
            }
          }
        }
      }
    }
  }
  return [...cells.values()];
}
