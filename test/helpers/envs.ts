// Small environments for tests of the harness and the learners (none of them SVEC).
import type { EnvSpec, MultiAgentEnv, StepResult } from '../../src/env/environment.ts';
import { RandomStreams, type RandomStream } from '../../src/random/stream.ts';

/**
 * A one-step-per-episode bandit with one agent: no observation but a constant, `continuous`
 * values whose reward is -sum_c (a_c - target_c)^2, and optionally a discrete choice worth
 * choiceRewards[c]. Episodes of `steps` steps, ended by truncation.
 */
export class BanditEnv implements MultiAgentEnv {
  readonly spec: EnvSpec;
  private t = 0;
  private total = 0;
  readonly actions: Float32Array[] = [];
  private readonly result: StepResult;

  constructor(
    readonly targets: number[],
    readonly choiceRewards: number[] = [],
    readonly steps = 4,
    readonly rewardScale = 1,
  ) {
    this.spec = {
      id: 'bandit',
      agents: 1,
      maxEpisodeSteps: steps,
      metrics: ['meanReward'],
      observation: { size: 1, low: [0], high: [1] },
      action: { discrete: choiceRewards.length > 0 ? [choiceRewards.length] : [], continuous: targets.length },
    };
    this.result = { observations: Float32Array.of(1), rewards: new Float64Array(1), terminations: new Uint8Array(1), truncations: new Uint8Array(1) };
  }

  reset(): Float32Array {
    this.t = 0;
    this.total = 0;
    this.result.truncations[0] = 0;
    return this.result.observations;
  }

  step(actions: Float32Array): StepResult {
    const k = this.choiceRewards.length;
    let reward = 0;
    if (k > 0) {
      const scores = Array.from(actions.subarray(0, k));
      reward += this.choiceRewards[scores.indexOf(Math.max(...scores))]!;
    }
    this.targets.forEach((target, c) => (reward -= (actions[k + c]! - target) ** 2));
    this.actions.push(Float32Array.from(actions));
    this.result.rewards[0] = reward * this.rewardScale;
    this.total += reward;
    this.t++;
    this.result.truncations[0] = this.t >= this.steps ? 1 : 0;
    return this.result;
  }

  episodeMetrics(): Record<string, number> {
    return { meanReward: this.total / this.t };
  }

  close(): void {}
}

/**
 * Two agents each see a target t in [-1, 1] and a cue c in {0, 1, 2}; the reward is 1 for
 * choosing the cue's choice plus -(a - t)^2 for the continuous value a. Episodes of 6 steps.
 */
export class MatchingEnv implements MultiAgentEnv {
  readonly spec: EnvSpec = {
    id: 'matching',
    agents: 2,
    maxEpisodeSteps: 6,
    metrics: ['hits', 'meanSquaredError'],
    observation: { size: 4, low: [-1, 0, 0, 0], high: [1, 1, 1, 1] },
    action: { discrete: [3], continuous: 1 },
  };
  private rng: RandomStream = new RandomStreams(0).get('tasks');
  private t = 0;
  private hits = 0;
  private squared = 0;
  private readonly obs = new Float32Array(8);
  private readonly result: StepResult = { observations: this.obs, rewards: new Float64Array(2), terminations: new Uint8Array(2), truncations: new Uint8Array(2) };
  closed = false;

  private draw(): void {
    for (let i = 0; i < 2; i++) {
      this.obs[i * 4] = this.rng.uniformIn(-1, 1);
      const cue = this.rng.int(3);
      for (let c = 0; c < 3; c++) this.obs[i * 4 + 1 + c] = c === cue ? 1 : 0;
    }
  }

  reset(seed: number): Float32Array {
    this.rng = new RandomStreams(seed).get('tasks');
    this.t = 0;
    this.hits = this.squared = 0;
    this.result.truncations.fill(0);
    this.draw();
    return this.obs;
  }

  step(actions: Float32Array): StepResult {
    if (actions.length !== 8) throw new Error(`matching: expected 8 action values, got ${actions.length}`);
    for (let i = 0; i < 2; i++) {
      const scores = actions.subarray(i * 4, i * 4 + 3);
      const choice = scores.indexOf(Math.max(...scores));
      const hit = this.obs[i * 4 + 1 + choice] === 1 ? 1 : 0;
      const error = (actions[i * 4 + 3]! - this.obs[i * 4]!) ** 2;
      this.hits += hit;
      this.squared += error;
      this.result.rewards[i] = hit - error;
    }
    this.t++;
    if (this.t >= this.spec.maxEpisodeSteps) this.result.truncations.fill(1);
    this.draw();
    return this.result;
  }

  episodeMetrics(): Record<string, number> {
    return { hits: this.hits, meanSquaredError: this.squared / (2 * this.t) };
  }

  close(): void {
    this.closed = true;
  }
}
