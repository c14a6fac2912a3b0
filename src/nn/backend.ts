// The one place svec's neural-network backend is chosen.
//
// svec runs TF.js on its WebAssembly backend ('wasm': one thread in Node, but exact float32 and
// no native TensorFlow download). When the OpenBLAS addon (native/, built at install) loads, the
// backend's BatchMatMul and _FusedMatMul kernels are replaced by native ones
// (src/nn/nativeKernels.ts), ~50-100x faster on 256-wide layers, the fused training ops of
// src/nn/fusedOps.ts become available, and Tile, Concat, Slice, SplitV and Identity become block
// copies (src/nn/copyKernels.ts; Tile and Identity also without the addon); the rest stays wasm.
//   native 'auto' (default): native kernels when the addon loads, else the pure wasm kernels;
//          the returned `reason` says why not.
//   native 'on':  the addon must load, or initNeuralBackend rejects with the reason.
//   native 'off': TF.js's own wasm kernels (restored if svec's were installed before).
// Without an explicit option, SVEC_NATIVE=auto|on|off chooses.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BlasInfo } from './blasSelect.ts';
import { installCopyKernels, uninstallCopyKernels } from './copyKernels.ts';
import { registerFusedKernels } from './fusedOps.ts';
import { installNativeMatMulKernels, loadNativeBlas, nativeMatMulKernelsInstalled, uninstallNativeMatMulKernels } from './nativeKernels.ts';

export type { BlasInfo } from './blasSelect.ts';

export type NativeMode = 'auto' | 'on' | 'off';

export interface NeuralBackendOptions {
  /** whether to use the native matrix products; default: SVEC_NATIVE, else 'auto' */
  native?: NativeMode;
}

export interface NeuralBackendInfo {
  backend: 'wasm';
  /** whether BatchMatMul and _FusedMatMul run on OpenBLAS */
  nativeMatmul: boolean;
  /** why the native kernels are not in use, when they are not */
  reason?: string;
}

function nativeModeFromEnv(): NativeMode {
  const value = process.env.SVEC_NATIVE || 'auto'; // unset or empty: auto
  if (value !== 'auto' && value !== 'on' && value !== 'off') throw new Error(`SVEC_NATIVE must be auto, on or off, got '${value}'`);
  return value;
}

let current: NeuralBackendInfo | null = null;
// Calls run one after another: each awaits tf.setBackend, and kernels must not be swapped mid-way.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Sets TF.js's backend to 'wasm' (awaiting tf.ready()) and installs or removes the native matrix
 * products. Safe to call any number of times, also after another backend was set in between
 * (tests switch to 'cpu' for reference values): it only does what is missing.
 */
export function initNeuralBackend(options: NeuralBackendOptions = {}): Promise<NeuralBackendInfo> {
  const run = queue.then(() => configure(options.native ?? nativeModeFromEnv()));
  queue = run.catch(() => undefined);
  return run;
}

async function configure(mode: NativeMode): Promise<NeuralBackendInfo> {
  if (mode !== 'auto' && mode !== 'on' && mode !== 'off') throw new Error(`native must be 'auto', 'on' or 'off', got '${String(mode)}'`);
  let info: NeuralBackendInfo;
  if (mode === 'off') {
    uninstallNativeMatMulKernels();
    uninstallCopyKernels();
    info = { backend: 'wasm', nativeMatmul: false, reason: "disabled (native: 'off')" };
  } else {
    const { blas, reason } = loadNativeBlas();
    installCopyKernels(); // they use the addon's strided copy when it is there
    if (blas) {
      installNativeMatMulKernels(blas); // before or after the backend is up: both work
      registerFusedKernels(); // used only while the native kernels are installed (fusedOpsActive)
      info = { backend: 'wasm', nativeMatmul: true };
    } else if (mode === 'on') {
      throw new Error(`native matrix products were required (native: 'on') but are unavailable: ${reason}`);
    } else {
      uninstallNativeMatMulKernels();
      info = { backend: 'wasm', nativeMatmul: false, reason };
    }
  }
  if (tf.getBackend() !== 'wasm') {
    if (!(await tf.setBackend('wasm'))) throw new Error("TensorFlow.js's wasm backend could not be initialized");
  }
  await tf.ready();
  current = info;
  return info;
}

/** What the last successful initNeuralBackend set up (null before the first). */
export function neuralBackendInfo(): NeuralBackendInfo | null {
  if (current && current.nativeMatmul !== nativeMatMulKernelsInstalled()) return null; // changed behind our back
  return current;
}

/**
 * OpenBLAS's thread count for this process (all its worker threads share it). Default 1: svec
 * runs independent jobs in worker threads, one per core, and a multi-threaded OpenBLAS under them
 * would oversubscribe the cores. Returns the count in effect, or null without the addon.
 */
export function setNativeThreads(threads: number): number | null {
  const { blas } = loadNativeBlas();
  if (!blas) return null;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`thread count must be a positive integer, got ${threads}`);
  blas.setThreads(threads);
  return blas.getThreads();
}

/** OpenBLAS's current thread count and build description, or null without the addon. */
export function nativeBlasDescription(): { threads: number; config: string } | null {
  const { blas } = loadNativeBlas();
  return blas ? { threads: blas.getThreads(), config: blas.config() } : null;
}

/**
 * The matrix-product kernels of this process, for run configs and `svec doctor`: the OpenBLAS
 * core type in use, who chose it (src/nn/blasSelect.ts), whether it passed the load-time check,
 * and `inUse`: whether TF.js's products run on it now (false before initNeuralBackend, with
 * native 'off', or when the addon is unavailable). Loads the addon (and chooses the kernels) if
 * that has not happened in this thread yet.
 */
export function blasInfo(): BlasInfo & { inUse: boolean } {
  const load = loadNativeBlas();
  const inUse = load.blas !== null && nativeMatMulKernelsInstalled();
  if (load.info) return { ...load.info, inUse };
  return { library: null, coreType: null, selectedBy: 'none', verified: false, notes: [], reason: load.reason, inUse };
}
