// Memory stays flat over many training and inference iterations: the native kernels allocate only
// their outputs (through the backend, so TF.js tracks and frees them), and nothing else leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { NativeMode } from '../../src/nn/backend.ts';
import { onWasm, skipWithoutNative, uniformValues } from './helpers.ts';

interface Usage {
  numTensors: number;
  numBytes: number;
  /** buffers on the wasm heap, which is where a kernel that forgot to free something would show */
  heapBuffers: number;
}

function usage(): Usage {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes, heapBuffers: tf.engine().backend.numDataIds() };
}

async function trainAndInfer(native: NativeMode): Promise<void> {
  await onWasm(native, () => undefined);
  const baseline = usage();
  // created in tidy, so the initial values' temporaries are freed (the variables are kept)
  const params = tf.tidy(() => [
    tf.variable(tf.tensor2d(uniformValues([24, 64], 1), [24, 64]).mul(0.2), true),
    tf.variable(tf.zeros([64]), true),
    tf.variable(tf.tensor3d(uniformValues([4, 16, 16], 2), [4, 16, 16]).mul(0.2), true),
    tf.variable(tf.zeros([4, 1, 16]), true),
    tf.variable(tf.tensor2d(uniformValues([64, 2], 3), [64, 2]).mul(0.2), true),
  ]);
  const [w1, b1, w2, b2, w3] = params as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const x = tf.tensor2d(uniformValues([32, 24], 4), [32, 24]);
  const target = tf.tensor2d(uniformValues([32, 2], 5), [32, 2]);
  const optimizer = tf.train.adam(1e-3);
  const loss = () => {
    const h1 = tf.relu(tf.fused.matMul({ a: x, b: w1, bias: b1 })); // [32, 64]
    const h2 = tf.relu(tf.add(tf.matMul(tf.reshape(h1, [4, 32, 16]), w2), b2)); // stacked [4, 32, 16]
    const y = tf.matMul(tf.reshape(h2, [32, 64]), w3);
    return tf.mean(tf.square(tf.sub(y, target))) as tf.Scalar;
  };
  const iteration = () => {
    // a training step by hand (variableGrads, then dispose), one through tidy, and an inference pass
    const { value, grads } = tf.variableGrads(loss, params);
    optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    tf.dispose([value, ...Object.values(grads)]);
    tf.tidy(() => {
      optimizer.minimize(loss, false, params);
    });
    const prediction = tf.tidy(() => tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' }));
    prediction.dataSync();
    prediction.dispose();
  };
  for (let k = 0; k < 3; k++) iteration(); // Adam creates its moment variables on the first step
  const settled = usage();
  for (let k = 0; k < 100; k++) {
    iteration();
    assert.deepEqual(usage(), settled, `iteration ${k}`);
  }
  optimizer.dispose();
  tf.dispose([x, target, ...params]);
  assert.deepEqual(usage(), baseline, 'everything freed at the end');
}

test('memory (tensors, bytes, heap buffers) stays flat over 100 training iterations with the native kernels', { skip: skipWithoutNative }, async () => {
  await trainAndInfer('on');
});

test('memory stays flat over 100 training iterations on the pure wasm kernels', async () => {
  await trainAndInfer('off');
});
