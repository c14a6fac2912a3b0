// Chooses the TensorFlow.js backend for svec's neural networks, once per process.
// The WebAssembly backend is the default; native matrix-product kernels (OpenBLAS) are
// registered on top of it when the addon is built (see src/nn/backend.ts when present).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

let ready: Promise<string> | null = null;

/** Sets the backend ('wasm' by default, 'cpu' for reference checks); idempotent. */
export function initNeuralBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<string> {
  if (!ready || tf.getBackend() !== name) {
    ready = (async () => {
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`TensorFlow.js backend '${name}' could not be initialized`);
      await tf.ready();
      return tf.getBackend();
    })();
  }
  return ready;
}
