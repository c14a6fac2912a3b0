// One cell of a sweep, run inside a worker thread: train (or resume) the run when the algorithm
// learns, then evaluate the result greedily on held-out seeds; or, for a built-in policy, just
// evaluate it. The cell's result.json is written last and atomically, so its presence means the
// cell is finished; an interrupted cell leaves a run directory that the next try resumes from
// its newest checkpoint.
//   OUT/cells/KEY/run/          the training run (config.json, metrics, checkpoints)
//   OUT/cells/KEY/result.json   learning curve, held-out evaluation and fidelity figures
import type { MessagePort } from 'node:worker_threads';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioSchema, type Scenario } from '../config/scenario.ts';
import type { SvecEnv } from '../env/svec.ts';
import { createBuiltinPolicy } from '../policies/registry.ts';
import { RandomStreams } from '../random/stream.ts';
import type { SvecCore } from '../sim/core.ts';
import { loadFidelityModel, type FidelityModel } from '../sim/fidelity.ts';
import { MODALITIES, type Modality, type ModalityName } from '../sim/modality.ts';
import type { SlotActions } from '../sim/slotModel.ts';
import { readMetrics } from '../train/metrics.ts';
import { writeFileAtomic } from '../util/io.ts';
import { lockFolder } from '../util/lock.ts';
import { codeVersion } from '../util/version.ts';
import type { Cell } from './definitions.ts';
import { loadTrainedLearner } from './evaluate.ts';
import { simulateLearner, simulatePolicy, type PolicySummary } from './simulate.ts';
import { runTrainingTask } from './trainTask.ts';

/** Metrics kept per training episode in a cell's result (the curves of Fig. 4, 8 and 11). */
export const CURVE_METRICS = ['teamReward', 'latencyMs', 'energyMJ', 'cost', 'queue', 'fidelity', 'utility'] as const;
export type CurveMetric = (typeof CURVE_METRICS)[number];

/** Semantic-fidelity figures of an evaluation (Fig. 9 and 10), over the offloaded tasks. */
export interface FidelityFigures {
  /** offloaded tasks they average over */
  tasks: number;
  /** mean receive SNR (dB) of the offloaded tasks */
  meanSnrDb: number;
  /** mean lambda the policy chose */
  meanLambda: number;
  /** fidelity with the lambda the policy chose (the adaptive scheme) */
  adaptive: number;
  /**
   * the conventional scheme: the same codec at one fixed lambda for every task (not adapted to the
   * task or the channel), the fixed value being the policy's mean lambda (over the same tasks)
   * rounded to 0.05, so both send about the same mean amount of data
   */
  conventionalLambda: number;
  conventional: number;
  /** error-free transmission of what the policy chose: fidelity with no channel noise */
  errorFree: number;
}

export interface CellResult {
  key: string;
  algo: string;
  seed: number;
  episodes: number;
  /** scenario fields that differ from the default, and the resolved scenario */
  overrides: Record<string, unknown>;
  scenario: Scenario;
  hyperparameters: Record<string, unknown>;
  uses: Cell['uses'];
  /** per training episode (learning cells) */
  curve?: Record<CurveMetric, number[]>;
  /** held-out evaluation, per-episode statistics averaged over the episodes */
  evaluation: Omit<PolicySummary, 'episodeRewards'> & { episodeRewards: number[] };
  fidelity?: FidelityFigures & { perModality: Record<ModalityName, FidelityFigures> };
  evalSeed: number;
  evalEpisodes: number;
  wallSeconds: number;
  codeVersion: string;
  fidelityProvenance: Record<string, unknown>;
  finishedAt: string;
}

export interface CellTask {
  cell: Cell;
  /** the cell's scenario resolved against the base scenario */
  scenario: Scenario;
  /** resolved hyperparameters (learning cells) */
  hyperparameters: Record<string, unknown>;
  cellDir: string;
  evalEpisodes: number;
  evalSeed: number;
  port?: MessagePort;
}

export interface CellProgressMessage {
  key: string;
  /** training episodes done so far (learning cells), or the cell's episodes when it finished */
  episode: number;
  done: boolean;
}

export function resultPath(cellDir: string): string {
  return join(cellDir, 'result.json');
}

export function readCellResult(cellDir: string): CellResult | undefined {
  const path = resultPath(cellDir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8'), (_k, v: unknown) => (v === null ? Number.NaN : v)) as CellResult;
}

/** Runs one cell to its result.json (a finished cell is not run again). */
export async function runCell(task: CellTask): Promise<CellResult> {
  const existing = readCellResult(task.cellDir);
  if (existing) return finished(task, existing);
  // One writer per cell, whatever runs it (two sweeps, two queue workers): the second one fails by name.
  const release = await lockFolder(task.cellDir, `svec cell ${task.cell.key}`);
  try {
    // finished by another process while we waited for nothing: nothing to do
    const done = readCellResult(task.cellDir);
    return finished(task, done ?? (await computeCell(task)));
  } finally {
    await release();
  }
}

function finished(task: CellTask, result: CellResult): CellResult {
  task.port?.postMessage({ key: task.cell.key, episode: task.cell.episodes, done: true } satisfies CellProgressMessage);
  task.port?.close();
  return result;
}

/** Trains (or resumes) and evaluates the cell; writes result.json last. */
async function computeCell(task: CellTask): Promise<CellResult> {
  const started = performance.now();
  const { cell, scenario } = task;
  mkdirSync(task.cellDir, { recursive: true });
  const fidelityModel = loadFidelityModel(scenario.fidelityTable);
  let curve: CellResult['curve'];
  let summary: PolicySummary;
  const recorder = new FidelityRecorder(scenario, fidelityModel);
  if (cell.learning) {
    // 1. Train (or resume) the run; progress goes to the main thread once per episode.
    const runDir = join(task.cellDir, 'run');
    await runTrainingTask({
      algo: cell.algo,
      scenario,
      hyperparameters: task.hyperparameters,
      seed: cell.seed,
      episodes: cell.episodes,
      runDir,
      onEpisode: (episode) => task.port?.postMessage({ key: cell.key, episode, done: false } satisfies CellProgressMessage),
    });
    const rows = readMetrics(runDir);
    curve = Object.fromEntries(CURVE_METRICS.map((m) => [m, rows.map((r) => r[m] ?? Number.NaN)])) as Record<CurveMetric, number[]>;
    // 2. Greedy evaluation on the held-out seeds; acting noise from the evaluation seed's streams.
    const { learner } = await loadTrainedLearner(runDir, new RandomStreams(task.evalSeed));
    try {
      summary = simulateLearner(scenario, cell.algo, learner, {
        episodes: task.evalEpisodes,
        seed: task.evalSeed,
        fidelity: fidelityModel,
        onEnvironment: (env) => recorder.attach(env),
      });
    } finally {
      learner.dispose();
    }
  } else {
    // A built-in policy on the same held-out seeds; Greedy first builds its history over the
    // same budget of episodes the learners train for, on the cell's own seed.
    summary = simulatePolicy(scenario, (core, streams) => createBuiltinPolicy(cell.algo, streams.get('policy'), core), {
      episodes: task.evalEpisodes,
      seed: task.evalSeed,
      policySeed: cell.seed,
      fidelity: fidelityModel,
      warmupEpisodes: cell.episodes,
      warmupSeed: cell.seed,
      onEnvironment: (env) => recorder.attach(env),
    });
    summary = { ...summary, policy: cell.algo };
  }
  const result: CellResult = {
    key: cell.key,
    algo: cell.algo,
    seed: cell.seed,
    episodes: cell.episodes,
    overrides: cell.scenario,
    scenario,
    hyperparameters: task.hyperparameters,
    uses: cell.uses,
    curve,
    evaluation: summary,
    fidelity: scenario.mode === 'semantic' ? recorder.figures() : undefined,
    evalSeed: task.evalSeed,
    evalEpisodes: task.evalEpisodes,
    wallSeconds: (performance.now() - started) / 1000,
    codeVersion: codeVersion(),
    fidelityProvenance: fidelityModel.provenance,
    finishedAt: new Date().toISOString(),
  };
  // NaN is not JSON: written as null, read back as NaN
  writeFileAtomic(resultPath(task.cellDir), `${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  return result;
}

/**
 * Notes, for every task a policy offloads, the modality, the lambda and the receive SNR (the
 * same clamping as the slot model), from which the fidelity of the adaptive, the conventional
 * and the error-free scheme follow with the same fidelity model.
 */
export class FidelityRecorder {
  private readonly modality: number[] = [];
  private readonly lambda: number[] = [];
  private readonly snrDb: number[] = [];

  constructor(
    private readonly scenario: Scenario,
    private readonly model: FidelityModel,
  ) {}

  /** Records every slot the environment evaluates from now on. */
  attach(env: SvecEnv): void {
    const s = this.scenario;
    env.onSlot((core: SvecCore, out: SlotActions) => {
      for (let i = 0; i < core.n; i++) {
        if (out.rho[i] !== 1) continue;
        const p = Math.min(Math.max(out.p[i]!, s.powerW.min), s.powerW.max);
        this.modality.push(core.vehicles.modality[i]!);
        this.lambda.push(Math.min(Math.max(out.lambda[i]!, s.lambda.min), s.lambda.max));
        this.snrDb.push(core.snrDbAt(i, p));
      }
    });
  }

  /** Figures over all offloaded tasks, and per modality (Fig. 9 and 10 are drawn per modality). */
  figures(): FidelityFigures & { perModality: Record<ModalityName, FidelityFigures> } {
    const all = this.figuresOf(() => true);
    const perModality = Object.fromEntries(MODALITIES.map((name, m) => [name, this.figuresOf((k) => this.modality[k] === m)])) as Record<ModalityName, FidelityFigures>;
    return { ...all, perModality };
  }

  private figuresOf(include: (k: number) => boolean): FidelityFigures {
    const selected = this.lambda.map((_, k) => k).filter(include);
    const n = selected.length;
    const meanOf = (f: (k: number) => number) => (n > 0 ? selected.reduce((a, k) => a + f(k), 0) / n : Number.NaN);
    const meanLambda = meanOf((k) => this.lambda[k]!);
    const s = this.scenario;
    const conventionalLambda = n > 0 ? Math.min(Math.max(Math.round(meanLambda * 20) / 20, s.lambda.min), s.lambda.max) : Number.NaN;
    const fid = (k: number, lambda: number, snr: number) => this.model.fidelity(this.modality[k]! as Modality, lambda, snr);
    return {
      tasks: n,
      meanSnrDb: meanOf((k) => this.snrDb[k]!),
      meanLambda,
      adaptive: meanOf((k) => fid(k, this.lambda[k]!, this.snrDb[k]!)),
      conventionalLambda,
      conventional: meanOf((k) => fid(k, conventionalLambda, this.snrDb[k]!)),
      // no channel noise: the table at its highest SNR (bilinear lookup clamps to the grid's edge)
      errorFree: meanOf((k) => this.model.errorFree?.(this.modality[k]! as Modality, this.lambda[k]!) ?? fid(k, this.lambda[k]!, Number.POSITIVE_INFINITY)),
    };
  }
}

/** Parses a cell's scenario against a base scenario (a cell's overrides replace base fields). */
export function cellScenario(base: Scenario, cell: Cell): Scenario {
  return ScenarioSchema.parse({ ...base, ...cell.scenario });
}
