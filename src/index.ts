// The public API of the svec package (`import { ... } from 'svec'`). Everything here is
// re-exported from the module that implements it; deeper modules are internal and may change.
//
//   const scenario = loadScenario({ overrides: ['vehicles=5'] });
//   const env = new SvecParallelEnv(scenario);          // PettingZoo-style dictionaries
//   const batched = new SvecEnv(scenario);              // the MultiAgentEnv learners use
//   const metrics = await train({ algo: 'dmadrl', scenario, hyperparameters: {}, seed: 1, episodes: 5, runDir: 'runs/x' });
//
// Importing the package loads TensorFlow.js (the harness and the learners need it); the
// environment alone does not, but sits behind the same entry for simplicity.

// Scenarios: the zod schema (single source of truth), defaults, files and `key=value` overrides.
export { ConfigError, loadConfig, loadScenario, type LoadOptions } from './config/load.ts';
export { defaultScenario, ScenarioSchema, type Scenario, type ScenarioInput } from './config/scenario.ts';

// Environments: the interface, the SVEC simulator on it, and its per-agent dictionary form.
export {
  actionWidth,
  checkEnvironment,
  episodeOver,
  type ActionSpace,
  type EnvFactory,
  type EnvSpec,
  type MultiAgentEnv,
  type ObservationSpace,
  type StepResult,
} from './env/environment.ts';
export { SvecEnv, type SlotListener } from './env/svec.ts';
export { SvecParallelEnv, type AgentAction, type AgentInfo, type AgentResetInfo, type PerAgent } from './sim/parallelEnv.ts';
export { SvecCore } from './sim/core.ts';
export { FidelityTable, loadFidelityModel, provisionalFidelityTable, type FidelityModel, type FidelityProvenance } from './sim/fidelity.ts';
export { EPISODE_STAT_NAMES, type EpisodeStats } from './sim/episodeStats.ts';

// The one-slot evaluator (`svec model step`).
export { evaluateSlotCase, parseSlotCases, SlotCaseError, SlotCaseSchema, type SlotCase, type SlotCaseOutput } from './sim/slotCase.ts';

// Built-in policies under the simulator (`svec simulate`).
export { BUILTIN_POLICY_NAMES, DEFAULT_COMPARISON } from './policies/registry.ts';
export { formatSummaryTable, simulateBuiltin, simulateBuiltins, type PolicySummary, type SimulateOptions } from './experiments/simulate.ts';

// Learning algorithms: the registry and the learner contracts.
export {
  algorithmEntry,
  algorithmNames,
  allAlgorithms,
  benchmarkNames,
  isAlgorithm,
  loadAlgorithm,
  registerAlgorithm,
  unregisterAlgorithm,
  UnknownAlgorithmError,
  type AlgorithmEntry,
  type AlgorithmModule,
} from './agents/catalog.ts';
export type { AnyLearner, Learner, LearnerSpaces, OffPolicyLearner, OnPolicyLearner } from './agents/contract.ts';

// Training: the harness over any MultiAgentEnv, and run directories on the SVEC simulator.
export { runHarness, type HarnessOptions, type Throughput } from './train/harness.ts';
export { readRunConfig, resume, svecEnvironment, train, type RunConfig, type TrainOptions } from './train/run.ts';
export type { EpisodeMetrics } from './train/metrics.ts';
export { initNeuralBackend, type NeuralBackendInfo, type NeuralBackendOptions } from './nn/backend.ts';
export { deriveSeed, RandomStream, RandomStreams, type StreamName } from './random/stream.ts';

// Errors a user can fix (bad input), and the version.
export { isUserError, UserError } from './util/errors.ts';
export { SVEC_VERSION } from './util/version.ts';
