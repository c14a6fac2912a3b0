// Native matrix products for TensorFlow.js's WebAssembly backend.
//
// TF.js's WebAssembly BatchMatMul runs at about 1 GFLOP/s in Node (one thread), while OpenBLAS's
// cblas_sgemm (native/svec_blas.c, built by scripts/build-native.mjs) runs at ~90 on one core.
// The kernels below replace the backend's BatchMatMul and _FusedMatMul: they read the operands
// straight from the WebAssembly heap (backend.dataIdMap -> memoryOffset) and write the product
// into an output the backend allocated (backend.makeOutput): no copies. Gradients of matMul are
// matMuls, so training goes through them too. Softmax, installed with them, is the backend's own
// arithmetic in C (below). src/nn/backend.ts decides whether they are used.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSelectedBlas, type BlasInfo, type BlasLoader } from './blasSelect.ts';
import { useNativeNormalFill, type NativeNormalFill } from '../random/normals.ts';

/** The addon's functions (see native/svec_blas.c for the exact contract). */
export interface NativeBlas {
  /** For b in [0, batch): C_b = op(A_b) op(B_b) + beta C_b, row-major; X_b starts at xOffset + b strideX (stride 0 broadcasts). */
  sgemmStrided(
    transA: boolean,
    transB: boolean,
    batch: number,
    M: number,
    N: number,
    K: number,
    A: Float32Array,
    aOffset: number,
    strideA: number,
    B: Float32Array,
    bOffset: number,
    strideB: number,
    C: Float32Array,
    cOffset: number,
    strideC: number,
    beta?: number,
  ): void;
  /** In place over X[offset, offset + length); kind numbered as TF.js's FusableActivation. */
  activate(kind: number, alpha: number, X: Float32Array, offset: number, length: number): void;
  /** OpenBLAS's thread count, global to the process (shared by its worker threads). */
  setThreads(n: number): void;
  getThreads(): number;
  /** OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 ... Cooperlake MAX_THREADS=64". */
  config(): string;
}

/** The addon as loaded, before OpenBLAS is opened (src/nn/blasSelect.ts opens it). */
type NativeAddon = NativeBlas & BlasLoader;

const defaultAddonPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'build', 'Release', 'svec_blas.node');

/** Where the addon is loaded from; SVEC_NATIVE_ADDON overrides it (tests use it to simulate a missing build). */
export function nativeAddonPath(): string {
  const override = process.env.SVEC_NATIVE_ADDON;
  return override ? resolve(override) : defaultAddonPath;
}

export interface NativeBlasLoad {
  blas: NativeBlas | null;
  /** why the addon is unavailable, when it is */
  reason?: string;
  /** the OpenBLAS kernels chosen and checked (absent when the addon did not load) */
  info?: BlasInfo;
}

let cached: NativeBlasLoad | null = null;

/**
 * Loads the addon once per thread and opens OpenBLAS with the kernels blasSelect.ts chooses and
 * checks; `reason` says why it is unavailable (also when the load-time check failed).
 */
export function loadNativeBlas(): NativeBlasLoad {
  if (cached) return cached;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    cached = { blas: null, reason: `${path} is not built (apt-get install -y libopenblas-dev, then node scripts/build-native.mjs)` };
    return cached;
  }
  try {
    const blas = createRequire(import.meta.url)(path) as Partial<NativeAddon>;
    const required = ['sgemmStrided', 'activate', 'setThreads', 'getThreads', 'config', 'open', 'loaded', 'selfCheck'] as const;
    const missing = required.filter((name) => typeof blas[name] !== 'function');
    if (missing.length > 0) {
      cached = { blas: null, reason: `${path} is out of date (lacks ${missing.join(', ')}): rebuild with node scripts/build-native.mjs` };
      return cached;
    }
    const info = openSelectedBlas(blas as NativeAddon, path);
    if (!info.verified) {
      cached = { blas: null, reason: info.reason ?? 'OpenBLAS failed its load-time check', info };
      return cached;
    }
    // The addon sets one OpenBLAS thread when it opens OpenBLAS (see native/svec_blas.c for why).
    const threads = process.env.SVEC_BLAS_THREADS;
    if (threads !== undefined) blas.setThreads!(Number(threads));
    // A plain object (the addon's own properties are read-only), so a benchmark can wrap a function.
    const functions = Object.fromEntries(Object.getOwnPropertyNames(blas).map((name) => [name, (blas as Record<string, unknown>)[name]]));
    // DMADRL's normals in C from now on (the same bits as random/normals.ts's JavaScript)
    if (typeof functions.normalFill === 'function') useNativeNormalFill(functions.normalFill as NativeNormalFill);
    cached = { blas: functions as unknown as NativeBlas, info };
  } catch (err) {
    cached = { blas: null, reason: `cannot load ${path}: ${(err as Error).message}` };
  }
  return cached;
}

/** The parts of tfjs-backend-wasm's BackendWasm the kernels (here and in wasmGradKernels.ts) use. */
export interface WasmBackendLike {
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  /** Emscripten replaces HEAPF32 when the heap grows, so read it after every allocation. */
  wasm: { HEAPF32: Float32Array };
}

export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Element offset of a tensor in the Float32 view of the heap. */
export function heapIndex(backend: WasmBackendLike, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset / 4;
}

/** Shapes of a (batched) product, following TF.js's BatchMatMul. */
interface ProductGeometry {
  M: number;
  N: number;
  K: number;
  aBatchDims: number[];
  bBatchDims: number[];
  outBatchDims: number[];
  outShape: number[];
}

function productGeometry(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, opName: string): ProductGeometry {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  if (aRank < 2 || bRank < 2) throw new Error(`${opName}: operands must have rank >= 2, got shapes ${a.shape} and ${b.shape}`);
  const innerA = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
  const innerB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
  if (innerA !== innerB) {
    throw new Error(
      `Error in ${opName}: inner shapes (${innerA}) and (${innerB}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const M = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
  const N = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
  const aBatchDims = a.shape.slice(0, -2);
  const bBatchDims = b.shape.slice(0, -2);
  const outBatchDims = tf.broadcast_util.assertAndGetBroadcastShape(aBatchDims, bBatchDims);
  return { M, N, K: innerA, aBatchDims, bBatchDims, outBatchDims, outShape: [...outBatchDims, M, N] };
}

/** Index of the operand matrix (with batch dims `dims`) used for output batch `flat` (right-aligned broadcasting). */
function broadcastBatchIndex(flat: number, outDims: readonly number[], dims: readonly number[]): number {
  let index = 0;
  let stride = 1;
  let rest = flat;
  for (let k = outDims.length - 1, j = dims.length - 1; k >= 0; k--, j--) {
    const coordinate = rest % outDims[k]!;
    rest = Math.floor(rest / outDims[k]!);
    if (j >= 0) {
      if (dims[j]! !== 1) index += coordinate * stride;
      stride *= dims[j]!;
    }
  }
  return index;
}

/** C = op(A) op(B) + beta C over all output batches; operands are heap element indices. */
function runProducts(
  blas: NativeBlas,
  heap: Float32Array,
  g: ProductGeometry,
  transposeA: boolean,
  transposeB: boolean,
  aIndex: number,
  bIndex: number,
  outIndex: number,
  beta: number,
): void {
  const { M, N, K } = g;
  const batch = sizeOf(g.outBatchDims);
  const batchA = sizeOf(g.aBatchDims);
  const batchB = sizeOf(g.bBatchDims);
  // An operand whose batch count is the output's has the output's layout (its other dims are 1);
  // one with a single matrix is reused for every batch: then one strided call does everything.
  if ((batchA === batch || batchA === 1) && (batchB === batch || batchB === 1)) {
    blas.sgemmStrided(transposeA, transposeB, batch, M, N, K, heap, aIndex, batchA === 1 ? 0 : M * K, heap, bIndex, batchB === 1 ? 0 : K * N, heap, outIndex, M * N, beta);
    return;
  }
  // Both operands broadcast along different dims (e.g. [2, 1, m, k] x [1, 3, k, n]): one call per
  // output matrix. (TF.js 4.22's own cpu and wasm kernels get this case wrong; this follows numpy.)
  for (let out = 0; out < batch; out++) {
    const ia = broadcastBatchIndex(out, g.outBatchDims, g.aBatchDims);
    const ib = broadcastBatchIndex(out, g.outBatchDims, g.bBatchDims);
    blas.sgemmStrided(transposeA, transposeB, 1, M, N, K, heap, aIndex + ia * M * K, 0, heap, bIndex + ib * K * N, 0, heap, outIndex + out * M * N, 0, beta);
  }
}

function nativeBatchMatMul(blas: NativeBlas, original: tf.KernelConfig, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args as never); // its own error
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const backend = args.backend as WasmBackendLike;
  const g = productGeometry(a, b, transposeA, transposeB, 'matMul');
  const out = backend.makeOutput(g.outShape, 'float32');
  if (sizeOf(g.outShape) === 0) return out;
  const heap = backend.wasm.HEAPF32; // after makeOutput, which may have grown the heap
  runProducts(blas, heap, g, transposeA, transposeB, heapIndex(backend, a), heapIndex(backend, b), heapIndex(backend, out), 0);
  return out;
}

/** TF.js's FusableActivation numbering (tfjs-backend-wasm/src/kernels/types.ts), as native/svec_blas.c's activate() takes it. */
const activationKinds: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 4, sigmoid: 5, elu: 6 };

/**
 * Writes the bias, broadcast, into every output matrix [batch, M, N], so that sgemm with beta = 1
 * adds the product to it. TF.js's own wasm kernel takes only rank-1 biases; this takes any bias
 * that broadcasts to the output (svec's stacked layers use [G, 1, out]).
 */
function fillBias(heap: Float32Array, bias: tf.TensorInfo, biasIndex: number, g: ProductGeometry, outIndex: number): void {
  const { M, N } = g;
  const rank = bias.shape.length;
  const bn = rank >= 1 ? bias.shape[rank - 1]! : 1;
  const bm = rank >= 2 ? bias.shape[rank - 2]! : 1;
  const biasBatchDims = bias.shape.slice(0, Math.max(0, rank - 2));
  while (biasBatchDims.length > 0 && biasBatchDims[0] === 1) biasBatchDims.shift();
  const biasBatch = sizeOf(biasBatchDims);
  const batch = sizeOf(g.outBatchDims);
  if ((bm !== 1 && bm !== M) || (bn !== 1 && bn !== N)) throw new Error(`fused matMul: bias of shape ${bias.shape} does not broadcast to [${g.outShape}]`);
  // The kernel sees the product flattened to [batch, M, N]; a bias whose batch dims are all 1, all
  // of the output's, or a suffix of them (no 1s inside) maps onto that flat batch index.
  let biasBatchOf: (b: number) => number;
  if (biasBatch === 1) biasBatchOf = () => 0;
  else if (biasBatch === batch) biasBatchOf = (b) => b;
  else if (!biasBatchDims.includes(1) && batch % biasBatch === 0) biasBatchOf = (b) => b % biasBatch;
  else throw new Error(`fused matMul: bias of shape ${bias.shape} cannot be broadcast over the flattened batch of [${g.outShape}]`);

  const matrixSize = M * N;
  const fillMatrix = (src: number, dst: number): void => {
    if (bm === M && bn === N) heap.copyWithin(dst, src, src + matrixSize);
    else if (bn === N) {
      // one row, then doubling copies: log2(M) memmoves instead of M
      heap.copyWithin(dst, src, src + N);
      for (let filled = N; filled < matrixSize; filled *= 2) heap.copyWithin(dst + filled, dst, dst + Math.min(filled, matrixSize - filled));
    } else {
      for (let i = 0; i < M; i++) heap.fill(heap[src + (bm === 1 ? 0 : i)]!, dst + i * N, dst + (i + 1) * N);
    }
  };
  if (biasBatch === 1) {
    fillMatrix(biasIndex, outIndex);
    const total = batch * matrixSize;
    for (let filled = matrixSize; filled < total; filled *= 2) heap.copyWithin(outIndex + filled, outIndex, outIndex + Math.min(filled, total - filled));
  } else {
    for (let b = 0; b < batch; b++) fillMatrix(biasIndex + biasBatchOf(b) * bm * bn, outIndex + b * matrixSize);
  }
}

function nativeFusedMatMul(blas: NativeBlas, original: tf.KernelConfig, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
  const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as {
    transposeA: boolean;
    transposeB: boolean;
    activation: string;
    leakyreluAlpha?: number;
  };
  const kind = activationKinds[activation];
  // prelu (a weight tensor) and non-float32 operands go to TF.js's own kernel
  if (kind === undefined || a.dtype !== 'float32' || b.dtype !== 'float32' || (bias != null && bias.dtype !== 'float32')) {
    return original.kernelFunc(args as never);
  }
  const backend = args.backend as WasmBackendLike;
  const g = productGeometry(a, b, transposeA, transposeB, 'fused matMul');
  const out = backend.makeOutput(g.outShape, 'float32');
  const size = sizeOf(g.outShape);
  if (size === 0) return out;
  const heap = backend.wasm.HEAPF32;
  const outIndex = heapIndex(backend, out);
  if (bias != null) fillBias(heap, bias, heapIndex(backend, bias), g, outIndex);
  runProducts(blas, heap, g, transposeA, transposeB, heapIndex(backend, a), heapIndex(backend, b), outIndex, bias != null ? 1 : 0);
  if (kind !== 0) blas.activate(kind, leakyreluAlpha ?? 0.2, heap, outIndex, size);
  return out;
}

/** The addon's softmax (native/svec_blas.c): false, having written nothing, when the input holds a NaN or an infinity. */
interface NativeSoftmax {
  softmax(heap: Float32Array, x: number, out: number, rows: number, n: number): boolean;
}

/** Whether TF.js's wasm backend runs its SIMD build, whose Softmax the native one matches (null: not known yet). */
let wasmSimd: boolean | null = null;
function wasmRunsSimd(): boolean | null {
  if (wasmSimd === null) {
    try {
      wasmSimd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT'); // evaluated when the backend started
    } catch {
      return null;
    }
  }
  return wasmSimd;
}

/**
 * Softmax over the last axis in C with the arithmetic of TF.js 4.22's wasm kernel (XNNPACK's
 * SIMD exp-minus-max and its order of sums): the same bits (test/nn/nativeKernels.test.ts), at
 * about 3x the speed on MADDPG-RA's attention weights. TF.js's own kernel for other dtypes, inputs
 * with a NaN or an infinity, and a backend without SIMD (whose scalar kernels sum in another order).
 */
function nativeSoftmax(native: NativeSoftmax, original: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const { logits } = args.inputs as { logits: tf.TensorInfo };
  const rank = logits.shape.length;
  if (logits.dtype !== 'float32' || rank === 0 || wasmRunsSimd() !== true) return original.kernelFunc(args as never) as tf.TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const n = logits.shape[rank - 1]!;
  const size = sizeOf(logits.shape);
  const out = backend.makeOutput([...logits.shape], 'float32');
  if (size === 0) return out;
  if (native.softmax(backend.wasm.HEAPF32, heapIndex(backend, logits), heapIndex(backend, out), size / n, n)) return out;
  (backend as unknown as tf.KernelBackend).disposeData(out.dataId);
  return original.kernelFunc(args as never) as tf.TensorInfo;
}

/** The wasm backend's own kernels while ours are registered (to restore them, and to delegate to). */
let originals: { batchMatMul: tf.KernelConfig; fusedMatMul: tf.KernelConfig; softmax: tf.KernelConfig | null } | null = null;

function initializedWasmBackend(): tf.KernelBackend | undefined {
  // engine.registry holds only backends already initialized (tf.findBackend would initialize one)
  return tf.engine().registry['wasm'];
}

function replaceKernel(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
  // The engine calls setupFunc when a backend is set; when the wasm backend is already up, do it now.
  const backend = initializedWasmBackend();
  if (backend && config.setupFunc) config.setupFunc(backend);
}

/** Replaces the WebAssembly backend's BatchMatMul, _FusedMatMul and (when the addon has it) Softmax with the native ones (idempotent). */
export function installNativeMatMulKernels(blas: NativeBlas): void {
  if (originals) return;
  const batchMatMul = tf.getKernel('BatchMatMul', 'wasm');
  const fusedMatMul = tf.getKernel('_FusedMatMul', 'wasm');
  const softmax = tf.getKernel('Softmax', 'wasm') ?? null;
  if (!batchMatMul || !fusedMatMul) throw new Error('the wasm backend kernels are not registered (import @tensorflow/tfjs-backend-wasm first)');
  const nativeSoftmaxFunction = blas as unknown as Partial<NativeSoftmax>;
  if (softmax && typeof nativeSoftmaxFunction.softmax === 'function') {
    const native = nativeSoftmaxFunction as NativeSoftmax;
    replaceKernel({ kernelName: 'Softmax', backendName: 'wasm', setupFunc: softmax.setupFunc, kernelFunc: (args) => nativeSoftmax(native, softmax, args as KernelArgs) });
  }
  // Our configs keep the originals' setupFuncs: they bind the original kernels we delegate to.
  replaceKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: batchMatMul.setupFunc,
    kernelFunc: (args) => nativeBatchMatMul(blas, batchMatMul, args as KernelArgs),
  });
  replaceKernel({
    kernelName: '_FusedMatMul',
    backendName: 'wasm',
    setupFunc: fusedMatMul.setupFunc,
    kernelFunc: (args) => nativeFusedMatMul(blas, fusedMatMul, args as KernelArgs),
  });
  originals = { batchMatMul, fusedMatMul, softmax: softmax && typeof nativeSoftmaxFunction.softmax === 'function' ? softmax : null };
}

/** Restores the WebAssembly backend's own kernels (idempotent). */
export function uninstallNativeMatMulKernels(): void {
  if (!originals) return;
  replaceKernel(originals.batchMatMul);
  replaceKernel(originals.fusedMatMul);
  if (originals.softmax) replaceKernel(originals.softmax);
  originals = null;
}

export function nativeMatMulKernelsInstalled(): boolean {
  return originals !== null;
}
