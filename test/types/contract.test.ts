// Type tests: the compiler (`tsc --noEmit`, the first half of `npm test`) checks these lines. Each
// `@ts-expect-error` marks a line that must NOT compile; if it ever compiles, tsc fails with
// "Unused '@ts-expect-error' directive", so the contract cannot silently lose its teeth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tf from '@tensorflow/tfjs';
import type { OffPolicyLearner, OnPolicyLearner, UpdateStats } from '../../src/agents/contract.ts';
import type { ReplayBatch } from '../../src/agents/replay.ts';
import type { MultiAgentEnv } from '../../src/env/environment.ts';

/** Everything an off-policy learner needs. */
class CompleteLearner implements OffPolicyLearner {
  readonly kind = 'off-policy';
  readonly batchSize = 1;
  readonly diagnosticNames: readonly string[] = [];
  readonly variables: tf.Variable[] = [];
  readonly optimizers: tf.Optimizer[] = [];
  act(obs: Float32Array): Float32Array {
    return obs;
  }
  update(_batch: ReplayBatch): UpdateStats & { tdErrors: Float32Array } {
    return { criticLoss: 0, actorLoss: 0, meanQ: 0, tdErrors: new Float32Array(0) };
  }
  slotDiagnostics(): Record<string, number> {
    return {};
  }
  weightsChanged(): void {}
  dispose(): void {}
}

// @ts-expect-error an off-policy learner without update() does not compile
class LearnerWithoutUpdate implements OffPolicyLearner {
  readonly kind = 'off-policy';
  readonly batchSize = 1;
  readonly diagnosticNames: readonly string[] = [];
  readonly variables: tf.Variable[] = [];
  readonly optimizers: tf.Optimizer[] = [];
  act(obs: Float32Array): Float32Array {
    return obs;
  }
  slotDiagnostics(): Record<string, number> {
    return {};
  }
  weightsChanged(): void {}
  dispose(): void {}
}

// @ts-expect-error an on-policy learner needs sample(), values() and storedWidth, not update() alone
class OnPolicyWithoutSample implements OnPolicyLearner {
  readonly kind = 'on-policy';
  readonly diagnosticNames: readonly string[] = [];
  readonly variables: tf.Variable[] = [];
  readonly optimizers: tf.Optimizer[] = [];
  act(obs: Float32Array): Float32Array {
    return obs;
  }
  update(): UpdateStats & { updates: number } {
    return { criticLoss: 0, actorLoss: 0, meanQ: 0, updates: 0 };
  }
  slotDiagnostics(): Record<string, number> {
    return {};
  }
  weightsChanged(): void {}
  dispose(): void {}
}

// @ts-expect-error an environment without close() does not compile
const envWithoutClose: MultiAgentEnv = {
  spec: { id: 'x', agents: 1, observation: { size: 1, low: [0], high: [1] }, action: { discrete: [], continuous: 1 }, maxEpisodeSteps: 1, metrics: [] },
  reset: () => new Float32Array(1),
  step: () => ({ observations: new Float32Array(1), rewards: new Float64Array(1), terminations: new Uint8Array(1), truncations: new Uint8Array(1) }),
  episodeMetrics: () => ({}),
};

test('the contracts are checked by the compiler (see the @ts-expect-error lines of this file)', () => {
  assert.equal(new CompleteLearner().kind, 'off-policy');
  assert.ok(LearnerWithoutUpdate && OnPolicyWithoutSample && envWithoutClose);
});
