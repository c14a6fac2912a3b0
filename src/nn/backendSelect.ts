// Chooses the TensorFlow.js backend for svec's neural networks: the one place it is decided.
// 'wasm' (default): TF.js's WebAssembly backend, with its BatchMatMul replaced by OpenBLAS
//   (nn/nativeKernels.ts) when the native addon was built; otherwise the pure WebAssembly kernels.
// 'cpu': TF.js's reference JavaScript backend (tests compare against it).
// SVEC_NATIVE=off disables the native kernels, SVEC_NATIVE=on makes their absence an error.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadNativeBlas, registerNativeMatMul } from './nativeKernels.ts';

export interface BackendInfo {
  backend: string;
  nativeMatmul: boolean;
  /** why the native kernels are not in use, when they are not */
  reason?: string;
}

let ready: Promise<BackendInfo> | null = null;
let readyFor: string | null = null;

export type NativeMode = 'auto' | 'on' | 'off';

function nativeModeFromEnv(): NativeMode {
  const value = process.env.SVEC_NATIVE ?? 'auto';
  if (value !== 'auto' && value !== 'on' && value !== 'off') throw new Error(`SVEC_NATIVE must be auto, on or off, got '${value}'`);
  return value;
}

/** Sets the backend once per process (idempotent). */
export function initNeuralBackend(name: 'wasm' | 'cpu' = 'wasm', native: NativeMode = nativeModeFromEnv()): Promise<BackendInfo> {
  const key = `${name}/${native}`;
  if (!ready || readyFor !== key || tf.getBackend() !== name) {
    readyFor = key;
    ready = (async () => {
      let info: BackendInfo = { backend: name, nativeMatmul: false };
      if (name === 'wasm' && native !== 'off') {
        const { blas, reason } = loadNativeBlas();
        if (blas) {
          registerNativeMatMul(blas); // before the backend initializes, so it picks the kernel up
          info = { backend: name, nativeMatmul: true };
        } else if (native === 'on') {
          throw new Error(`native matrix products requested (SVEC_NATIVE=on) but unavailable: ${reason}`);
        } else {
          info = { backend: name, nativeMatmul: false, reason };
        }
      } else if (name === 'wasm') {
        info = { backend: name, nativeMatmul: false, reason: 'disabled (SVEC_NATIVE=off)' };
      }
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`TensorFlow.js backend '${name}' could not be initialized`);
      await tf.ready();
      return info;
    })();
  }
  return ready;
}
