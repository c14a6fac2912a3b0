// The kernels src/nn/wasmGradKernels.ts adds to the wasm backend (Conv2DBackpropFilter,
// UnsortedSegmentSum), through tf.grad, against TF.js's reference cpu backend, with the native
// products on and off.
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { installNativeConvKernels, registerWasmGradKernels, uninstallNativeConvKernels } from '../../src/nn/wasmGradKernels.ts';
import { assertClose, onCpu, onWasm, skipWithoutNative, uniformValues } from './helpers.ts';

interface ConvCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
}

const convCases: ConvCase[] = [
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [3, 9, 7, 2], f: [3, 3, 2, 5], stride: 2, pad: 'same' },
  { x: [2, 10, 6, 4], f: [3, 2, 4, 3], stride: 2, pad: 'valid' },
  { x: [1, 5, 5, 1], f: [1, 1, 1, 2], stride: 1, pad: 'valid' },
];

/** Gradients of sum(conv2d(x, f) * w) with respect to x and f, on the current backend. */
function convGrads(c: ConvCase, seed: number): { y: Float32Array; dx: Float32Array; df: Float32Array } {
  const x = tf.tensor4d(uniformValues(c.x, seed), c.x);
  const f = tf.tensor4d(uniformValues(c.f, seed + 1), c.f);
  const outShape = tf.conv2d(x, f, c.stride, c.pad).shape;
  const w = tf.tensor(uniformValues(outShape, seed + 2), outShape);
  const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), w)) as tf.Scalar;
  const [dx, df] = tf.grads(loss)([x, f]);
  const y = tf.conv2d(x, f, c.stride, c.pad);
  const out = { y: y.dataSync() as Float32Array, dx: dx!.dataSync() as Float32Array, df: df!.dataSync() as Float32Array };
  tf.dispose([x, f, w, y, dx!, df!]);
  return out;
}

function gatherGrad(seed: number): Float32Array {
  const table = tf.tensor2d(uniformValues([11, 6], seed), [11, 6]);
  const ids = tf.tensor2d([1, 3, 3, 0, 10, 1, 1, 7], [2, 4], 'int32');
  const w = tf.tensor3d(uniformValues([2, 4, 6], seed + 1), [2, 4, 6]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), w)))(table);
  const out = g.dataSync() as Float32Array;
  tf.dispose([table, ids, w, g]);
  return out;
}

for (const native of ['off', 'on'] as const) {
  test(
    `Conv2DBackpropFilter, the conv2d input gradient and forward on wasm (native ${native}) match the cpu backend`,
    { skip: native === 'on' ? skipWithoutNative : false },
    async () => {
      registerWasmGradKernels();
      for (const [k, c] of convCases.entries()) {
        const want = await onCpu(() => convGrads(c, 10 + k));
        const got = await onWasm(native, () => convGrads(c, 10 + k));
        assertClose(got.df, want.df, 1e-4, `dFilter case ${k}`);
        assertClose(got.dx, want.dx, 1e-4, `dInput case ${k}`);
        assertClose(got.y, want.y, 1e-4, `forward case ${k}`);
      }
      if (native === 'on') {
        // the im2col + OpenBLAS Conv2D and Conv2DBackpropInput
        await onWasm('on', () => undefined);
        try {
          if (!installNativeConvKernels()) throw new Error('native conv kernels should install when the addon loads');
          for (const [k, c] of convCases.entries()) {
            const want = await onCpu(() => convGrads(c, 20 + k));
            const got = await onWasm('on', () => convGrads(c, 20 + k));
            assertClose(got.y, want.y, 1e-4, `native forward case ${k}`);
            assertClose(got.dx, want.dx, 1e-4, `native dInput case ${k}`);
            assertClose(got.df, want.df, 1e-4, `native dFilter case ${k}`);
          }
        } finally {
          uninstallNativeConvKernels();
        }
      }
    },
  );

  test(`UnsortedSegmentSum (the gather gradient) on wasm (native ${native}) matches the cpu backend`, { skip: native === 'on' ? skipWithoutNative : false }, async () => {
    registerWasmGradKernels();
    const want = await onCpu(() => gatherGrad(3));
    const got = await onWasm(native, () => gatherGrad(3));
    assertClose(got, want, 1e-5, 'dTable');
  });
}
