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
// bit-identical to the composed ops; tanh and mish layers use the addon's vectorized tanh and exp
// (Cephes') and a closed-form mish derivative, and the chain's tanh bound uses fdlibm's tanhf
// (native/tanhf_fdlibm.h, test/nn/tanhf.test.ts), which differ from TF.js's in the last bits.
// test/nn/fusedOps.test.ts checks both.
import * as tf from '@tensorflow/tfjs';
import { heapIndex, loadNativeBlas, nativeMatMulKernelsInstalled, sizeOf, type KernelArgs, type NativeBlas, type WasmBackendLike } from './nativeKernels.ts';

/** The addon's fused-layer functions (native/svec_blas.c), beside its strided sgemm. */
export interface NativeFused extends Pick<NativeBlas, 'sgemmStrided'> {
  biasAct(kind: number, heap: Float32Array, z: number, bias: number, biasStride: number, groups: number, rows: number, cols: number, h: number): void;
  actGrad(kind: number, heap: Float32Array, dy: number, saved: number, n: number, dz: number): void;
  biasGrad(heap: Float32Array, dz: number, groups: number, rows: number, cols: number, db: number): void;
  groupSquares(heap: Float32Array, g: number, n: number, groups: number, out: Float32Array): void;
  adamStep(heap: Float32Array, offsets: number[], n: number, groups: number, scales: Float32Array | null, coefficients: number[]): void;
  lerp(heap: Float32Array, t: number, v: number, out: number, n: number, a: number, b: number): void;
  reverseStep(heap: Float32Array, x: number, eps: number, z: number, n: number, out: number, coefficients: number[], bounded: number): void;
  reverseStepGrad(heap: Float32Array, x: number, eps: number, dout: number, n: number, dx: number, deps: number, coefficients: number[], bounded: number): void;
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
//
// The first layer's input comes in column parts: part p fills input columns
// [column_p, column_p + width_p) and is [G, R, width_p], or [1, R, width_p] (the same rows for
// every group: a joint observation for N critics), or [G or 1, 1, width_p] (the same row for every
// row: a step embedding). Its share of the first layer is part_p W[column_p .. + width_p), summed
// over the parts (in part order) and the bias: the product of the concatenated, tiled input
// without building it. A single full part is the plain MLP (then the arithmetic is exactly that of
// the composed ops). Parts marked constant get no gradient (their values are data).

/** Where one part sits and how it broadcasts. */
export interface PartLayout {
  column: number;
  width: number;
  /** 1 (broadcast over groups) or G */
  groups: number;
  /** 1 (broadcast over rows) or R */
  rows: number;
}

interface MlpAttrs {
  activation: FusedActivation;
  layers: number;
  /** the parts' layouts, in input order p0, p1, ... */
  parts: PartLayout[];
  /** [G, R]: the output's groups and rows */
  groups: number;
  rows: number;
}

/** Heap element offset of a tensor (valid across heap growth: offsets do not move). */
const at = (backend: WasmBackendLike, t: tf.TensorInfo) => heapIndex(backend, t);

/** Element offset of group g of a [groups, ...] tensor whose groups are `stride` apart (groups 1: broadcast). */
const groupAt = (base: number, groups: number, stride: number, g: number) => base + (groups === 1 ? 0 : g * stride);

/**
 * Whether a stacked MLP runs layer by layer for all groups at once (one native call per layer:
 * less call overhead) instead of group by group (each group's chain of layers before the next:
 * its weights and activations stay in cache). Layer-major when one layer's activations for all
 * groups are small (at most 1 MiB: H = 64, B = 64 at N = 20 is 320 KiB) and no part broadcasts
 * over rows. Either order makes the same sgemm, bias and activation calls on the same numbers.
 */
function layerMajor(attrs: MlpAttrs, widths: number[]): boolean {
  const { groups: G, rows: R, layers } = attrs;
  if (attrs.parts.some((p) => p.rows === 1 && R !== 1)) return false;
  const widest = Math.max(...widths.slice(1, layers + 1));
  return G > 1 && G * R * widest * 4 <= layerMajorBytes;
}
let layerMajorBytes = 1 << 20;

/** Sets the layer-major limit in bytes (0: always group by group); returns the previous one. For tests and benchmarks. */
export function setLayerMajorLimit(bytes: number): number {
  const previous = layerMajorBytes;
  layerMajorBytes = bytes;
  return previous;
}

/**
 * SvecMlp: inputs p0.. (the first layer's parts), w0 [G, in, h1], b0 [G, 1, h1], w1, b1, ...
 * Outputs: y, then the hidden activations h_l [G, R, h_{l+1}] (l < L - 1), then for mish their
 * inputs z_l. Each group runs all its layers before the next group starts, so that one agent's
 * weights and activations stay in cache (at H = 256 the N agents' layer would not fit); every
 * product is the same sgemm call either way.
 */
function mlpForwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const native = fused!;
  const backend = args.backend as WasmBackendLike;
  const attrs = args.attrs as unknown as MlpAttrs;
  const { activation, layers, groups: G, rows: R } = attrs;
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const parts = attrs.parts.map((_, k) => inputs[`p${k}`]!);
  const ws = Array.from({ length: layers }, (_, l) => inputs[`w${l}`]!);
  const bs = Array.from({ length: layers }, (_, l) => inputs[`b${l}`]!);
  const widths = [ws[0]!.shape[1]!, ...ws.map((w) => w.shape[2]!)];
  const mish = activation === 'mish';
  const y = backend.makeOutput([G, R, widths[layers]!], 'float32');
  const hidden = Array.from({ length: layers - 1 }, (_, l) => backend.makeOutput([G, R, widths[l + 1]!], 'float32'));
  const pre = mish ? Array.from({ length: layers - 1 }, (_, l) => backend.makeOutput([G, R, widths[l + 1]!], 'float32')) : [];
  // the first layer's bias with the row-broadcast parts' products folded in, one row per group
  const rowParts = R === 1 ? [] : attrs.parts.map((layout, k) => ({ layout, k })).filter(({ layout }) => layout.rows === 1);
  const h1 = widths[1]!;
  const foldedBias = rowParts.length > 0 ? backend.makeOutput([G, h1], 'float32') : null;
  if (G * R > 0) {
    const heap = backend.wasm.HEAPF32; // after every allocation
    const kind = activationKind[activation];
    const W = ws.map((w) => at(backend, w));
    const Bi = bs.map((b) => at(backend, b));
    const P = parts.map((p) => at(backend, p));
    const Y = at(backend, y);
    const Hd = hidden.map((h) => at(backend, h));
    const Z = pre.map((z) => at(backend, z));
    const folded = foldedBias ? at(backend, foldedBias) : -1;
    for (let g = 0; foldedBias && g < G; g++) {
      const bias = groupAt(Bi[0]!, bs[0]!.shape[0]!, h1, g);
      heap.copyWithin(folded + g * h1, bias, bias + h1);
      for (const { layout, k } of rowParts) {
        const w = groupAt(W[0]!, ws[0]!.shape[0]!, widths[0]! * h1, g) + layout.column * h1;
        native.sgemmStrided(false, false, 1, 1, h1, layout.width, heap, groupAt(P[k]!, layout.groups, layout.width, g), 0, heap, w, 0, heap, folded + g * h1, 0, 1);
      }
    }
    /** Every layer for groups [g0, g0 + count), one native call per layer (and part) for them all. */
    const forwardGroups = (g0: number, count: number) => {
      for (let l = 0; l < layers; l++) {
        const fanIn = widths[l]!;
        const fanOut = widths[l + 1]!;
        const last = l === layers - 1;
        const wGroups = ws[l]!.shape[0]!;
        const w = groupAt(W[l]!, wGroups, fanIn * fanOut, g0);
        const wStride = wGroups === 1 ? 0 : fanIn * fanOut;
        const product = (last ? Y : mish ? Z[l]! : Hd[l]!) + g0 * R * fanOut;
        if (l === 0) {
          let first = true;
          attrs.parts.forEach((layout, k) => {
            if (layout.rows === 1 && R !== 1) return; // folded into the bias
            const part = groupAt(P[k]!, layout.groups, R * layout.width, g0);
            const partStride = layout.groups === 1 ? 0 : R * layout.width;
            native.sgemmStrided(
              false,
              false,
              count,
              R,
              fanOut,
              layout.width,
              heap,
              part,
              partStride,
              heap,
              w + layout.column * fanOut,
              wStride,
              heap,
              product,
              R * fanOut,
              first ? 0 : 1,
            );
            first = false;
          });
          if (first) heap.fill(0, product, product + count * R * fanOut);
        } else {
          native.sgemmStrided(false, false, count, R, fanOut, fanIn, heap, Hd[l - 1]! + g0 * R * fanIn, R * fanIn, heap, w, wStride, heap, product, R * fanOut);
        }
        const bGroups = bs[l]!.shape[0]!;
        const [bias, biasStride] = l === 0 && foldedBias ? [folded + g0 * h1, h1] : [groupAt(Bi[l]!, bGroups, fanOut, g0), bGroups === 1 ? 0 : fanOut];
        native.biasAct(last ? 0 : kind, heap, product, bias, biasStride, count, R, fanOut, last ? product : Hd[l]! + g0 * R * fanOut);
      }
    };
    if (layerMajor(attrs, widths)) forwardGroups(0, G);
    else for (let g = 0; g < G; g++) forwardGroups(g, 1);
  }
  if (foldedBias) (backend as unknown as tf.KernelBackend).disposeData(foldedBias.dataId);
  return [y, ...hidden, ...pre];
}

/**
 * SvecMlpGrad: inputs dy, p0.. (every part), w0..w_{L-1}, h0..h_{L-2} (and z0.. for mish); attrs
 * as SvecMlp plus `grads`: which parts want a gradient (those must be [G, R, width]). Outputs:
 * the wanted parts' gradients, then dw0, db0, dw1, db1, ... The products are the ones TF.js's
 * BatchMatMul gradient makes (dW = a^T dy, da = dy W^T), bias gradients sum the rows in order;
 * in the same order as the forward kernel (layerMajor).
 */
function mlpBackwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const native = fused!;
  const backend = args.backend as WasmBackendLike;
  const attrs = args.attrs as unknown as MlpAttrs & { grads: boolean[]; paramGrads: boolean };
  const paramGrads = attrs.paramGrads;
  const { activation, layers, groups: G, rows: R } = attrs;
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const parts = attrs.parts.map((_, k) => inputs[`p${k}`]!);
  const dy = inputs.dy!;
  const ws = Array.from({ length: layers }, (_, l) => inputs[`w${l}`]!);
  const hs = Array.from({ length: layers - 1 }, (_, l) => inputs[`h${l}`]!);
  const zs = activation === 'mish' ? Array.from({ length: layers - 1 }, (_, l) => inputs[`z${l}`]!) : hs;
  const widths = [ws[0]!.shape[1]!, ...ws.map((w) => w.shape[2]!)];
  for (const w of ws) if (w.shape[0] !== G) throw new Error(`SvecMlpGrad: weights with ${w.shape[0]} groups for an output with ${G}`);
  const partGrads = attrs.parts.map((layout, k) => (attrs.grads[k] ? backend.makeOutput([G, R, layout.width], 'float32') : null));
  const grads: tf.TensorInfo[] = [];
  for (let l = 0; paramGrads && l < layers; l++) {
    grads.push(backend.makeOutput([...ws[l]!.shape], 'float32'), backend.makeOutput([G, 1, widths[l + 1]!], 'float32'));
  }
  // two scratch buffers for the gradient w.r.t. each hidden layer's pre-activation, of one group
  // (or, layer-major, of every group)
  const widest = Math.max(...widths.slice(1, layers));
  const byLayer = layerMajor(attrs, widths);
  const span = (byLayer ? G : 1) * R * widest;
  const scratch = layers > 1 ? [backend.makeOutput([span], 'float32'), backend.makeOutput([span], 'float32')] : [];
  const heap = backend.wasm.HEAPF32;
  const kind = activationKind[activation];
  const W = ws.map((w) => at(backend, w));
  const Hs = hs.map((h) => at(backend, h));
  const Zs = zs.map((z) => at(backend, z));
  const P = parts.map((p) => at(backend, p));
  const S = scratch.map((t) => at(backend, t));
  const out = widths[layers]!;
  /** The gradient of groups [g0, g0 + count), one native call per layer (and part) for them all. */
  const backwardGroups = (g0: number, count: number) => {
    let grad = at(backend, dy) + g0 * R * out; // gradient w.r.t. layer l's output before activation
    for (let l = layers - 1; l >= 0; l--) {
      const fanIn = widths[l]!;
      const fanOut = widths[l + 1]!;
      // frozen weights (paramGrads false): only the gradient w.r.t. the input flows back
      const dw = paramGrads ? at(backend, grads[2 * l]!) + g0 * fanIn * fanOut : -1;
      const db = paramGrads ? at(backend, grads[2 * l + 1]!) + g0 * fanOut : -1;
      const w = W[l]! + g0 * fanIn * fanOut;
      if (paramGrads) native.biasGrad(heap, grad, count, R, fanOut, db);
      if (l > 0) {
        const input = Hs[l - 1]! + g0 * R * fanIn;
        if (paramGrads) native.sgemmStrided(true, false, count, fanIn, fanOut, R, heap, input, R * fanIn, heap, grad, R * fanOut, heap, dw, fanIn * fanOut);
        const target = S[l % 2]!;
        native.sgemmStrided(false, true, count, R, fanIn, fanOut, heap, grad, R * fanOut, heap, w, fanIn * fanOut, heap, target, R * fanIn);
        native.actGrad(kind, heap, target, Zs[l - 1]! + g0 * R * fanIn, count * R * fanIn, target);
        grad = target;
        continue;
      }
      attrs.parts.forEach((layout, k) => {
        const rowsBroadcast = layout.rows === 1 && R !== 1;
        const partRows = rowsBroadcast ? 1 : R;
        const part = groupAt(P[k]!, layout.groups, partRows * layout.width, g0);
        const partStride = layout.groups === 1 ? 0 : partRows * layout.width;
        // dW rows of this part: part^T g, or part^T (rows of g summed) = part^T db when broadcast over rows
        if (paramGrads) {
          const [dOut, dOutStride] = rowsBroadcast ? [db, fanOut] : [grad, R * fanOut];
          native.sgemmStrided(
            true,
            false,
            count,
            layout.width,
            fanOut,
            partRows,
            heap,
            part,
            partStride,
            heap,
            dOut,
            dOutStride,
            heap,
            dw + layout.column * fanOut,
            fanIn * fanOut,
          );
        }
        const dp = partGrads[k];
        if (dp) {
          const dpAt = at(backend, dp) + g0 * R * layout.width;
          native.sgemmStrided(false, true, count, R, layout.width, fanOut, heap, grad, R * fanOut, heap, w + layout.column * fanOut, fanIn * fanOut, heap, dpAt, R * layout.width);
        }
      });
    }
  };
  if (byLayer) backwardGroups(0, G);
  else for (let g = 0; g < G; g++) backwardGroups(g, 1);
  for (const s of scratch) (backend as unknown as tf.KernelBackend).disposeData(s.dataId);
  return [...partGrads.filter((t): t is tf.TensorInfo => t !== null), ...grads];
}

/** One part of the first layer's input (see the comment above the kernels). */
export interface MlpPart {
  /** [G, R, width], [1, R, width] or [G or 1, 1, width] */
  x: tf.Tensor3D;
  /** no gradient w.r.t. x: it is data (its share of the weight gradient still counts) */
  constant?: boolean;
}

function kernelInputs(parts: tf.Tensor[], params: tf.Tensor[]): tf.NamedTensorMap {
  const inputs: tf.NamedTensorMap = {};
  parts.forEach((p, k) => (inputs[`p${k}`] = p));
  params.forEach((p, k) => (inputs[k % 2 === 0 ? `w${k / 2}` : `b${(k - 1) / 2}`] = p));
  return inputs;
}

/**
 * A stacked MLP in one fused op: the first layer's input as column parts (MlpPart),
 * weights[l] [G, in_l, out_l], biases[l] [G, 1, out_l]; hidden layers activated, the last linear;
 * output [G, R, out]. Differentiable w.r.t. every weight and bias (unless `frozen`) and the
 * non-constant parts (which must be [G, R, width]). `frozen`: the weights are constants of the
 * op, so its gradient skips their products (PyTorch's requires_grad_(False) on a critic that is
 * differentiated only for its input); what it does compute is unchanged, bit for bit.
 * Call only when fusedOpsActive().
 */
export function stackedMlpPartsForward(
  parts: MlpPart[],
  weights: tf.Tensor[],
  biases: tf.Tensor[],
  activation: FusedActivation,
  groups: number,
  rows: number,
  frozen = false,
): tf.Tensor3D {
  const layouts: PartLayout[] = [];
  let column = 0;
  for (const part of parts) {
    const [pg, pr, width] = part.x.shape;
    if ((pg !== 1 && pg !== groups) || (pr !== 1 && pr !== rows)) throw new Error(`MLP input part of shape [${part.x.shape}] does not broadcast to [${groups}, ${rows}, ${width}]`);
    if (!part.constant && (pg !== groups || pr !== rows))
      throw new Error(`a differentiated MLP input part must be [${groups}, ${rows}, ${width}], got [${part.x.shape}] (mark broadcast parts constant)`);
    layouts.push({ column, width, groups: pg, rows: pr });
    column += width;
  }
  if (column !== weights[0]!.shape[1]) throw new Error(`MLP input parts give ${column} columns, the first layer takes ${weights[0]!.shape[1]}`);
  const params = weights.flatMap((w, l) => [w, biases[l]!]);
  const layers = weights.length;
  const attrs = { activation, layers, parts: layouts, groups, rows };
  const tensors = parts.map((p) => p.x);
  const wanted = parts.map((p) => !p.constant);
  if (!tf.engine().isTapeOn() || (frozen && !wanted.some(Boolean))) {
    // no gradient wanted: the kernel alone, hidden activations dropped at once
    const [y, ...hidden] = tf.engine().runKernel('SvecMlp', kernelInputs(tensors, params), attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    tf.dispose(hidden);
    return y as tf.Tensor3D;
  }
  // On the tape: the non-constant parts and (unless frozen) the parameters are the op's inputs;
  // the constant parts are saved for the weight gradient.
  const trained = frozen ? [] : params;
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const given = args as tf.Tensor[];
    const differentiated = given.slice(0, given.length - trained.length);
    const ps = frozen ? params : given.slice(given.length - params.length);
    let next = 0;
    const all = parts.map((p) => (p.constant ? p.x : differentiated[next++]!));
    const [y, ...hidden] = tf.engine().runKernel('SvecMlp', kernelInputs(all, ps), attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    save([...all, ...ps.filter((_, k) => k % 2 === 0), ...hidden]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const gradInputs: tf.NamedTensorMap = { dy };
        saved.slice(0, parts.length).forEach((t, k) => (gradInputs[`p${k}`] = t));
        const rest = saved.slice(parts.length);
        for (let l = 0; l < layers; l++) gradInputs[`w${l}`] = rest[l]!;
        const savedHidden = rest.slice(layers);
        for (let l = 0; l < layers - 1; l++) gradInputs[`h${l}`] = savedHidden[l]!;
        if (activation === 'mish') for (let l = 0; l < layers - 1; l++) gradInputs[`z${l}`] = savedHidden[layers - 1 + l]!;
        return tf.engine().runKernel('SvecMlpGrad', gradInputs, { ...attrs, grads: wanted, paramGrads: !frozen } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]) as unknown as (...tensors: tf.Tensor[]) => tf.Tensor;
  return op(...parts.filter((p) => !p.constant).map((p) => p.x), ...trained) as tf.Tensor3D;
}

/**
 * A stacked MLP in one fused op: x [G, R, in], weights[l] [G, in_l, out_l], biases[l] [G, 1, out_l];
 * hidden layers activated, the last linear. Differentiable w.r.t. x and every weight and bias,
 * except what `use` says is not needed. Call only when fusedOpsActive() (the caller keeps the composed ops otherwise).
 */
export function stackedMlpForward(x: tf.Tensor3D, weights: tf.Tensor[], biases: tf.Tensor[], activation: FusedActivation, use: MlpUse = {}): tf.Tensor3D {
  return stackedMlpPartsForward([{ x, constant: use.inputIsData }], weights, biases, activation, x.shape[0], x.shape[1], use.frozen);
}

/** Which gradients a use of an MLP needs: both default to false (every gradient). */
export interface MlpUse {
  /** the input is data (a replayed critic input): no gradient w.r.t. it */
  inputIsData?: boolean;
  /** the weights are not trained by this use (a critic in the actor step): no gradient w.r.t. them */
  frozen?: boolean;
}

// --- one step of the reverse chain ----------------------------------------------------------

/** The constants of one reverse step, as float32 values of the composed ops' scalars. */
export interface ReverseStepCoefficients {
  /** how the predicted x_0 is bounded: 0 none (the noise form), 1 clip, 2 tanh */
  bound: 0 | 1 | 2;
  /** bounded: sqrt(1 - abar_k); else beta_k / sqrt(1 - abar_k) */
  c0: number;
  /** clip: 1 / sqrt(abar_k); else 1 / sqrt(alpha_k) */
  inv: number;
  /** clip only: sqrt(abar_{k-1}) beta_k / (1 - abar_k) and sqrt(alpha_k) (1 - abar_{k-1}) / (1 - abar_k) */
  cx0: number;
  cx: number;
  sigma: number;
}

function coefficientList(c: ReverseStepCoefficients, withSigma: boolean): number[] {
  const list = [c.bound, Math.fround(c.c0), Math.fround(c.inv), Math.fround(c.cx0), Math.fround(c.cx)];
  if (withSigma) list.push(Math.fround(c.sigma));
  return list;
}

/** SvecReverseStep: outputs x_{k-1}, then (attr keepBounded, tanh bound only) the step's tanh values for the gradient. */
function reverseStepKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { x, eps, z } = args.inputs as { x: tf.TensorInfo; eps: tf.TensorInfo; z?: tf.TensorInfo };
  const c = args.attrs as unknown as ReverseStepCoefficients & { keepBounded?: boolean };
  const out = backend.makeOutput([...x.shape], 'float32');
  const bounded = c.keepBounded ? backend.makeOutput([...x.shape], 'float32') : null;
  const n = sizeOf(x.shape);
  if (n > 0) {
    fused!.reverseStep(
      backend.wasm.HEAPF32,
      at(backend, x),
      at(backend, eps),
      z ? at(backend, z) : -1,
      n,
      at(backend, out),
      coefficientList(c, true),
      bounded ? at(backend, bounded) : -1,
    );
  }
  return bounded ? [out, bounded] : [out];
}

/** SvecReverseStepGrad: inputs x, eps, dy and (tanh bound) the forward's tanh values `bounded`; outputs dx, deps. */
function reverseStepGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { x, eps, dy, bounded } = args.inputs as { x: tf.TensorInfo; eps: tf.TensorInfo; dy: tf.TensorInfo; bounded?: tf.TensorInfo };
  const c = args.attrs as unknown as ReverseStepCoefficients;
  const dx = backend.makeOutput([...x.shape], 'float32');
  const deps = backend.makeOutput([...x.shape], 'float32');
  const n = sizeOf(x.shape);
  if (n > 0) {
    fused!.reverseStepGrad(
      backend.wasm.HEAPF32,
      at(backend, x),
      at(backend, eps),
      at(backend, dy),
      n,
      at(backend, dx),
      at(backend, deps),
      coefficientList(c, false),
      bounded ? at(backend, bounded) : -1,
    );
  }
  return [dx, deps];
}

/**
 * x_{k-1} from x_k, the predicted noise and (except at k = 1) the fresh noise z, in one op;
 * differentiable w.r.t. x and eps (z is a constant). Call only when fusedOpsActive().
 */
export function reverseStep(x: tf.Tensor, eps: tf.Tensor, z: tf.Tensor | null, coefficients: ReverseStepCoefficients): tf.Tensor {
  const attrs = coefficients as unknown as tf.NamedAttrMap;
  const forward = (xs: tf.Tensor, es: tf.Tensor, keepBounded: boolean) =>
    tf.engine().runKernel('SvecReverseStep', z ? { x: xs, eps: es, z } : { x: xs, eps: es }, { ...attrs, keepBounded }) as unknown as tf.Tensor[];
  if (!tf.engine().isTapeOn()) return forward(x, eps, false)[0]!;
  // under tanh the forward keeps its tanh values, so the gradient need not compute them again
  const keepBounded = coefficients.bound === 2;
  const op = tf.customGrad(((xs: tf.Tensor, es: tf.Tensor, save: tf.GradSaveFunc) => {
    const [out, bounded] = forward(xs, es, keepBounded);
    save(bounded ? [xs, es, bounded] : [xs, es]);
    return {
      value: out!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel('SvecReverseStepGrad', saved[2] ? { x: saved[0]!, eps: saved[1]!, dy, bounded: saved[2] } : { x: saved[0]!, eps: saved[1]!, dy }, attrs) as tf.Tensor[],
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
    optimizer.getClassName() === 'Adam' &&
    Array.isArray(o.accumulatedFirstMoment) &&
    Array.isArray(o.accumulatedSecondMoment) &&
    o.accBeta1 instanceof tf.Variable &&
    o.accBeta2 instanceof tf.Variable &&
    typeof o.incrementIterations === 'function'
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
  if (gradients.some((g) => g.dtype !== 'float32' || !(g.size % groups === 0)))
    throw new Error('adamStepStacked: float32 gradients with a whole number of elements per group expected');
  const scales = clip > 0 ? clipScales(native, backend, gradients, groups, clip) : null;
  const b1 = Math.fround(adam.beta1);
  const b2 = Math.fround(adam.beta2);
  const coefficients = [
    b1,
    Math.fround(1 - adam.beta1),
    b2,
    Math.fround(1 - adam.beta2),
    Math.fround(1 - adam.accBeta1.dataSync()[0]!),
    Math.fround(1 - adam.accBeta2.dataSync()[0]!), // sub(1, accBeta) in float32
    Math.fround(adam.epsilon),
    Math.fround(-adam.learningRate),
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
      variable.size,
      groups,
      scales,
      coefficients,
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
