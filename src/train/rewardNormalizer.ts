// Running reward normalization: learners see rewards divided by the standard deviation of every
// reward seen so far (Welford's online algorithm), instead of a hand-picked fixed scale. Stored
// transitions keep their raw rewards; the current scale is applied when a minibatch or a rollout
// is handed to the learner, so old and new transitions are scaled alike. The mean is not
// subtracted: a constant shift would change what a time limit's bootstrap is worth.
export interface RewardNormalizerState {
  count: number;
  mean: number;
  m2: number;
}

export class RewardNormalizer {
  private count = 0;
  private mean = 0;
  private m2 = 0;

  constructor(readonly enabled: boolean) {}

  /** Adds rewards to the running statistics. */
  observe(rewards: ArrayLike<number>): void {
    if (!this.enabled) return;
    for (let k = 0; k < rewards.length; k++) {
      const x = rewards[k]!;
      this.count++;
      const delta = x - this.mean;
      this.mean += delta / this.count;
      this.m2 += delta * (x - this.mean);
    }
  }

  /** The factor rewards are multiplied by now: 1 / std (1 when disabled or before two rewards). */
  get factor(): number {
    if (!this.enabled || this.count < 2) return 1;
    const std = Math.sqrt(this.m2 / (this.count - 1));
    return std > 1e-8 ? 1 / std : 1;
  }

  /** Scales `rewards` in place by the current factor. */
  scale<T extends Float32Array | Float64Array>(rewards: T): T {
    const f = this.factor;
    if (f !== 1) for (let k = 0; k < rewards.length; k++) rewards[k] = rewards[k]! * f;
    return rewards;
  }

  getState(): RewardNormalizerState {
    return { count: this.count, mean: this.mean, m2: this.m2 };
  }

  setState(state: RewardNormalizerState | undefined): void {
    this.count = state?.count ?? 0;
    this.mean = state?.mean ?? 0;
    this.m2 = state?.m2 ?? 0;
  }
}
