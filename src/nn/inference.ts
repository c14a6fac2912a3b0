// Forward passes of stacked MLPs in plain TypeScript over Float32Arrays, for acting.
//
// Why: choosing the joint action of N vehicles runs the K-step reverse chain on batches of one
// row per agent. In TensorFlow.js that is ~100 tiny ops per slot, whose per-op overhead
// (tens of microseconds each on the WebAssembly backend) dominates; the same arithmetic in a
// tight loop takes a fraction of a millisecond. Training (with gradients) stays in TF.js; this is
// inference only, on weights copied out of the TF.js variables after each update, and a test
// checks that both paths agree.
import type { Activation, StackedMlp } from './stackedMlp.ts';
import { loadNativeBlas, type NativeBlas } from './nativeKernels.ts';

/** A snapshot of a StackedMlp's weights as plain arrays (transposed: [G, out, in], so every output is one contiguous dot product). */
export class MlpSnapshot {
  readonly groups: number;
  readonly sizes: number[];
  readonly activation: Activation;
  /** per layer, [G, out, in] (built on first use: with the addon only layer 0's is needed, by firstLayerPartial) */
  private transposedWeights: (Float64Array | null)[] = [];
  private rawWeights: Float32Array[] = [];
  readonly biases: Float64Array[] = [];
  private scratch: Float64Array[] = [];
  /** with the native addon: weights in their [G, in, out] layout and float32 buffers for sgemm */
  private readonly blas: NativeBlas | null;
  readonly weights32: Float32Array[] = [];
  private scratch32: Float32Array[] = [];

  constructor(net: StackedMlp, useNative = true) {
    this.groups = net.spec.groups;
    this.sizes = net.spec.sizes;
    this.activation = net.spec.activation;
    this.blas = useNative ? loadNativeBlas().blas : null;
    this.refresh(net);
  }

  get native(): boolean {
    return this.blas !== null;
  }

  /** Copies the current values of the network's variables. */
  refresh(net: StackedMlp): void {
    this.biases.length = 0;
    this.weights32.length = 0;
    this.rawWeights.length = 0;
    this.transposedWeights.length = 0;
    for (let l = 0; l < net.weights.length; l++) {
      const w = Float32Array.from(net.weights[l]!.dataSync());
      this.rawWeights.push(w);
      if (this.blas) this.weights32.push(w);
      this.transposedWeights.push(null);
      this.biases.push(Float64Array.from(net.biases[l]!.dataSync()));
    }
  }

  /** Layer l's weights as [G, out, in] in float64 (each output one contiguous dot product). */
  private transposed(l: number): Float64Array {
    const cached = this.transposedWeights[l];
    if (cached) return cached;
    const w = this.rawWeights[l]!;
    const fanIn = this.sizes[l]!;
    const fanOut = this.sizes[l + 1]!;
    const t = new Float64Array(w.length);
    for (let g = 0; g < this.groups; g++) {
      const base = g * fanIn * fanOut;
      for (let i = 0; i < fanIn; i++) for (let o = 0; o < fanOut; o++) t[base + o * fanIn + i] = w[base + i * fanOut + o]!;
    }
    this.transposedWeights[l] = t;
    return t;
  }

  /** Every layer's weights as [G, out, in]. */
  get weightsT(): Float64Array[] {
    return this.rawWeights.map((_, l) => this.transposed(l));
  }

  /**
   * Pre-activation of the first layer restricted to input columns [from, to), without bias:
   * out[g, o] = sum_{i in [from, to)} x[g, i - from] W[g, i, o]. Used to fold inputs that stay
   * constant along the reverse chain (observation, step embedding) out of the per-step work.
   */
  firstLayerPartial(x: Float32Array, groupsIn: number, from: number, to: number, out: Float64Array): void {
    const fanIn = this.sizes[0]!;
    const fanOut = this.sizes[1]!;
    const W = this.transposed(0);
    const width = to - from;
    for (let g = 0; g < groupsIn; g++) {
      const wg = (this.groups === 1 ? 0 : g) * fanIn * fanOut;
      for (let o = 0; o < fanOut; o++) {
        let sum = 0;
        const row = wg + o * fanIn + from;
        for (let i = 0; i < width; i++) sum += x[g * width + i]! * W[row + i]!;
        out[g * fanOut + o] = sum;
      }
    }
  }

  /**
   * One row per group: x [G, inWidth] holds only the first `inWidth` input columns; `offset`
   * [G, out1] (or null) is added to the first layer's pre-activation (the folded columns).
   * out: [G, outSize].
   */
  forward(x: Float32Array, groupsIn: number, inWidth: number, offset: Float64Array | null, out: Float32Array): void {
    if (this.blas && (this.groups === groupsIn || this.groups === 1)) {
      this.forwardNative(this.blas, x, groupsIn, inWidth, offset, out);
      return;
    }
    const layers = this.rawWeights.length;
    if (this.scratch.length !== layers) this.scratch = this.sizes.map((size) => new Float64Array(groupsIn * size));
    for (let l = 0; l < layers; l++) {
      const fanIn = this.sizes[l]!;
      const fanOut = this.sizes[l + 1]!;
      const used = l === 0 ? inWidth : fanIn;
      const W = this.transposed(l);
      const b = this.biases[l]!;
      const input = l === 0 ? null : this.scratch[l]!;
      const target = this.scratch[l + 1]!;
      const last = l === layers - 1;
      for (let g = 0; g < groupsIn; g++) {
        const wg = (this.groups === 1 ? 0 : g) * fanIn * fanOut;
        const bg = (this.groups === 1 ? 0 : g) * fanOut;
        const xo = g * (l === 0 ? inWidth : fanIn);
        for (let o = 0; o < fanOut; o++) {
          const row = wg + o * fanIn;
          let s0 = 0,
            s1 = 0,
            s2 = 0,
            s3 = 0;
          let i = 0;
          if (input) {
            for (; i + 3 < used; i += 4) {
              s0 += input[xo + i]! * W[row + i]!;
              s1 += input[xo + i + 1]! * W[row + i + 1]!;
              s2 += input[xo + i + 2]! * W[row + i + 2]!;
              s3 += input[xo + i + 3]! * W[row + i + 3]!;
            }
            for (; i < used; i++) s0 += input[xo + i]! * W[row + i]!;
          } else {
            for (; i < used; i++) s0 += x[xo + i]! * W[row + i]!;
          }
          let value = b[bg + o]! + s0 + s1 + s2 + s3;
          if (l === 0 && offset) value += offset[g * fanOut + o]!;
          if (last) out[g * fanOut + o] = value;
          else target[g * fanOut + o] = activateScalar(value, this.activation);
        }
      }
    }
  }

  /** The same forward pass with one batched sgemm per layer (one row per group). */
  private forwardNative(blas: NativeBlas, x: Float32Array, groupsIn: number, inWidth: number, offset: Float64Array | null, out: Float32Array): void {
    const layers = this.weights32.length;
    if (this.scratch32.length !== layers || this.scratch32[0]!.length < groupsIn * Math.max(...this.sizes)) {
      this.scratch32 = Array.from({ length: layers }, () => new Float32Array(groupsIn * Math.max(...this.sizes)));
    }
    let input = x;
    let width = inWidth;
    for (let l = 0; l < layers; l++) {
      const fanIn = this.sizes[l]!;
      const fanOut = this.sizes[l + 1]!;
      const target = l === layers - 1 ? out : this.scratch32[l]!;
      // C[g] (1 x out) = x[g] (1 x width) W[g][0:width, :]; rows of W are contiguous, so the first
      // `width` rows are a (width x out) matrix at the group's offset.
      blas.sgemmStrided(false, false, groupsIn, 1, fanOut, width, input, 0, width, this.weights32[l]!, 0, this.groups === 1 ? 0 : fanIn * fanOut, target, 0, fanOut);
      const b = this.biases[l]!;
      const activate = l < layers - 1;
      for (let g = 0; g < groupsIn; g++) {
        const bg = (this.groups === 1 ? 0 : g) * fanOut;
        const yo = g * fanOut;
        for (let o = 0; o < fanOut; o++) {
          let value = target[yo + o]! + b[bg + o]!;
          if (l === 0 && offset) value += offset[yo + o]!;
          target[yo + o] = activate ? activateScalar(value, this.activation) : value;
        }
      }
      input = target;
      width = fanOut;
    }
  }
}

function activateScalar(x: number, activation: Activation): number {
  switch (activation) {
    case 'relu':
      return x > 0 ? x : 0;
    case 'tanh':
      return Math.tanh(x);
    case 'mish': {
      // x tanh(softplus(x)) = x ((1 + e^x)^2 - 1) / ((1 + e^x)^2 + 1): one exp
      if (x > 20) return x;
      const t = 1 + Math.exp(x);
      const t2 = t * t;
      return (x * (t2 - 1)) / (t2 + 1);
    }
  }
}
