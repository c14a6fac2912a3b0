// Multi-layer perceptrons whose weights are stacked over G groups (one group per agent, or a
// single group when agents share parameters). A layer is one batched matrix product
// [G, B, in] x [G, in, out] + [G, 1, out], so the op overhead of N agents is paid once. With the
// native addon on the wasm backend, apply() is one fused op for all layers (forward and gradient:
// src/nn/fusedOps.ts) and softUpdate one native pass per variable; otherwise composed TF.js ops.
import * as tf from '@tensorflow/tfjs';
import type { RandomStream } from '../random/stream.ts';
import { fusedOpsActive, lerpVariables, stackedMlpForward, stackedMlpPartsForward, type MlpPart, type MlpUse } from './fusedOps.ts';

export type { MlpPart, MlpUse } from './fusedOps.ts';

export type Activation = 'mish' | 'relu' | 'tanh';

export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'mish':
      return tf.mul(x, tf.tanh(tf.softplus(x))); // x tanh(ln(1 + e^x))
  }
}

export interface StackedMlpSpec {
  /** number of stacked groups (agents); 1 for shared parameters */
  groups: number;
  /** layer widths: [input, hidden..., output] */
  sizes: number[];
  activation: Activation;
  /** a name prefix for the variables (used in checkpoints) */
  name: string;
}

/** An MLP with weights [G, in, out] per layer; PyTorch's default U(-1/sqrt(in), 1/sqrt(in)) init. */
export class StackedMlp {
  readonly spec: StackedMlpSpec;
  readonly weights: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];

  constructor(spec: StackedMlpSpec, rng: RandomStream) {
    this.spec = spec;
    const { groups, sizes, name } = spec;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const bound = 1 / Math.sqrt(fanIn);
      const w = new Float32Array(groups * fanIn * fanOut);
      for (let k = 0; k < w.length; k++) w[k] = rng.uniformIn(-bound, bound);
      const b = new Float32Array(groups * fanOut);
      for (let k = 0; k < b.length; k++) b[k] = rng.uniformIn(-bound, bound);
      this.weights.push(tf.variable(tf.tensor3d(w, [groups, fanIn, fanOut]), true, `${name}/w${l}`));
      this.biases.push(tf.variable(tf.tensor3d(b, [groups, 1, fanOut]), true, `${name}/b${l}`));
    }
  }

  get variables(): tf.Variable[] {
    return this.weights.flatMap((w, l) => [w, this.biases[l]!]);
  }

  /**
   * x: [G, B, in] -> [G, B, out]; hidden layers activated, the output layer linear. `use` says
   * which gradients are not needed (the fused op then skips their products; the composed ops
   * leave it to TF.js's tape); values and the gradients computed are the same either way.
   */
  apply(x: tf.Tensor3D, use: MlpUse = {}): tf.Tensor3D {
    if (x.dtype === 'float32' && x.shape[0] === this.spec.groups && fusedOpsActive()) {
      return stackedMlpForward(x, this.weights, this.biases, this.spec.activation, use);
    }
    let h: tf.Tensor = x;
    const last = this.weights.length - 1;
    for (let l = 0; l <= last; l++) {
      h = tf.add(tf.matMul(h as tf.Tensor3D, this.weights[l]!), this.biases[l]!);
      if (l < last) h = activate(h, this.spec.activation);
    }
    return h as tf.Tensor3D;
  }

  /**
   * The same as apply(concat(parts, 2)) with every part tiled to [G, rows, width], without
   * building that input: parts are column blocks of the first layer's input, each
   * [G, rows, width], [1, rows, width] (the same for every group, e.g. a joint observation for
   * N centralized critics) or [G or 1, 1, width] (the same for every row, e.g. a step embedding).
   * Parts marked constant get no gradient. With the fused ops the first layer sums the parts'
   * products (a different summation order from one product over the concatenation: results
   * agree to float32 rounding, not bit for bit); otherwise the composed concat and apply.
   */
  applyParts(parts: MlpPart[], rows: number): tf.Tensor3D {
    const groups = this.spec.groups;
    if (parts.every((p) => p.x.dtype === 'float32') && fusedOpsActive()) {
      return stackedMlpPartsForward(parts, this.weights, this.biases, this.spec.activation, groups, rows);
    }
    const full = parts.map((p) => {
      const [pg, pr] = p.x.shape;
      return pg === groups && pr === rows ? p.x : (tf.tile(p.x, [groups / pg, rows / pr, 1]) as tf.Tensor3D);
    });
    return this.apply(full.length === 1 ? full[0]! : (tf.concat(full, 2) as tf.Tensor3D));
  }

  /** Copies this network's weights into `target` (same spec). */
  copyTo(target: StackedMlp): void {
    this.variables.forEach((v, k) => target.variables[k]!.assign(v));
  }

  /** target <- (1 - tau) target + tau this (eq. 39's soft update). */
  softUpdate(target: StackedMlp, tau: number): void {
    if (fusedOpsActive()) {
      lerpVariables(target.variables, this.variables, tau);
      return;
    }
    tf.tidy(() => {
      this.variables.forEach((v, k) => {
        const t = target.variables[k]!;
        t.assign(tf.add(tf.mul(t, 1 - tau), tf.mul(v, tau)));
      });
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
