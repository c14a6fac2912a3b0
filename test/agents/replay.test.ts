import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplayMemory } from '../../src/agents/replay.ts';
import { RandomStreams } from '../../src/random/stream.ts';

const spec = { capacity: 4, agents: 2, obsDim: 1, actionDim: 1, priorityAlpha: 0 };
const add = (memory: ReplayMemory, v: number) => memory.add([v, v], [v, v], [v, -v], [v + 0.5, v + 0.5], [v % 2 === 0 ? 1 : 0, 0]);

test('the replay memory wraps around: the oldest transitions are overwritten', () => {
  const memory = new ReplayMemory(spec);
  for (let v = 1; v <= 6; v++) add(memory, v);
  assert.equal(memory.size, 4);
  const rng = new RandomStreams(1).get('replay');
  const seen = new Set<number>();
  for (let k = 0; k < 50; k++) {
    const batch = memory.sample(4, rng);
    for (let b = 0; b < 4; b++) {
      const v = batch.obs[b * 2]!;
      seen.add(v);
      assert.equal(batch.rewards[b * 2 + 1], -v);
      assert.equal(batch.nextObs[b * 2], v + 0.5);
      assert.equal(batch.dones[b * 2], v % 2 === 0 ? 1 : 0); // per agent: the first terminal on even v
      assert.equal(batch.dones[b * 2 + 1], 0);
      assert.equal(batch.weights[b], 1);
    }
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
});

test('state save/restore continues identically; empty memory refuses to sample', () => {
  const memory = new ReplayMemory(spec);
  assert.throws(() => memory.sample(1, new RandomStreams(1).get('replay')), /empty replay memory/);
  for (let v = 1; v <= 5; v++) add(memory, v);
  const copy = new ReplayMemory(spec);
  copy.setState(structuredClone(memory.getState()));
  add(memory, 9);
  add(copy, 9);
  const a = memory.sample(8, new RandomStreams(2).get('replay'));
  const b = copy.sample(8, new RandomStreams(2).get('replay'));
  assert.deepEqual(a, b);
});

test('prioritized replay samples in proportion to priority^alpha with normalized IS weights', () => {
  const memory = new ReplayMemory({ ...spec, capacity: 3, priorityAlpha: 1 });
  for (let v = 0; v < 3; v++) add(memory, v);
  memory.updatePriorities(Int32Array.from([0, 1, 2]), [1, 1, 8]);
  const rng = new RandomStreams(3).get('replay');
  const counts = [0, 0, 0];
  let weightOfTop = 0;
  for (let k = 0; k < 2000; k++) {
    const batch = memory.sample(1, rng, 1);
    counts[batch.indices[0]!]!++;
    if (batch.indices[0] === 2) weightOfTop = batch.weights[0]!;
  }
  assert.ok(Math.abs(counts[2]! / 2000 - 0.8) < 0.04, `counts ${counts}`);
  assert.ok(weightOfTop <= 1);
});

test('a partly filled memory saves only its filled part, and restores from it', () => {
  const memory = new ReplayMemory({ ...spec, capacity: 1000 });
  for (let v = 1; v <= 3; v++) add(memory, v);
  const state = memory.getState();
  assert.equal(state.arrays.obs.length, 3 * 2, 'three transitions of two agents x one feature');
  assert.equal(state.arrays.dones.length, 3 * 2);
  const copy = new ReplayMemory({ ...spec, capacity: 1000 });
  copy.setState(structuredClone(state));
  assert.deepEqual(copy.sample(5, new RandomStreams(4).get('replay')), memory.sample(5, new RandomStreams(4).get('replay')));
  // a state whose arrays do not match its size is refused by name
  assert.throws(() => copy.setState({ ...state, size: 4 }), /replay state: 'obs' holds 6 values, expected 8/);
});
