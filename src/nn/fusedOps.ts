// Fused operations for training on TF.js's WebAssembly backend with the native addon.
//
// Why: a DMADRL update round at N = 20, K = 7 ran ~1,400 TF.js kernels (bench/update-profile.ts);
// each costs microseconds of dispatch, tape and allocation however small it is, and the round's
// arithmetic is only ~2.4 ms. These ops do the same arithmetic in a few native calls per kernel:
//   - stackedMlpForward: a whole stacked MLP ([G, B, in] -> [G, B, out], every layer's product,
//     bias and activation) as one kernel; under a gradient tape it is a tf.customGrad op whose
//     gradient (every weight, bias and the input) is one more kernel, written in closed form.
//   - reverseStep: one step of the DDPM reverse chain (src/nn/diffusion.ts), forward and gradient.
//   - adamStepStacked / lerpVariables: the optimizer step (with the per-agent gradient clip) and
//     the soft target update over all of a network's variables in one pass each.
// TF.js stays the autograd engine: these are kernels in its registry and customGrad ops on its
// tape; everything around them (losses, slicing, the agents' own ops) is ordinary TF.js.
//
// Arithmetic follows the composed TF.js ops operation for operation in float32 (the same sgemm
// calls as the native BatchMatMul kernels, bias sums in row order, Adam's and the soft update's
// operations in TF.js's order), so relu and linear layers, the chain, Adam and the soft update are
// bit-identical to the composed ops; tanh and mish use glibc's tanhf/expf and a closed-form mish
// derivative, which differ from TF.js's in the last bits. test/nn/fusedOps.test.ts checks both.
import * as tf from '@tensorflow/tfjs';
import { heapIndex, loadNativeBlas, nativeMatMulKernelsInstalled, sizeOf, type KernelArgs, type WasmBackendLike } from './nativeKernels.ts';

/** The addon's fused-layer functions (native/svec_blas.c). */
export interface NativeFused {
  sgemmStrided(
    transA: boolean, transB: boolean, batch: number, M: number, N: number, K: number,
    A: Float32Array, aOffset: number, strideA: number, B: Float32Array, bOffset: number, strideB: number,
    C: Float32Array, cOffset: number, strideC: number, beta?: number,
  ): void;
  biasAct(kind: number, heap: Float32Array, z: number, bias: number, biasStride: number, groups: number, rows: number, cols: number, h: number): void;
  actGrad(kind: number, heap: Float32Array, dy: number, saved: number, n: number, dz: number): void;
  biasGrad(heap: Float32Array, dz: number, groups: number, rows: number, cols: number, db: number): void;
  groupSquares(heap: Float32Array, g: number, n: number, groups: number, out: Float32Array): void;
  adamStep(heap: Float32Array, offsets: number[], n: number, groups: number, scales: Float32Array | null, coefficients: number[]): void;
  lerp(heap: Float32Array, t: number, v: number, out: number, n: number, a: number, b: number): void;
  reverseStep(heap: Float32Array, x: number, eps: number, z: number, n: number, out: number, coefficients: number[]): void;
  reverseStepGrad(heap: Float32Array, x: number, eps: number, dout: number, n: number, dx: number, deps: number, coefficients: number[]): void;
}

const FUSED_FUNCTIONS = ['biasAct', 'actGrad', 'biasGrad', 'groupSquares', 'adamStep', 'lerp', 'reverseStep', 'reverseStepGrad'] as const;

export type FusedActivation = 'linear' | 'relu' | 'tanh' | 'mish';
const activationKind: Record<FusedActivation, number> = { linear: 0, relu: 1, tanh: 2, mish: 3 };

let fused: NativeFused | null = null;
let registered = false;
/** SVEC_FUSED=off keeps the composed ops (for comparisons); setFusedOps changes it at run time. */
let enabled = process.env.SVEC_FUSED !== 'off';

/** The native fused functions when they can run now: enabled, wasm backend, native kernels installed. */
export function fusedOpsActive(): NativeFused | null {
  if (!enabled || !registered || !nativeMatMulKernelsInstalled() || tf.getBackend() !== 'wasm') return null;
  return fused;
}

/** Turns the fused ops on or off (tests and benchmarks compare them with the composed ops); returns the previous setting. */
export function setFusedOps(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

// --- the stacked MLP kernels -------------------------------------------------------------

interface MlpAttrs {
  activation: FusedActivation;
  layers: number;
}

/** Heap element offset of a tensor (valid across heap growth: offsets do not move). */
const at = (backend: WasmBackendLike, t: tf.TensorInfo) => heapIndex(backend, t);

/**
 * SvecMlp: inputs x [G, R, in], w0 [G, in, h1], b0 [G, 1, h1], w1, b1, ... Outputs: y, then the
 * hidden activations h_l [G, R, h_{l+1}] (l < L - 1), then for mish their inputs z_l.
 */
function mlpForwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const native = fused!;
  const backend = args.backend as WasmBackendLike;
  const { activation, layers } = args.attrs as unknown as MlpAttrs;
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const x = inputs.x!;
  const [G, R] = x.shape as [number, number, number];
  const ws = Array.from({ length: layers }, (_, l) => inputs[`w${l}`]!);
  const bs = Array.from({ length: layers }, (_, l) => inputs[`b${l}`]!);
  const widths = [x.shape[2]!, ...ws.map((w) => w.shape[2]!)];
  const mish = activation === 'mish';
  const y = backend.makeOutput([G, R, widths[layers]!], 'float32');
  const hidden = Array.from({ length: layers - 1 }, (_, l) => backend.makeOutput([G, R, widths[l + 1]!], 'float32'));
  const pre = mish ? Array.from({ length: layers - 1 }, (_, l) => backend.makeOutput([G, R, widths[l + 1]!], 'float32')) : [];
  if (G * R > 0) {
    const heap = backend.wasm.HEAPF32; // after every allocation
    const kind = activationKind[activation];
    let input = at(backend, x);
    for (let l = 0; l < layers; l++) {
      const fanIn = widths[l]!;
      const fanOut = widths[l + 1]!;
      const last = l === layers - 1;
      const product = last ? at(backend, y) : at(backend, mish ? pre[l]! : hidden[l]!);
      native.sgemmStrided(false, false, G, R, fanOut, fanIn, heap, input, R * fanIn, heap, at(backend, ws[l]!), ws[l]!.shape[0] === 1 ? 0 : fanIn * fanOut, heap, product, R * fanOut);
      const out = last ? product : at(backend, hidden[l]!);
      native.biasAct(last ? 0 : kind, heap, product, at(backend, bs[l]!), bs[l]!.shape[0] === 1 ? 0 : fanOut, G, R, fanOut, out);
      input = out;
    }
  }
  return [y, ...hidden, ...pre];
}

/**
 * SvecMlpGrad: inputs dy, x, w0..w_{L-1}, h0..h_{L-2} (and z0.. for mish). Outputs dx, then
 * dw0, db0, dw1, db1, ... The products are the ones TF.js's BatchMatMul gradient makes
 * (dW = a^T dy, da = dy W^T), bias gradients sum the rows in order.
 */
function mlpBackwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const native = fused!;
  const backend = args.backend as WasmBackendLike;
  const { activation, layers } = args.attrs as unknown as MlpAttrs;
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const x = inputs.x!;
  const dy = inputs.dy!;
  const [G, R] = x.shape as [number, number, number];
  const ws = Array.from({ length: layers }, (_, l) => inputs[`w${l}`]!);
  const hs = Array.from({ length: layers - 1 }, (_, l) => inputs[`h${l}`]!);
  const zs = activation === 'mish' ? Array.from({ length: layers - 1 }, (_, l) => inputs[`z${l}`]!) : hs;
  const widths = [x.shape[2]!, ...ws.map((w) => w.shape[2]!)];
  const dx = backend.makeOutput([...x.shape], 'float32');
  const grads: tf.TensorInfo[] = [];
  for (let l = 0; l < layers; l++) {
    grads.push(backend.makeOutput([...ws[l]!.shape], 'float32'), backend.makeOutput([ws[l]!.shape[0]!, 1, widths[l + 1]!], 'float32'));
  }
  // two scratch buffers for the gradient w.r.t. each hidden layer's pre-activation
  const widest = Math.max(...widths.slice(1, layers));
  const scratch = layers > 1 ? [backend.makeOutput([G * R * widest], 'float32'), backend.makeOutput([G * R * widest], 'float32')] : [];
  const heap = backend.wasm.HEAPF32;
  const kind = activationKind[activation];
  let g = at(backend, dy); // gradient w.r.t. layer l's output before activation
  for (let l = layers - 1; l >= 0; l--) {
    const fanIn = widths[l]!;
    const fanOut = widths[l + 1]!;
    const input = l === 0 ? at(backend, x) : at(backend, hs[l - 1]!);
    const wGroups = ws[l]!.shape[0]!;
    const dw = grads[2 * l]!;
    const db = grads[2 * l + 1]!;
    if (wGroups === G) {
      native.sgemmStrided(true, false, G, fanIn, fanOut, R, heap, input, R * fanIn, heap, g, R * fanOut, heap, at(backend, dw), fanIn * fanOut);
      native.biasGrad(heap, g, G, R, fanOut, at(backend, db));
    } else {
      throw new Error(`SvecMlpGrad: weights with ${wGroups} groups for an input with ${G}`); // fusedMlp only builds matching groups
    }
    const target = l === 0 ? at(backend, dx) : at(backend, scratch[l % 2]!);
    native.sgemmStrided(false, true, G, R, fanIn, fanOut, heap, g, R * fanOut, heap, at(backend, ws[l]!), fanIn * fanOut, heap, target, R * fanIn);
    if (l > 0) {
      native.actGrad(kind, heap, target, at(backend, zs[l - 1]!), G * R * fanIn, target);
      g = target;
    }
  }
  for (const s of scratch) (backend as unknown as tf.KernelBackend).disposeData(s.dataId);
  return [dx, ...grads];
}

const mlpOps = new Map<FusedActivation, (...tensors: tf.Tensor[]) => tf.Tensor>();

/** The customGrad op for one activation: f(x, w0, b0, w1, b1, ...) -> y. */
function mlpOp(activation: FusedActivation): (...tensors: tf.Tensor[]) => tf.Tensor {
  let op = mlpOps.get(activation);
  if (op) return op;
  op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [x, ...params] = args as tf.Tensor[];
    const layers = params.length / 2;
    const inputs: tf.NamedTensorMap = { x: x! };
    params.forEach((p, k) => (inputs[k % 2 === 0 ? `w${k / 2}` : `b${(k - 1) / 2}`] = p));
    const outs = tf.engine().runKernel('SvecMlp', inputs, { activation, layers } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const [y, ...hidden] = outs;
    save([x!, ...params.filter((_, k) => k % 2 === 0), ...hidden]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, ...rest] = saved;
        const gradInputs: tf.NamedTensorMap = { dy, x: sx! };
        for (let l = 0; l < layers; l++) gradInputs[`w${l}`] = rest[l]!;
        const savedHidden = rest.slice(layers);
        for (let l = 0; l < layers - 1; l++) gradInputs[`h${l}`] = savedHidden[l]!;
        if (activation === 'mish') for (let l = 0; l < layers - 1; l++) gradInputs[`z${l}`] = savedHidden[layers - 1 + l]!;
        return tf.engine().runKernel('SvecMlpGrad', gradInputs, { activation, layers } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]) as unknown as (...tensors: tf.Tensor[]) => tf.Tensor;
  mlpOps.set(activation, op);
  return op;
}

/**
 * A stacked MLP in one fused op: x [G, R, in], weights[l] [G, in_l, out_l], biases[l] [G, 1, out_l];
 * hidden layers activated, the last linear. Differentiable w.r.t. x and every weight and bias.
 * Call only when fusedOpsActive() (the caller keeps the composed ops otherwise).
 */
export function stackedMlpForward(x: tf.Tensor3D, weights: tf.Tensor[], biases: tf.Tensor[], activation: FusedActivation): tf.Tensor3D {
  const params = weights.flatMap((w, l) => [w, biases[l]!]);
  if (tf.engine().isTapeOn()) return mlpOp(activation)(x, ...params) as tf.Tensor3D;
  // no gradient wanted: the kernel alone, hidden activations dropped at once
  const inputs: tf.NamedTensorMap = { x };
  params.forEach((p, k) => (inputs[k % 2 === 0 ? `w${k / 2}` : `b${(k - 1) / 2}`] = p));
  const [y, ...hidden] = tf.engine().runKernel('SvecMlp', inputs, { activation, layers: weights.length } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  tf.dispose(hidden);
  return y as tf.Tensor3D;
}

// --- one step of the reverse chain ----------------------------------------------------------

/** The constants of one reverse step, as float32 values of the composed ops' scalars. */
export interface ReverseStepCoefficients {
  clip: boolean;
  /** clip: sqrt(1 - abar_k); else beta_k / sqrt(1 - abar_k) */
  c0: number;
  /** clip: 1 / sqrt(abar_k); else 1 / sqrt(alpha_k) */
  inv: number;
  /** clip only: sqrt(abar_{k-1}) beta_k / (1 - abar_k) and sqrt(alpha_k) (1 - abar_{k-1}) / (1 - abar_k) */
  cx0: number;
  cx: number;
  sigma: number;
}

function coefficientList(c: ReverseStepCoefficients, withSigma: boolean): number[] {
  const list = [c.clip ? 1 : 0, Math.fround(c.c0), Math.fround(c.inv), Math.fround(c.cx0), Math.fround(c.cx)];
  if (withSigma) list.push(Math.fround(c.sigma));
  return list;
}

function reverseStepKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, eps, z } = args.inputs as { x: tf.TensorInfo; eps: tf.TensorInfo; z?: tf.TensorInfo };
  const c = args.attrs as unknown as ReverseStepCoefficients;
  const out = backend.makeOutput([...x.shape], 'float32');
  const n = sizeOf(x.shape);
  if (n > 0) fused!.reverseStep(backend.wasm.HEAPF32, at(backend, x), at(backend, eps), z ? at(backend, z) : -1, n, at(backend, out), coefficientList(c, true));
  return out;
}

function reverseStepGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { x, eps, dy } = args.inputs as { x: tf.TensorInfo; eps: tf.TensorInfo; dy: tf.TensorInfo };
  const c = args.attrs as unknown as ReverseStepCoefficients;
  const dx = backend.makeOutput([...x.shape], 'float32');
  const deps = backend.makeOutput([...x.shape], 'float32');
  const n = sizeOf(x.shape);
  if (n > 0) fused!.reverseStepGrad(backend.wasm.HEAPF32, at(backend, x), at(backend, eps), at(backend, dy), n, at(backend, dx), at(backend, deps), coefficientList(c, false));
  return [dx, deps];
}

/**
 * x_{k-1} from x_k, the predicted noise and (except at k = 1) the fresh noise z, in one op;
 * differentiable w.r.t. x and eps (z is a constant). Call only when fusedOpsActive().
 */
export function reverseStep(x: tf.Tensor, eps: tf.Tensor, z: tf.Tensor | null, coefficients: ReverseStepCoefficients): tf.Tensor {
  const attrs = coefficients as unknown as tf.NamedAttrMap;
  const forward = (xs: tf.Tensor, es: tf.Tensor) => tf.engine().runKernel('SvecReverseStep', z ? { x: xs, eps: es, z } : { x: xs, eps: es }, attrs) as tf.Tensor;
  if (!tf.engine().isTapeOn()) return forward(x, eps);
  const op = tf.customGrad(((xs: tf.Tensor, es: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xs, es]);
    return {
      value: forward(xs, es),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel('SvecReverseStepGrad', { x: saved[0]!, eps: saved[1]!, dy }, attrs) as tf.Tensor[],
    };
  }) as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  return op(x, eps);
}

// --- optimizer step and soft update ---------------------------------------------------------

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

/** Whether `optimizer` is TF.js's Adam with the internals adamStepStacked drives. */
export function isTfAdam(optimizer: tf.Optimizer): boolean {
  const o = optimizer as unknown as Partial<AdamInternals>;
  return (
    optimizer.getClassName() === 'Adam' && Array.isArray(o.accumulatedFirstMoment) && Array.isArray(o.accumulatedSecondMoment) &&
    o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable && typeof o.incrementIterations === 'function'
  );
}

/** Per-group clip scales, as minimizeStacked's composed ops compute them: min(1, clip / (||g_group|| + 1e-12)). */
function clipScales(native: NativeFused, backend: WasmBackendLike, gradients: tf.Tensor[], groups: number, clip: number): Float32Array {
  const total = new Float32Array(groups); // addN: 0 + s_0 + s_1 + ... in float32
  const part = new Float32Array(groups);
  for (const g of gradients) {
    native.groupSquares(backend.wasm.HEAPF32, at(backend, g), g.size, groups, part);
    for (let k = 0; k < groups; k++) total[k] = Math.fround(total[k]! + part[k]!);
  }
  const scales = new Float32Array(groups);
  const tiny = Math.fround(1e-12);
  const limit = Math.fround(clip);
  for (let k = 0; k < groups; k++) {
    const norm = Math.fround(Math.sqrt(total[k]!));
    const scale = Math.fround(limit / Math.fround(norm + tiny));
    scales[k] = Math.min(1, scale); // NaN passes as NaN, like tf.minimum
  }
  return scales;
}

/**
 * One Adam step (TF.js's AdamOptimizer, driving its own state: moments, beta powers, iteration
 * count) over `variables` with `gradients`, each gradient first scaled per group by
 * min(1, clip / ||g_group||) when clip > 0. The new values are fresh tensors assigned to the
 * variables, as TF.js's optimizer does. Call only when fusedOpsActive() and isTfAdam().
 */
export function adamStepStacked(optimizer: tf.Optimizer, variables: tf.Variable[], gradients: tf.Tensor[], groups: number, clip: number): void {
  const native = fusedOpsActive()!;
  const adam = optimizer as unknown as AdamInternals;
  const backend = tf.backend() as unknown as WasmBackendLike;
  if (gradients.some((g) => g.dtype !== 'float32' || !(g.size % groups === 0))) throw new Error('adamStepStacked: float32 gradients with a whole number of elements per group expected');
  const scales = clip > 0 ? clipScales(native, backend, gradients, groups, clip) : null;
  const b1 = Math.fround(adam.beta1);
  const b2 = Math.fround(adam.beta2);
  const coefficients = [
    b1, Math.fround(1 - adam.beta1), b2, Math.fround(1 - adam.beta2),
    Math.fround(1 - adam.accBeta1.dataSync()[0]!), Math.fround(1 - adam.accBeta2.dataSync()[0]!), // sub(1, accBeta) in float32
    Math.fround(adam.epsilon), Math.fround(-adam.learningRate),
  ];
  variables.forEach((variable, i) => {
    // TF.js creates the moments on first use, as zeros, not trainable, named after the variable
    adam.accumulatedFirstMoment[i] ??= { originalName: `${variable.name}/m`, variable: tf.tidy(() => tf.zerosLike(variable).variable(false)) };
    adam.accumulatedSecondMoment[i] ??= { originalName: `${variable.name}/v`, variable: tf.tidy(() => tf.zerosLike(variable).variable(false)) };
    const m = adam.accumulatedFirstMoment[i]!.variable;
    const v = adam.accumulatedSecondMoment[i]!.variable;
    const g = gradients[i]!;
    const outs = [0, 1, 2].map(() => tf.engine().makeTensorFromTensorInfo(backend.makeOutput([...variable.shape], 'float32')));
    native.adamStep(
      backend.wasm.HEAPF32,
      [at(backend, g), at(backend, variable), at(backend, m), at(backend, v), ...outs.map((t) => at(backend, t))],
      variable.size, groups, scales, coefficients,
    );
    variable.assign(outs[0]!);
    m.assign(outs[1]!);
    v.assign(outs[2]!);
    tf.dispose(outs);
  });
  // accBeta <- accBeta beta (float32 products, as tf.mul)
  const [a1, a2] = [adam.accBeta1.dataSync()[0]!, adam.accBeta2.dataSync()[0]!];
  tf.tidy(() => {
    adam.accBeta1.assign(tf.scalar(Math.fround(a1 * b1)));
    adam.accBeta2.assign(tf.scalar(Math.fround(a2 * b2)));
  });
  adam.incrementIterations();
}

/** targets[k] <- (1 - tau) targets[k] + tau sources[k] in one native pass each. Call only when fusedOpsActive(). */
export function lerpVariables(targets: tf.Variable[], sources: tf.Tensor[], tau: number): void {
  const native = fusedOpsActive()!;
  const backend = tf.backend() as unknown as WasmBackendLike;
  const a = Math.fround(1 - tau);
  const b = Math.fround(tau);
  targets.forEach((t, k) => {
    const out = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([...t.shape], 'float32'));
    native.lerp(backend.wasm.HEAPF32, at(backend, t), at(backend, sources[k]!), at(backend, out), t.size, a, b);
    t.assign(out);
    out.dispose();
  });
}

// --- registration ---------------------------------------------------------------------------

const KERNELS: Record<string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
  SvecMlp: mlpForwardKernel,
  SvecMlpGrad: mlpBackwardKernel,
  SvecReverseStep: reverseStepKernel,
  SvecReverseStepGrad: reverseStepGradKernel,
};

/**
 * Registers the fused kernels in the wasm backend when the addon has the fused functions
 * (idempotent). Returns whether the fused ops are available.
 */
export function registerFusedKernels(): boolean {
  if (registered) return true;
  const blas = loadNativeBlas().blas as unknown as Partial<NativeFused> | null;
  if (!blas || FUSED_FUNCTIONS.some((name) => typeof blas[name] !== 'function')) return false;
  fused = blas as NativeFused;
  for (const [name, kernelFunc] of Object.entries(KERNELS)) {
    if (!tf.getKernel(name, 'wasm')) tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  registered = true;
  return true;
}
