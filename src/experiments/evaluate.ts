// Greedy evaluation of a trained run on held-out seeds, beside the built-in policies on the
// same seeds (paired comparison: same vehicles, tasks and channels for every row).
import { algorithmSpec } from '../agents/registry.ts';
import { initNeuralBackend } from '../nn/backend.ts';
import type { Policy } from '../policies/policy.ts';
import { RandomStreams } from '../random/stream.ts';
import type { SvecCore } from '../sim/core.ts';
import { loadFidelityModel } from '../sim/fidelity.ts';
import { decodeRawActions, observationDim, writeObservations } from '../sim/observation.ts';
import type { SlotActions } from '../sim/slotModel.ts';
import { latestCheckpoint, loadCheckpoint } from '../train/checkpoint.ts';
import type { Learner } from '../train/offPolicy.ts';
import { readRunConfig } from '../train/run.ts';
import { simulateBuiltin, simulatePolicy, type PolicySummary } from './simulate.ts';

/** A learner acting greedily on observations, as a Policy. */
export function learnerPolicy(name: string, learner: Learner, core: SvecCore): Policy {
  const kind = core.scenario.observation;
  const obs = new Float32Array(core.n * observationDim(kind));
  return {
    name,
    label: `${name} (greedy)`,
    act(c: SvecCore, out: SlotActions) {
      writeObservations(c, kind, obs);
      decodeRawActions(learner.act(obs, false), c.scenario, c.n, out);
    },
  };
}

/** Loads a run's newest checkpoint into a fresh learner drawing its acting noise from `streams`. */
export async function loadTrainedLearner(runDir: string, streams: RandomStreams): Promise<{ learner: Learner; episode: number; algo: string }> {
  await initNeuralBackend();
  const config = readRunConfig(runDir);
  const dir = latestCheckpoint(runDir);
  if (!dir) throw new Error(`${runDir} has no checkpoint yet`);
  const learner = algorithmSpec(config.algo).createLearner(config.hyperparameters, config.scenario.vehicles, observationDim(config.scenario.observation), streams);
  const loaded = await loadCheckpoint(dir, learner.variables, learner.optimizers);
  learner.weightsChanged();
  return { learner, episode: loaded.episode, algo: config.algo };
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
  // The learner's acting noise comes from its own streams of the evaluation seed.
  const { learner, episode } = await loadTrainedLearner(runDir, new RandomStreams(options.seed));
  try {
    const rows: PolicySummary[] = [
      simulatePolicy(config.scenario, (core) => learnerPolicy(config.algo, learner, core), { episodes: options.episodes, seed: options.seed, fidelity }),
    ];
    for (const spec of options.builtins) rows.push(simulateBuiltin(config.scenario, spec, { episodes: options.episodes, seed: options.seed, fidelity }));
    return { algo: config.algo, trainedEpisodes: episode, seed: options.seed, rows };
  } finally {
    learner.dispose();
  }
}
