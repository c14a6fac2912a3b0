// Native matrix products for TensorFlow.js's WebAssembly backend.
//
// TF.js's WebAssembly BatchMatMul runs at well under 1 GFLOP/s on this kind of machine, while
// OpenBLAS's cblas_sgemm (native/svec_blas.c, built by the install step) runs at ~90 GFLOP/s.
// We replace the backend's BatchMatMul kernel with one that calls sgemm directly on the
// WebAssembly heap (no copies). Gradients of matMul are matMuls, so training uses it too.
// Without the addon everything runs on the original kernels.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeBlas {
  sgemmStrided(
    transA: boolean, transB: boolean, batch: number, M: number, N: number, K: number,
    A: Float32Array, aOffset: number, strideA: number,
    B: Float32Array, bOffset: number, strideB: number,
    C: Float32Array, cOffset: number, strideC: number,
  ): void;
  setThreads(n: number): void;
  getThreads(): number;
}

const addonPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'build', 'Release', 'svec_blas.node');

let cached: { blas: NativeBlas | null; reason?: string } | null = null;

/** Loads the addon once; `reason` says why it is unavailable. */
export function loadNativeBlas(): { blas: NativeBlas | null; reason?: string } {
  if (cached) return cached;
  if (!existsSync(addonPath)) {
    cached = { blas: null, reason: `${addonPath} not built (install libopenblas-dev, then npm rebuild or node scripts/build-native.mjs)` };
    return cached;
  }
  try {
    const blas = createRequire(import.meta.url)(addonPath) as NativeBlas;
    // One BLAS thread per process: parallelism comes from independent runs in worker threads.
    blas.setThreads(Number(process.env.SVEC_BLAS_THREADS ?? 1));
    cached = { blas };
  } catch (err) {
    cached = { blas: null, reason: `cannot load ${addonPath}: ${(err as Error).message}` };
  }
  return cached;
}

/** The parts of the WebAssembly backend we touch. */
interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  wasm: { HEAPU8: Uint8Array };
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

let heapView: Float32Array | null = null;
function heapF32(backend: WasmBackendLike): Float32Array {
  const buffer = backend.wasm.HEAPU8.buffer;
  if (!heapView || heapView.buffer !== buffer) heapView = new Float32Array(buffer); // the heap may have grown
  return heapView;
}

/** BatchMatMul on the WebAssembly heap through sgemm: same shapes and broadcasting as TF.js's wasm kernel. */
function nativeBatchMatMul(blas: NativeBlas, args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const backend = args.backend as WasmBackendLike;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error('BatchMatMul for non-float32 tensors is not supported');
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const innerA = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
  const innerB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
  const M = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
  const N = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
  if (innerA !== innerB) {
    throw new Error(`Error in matMul: inner shapes (${innerA}) and (${innerB}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) throw new Error(`matMul: batch sizes ${batchA} and ${batchB} do not broadcast`);
  const outerShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...outerShape, M, N];
  const out = backend.makeOutput(outShape, 'float32');
  const batch = Math.max(batchA, batchB);
  if (batch * M * N === 0) return out;
  const heap = heapF32(backend); // after makeOutput, which may grow the heap
  blas.sgemmStrided(
    transposeA, transposeB, batch, M, N, innerA,
    heap, backend.dataIdMap.get(a.dataId).memoryOffset / 4, batchA === 1 ? 0 : M * innerA,
    heap, backend.dataIdMap.get(b.dataId).memoryOffset / 4, batchB === 1 ? 0 : innerA * N,
    heap, backend.dataIdMap.get(out.dataId).memoryOffset / 4, M * N,
  );
  return out;
}

let registered = false;

/** Replaces the WebAssembly backend's BatchMatMul with the native one (idempotent). */
export function registerNativeMatMul(blas: NativeBlas): void {
  if (registered) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: (args) => nativeBatchMatMul(blas, args as never) });
  registered = true;
}

export function nativeMatMulRegistered(): boolean {
  return registered;
}
