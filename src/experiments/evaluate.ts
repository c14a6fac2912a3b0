// Greedy evaluation of a trained run on held-out seeds, beside the built-in policies on the
// same seeds (paired comparison: same vehicles, tasks and channels for every row).
import { loadAlgorithm } from '../agents/catalog.ts';
import type { AnyLearner } from '../agents/contract.ts';
import { initNeuralBackend } from '../nn/backend.ts';
import { createBuiltinPolicy } from '../policies/registry.ts';
import { RandomStreams } from '../random/stream.ts';
import { SvecEnv } from '../env/svec.ts';
import { loadFidelityModel } from '../sim/fidelity.ts';
import { UserError, userErrorName } from '../util/errors.ts';
import { latestCheckpoint, loadCheckpoint } from '../train/checkpoint.ts';
import { readRunConfig } from '../train/run.ts';
import { simulateBuiltin, simulateLearner, type PolicySummary } from './simulate.ts';

export class EvaluationError extends UserError {
  override name = userErrorName('EvaluationError');
}

/** Loads a run's newest checkpoint into a fresh learner drawing its acting noise from `streams`. */
export async function loadTrainedLearner(runDir: string, streams: RandomStreams): Promise<{ learner: AnyLearner; episode: number; algo: string }> {
  const config = readRunConfig(runDir);
  const dir = latestCheckpoint(runDir);
  if (!dir) throw new EvaluationError(`${runDir} has no checkpoint yet (nothing trained to evaluate)`);
  await initNeuralBackend();
  const algorithm = await loadAlgorithm(config.algo);
  const { spec } = new SvecEnv(config.scenario, { fidelity: loadFidelityModel(config.scenario.fidelityTable) });
  const learner = algorithm.create(config.hyperparameters, { agents: spec.agents, observationSize: spec.observation.size, action: spec.action }, streams);
  try {
    const loaded = await loadCheckpoint(dir, learner.variables, learner.optimizers);
    learner.weightsChanged();
    return { learner, episode: loaded.episode, algo: config.algo };
  } catch (err) {
    learner.dispose();
    throw err;
  }
}

export interface EvaluationResult {
  algo: string;
  trainedEpisodes: number;
  seed: number;
  rows: PolicySummary[];
}

export async function evaluateRun(runDir: string, options: { episodes: number; seed: number; builtins: string[] }): Promise<EvaluationResult> {
  const config = readRunConfig(runDir);
  const fidelity = loadFidelityModel(config.scenario.fidelityTable);
  // Check every built-in policy name before anything runs.
  const probe = new SvecEnv(config.scenario, { fidelity });
  for (const spec of options.builtins) {
    try {
      createBuiltinPolicy(spec, new RandomStreams(0).get('policy'), probe.core);
    } catch (err) {
      throw new EvaluationError(`--policies: ${(err as Error).message}`);
    }
  }
  // The learner's acting noise comes from its own streams of the evaluation seed.
  const { learner, episode } = await loadTrainedLearner(runDir, new RandomStreams(options.seed));
  try {
    const rows: PolicySummary[] = [simulateLearner(config.scenario, config.algo, learner, { episodes: options.episodes, seed: options.seed, fidelity })];
    for (const spec of options.builtins) rows.push(simulateBuiltin(config.scenario, spec, { episodes: options.episodes, seed: options.seed, fidelity }));
    return { algo: config.algo, trainedEpisodes: episode, seed: options.seed, rows };
  } finally {
    learner.dispose();
  }
}

/** The gap of a learned policy to the per-slot oracle, as a share of the oracle's team reward. */
export function oracleGap(rows: readonly PolicySummary[], learned: PolicySummary): number | undefined {
  const oracle = rows.find((r) => r.policy === 'oracle');
  return oracle ? (oracle.teamReward - learned.teamReward) / Math.abs(oracle.teamReward) : undefined;
}
