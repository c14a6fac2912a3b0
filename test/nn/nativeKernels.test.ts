// The native (OpenBLAS) BatchMatMul registered on the WebAssembly backend against TF.js's
// reference CPU backend; and the acting forward pass (plain and native) against TF.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initNeuralBackend } from '../../src/nn/backendSelect.ts';
import { MlpSnapshot } from '../../src/nn/inference.ts';
import { loadNativeBlas } from '../../src/nn/nativeKernels.ts';
import { StackedMlp } from '../../src/nn/stackedMlp.ts';
import { RandomStreams } from '../../src/random/stream.ts';

const native = loadNativeBlas();
const skip = native.blas ? false : `native addon unavailable: ${native.reason}`;

function values(shape: number[], seed: number): Float32Array {
  const rng = new RandomStreams(seed).get('init');
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniformIn(-1, 1));
}

const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
  { a: [1, 1], b: [1, 1], ta: false, tb: false },
  { a: [3, 5], b: [5, 7], ta: false, tb: false },
  { a: [5, 3], b: [5, 7], ta: true, tb: false },
  { a: [3, 5], b: [7, 5], ta: false, tb: true },
  { a: [5, 3], b: [7, 5], ta: true, tb: true },
  { a: [4, 6, 9], b: [4, 9, 2], ta: false, tb: false },
  { a: [4, 9, 6], b: [4, 2, 9], ta: true, tb: true },
  { a: [1, 6, 9], b: [4, 9, 2], ta: false, tb: false }, // batch broadcast on a
  { a: [4, 6, 9], b: [9, 2], ta: false, tb: false }, // rank-2 b broadcast
  { a: [2, 3, 6, 9], b: [2, 3, 9, 5], ta: false, tb: false }, // rank 4
  { a: [20, 64, 26], b: [20, 26, 64], ta: false, tb: false }, // a stacked actor layer
];

async function onBackend<T>(name: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  if (name === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
  } else {
    await initNeuralBackend('wasm', 'on');
  }
  return fn();
}

test('native BatchMatMul equals the CPU backend (transposes, broadcasting, ranks 2-4, 1x1)', { skip }, async () => {
  for (const c of cases) {
    const run = () => tf.tidy(() => tf.matMul(tf.tensor(values(c.a, 1), c.a), tf.tensor(values(c.b, 2), c.b), c.ta, c.tb).dataSync() as Float32Array);
    const reference = await onBackend('cpu', run);
    const fast = await onBackend('wasm', run);
    assert.equal(fast.length, reference.length);
    reference.forEach((v, k) => assert.ok(Math.abs(v - fast[k]!) <= 1e-4 * Math.max(1, Math.abs(v)), `${JSON.stringify(c)}[${k}]: ${fast[k]} vs ${v}`));
  }
});

test('gradients of a small stacked network are the same on the native path and the CPU backend', { skip }, async () => {
  const grads = async (name: 'cpu' | 'wasm') =>
    onBackend(name, () => {
      const net = new StackedMlp({ groups: 3, sizes: [4, 8, 2], activation: 'relu', name: `g-${name}-${Math.random()}` }, new RandomStreams(3).get('init'));
      const x = tf.tensor3d(values([3, 5, 4], 4), [3, 5, 4]);
      const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.square(net.apply(x))) as tf.Scalar, net.variables);
      const out = [value.dataSync()[0]!, ...net.variables.flatMap((v) => Array.from(g[v.name]!.dataSync()))];
      net.dispose();
      return out;
    });
  const reference = await grads('cpu');
  const fast = await grads('wasm');
  reference.forEach((v, k) => assert.ok(Math.abs(v - fast[k]!) <= 1e-4 * Math.max(1, Math.abs(v)), `[${k}]: ${fast[k]} vs ${v}`));
});

test('the acting forward pass (plain and native) equals the TF.js network', async () => {
  await initNeuralBackend('wasm');
  for (const activation of ['relu', 'mish', 'tanh'] as const) {
    for (const groups of [1, 4]) {
      const net = new StackedMlp({ groups, sizes: [6, 16, 16, 3], activation, name: `snap-${activation}-${groups}` }, new RandomStreams(5).get('init'));
      const x = values([4, 6], 6);
      const expected = tf.tidy(() => net.apply(tf.tensor3d(groups === 1 ? x : x, groups === 1 ? [1, 4, 6] : [4, 1, 6])).dataSync() as Float32Array);
      for (const useNative of [false, true]) {
        if (useNative && !native.blas) continue;
        const snapshot = new MlpSnapshot(net, useNative);
        const out = new Float32Array(12);
        snapshot.forward(x, 4, 6, null, out);
        expected.forEach((v, k) => assert.ok(Math.abs(v - out[k]!) <= 1e-5 * Math.max(1, Math.abs(v)), `${activation} G=${groups} native=${useNative} [${k}]: ${out[k]} vs ${v}`));
      }
      net.dispose();
    }
  }
});
