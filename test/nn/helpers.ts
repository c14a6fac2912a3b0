// Shared by the test/nn tests: deterministic data, backend switching and tolerant comparisons.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initNeuralBackend, type NativeMode } from '../../src/nn/backend.ts';
import { loadNativeBlas } from '../../src/nn/nativeKernels.ts';

export const nativeLoad = loadNativeBlas();
export const nativeAvailable = nativeLoad.blas !== null;
/** the `skip` option of tests that need the addon: false, or a message saying why they are skipped */
export const skipWithoutNative: string | false = nativeAvailable ? false : `native addon unavailable, native-only check skipped: ${nativeLoad.reason}`;

// In CI the addon must be built (.ci/run installs OpenBLAS): a missing addon fails there instead
// of skipping its tests silently. SVEC_ALLOW_NO_NATIVE=1 allows a CI without it on purpose.
if (process.env.CI && !nativeAvailable && process.env.SVEC_ALLOW_NO_NATIVE !== '1') {
  throw new Error(`CI: the native addon did not load (${nativeLoad.reason}); the native-kernel tests cannot be skipped in CI`);
}

/** Uniform values in [-1, 1) from a small LCG: the same on every backend and run. */
export function uniformValues(shape: number[], seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  let state = (seed * 2654435761 + 12345) >>> 0;
  for (let k = 0; k < size; k++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[k] = state / 2 ** 31 - 1;
  }
  return out;
}

/** Runs fn on TF.js's reference JavaScript backend. */
export async function onCpu<T>(fn: () => T): Promise<T> {
  await tf.setBackend('cpu');
  await tf.ready();
  return fn();
}

/** Runs fn on the wasm backend with the native kernels on or off. */
export async function onWasm<T>(native: NativeMode, fn: () => T): Promise<T> {
  await initNeuralBackend({ native });
  return fn();
}

/** Elementwise |got - want| <= tolerance * max(1, max |want|), with the first offending index named. */
export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(got.length, want.length, `${label}: length`);
  let scale = 1;
  for (let k = 0; k < want.length; k++) scale = Math.max(scale, Math.abs(want[k]!));
  for (let k = 0; k < want.length; k++) {
    const error = Math.abs(got[k]! - want[k]!);
    if (!(error <= tolerance * scale)) assert.fail(`${label}[${k}]: got ${got[k]}, want ${want[k]} (tolerance ${tolerance} x ${scale})`);
  }
}

/** ||got - want|| / ||want|| */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let k = 0; k < want.length; k++) {
    diff += (got[k]! - want[k]!) ** 2;
    norm += want[k]! ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
}

/**
 * Runs fn in tf.tidy and returns its tensor's shape and values, disposing it. (Return tensors,
 * not typed arrays, from tf.tidy: it walks a returned container element by element looking for
 * tensors, which takes seconds for a few million elements.)
 */
export function computeValues(fn: () => tf.Tensor): { shape: number[]; values: Float32Array } {
  const out = tf.tidy(fn);
  const result = { shape: out.shape, values: out.dataSync() as Float32Array };
  out.dispose();
  return result;
}
