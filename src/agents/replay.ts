// The replay memory D of Algorithm 1: joint transitions (O, A, R, O', done) of all N agents,
// (done per agent: 1 where the agent's episode reached a terminal state, nothing to bootstrap),
// shared by every agent, in fixed-size ring buffers of typed arrays. Uniform sampling by default;
// proportional prioritized sampling (Schaul et al. 2016) as an option, over a sum tree.
import type { RandomStream } from '../random/stream.ts';

export interface ReplaySpec {
  capacity: number;
  agents: number;
  obsDim: number;
  actionDim: number;
  /** proportional prioritized replay with exponent alpha (0 = off) */
  priorityAlpha: number;
}

export interface ReplayBatch {
  indices: Int32Array;
  /** [B, N, obsDim] */
  obs: Float32Array;
  /** [B, N, actionDim] */
  actions: Float32Array;
  /** [B, N] */
  rewards: Float32Array;
  nextObs: Float32Array;
  /** [B, N]: 1 where nothing is bootstrapped past the transition */
  dones: Float32Array;
  /** importance-sampling weights [B] (all 1 without priorities) */
  weights: Float32Array;
}

export interface ReplayState {
  next: number;
  size: number;
  maxPriority: number;
  arrays: Record<'obs' | 'actions' | 'rewards' | 'nextObs' | 'dones' | 'tree', Float32Array | Float64Array>;
}

export class ReplayMemory {
  readonly spec: ReplaySpec;
  private obs: Float32Array;
  private actions: Float32Array;
  private rewards: Float32Array;
  private nextObs: Float32Array;
  private dones: Float32Array;
  /** sum tree over priorities^alpha: leaves at [capacity, 2 capacity) of a power-of-two tree */
  private tree: Float64Array;
  private leaves: number;
  private maxPriority = 1;
  private next = 0;
  size = 0;

  constructor(spec: ReplaySpec) {
    if (!Number.isInteger(spec.capacity) || spec.capacity < 1) throw new Error(`replay capacity must be a positive integer, got ${spec.capacity}`);
    this.spec = spec;
    const { capacity, agents, obsDim, actionDim } = spec;
    this.obs = new Float32Array(capacity * agents * obsDim);
    this.nextObs = new Float32Array(capacity * agents * obsDim);
    this.actions = new Float32Array(capacity * agents * actionDim);
    this.rewards = new Float32Array(capacity * agents);
    this.dones = new Float32Array(capacity * agents);
    this.leaves = 1;
    while (this.leaves < capacity) this.leaves *= 2;
    this.tree = new Float64Array(spec.priorityAlpha > 0 ? 2 * this.leaves : 0);
  }

  get prioritized(): boolean {
    return this.spec.priorityAlpha > 0;
  }

  /** Stores one joint transition, overwriting the oldest when full; `dones` per agent (1 = terminal). */
  add(obs: ArrayLike<number>, actions: ArrayLike<number>, rewards: ArrayLike<number>, nextObs: ArrayLike<number>, dones: ArrayLike<number>): void {
    const { agents, obsDim, actionDim, capacity } = this.spec;
    const i = this.next;
    this.obs.set(obs, i * agents * obsDim);
    this.nextObs.set(nextObs, i * agents * obsDim);
    this.actions.set(actions, i * agents * actionDim);
    this.rewards.set(rewards, i * agents);
    this.dones.set(dones, i * agents);
    if (this.prioritized) this.setPriority(i, this.maxPriority);
    this.next = (i + 1) % capacity;
    this.size = Math.min(this.size + 1, capacity);
  }

  private setPriority(i: number, priority: number): void {
    let node = this.leaves + i;
    const value = Math.pow(priority, this.spec.priorityAlpha);
    const delta = value - this.tree[node]!;
    while (node >= 1) {
      this.tree[node] = this.tree[node]! + delta;
      node >>= 1;
    }
  }

  /** Updates priorities (e.g. |TD error| + epsilon) of sampled transitions. */
  updatePriorities(indices: Int32Array, priorities: ArrayLike<number>): void {
    if (!this.prioritized) return;
    for (let k = 0; k < indices.length; k++) {
      const p = Math.max(priorities[k]!, 1e-6);
      this.maxPriority = Math.max(this.maxPriority, p);
      this.setPriority(indices[k]!, p);
    }
  }

  private findLeaf(mass: number): number {
    let node = 1;
    while (node < this.leaves) {
      const left = 2 * node;
      if (mass < this.tree[left]!) node = left;
      else {
        mass -= this.tree[left]!;
        node = left + 1;
      }
    }
    return Math.min(node - this.leaves, this.size - 1);
  }

  /** Samples `batch` transitions; `beta` is the importance-sampling exponent (prioritized only). */
  sample(batch: number, rng: RandomStream, beta = 0.4): ReplayBatch {
    if (this.size === 0) throw new Error('cannot sample from an empty replay memory');
    const { agents, obsDim, actionDim } = this.spec;
    const indices = new Int32Array(batch);
    const weights = new Float32Array(batch).fill(1);
    if (this.prioritized) {
      const total = this.tree[1]!;
      let maxWeight = 0;
      for (let b = 0; b < batch; b++) {
        const i = this.findLeaf(rng.uniform() * total);
        indices[b] = i;
        const probability = this.tree[this.leaves + i]! / total;
        weights[b] = Math.pow(this.size * probability, -beta);
        maxWeight = Math.max(maxWeight, weights[b]!);
      }
      for (let b = 0; b < batch; b++) weights[b] = weights[b]! / maxWeight;
    } else {
      for (let b = 0; b < batch; b++) indices[b] = rng.int(this.size);
    }
    const out: ReplayBatch = {
      indices,
      obs: new Float32Array(batch * agents * obsDim),
      actions: new Float32Array(batch * agents * actionDim),
      rewards: new Float32Array(batch * agents),
      nextObs: new Float32Array(batch * agents * obsDim),
      dones: new Float32Array(batch * agents),
      weights,
    };
    const so = agents * obsDim;
    const sa = agents * actionDim;
    for (let b = 0; b < batch; b++) {
      const i = indices[b]!;
      out.obs.set(this.obs.subarray(i * so, (i + 1) * so), b * so);
      out.nextObs.set(this.nextObs.subarray(i * so, (i + 1) * so), b * so);
      out.actions.set(this.actions.subarray(i * sa, (i + 1) * sa), b * sa);
      out.rewards.set(this.rewards.subarray(i * agents, (i + 1) * agents), b * agents);
      out.dones.set(this.dones.subarray(i * agents, (i + 1) * agents), b * agents);
    }
    return out;
  }

  /** The stored part of the buffers: slots [0, size) (the ring fills from 0), and the priority tree. */
  getState(): ReplayState {
    const filled = (array: Float32Array, stride: number) => array.subarray(0, this.size * stride);
    const { agents, obsDim, actionDim } = this.spec;
    return {
      next: this.next,
      size: this.size,
      maxPriority: this.maxPriority,
      arrays: {
        obs: filled(this.obs, agents * obsDim),
        actions: filled(this.actions, agents * actionDim),
        rewards: filled(this.rewards, agents),
        nextObs: filled(this.nextObs, agents * obsDim),
        dones: filled(this.dones, agents),
        tree: this.tree,
      },
    };
  }

  setState(state: ReplayState): void {
    const { capacity, agents, obsDim, actionDim } = this.spec;
    if (!Number.isInteger(state.size) || state.size < 0 || state.size > capacity) throw new Error(`replay state: size ${state.size} is outside [0, ${capacity}]`);
    if (!Number.isInteger(state.next) || state.next < 0 || state.next >= capacity) throw new Error(`replay state: next ${state.next} is outside [0, ${capacity})`);
    const strides = { obs: agents * obsDim, actions: agents * actionDim, rewards: agents, nextObs: agents * obsDim, dones: agents } as const;
    for (const key of Object.keys(strides) as (keyof typeof strides)[]) {
      const source = state.arrays[key];
      const expected = state.size * strides[key];
      if (!source || source.length !== expected) throw new Error(`replay state: '${key}' holds ${source?.length ?? 0} values, expected ${expected}`);
      this[key].set(source);
    }
    if (!state.arrays.tree || state.arrays.tree.length !== this.tree.length)
      throw new Error(`replay state: 'tree' holds ${state.arrays.tree?.length ?? 0} values, expected ${this.tree.length}`);
    this.tree.set(state.arrays.tree);
    this.next = state.next;
    this.size = state.size;
    this.maxPriority = state.maxPriority;
  }
}
