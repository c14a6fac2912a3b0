// Data-movement kernels for TF.js's WebAssembly backend, written as block copies on the heap.
//
// TF.js 4.22's wasm Tile computes a multi-index per output element: ~37 ns an element here, so
// tiling a DMADRL critic's joint input to all N = 20 critics ([1, 64, 200] -> [20, 64, 200], 19
// times per update round) took 35 of the round's 74 ms (bench/update-profile.ts). Its Concat,
// Slice and SplitV (slices) copy row by row in JavaScript, and Identity (every tensor a gradient
// tape saves is cloned through it) copies the whole tensor. Here:
//   - Tile: a few memmoves (TypedArray.copyWithin, raw bytes) per contiguous block, doubling the
//     filled part for repetitions;
//   - Concat, Slice, SplitV: strided block copies in one native call (the addon's copy3d) per
//     part, or copyWithin per row without the addon;
//   - Transpose: one copy3d call where the permutation, its axes merged, needs at most two loops
//     around a contiguous run (MADDPG-RA's attention heads: [N, B, h, d] <-> [B, h, N, d]); TF.js's
//     own kernel otherwise, and without the addon;
//   - Identity: shares the input's data (reference counted, as the cpu backend does): TF.js
//     tensors are immutable and no kernel writes into its inputs.
// Results are bit-identical to TF.js's kernels (test/nn/copyKernels.test.ts compares them).
import * as tf from '@tensorflow/tfjs';
import { loadNativeBlas, sizeOf, type KernelArgs, type WasmBackendLike } from './nativeKernels.ts';

/** The addon's strided copy (native/svec_blas.c), in 4-byte elements. */
interface NativeCopy {
  copy3d(heap: Float32Array, src: number, srcStride0: number, srcStride1: number, dst: number, dstStride0: number, dstStride1: number, n0: number, n1: number, width: number): void;
}

function nativeCopy(): NativeCopy | null {
  const blas = loadNativeBlas().blas as unknown as Partial<NativeCopy> | null;
  return blas && typeof blas.copy3d === 'function' ? (blas as NativeCopy) : null;
}

/** Element size in bytes of the dtypes handled here; others go to TF.js's own kernel. */
function elementBytes(dtype: tf.DataType): number | null {
  return dtype === 'float32' || dtype === 'int32' ? 4 : null;
}

/** Byte offset of a tensor's data on the heap. */
function byteOffset(backend: WasmBackendLike, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/** The heap as bytes, taken after every allocation (a growing heap detaches the old view). */
function heapBytes(backend: WasmBackendLike): Uint8Array {
  const f32 = backend.wasm.HEAPF32;
  return new Uint8Array(f32.buffer, 0, f32.buffer.byteLength);
}

/** Copies [start, start + block) to the `copies - 1` blocks after it, doubling the filled span. */
function repeatBlock(heap: Uint8Array, start: number, block: number, copies: number): void {
  const total = block * copies;
  for (let filled = block; filled < total; filled *= 2) heap.copyWithin(start + filled, start, start + Math.min(filled, total - filled));
}

/**
 * out = tile(x, reps), both row-major, in bytes. From the outermost axis in: the rows of axis
 * `axis` are written (recursively), then that span is repeated reps[axis] times. Where the
 * remaining axes are not repeated, their span is one contiguous copy.
 */
export function tileBytes(heap: Uint8Array, src: number, shape: readonly number[], reps: readonly number[], dst: number, bytes: number): void {
  const rank = shape.length;
  const inStride = new Array<number>(rank + 1).fill(bytes);
  const outStride = new Array<number>(rank + 1).fill(bytes);
  for (let a = rank - 1; a >= 0; a--) {
    inStride[a] = inStride[a + 1]! * shape[a]!;
    outStride[a] = outStride[a + 1]! * shape[a]! * reps[a]!;
  }
  // firstRepeated: axes from here on are not repeated, so an input block there is contiguous in both
  let firstRepeated = rank;
  while (firstRepeated > 0 && reps[firstRepeated - 1] === 1) firstRepeated--;
  const fill = (axis: number, s: number, d: number): void => {
    if (axis >= firstRepeated) {
      heap.copyWithin(d, s, s + inStride[axis]!);
      return;
    }
    const rowIn = inStride[axis + 1]!;
    const rowOut = outStride[axis + 1]!;
    for (let i = 0; i < shape[axis]!; i++) fill(axis + 1, s + i * rowIn, d + i * rowOut);
    repeatBlock(heap, d, shape[axis]! * rowOut, reps[axis]!);
  };
  fill(0, src, dst);
}

function nativeTile(original: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { reps } = args.attrs as unknown as { reps: number[] };
  const bytes = elementBytes(x.dtype);
  if (bytes === null || reps.length !== x.shape.length) return original.kernelFunc(args as never) as tf.TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const outShape = x.shape.map((d, a) => d * reps[a]!);
  const out = backend.makeOutput(outShape, x.dtype as 'float32');
  if (sizeOf(outShape) === 0) return out;
  tileBytes(heapBytes(backend), byteOffset(backend, x), x.shape, reps, byteOffset(backend, out), bytes);
  return out;
}

function nativeConcat(original: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const inputs = Object.values(args.inputs) as tf.TensorInfo[];
  const { axis } = args.attrs as unknown as { axis: number | number[] };
  const first = inputs[0];
  if (!first) return original.kernelFunc(args as never) as tf.TensorInfo;
  const bytes = elementBytes(first.dtype);
  const rank = first.shape.length;
  const along = tf.util.parseAxisParam(axis, first.shape)[0]!;
  const sameKind = inputs.every((t) => t.dtype === first.dtype && t.shape.length === rank && t.shape.every((d, a) => a === along || d === first.shape[a]));
  if (bytes === null || rank === 0 || !sameKind) return original.kernelFunc(args as never) as tf.TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const outShape = first.shape.slice();
  outShape[along] = inputs.reduce((sum, t) => sum + t.shape[along]!, 0);
  const out = backend.makeOutput(outShape, first.dtype as 'float32');
  if (sizeOf(outShape) === 0) return out;
  // [outer, inner] view: rows = product of dims before the axis; each input contributes a run of
  // shape[axis] * (dims after the axis) elements to every row.
  const outer = sizeOf(first.shape.slice(0, along));
  const inner = sizeOf(first.shape.slice(along + 1));
  const rowOut = outShape[along]! * inner;
  const native = nativeCopy();
  let column = 0;
  if (native) {
    const heap = backend.wasm.HEAPF32;
    const dst = byteOffset(backend, out) / 4;
    for (const t of inputs) {
      const run = t.shape[along]! * inner;
      if (run > 0) native.copy3d(heap, byteOffset(backend, t) / 4, run, 0, dst + column, rowOut, 0, outer, 1, run);
      column += run;
    }
    return out;
  }
  const heap = heapBytes(backend);
  const dst = byteOffset(backend, out);
  for (const t of inputs) {
    const run = t.shape[along]! * inner * bytes;
    if (run > 0) {
      const src = byteOffset(backend, t);
      for (let r = 0; r < outer; r++) heap.copyWithin(dst + r * rowOut * bytes + column, src + r * run, src + (r + 1) * run);
    }
    column += run;
  }
  return out;
}

/**
 * A slice as at most two strided loops around one contiguous run (the trailing axes taken whole
 * merge into the run), or null when it needs more loops.
 */
function sliceGeometry(shape: readonly number[], begin: readonly number[], size: readonly number[]): { offset: number; loops: [number, number, number][]; width: number } | null {
  const rank = shape.length;
  const inStrides = new Array<number>(rank).fill(1);
  const outStrides = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) {
    inStrides[a] = inStrides[a + 1]! * shape[a + 1]!;
    outStrides[a] = outStrides[a + 1]! * size[a + 1]!;
  }
  let offset = 0;
  for (let a = 0; a < rank; a++) offset += begin[a]! * inStrides[a]!;
  let a = rank - 1;
  let width = rank > 0 ? size[a]! : 1;
  while (a > 0 && size[a] === shape[a]) {
    a--;
    width *= size[a]!;
  }
  const loops: [number, number, number][] = [];
  for (let d = 0; d < a; d++) if (size[d] !== 1) loops.push([size[d]!, inStrides[d]!, outStrides[d]!]);
  if (rank === 0) return { offset: 0, loops: [], width: 1 };
  return loops.length <= 2 ? { offset, loops, width } : null;
}

function sliceInto(native: NativeCopy, backend: WasmBackendLike, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo | null {
  const geometry = sliceGeometry(x.shape, begin, size);
  if (!geometry) return null;
  const out = backend.makeOutput(size, x.dtype as 'float32');
  if (sizeOf(size) === 0) return out;
  const [outer, inner] = [geometry.loops[0] ?? [1, 0, 0], geometry.loops[1] ?? [1, 0, 0]];
  native.copy3d(
    backend.wasm.HEAPF32,
    byteOffset(backend, x) / 4 + geometry.offset,
    outer[1],
    inner[1],
    byteOffset(backend, out) / 4,
    outer[2],
    inner[2],
    outer[0],
    inner[0],
    geometry.width,
  );
  return out;
}

function nativeSlice(original: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const native = nativeCopy();
  if (native && elementBytes(x.dtype) !== null) {
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const out = sliceInto(native, args.backend as WasmBackendLike, x, begin_, size_);
    if (out) return out;
  }
  return original.kernelFunc(args as never) as tf.TensorInfo;
}

function nativeSplitV(original: tf.KernelConfig, args: KernelArgs): tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const native = nativeCopy();
  if (!native || elementBytes(x.dtype) === null) return original.kernelFunc(args as never) as tf.TensorInfo[];
  const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const along = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, along);
  const begin = new Array<number>(x.shape.length).fill(0);
  const outs: tf.TensorInfo[] = [];
  for (const s of sizes) {
    const size = x.shape.slice();
    size[along] = s;
    const out = sliceInto(native, args.backend as WasmBackendLike, x, begin.slice(), size);
    if (!out) {
      for (const done of outs) (args.backend as unknown as tf.KernelBackend).disposeData(done.dataId);
      return original.kernelFunc(args as never) as tf.TensorInfo[];
    }
    outs.push(out);
    begin[along]! += s;
  }
  return outs;
}

/**
 * A transpose as at most two strided loops around one contiguous run, or null when it needs more
 * loops. Output axes of size 1 drop out; neighbouring output axes merge where the input holds them
 * in the same order (the outer one's input stride is the inner one's times its size); a last axis
 * with input stride 1 is the run (else runs of one element).
 */
export function transposeGeometry(shape: readonly number[], perm: readonly number[]): { loops: [number, number, number][]; width: number } | null {
  const inStrides = new Array<number>(shape.length).fill(1);
  for (let a = shape.length - 2; a >= 0; a--) inStrides[a] = inStrides[a + 1]! * shape[a + 1]!;
  const axes: { size: number; stride: number }[] = [];
  for (const p of perm) {
    const size = shape[p]!;
    if (size === 1) continue;
    const last = axes[axes.length - 1];
    if (last && last.stride === inStrides[p]! * size) {
      last.size *= size;
      last.stride = inStrides[p]!;
    } else axes.push({ size, stride: inStrides[p]! });
  }
  let width = 1;
  if (axes.length > 0 && axes[axes.length - 1]!.stride === 1) width = axes.pop()!.size;
  if (axes.length > 2) return null;
  const loops: [number, number, number][] = [];
  let outStride = width;
  for (let k = axes.length - 1; k >= 0; k--) {
    loops.unshift([axes[k]!.size, axes[k]!.stride, outStride]);
    outStride *= axes[k]!.size;
  }
  return { loops, width };
}

function nativeTranspose(original: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { perm } = args.attrs as unknown as { perm: number[] };
  const native = nativeCopy();
  const geometry = native && elementBytes(x.dtype) !== null ? transposeGeometry(x.shape, perm) : null;
  if (!native || !geometry) return original.kernelFunc(args as never) as tf.TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput(
    perm.map((p) => x.shape[p]!),
    x.dtype as 'float32',
  );
  if (sizeOf(x.shape) === 0) return out;
  const [outer, inner] = [geometry.loops[0] ?? [1, 0, 0], geometry.loops[1] ?? [1, 0, 0]];
  native.copy3d(backend.wasm.HEAPF32, byteOffset(backend, x) / 4, outer[1], inner[1], byteOffset(backend, out) / 4, outer[2], inner[2], outer[0], inner[0], geometry.width);
  return out;
}

/** Identity sharing the input's data, as the cpu backend's (TF.js tensors are immutable). */
function sharedIdentity(original: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return original.kernelFunc(args as never) as tf.TensorInfo;
  (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

// --- the centralized critics' input ------------------------------------------------------
//
// SvecCriticInput: jointObs [B, N o], jointActions [B, N w] and optionally fresh [N, B, w] ->
// [N, B, N o + N w]: row b of critic n is the joint observation and the joint action of
// transition b, with agent n's action replaced by fresh[n, b] when given (MADDPG's actor step).
// The same numbers as tile + concat + the eye-mask mix of the composed ops (src/agents/common.ts),
// as copies: one group's block, repeated N times, then the N B own actions written over it.
// SvecCriticInputGrad: dy [N, B, N o + N w] -> d fresh [N, B, w], the own-action columns of dy.

function criticInputKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { jointObs, jointActions, fresh } = args.inputs as { jointObs: tf.TensorInfo; jointActions: tf.TensorInfo; fresh?: tf.TensorInfo };
  const { agents: n } = args.attrs as unknown as { agents: number };
  const [B, obsColumns] = jointObs.shape as [number, number];
  const actionColumns = jointActions.shape[1]!;
  const width = actionColumns / n;
  const columns = obsColumns + actionColumns;
  const out = backend.makeOutput([n, B, columns], 'float32');
  if (n * B * columns === 0) return out;
  const bytes = heapBytes(backend);
  const dst = byteOffset(backend, out);
  const obsAt = byteOffset(backend, jointObs);
  const actionsAt = byteOffset(backend, jointActions);
  for (let b = 0; b < B; b++) {
    const row = dst + b * columns * 4;
    bytes.copyWithin(row, obsAt + b * obsColumns * 4, obsAt + (b + 1) * obsColumns * 4);
    bytes.copyWithin(row + obsColumns * 4, actionsAt + b * actionColumns * 4, actionsAt + (b + 1) * actionColumns * 4);
  }
  repeatBlock(bytes, dst, B * columns * 4, n);
  if (fresh) {
    const heap = backend.wasm.HEAPF32;
    const o = dst / 4;
    const f = byteOffset(backend, fresh) / 4;
    for (let g = 0; g < n; g++) {
      for (let b = 0; b < B; b++) {
        const to = o + (g * B + b) * columns + obsColumns + g * width;
        const from = f + (g * B + b) * width;
        for (let c = 0; c < width; c++) heap[to + c] = heap[from + c]!;
      }
    }
  }
  return out;
}

function criticInputGradKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy } = args.inputs as { dy: tf.TensorInfo };
  const { agents: n, obsColumns } = args.attrs as unknown as { agents: number; obsColumns: number };
  const [, B, columns] = dy.shape as [number, number, number];
  const width = (columns - obsColumns) / n;
  const out = backend.makeOutput([n, B, width], 'float32');
  if (n * B * width === 0) return out;
  const heap = backend.wasm.HEAPF32;
  const d = byteOffset(backend, dy) / 4;
  const o = byteOffset(backend, out) / 4;
  for (let g = 0; g < n; g++) {
    for (let b = 0; b < B; b++) {
      const from = d + (g * B + b) * columns + obsColumns + g * width;
      const to = o + (g * B + b) * width;
      for (let c = 0; c < width; c++) heap[to + c] = heap[from + c]!;
    }
  }
  return out;
}

/**
 * The centralized critics' input [N, B, N o + N w] from jointObs [B, N o] and jointActions
 * [B, N w], with agent n's action replaced by fresh[n] in critic n's input when given
 * (differentiable w.r.t. fresh only: the rest is data). Call only when copyKernelsInstalled()
 * and the backend is wasm; src/agents/common.ts keeps the composed ops otherwise.
 */
export function criticInputCopies(jointObs: tf.Tensor2D, jointActions: tf.Tensor2D, agents: number, fresh?: tf.Tensor3D): tf.Tensor3D {
  const attrs = { agents, obsColumns: jointObs.shape[1] } as unknown as tf.NamedAttrMap;
  if (!fresh) return tf.engine().runKernel('SvecCriticInput', { jointObs, jointActions }, attrs) as tf.Tensor3D;
  const op = tf.customGrad(((own: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.engine().runKernel('SvecCriticInput', { jointObs, jointActions, fresh: own }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor) => tf.engine().runKernel('SvecCriticInputGrad', { dy }, attrs) as tf.Tensor,
    };
  }) as Parameters<typeof tf.customGrad>[0]) as unknown as (own: tf.Tensor) => tf.Tensor;
  return op(fresh) as tf.Tensor3D;
}

// --- a diffusion actor's input at one denoising step -----------------------------------------
//
// SvecChainInput: x [G, R, w] (the chain's x_k), obs [G, R, o] and the step's embedding `row`
// (attrs, d values) -> [G, R, w + d + o], row by row [x | row | obs]: the same numbers as tiling
// the embedding and concatenating (src/agents/dmadrl.ts), as copies, with no tile to allocate.
// Its gradient is dy's first w columns (the embedding is a constant and the observation data):
// a Slice, which the strided copies above already serve.

function chainInputKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, obs } = args.inputs as { x: tf.TensorInfo; obs: tf.TensorInfo };
  const { row } = args.attrs as unknown as { row: number[] };
  const [G, R, w] = x.shape as [number, number, number];
  const o = obs.shape[2]!;
  const d = row.length;
  const columns = w + d + o;
  const out = backend.makeOutput([G, R, columns], 'float32');
  const rows = G * R;
  if (rows * columns === 0) return out;
  const heap = backend.wasm.HEAPF32;
  const dst = byteOffset(backend, out) / 4;
  const xAt = byteOffset(backend, x) / 4;
  const obsAt = byteOffset(backend, obs) / 4;
  for (let c = 0; c < d; c++) heap[dst + w + c] = row[c]!;
  const native = nativeCopy();
  if (native) {
    // x's and obs's rows into their columns; the embedding from row 0 into every other row
    if (w > 0) native.copy3d(heap, xAt, w, 0, dst, columns, 0, rows, 1, w);
    if (o > 0) native.copy3d(heap, obsAt, o, 0, dst + w + d, columns, 0, rows, 1, o);
    if (rows > 1 && d > 0) native.copy3d(heap, dst + w, 0, 0, dst + columns + w, columns, 0, rows - 1, 1, d);
    return out;
  }
  for (let r = 0; r < rows; r++) {
    const to = dst + r * columns;
    for (let c = 0; c < w; c++) heap[to + c] = heap[xAt + r * w + c]!;
    for (let c = 0; c < d; c++) heap[to + w + c] = row[c]!;
    for (let c = 0; c < o; c++) heap[to + w + d + c] = heap[obsAt + r * o + c]!;
  }
  return out;
}

/**
 * A diffusion actor's input [G, R, w + d + o] at one step: x [G, R, w], the step's embedding
 * `row` (d values, float32) in every row, then obs [G, R, o]; differentiable w.r.t. x only.
 * Call only when copyKernelsInstalled() and the backend is wasm (src/agents/dmadrl.ts keeps the
 * composed tile + concat otherwise).
 */
export function chainInputCopies(x: tf.Tensor3D, row: Float32Array, obs: tf.Tensor3D): tf.Tensor3D {
  const attrs = { row: Array.from(row) } as unknown as tf.NamedAttrMap;
  const op = tf.customGrad(((xk: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.engine().runKernel('SvecChainInput', { x: xk, obs }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor) => tf.slice(dy, [0, 0, 0], [-1, -1, x.shape[2]]),
    };
  }) as Parameters<typeof tf.customGrad>[0]) as unknown as (xk: tf.Tensor) => tf.Tensor;
  return op(x) as tf.Tensor3D;
}

const OWN_KERNELS: Record<string, (args: KernelArgs) => tf.TensorInfo> = {
  SvecCriticInput: criticInputKernel,
  SvecCriticInputGrad: criticInputGradKernel,
  SvecChainInput: chainInputKernel,
};

const KERNEL_NAMES = ['Tile', 'Concat', 'Slice', 'SplitV', 'Transpose', 'Identity'] as const;
let originals: Record<(typeof KERNEL_NAMES)[number], tf.KernelConfig> | null = null;

function register(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
  const backend = tf.engine().registry['wasm'];
  if (backend && config.setupFunc) config.setupFunc(backend);
}

const replacements: Record<(typeof KERNEL_NAMES)[number], (original: tf.KernelConfig, args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
  Tile: nativeTile,
  Concat: nativeConcat,
  Slice: nativeSlice,
  SplitV: nativeSplitV,
  Transpose: nativeTranspose,
  Identity: sharedIdentity,
};

/** Replaces the wasm backend's Tile, Concat, Slice, SplitV, Transpose and Identity with the ones above and registers the critic-input kernels (idempotent). */
export function installCopyKernels(): void {
  if (originals) return;
  const found = Object.fromEntries(KERNEL_NAMES.map((name) => [name, tf.getKernel(name, 'wasm')]));
  if (KERNEL_NAMES.some((name) => !found[name])) throw new Error('the wasm backend kernels are not registered (import @tensorflow/tfjs-backend-wasm first)');
  originals = found as Record<(typeof KERNEL_NAMES)[number], tf.KernelConfig>;
  for (const name of KERNEL_NAMES) {
    const original = originals[name];
    // the originals' setupFuncs bind the wasm functions we delegate to for other dtypes
    register({ kernelName: name, backendName: 'wasm', setupFunc: original.setupFunc, kernelFunc: (args) => replacements[name](original, args as KernelArgs) as tf.TensorInfo });
  }
  for (const [name, kernelFunc] of Object.entries(OWN_KERNELS)) {
    if (!tf.getKernel(name, 'wasm')) tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}

/** Restores TF.js's own kernels (idempotent). */
export function uninstallCopyKernels(): void {
  if (!originals) return;
  for (const name of KERNEL_NAMES) register(originals[name]);
  for (const name of Object.keys(OWN_KERNELS)) tf.unregisterKernel(name, 'wasm');
  originals = null;
}

export function copyKernelsInstalled(): boolean {
  return originals !== null;
}
