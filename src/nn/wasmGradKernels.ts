// Kernels that TF.js 4.22's WebAssembly backend lacks and that the semantic codecs need for
// training: Conv2DBackpropFilter (the filter gradient of conv2d) and UnsortedSegmentSum (the
// gradient of gather, used by embedding look-ups). Without them, tf.grad through a conv2d or a
// tf.gather throws "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'".
//
// Both read their inputs from the wasm heap and write into an output the backend allocated.
// Conv2DBackpropFilter is an im2col followed by one matrix product dW = cols^T dy, done by the
// native OpenBLAS sgemm when the addon is loaded (src/nn/nativeKernels.ts), else by a plain
// JavaScript loop. test/wasmGradKernels.test.ts compares them with the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { heapIndex, loadNativeBlas, nativeMatMulKernelsInstalled, sizeOf, type KernelArgs, type NativeBlas, type WasmBackendLike } from './nativeKernels.ts';

/** A float32 tensor's values as a view of the heap (valid until the next allocation). */
function heapView(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  const offset = heapIndex(backend, info);
  return backend.wasm.HEAPF32.subarray(offset, offset + sizeOf(info.shape));
}

/** C[M, N] = A[R, M]^T B[R, N] (row-major), natively when available. */
function productTransposedA(blas: NativeBlas | null, A: Float32Array, B: Float32Array, R: number, M: number, N: number): Float32Array {
  const C = new Float32Array(M * N);
  if (R === 0 || M === 0 || N === 0) return C;
  if (blas) {
    blas.sgemmStrided(true, false, 1, M, N, R, A, 0, 0, B, 0, 0, C, 0, 0, 0);
    return C;
  }
  for (let r = 0; r < R; r++) {
    const aRow = r * M;
    const bRow = r * N;
    for (let m = 0; m < M; m++) {
      const a = A[aRow + m]!;
      if (a === 0) continue;
      const cRow = m * N;
      for (let n = 0; n < N; n++) C[cRow + n]! += a * B[bRow + n]!;
    }
  }
  return C;
}

let scratch = new Float32Array(0);

/**
 * im2col of NHWC x: one row per output position, columns in the filter's (kh, kw, cin) order.
 * The result is a view of a scratch buffer reused by the next call (copy it to keep it).
 */
export function im2col(x: Float32Array, xShape: readonly number[], fh: number, fw: number, convInfo: tf.backend_util.Conv2DInfo): Float32Array {
  const [batch, inH, inW, inC] = xShape as [number, number, number, number];
  const { outHeight: outH, outWidth: outW, strideHeight: sh, strideWidth: sw } = convInfo;
  const top = convInfo.padInfo.top;
  const left = convInfo.padInfo.left;
  const K = fh * fw * inC;
  const size = batch * outH * outW * K;
  if (scratch.length < size) scratch = new Float32Array(size);
  const cols = scratch.subarray(0, size);
  let dst = 0;
  for (let b = 0; b < batch; b++) {
    const xBatch = b * inH * inW * inC;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let kh = 0; kh < fh; kh++) {
          const ih = oh * sh - top + kh;
          if (ih < 0 || ih >= inH) {
            for (let k = 0; k < fw * inC; k++) cols[dst++] = 0;
            continue;
          }
          for (let kw = 0; kw < fw; kw++) {
            const iw = ow * sw - left + kw;
            if (iw < 0 || iw >= inW) {
              for (let c = 0; c < inC; c++) cols[dst++] = 0;
              continue;
            }
            let src = xBatch + (ih * inW + iw) * inC;
            for (let c = 0; c < inC; c++) cols[dst++] = x[src++]!;
          }
        }
      }
    }
  }
  return cols;
}

/** The adjoint of im2col: adds every column entry back into its input position. */
function col2im(cols: Float32Array, xShape: readonly number[], fh: number, fw: number, convInfo: tf.backend_util.Conv2DInfo): Float32Array {
  const [batch, inH, inW, inC] = xShape as [number, number, number, number];
  const { outHeight: outH, outWidth: outW, strideHeight: sh, strideWidth: sw } = convInfo;
  const top = convInfo.padInfo.top;
  const left = convInfo.padInfo.left;
  const K = fh * fw * inC;
  const dx = new Float32Array(batch * inH * inW * inC);
  let row = 0;
  for (let b = 0; b < batch; b++) {
    const xBatch = b * inH * inW * inC;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, row++) {
        const rowBase = row * K;
        for (let kh = 0; kh < fh; kh++) {
          const ih = oh * sh - top + kh;
          if (ih < 0 || ih >= inH) continue;
          for (let kw = 0; kw < fw; kw++) {
            const iw = ow * sw - left + kw;
            if (iw < 0 || iw >= inW) continue;
            const dst = xBatch + (ih * inW + iw) * inC;
            const src = rowBase + (kh * fw + kw) * inC;
            for (let c = 0; c < inC; c++) dx[dst + c]! += cols[src + c]!;
          }
        }
      }
    }
  }
  return dx;
}

/** C[M, N] = op(A) op(B), row-major, with OpenBLAS (plain loops without it: tests only). */
function product(blas: NativeBlas | null, transA: boolean, transB: boolean, A: Float32Array, B: Float32Array, M: number, N: number, K: number): Float32Array {
  if (!transA && !transB && blas === null) {
    const C = new Float32Array(M * N);
    for (let m = 0; m < M; m++)
      for (let k = 0; k < K; k++) {
        const a = A[m * K + k]!;
        if (a === 0) continue;
        for (let n = 0; n < N; n++) C[m * N + n]! += a * B[k * N + n]!;
      }
    return C;
  }
  if (transA && !transB) return productTransposedA(blas, A, B, K, M, N);
  const C = new Float32Array(M * N);
  if (blas) {
    blas.sgemmStrided(transA, transB, 1, M, N, K, A, 0, 0, B, 0, 0, C, 0, 0, 0);
    return C;
  }
  // !transA && transB: C = A B^T with B [N, K]
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += A[m * K + k]! * B[n * K + k]!;
      C[m * N + n] = sum;
    }
  return C;
}

/** Conv2DBackpropFilter for NHWC, any stride, padding 'same' | 'valid' | explicit, dilation 1. */
export function conv2dBackpropFilterValues(
  x: Float32Array,
  xShape: [number, number, number, number],
  dy: Float32Array,
  filterShape: [number, number, number, number],
  convInfo: tf.backend_util.Conv2DInfo,
  blas: NativeBlas | null,
): Float32Array {
  const [fh, fw, inC] = filterShape;
  const cols = im2col(x, xShape, fh, fw, convInfo);
  const R = xShape[0] * convInfo.outHeight * convInfo.outWidth;
  return productTransposedA(blas, cols, dy, R, fh * fw * inC, convInfo.outChannels);
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function checkConv(name: string, attrs: ConvAttrs, ...inputs: tf.TensorInfo[]): void {
  if (attrs.dataFormat === 'NCHW') throw new Error(`${name} (wasm, svec): only dataFormat 'NHWC' is supported`);
  const d = attrs.dilations ?? 1;
  if (!(d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1))) throw new Error(`${name} (wasm, svec): dilations must be 1`);
  for (const t of inputs) if (t.dtype !== 'float32') throw new Error(`${name} (wasm, svec): float32 inputs only`);
}

/** Conv2D forward as im2col + one OpenBLAS product (the wasm kernel runs at ~4 GFLOP/s). */
function nativeConv2d(blas: NativeBlas, args: KernelArgs): tf.TensorInfo {
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs;
  checkConv('Conv2D', attrs, x, filter);
  const backend = args.backend as WasmBackendLike;
  const fs = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], fs, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const cols = im2col(heapView(backend, x), x.shape, fs[0], fs[1], info);
  const R = x.shape[0]! * info.outHeight * info.outWidth;
  const y = product(blas, false, false, cols, heapView(backend, filter).slice(), R, fs[3], fs[0] * fs[1] * fs[2]);
  const out = backend.makeOutput([x.shape[0]!, info.outHeight, info.outWidth, fs[3]], 'float32');
  heapView(backend, out).set(y);
  return out;
}

/** Conv2DBackpropInput as one OpenBLAS product (dcols = dy W^T) and col2im (the wasm kernel is ~10x slower than forward). */
function nativeConv2dBackpropInput(blas: NativeBlas, args: KernelArgs): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  checkConv('Conv2DBackpropInput', attrs, dy, filter);
  const backend = args.backend as WasmBackendLike;
  const fs = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, fs, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const R = attrs.inputShape[0] * info.outHeight * info.outWidth;
  const K = fs[0] * fs[1] * fs[2];
  const dcols = product(blas, false, true, heapView(backend, dy).slice(), heapView(backend, filter).slice(), R, K, fs[3]);
  const dx = col2im(dcols, attrs.inputShape, fs[0], fs[1], info);
  const out = backend.makeOutput([...attrs.inputShape], 'float32');
  heapView(backend, out).set(dx);
  return out;
}

function conv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const { strides, pad, dimRoundingMode, filterShape } = attrs;
  checkConv('Conv2DBackpropFilter', attrs, x, dy);
  const backend = args.backend as WasmBackendLike;
  const convInfo = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const xValues = heapView(backend, x);
  const dyValues = heapView(backend, dy).slice();
  const blas = nativeMatMulKernelsInstalled() ? loadNativeBlas().blas : null;
  const dW = conv2dBackpropFilterValues(xValues, x.shape as [number, number, number, number], dyValues, filterShape, convInfo, blas);
  const out = backend.makeOutput([...filterShape], 'float32');
  heapView(backend, out).set(dW); // after makeOutput, which may have grown the heap
  return out;
}

function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as { numSegments: number };
  if (x.dtype !== 'float32') throw new Error('UnsortedSegmentSum (wasm, svec): float32 values only');
  const backend = args.backend as WasmBackendLike;
  const idRank = segmentIds.shape.length;
  for (let k = 0; k < idRank; k++) {
    if (segmentIds.shape[k] !== x.shape[k]) throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`);
  }
  const inner = sizeOf(x.shape.slice(idRank));
  const ids = backend.readSync(segmentIds.dataId) as ArrayLike<number>;
  const values = heapView(backend, x).slice();
  const result = new Float32Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= numSegments) continue; // TF drops out-of-range ids
    const src = i * inner;
    const dst = id * inner;
    for (let k = 0; k < inner; k++) result[dst + k]! += values[src + k]!;
  }
  const out = backend.makeOutput([numSegments, ...x.shape.slice(idRank)], 'float32');
  heapView(backend, out).set(result);
  return out;
}

let nativeConvOriginals: { conv2d: tf.KernelConfig; backpropInput: tf.KernelConfig } | null = null;

/**
 * Replaces the wasm backend's Conv2D and Conv2DBackpropInput by im2col + OpenBLAS versions
 * (idempotent); false when the addon is unavailable or the native products are off.
 */
export function installNativeConvKernels(): boolean {
  if (nativeConvOriginals) return true;
  const blas = nativeMatMulKernelsInstalled() ? loadNativeBlas().blas : null;
  if (!blas) return false;
  const conv2d = tf.getKernel('Conv2D', 'wasm');
  const backpropInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (!conv2d || !backpropInput) throw new Error('the wasm backend kernels are not registered (import @tensorflow/tfjs-backend-wasm first)');
  tf.unregisterKernel('Conv2D', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2D', backendName: 'wasm', kernelFunc: ((a: KernelArgs) => nativeConv2d(blas, a)) as unknown as tf.KernelFunc });
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: ((a: KernelArgs) => nativeConv2dBackpropInput(blas, a)) as unknown as tf.KernelFunc });
  nativeConvOriginals = { conv2d, backpropInput };
  return true;
}

/** Restores the wasm backend's own Conv2D and Conv2DBackpropInput (idempotent). */
export function uninstallNativeConvKernels(): void {
  if (!nativeConvOriginals) return;
  for (const config of [nativeConvOriginals.conv2d, nativeConvOriginals.backpropInput]) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
    const backend = tf.engine().registry['wasm'];
    if (backend && config.setupFunc) config.setupFunc(backend);
  }
  nativeConvOriginals = null;
}

/** The kernels this module adds, by name. */
export const WASM_GRAD_KERNELS = ['Conv2DBackpropFilter', 'UnsortedSegmentSum'] as const;

/**
 * Registers the missing kernels in the wasm backend (idempotent; a kernel the backend already
 * has is left alone, so a future TF.js that ships its own keeps it).
 */
export function registerWasmGradKernels(): void {
  const kernels: Record<(typeof WASM_GRAD_KERNELS)[number], (args: KernelArgs) => tf.TensorInfo> = {
    Conv2DBackpropFilter: conv2dBackpropFilter,
    UnsortedSegmentSum: unsortedSegmentSum,
  };
  for (const name of WASM_GRAD_KERNELS) {
    if (tf.getKernel(name, 'wasm')) continue;
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernels[name] as unknown as tf.KernelFunc });
  }
}
