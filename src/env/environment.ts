// The environment interface every learner, the training harness and evaluation use: PettingZoo's
// parallel API, batched. All agents act at once; observations, actions and rewards travel as flat
// typed arrays laid out agent by agent, so a step allocates nothing it does not have to.
//
//   const observations = env.reset(seed);            // [agents * observation.size]
//   const step = env.step(actions);                   // actions: [agents * actionWidth(action)]
//   step.observations, step.rewards, step.terminations, step.truncations
//
// An environment knows nothing of learning. Its spaces are declared up front (`spec`), and
// learners size their networks from them, never from constants of one environment.

/** A box of observations: `size` features per agent, each within [low, high] (informative bounds). */
export interface ObservationSpace {
  size: number;
  /** per-feature lower and upper bounds (length `size`); +-Infinity where unbounded */
  low: readonly number[];
  high: readonly number[];
  /** feature names, in order (documentation and diagnostics) */
  names?: readonly string[];
}

/**
 * A hybrid action per agent: categorical components, then continuous components.
 * The raw action of one agent is laid out as
 *   [scores of discrete component 0 (discrete[0] numbers), ..., continuous values (continuous numbers)]
 * A discrete component is chosen as the argmax of its scores (a learner may send logits or a
 * one-hot); every continuous value lies in [-1, 1] and the environment maps it onto its physical
 * range (values outside are clipped).
 */
export interface ActionSpace {
  /** number of choices of each categorical component, in order (empty: no discrete part) */
  discrete: readonly number[];
  /** number of continuous components, each in [-1, 1] */
  continuous: number;
  /** component names: discrete components first, then continuous ones */
  names?: readonly string[];
}

export interface EnvSpec {
  /** a short identifier, e.g. 'svec' or 'pendulum' */
  id: string;
  /** number of agents, fixed for the environment's life */
  agents: number;
  observation: ObservationSpace;
  action: ActionSpace;
  /** steps after which an episode is truncated */
  maxEpisodeSteps: number;
  /**
   * names of the per-episode statistics `episodeMetrics()` returns, in a fixed order (the columns
   * of a run's metrics files after the harness's own)
   */
  metrics: readonly string[];
}

export interface StepResult {
  /** next observations [agents * observation.size]; at an episode's end, its final observations */
  observations: Float32Array;
  /** rewards [agents] that learners learn from (double precision: the replay memory rounds them) */
  rewards: Float64Array;
  /** 1 where the agent reached a terminal state: nothing to bootstrap beyond it [agents] */
  terminations: Uint8Array;
  /** 1 where the agent's episode was cut by a time limit: its value continues [agents] */
  truncations: Uint8Array;
}

export interface MultiAgentEnv {
  readonly spec: EnvSpec;
  /** Starts an episode whose random draws depend only on `seed`; returns the first observations. */
  reset(seed: number): Float32Array;
  /** Applies every agent's raw action; an episode is over when every agent terminated or was truncated. */
  step(actions: Float32Array): StepResult;
  /** The statistics of the episode since the last reset (names and order of spec.metrics). */
  episodeMetrics(): Record<string, number>;
  /** Releases what the environment holds (processes, files); it is not used afterwards. */
  close(): void;
}

/** Builds a fresh environment; the harness calls it once per environment it needs. */
export type EnvFactory = () => MultiAgentEnv;

/** Numbers in one agent's raw action: every discrete component's scores plus the continuous values. */
export function actionWidth(action: ActionSpace): number {
  return action.discrete.reduce((a, b) => a + b, 0) + action.continuous;
}

/** Whether an episode is over after this step (every agent terminated or truncated). */
export function episodeOver(step: StepResult): boolean {
  for (let i = 0; i < step.terminations.length; i++) if (step.terminations[i] === 0 && step.truncations[i] === 0) return false;
  return true;
}

/**
 * Checks that an object implements the interface and declares consistent spaces (for environments
 * users bring with `--env-module`); throws an Error naming the first problem.
 */
export function checkEnvironment(env: unknown, where = 'environment'): asserts env is MultiAgentEnv {
  const e = env as Partial<MultiAgentEnv> | null;
  if (!e || typeof e !== 'object') throw new Error(`${where}: expected an object, got ${e === null ? 'null' : typeof e}`);
  for (const method of ['reset', 'step', 'episodeMetrics', 'close'] as const) {
    if (typeof e[method] !== 'function') throw new Error(`${where}: missing method ${method}()`);
  }
  const spec = e.spec;
  if (!spec || typeof spec !== 'object') throw new Error(`${where}: missing spec`);
  const positiveInt = (value: unknown, name: string, min = 1) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new Error(`${where}: spec.${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  };
  if (typeof spec.id !== 'string' || spec.id.length === 0) throw new Error(`${where}: spec.id must be a non-empty string`);
  positiveInt(spec.agents, 'agents');
  positiveInt(spec.maxEpisodeSteps, 'maxEpisodeSteps');
  if (!spec.observation) throw new Error(`${where}: missing spec.observation`);
  positiveInt(spec.observation.size, 'observation.size');
  for (const bound of ['low', 'high'] as const) {
    const values = spec.observation[bound];
    if (!Array.isArray(values) || values.length !== spec.observation.size || values.some((v) => typeof v !== 'number' || Number.isNaN(v))) {
      throw new Error(`${where}: spec.observation.${bound} must hold ${spec.observation.size} numbers`);
    }
  }
  if (!spec.action) throw new Error(`${where}: missing spec.action`);
  if (!Array.isArray(spec.action.discrete)) throw new Error(`${where}: spec.action.discrete must be an array of choice counts (empty for none)`);
  spec.action.discrete.forEach((n, k) => positiveInt(n, `action.discrete[${k}]`, 2));
  positiveInt(spec.action.continuous, 'action.continuous', 0);
  if (actionWidth(spec.action) === 0) throw new Error(`${where}: spec.action declares no component`);
  if (!Array.isArray(spec.metrics) || spec.metrics.some((m) => typeof m !== 'string')) throw new Error(`${where}: spec.metrics must be an array of names`);
}
