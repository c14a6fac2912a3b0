// The native (OpenBLAS) BatchMatMul and _FusedMatMul kernels registered on the wasm backend,
// against TF.js's reference CPU backend; and the acting forward pass (plain and native) against TF.js.
// Native-only checks skip, saying so, when the addon is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initNeuralBackend, setNativeThreads } from '../../src/nn/backend.ts';
import { MlpSnapshot } from '../../src/nn/inference.ts';
import { loadNativeBlas, nativeMatMulKernelsInstalled } from '../../src/nn/nativeKernels.ts';
import { StackedMlp } from '../../src/nn/stackedMlp.ts';
import { RandomStreams } from '../../src/random/stream.ts';
import { assertClose, computeValues, onCpu, onWasm, relativeError, skipWithoutNative, uniformValues } from './helpers.ts';

// First in the file, while the heap is still at its initial 16 MiB: an output larger than the
// whole heap forces it to grow inside the kernel, after the inputs' offsets were taken.
test('native BatchMatMul stays right when allocating its output grows the WebAssembly heap', { skip: skipWithoutNative }, async () => {
  const info = await initNeuralBackend({ native: 'on' });
  assert.equal(info.nativeMatmul, true);
  const heapBytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
  const before = heapBytes();
  const n = Math.ceil(Math.sqrt(before / 4)) + 1;
  const a = uniformValues([n], 1);
  const b = uniformValues([n], 2);
  const product = computeValues(() => tf.matMul(tf.tensor2d(a, [n, 1]), tf.tensor2d(b, [1, n]))).values;
  assert.ok(heapBytes() > before, 'the heap should have grown');
  for (let i = 0; i < n; i += 97) for (let j = 0; j < n; j += 89) assert.equal(product[i * n + j], Math.fround(a[i]! * b[j]!));
});

interface ProductCase {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  note: string;
}

const productCases: ProductCase[] = [
  { a: [1, 1], b: [1, 1], transposeA: false, transposeB: false, note: 'tiny 1x1' },
  { a: [1, 7], b: [7, 1], transposeA: false, transposeB: false, note: 'dot product' },
  { a: [3, 5], b: [5, 7], transposeA: false, transposeB: false, note: 'non-square' },
  { a: [5, 3], b: [5, 7], transposeA: true, transposeB: false, note: 'transposeA' },
  { a: [3, 5], b: [7, 5], transposeA: false, transposeB: true, note: 'transposeB' },
  { a: [5, 3], b: [7, 5], transposeA: true, transposeB: true, note: 'both transposed' },
  { a: [4, 6, 9], b: [4, 9, 2], transposeA: false, transposeB: false, note: 'batched' },
  { a: [4, 9, 6], b: [4, 2, 9], transposeA: true, transposeB: true, note: 'batched, transposed' },
  { a: [1, 6, 9], b: [4, 9, 2], transposeA: false, transposeB: false, note: 'batch 1 broadcast on a' },
  { a: [4, 6, 9], b: [1, 9, 2], transposeA: false, transposeB: false, note: 'batch 1 broadcast on b' },
  { a: [4, 6, 9], b: [9, 2], transposeA: false, transposeB: false, note: 'rank-2 b against rank-3 a' },
  { a: [6, 9], b: [3, 2, 9], transposeA: false, transposeB: true, note: 'rank-2 a against rank-3 b' },
  { a: [2, 3, 6, 9], b: [2, 3, 9, 5], transposeA: false, transposeB: false, note: 'rank 4' },
  { a: [2, 3, 9, 6], b: [3, 5, 9], transposeA: true, transposeB: true, note: 'rank 4 against rank 3' },
  { a: [20, 64, 26], b: [20, 26, 64], transposeA: false, transposeB: false, note: 'stacked actor layer' },
  { a: [200, 130], b: [96, 200], transposeA: true, transposeB: true, note: 'larger, both transposed' },
  { a: [3, 0], b: [0, 4], transposeA: false, transposeB: false, note: 'empty inner dimension' },
  { a: [0, 4], b: [4, 3], transposeA: false, transposeB: false, note: 'empty output' },
];

test('native BatchMatMul equals the CPU backend (transposes, batch broadcasting, ranks 2-4, 1x1, empty)', { skip: skipWithoutNative }, async () => {
  for (const c of productCases) {
    const run = () => computeValues(() => tf.matMul(tf.tensor(uniformValues(c.a, 1), c.a), tf.tensor(uniformValues(c.b, 2), c.b), c.transposeA, c.transposeB));
    const reference = await onCpu(run);
    const native = await onWasm('on', run);
    assert.ok(nativeMatMulKernelsInstalled());
    assert.deepEqual(native.shape, reference.shape, c.note);
    assertClose(native.values, reference.values, 1e-5, c.note);
  }
});

test('native BatchMatMul broadcasts batch dims that differ on both sides, like numpy', { skip: skipWithoutNative }, async () => {
  // [2, 1, m, k] x [1, 3, k, n] -> [2, 3, m, n]: TF.js 4.22's own cpu and wasm kernels return wrong
  // values here, so the reference multiplies the explicitly broadcast operands.
  const aShape = [2, 1, 4, 3];
  const bShape = [1, 3, 3, 5];
  const reference = await onCpu(() =>
    computeValues(() => {
      const a = tf.broadcastTo(tf.tensor(uniformValues(aShape, 3), aShape), [2, 3, 4, 3]);
      const b = tf.broadcastTo(tf.tensor(uniformValues(bShape, 4), bShape), [2, 3, 3, 5]);
      return tf.matMul(a, b);
    }),
  );
  const native = await onWasm('on', () => computeValues(() => tf.matMul(tf.tensor(uniformValues(aShape, 3), aShape), tf.tensor(uniformValues(bShape, 4), bShape))));
  assert.deepEqual(native.shape, [2, 3, 4, 5]);
  assertClose(native.values, reference.values, 1e-5, 'cross broadcast');
});

test('native BatchMatMul rejects mismatched inner dimensions with TF.js message', { skip: skipWithoutNative }, async () => {
  await initNeuralBackend({ native: 'on' });
  assert.throws(() => tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 2]))), /inner shapes \(3\) and \(4\)/);
});

interface FusedCase {
  a: number[];
  b: number[];
  transposeA?: boolean;
  transposeB?: boolean;
  bias?: number[];
  activation: 'linear' | 'relu' | 'relu6' | 'leakyrelu' | 'sigmoid' | 'elu' | 'prelu';
  note: string;
}

const fusedCases: FusedCase[] = [
  { a: [1, 1], b: [1, 1], bias: [1], activation: 'relu', note: 'tiny 1x1 with bias' },
  { a: [8, 5], b: [5, 6], activation: 'linear', note: 'no bias, linear' },
  { a: [8, 5], b: [5, 6], activation: 'relu', note: 'no bias, relu' },
  { a: [8, 5], b: [5, 6], bias: [6], activation: 'linear', note: 'bias [N], linear' },
  { a: [8, 5], b: [5, 6], bias: [6], activation: 'relu', note: 'bias [N] + relu (a dense layer)' },
  { a: [5, 8], b: [6, 5], transposeA: true, transposeB: true, bias: [6], activation: 'relu', note: 'transposed + bias + relu' },
  { a: [256, 64], b: [64, 96], bias: [96], activation: 'relu', note: 'MLP-sized layer' },
  { a: [8, 5], b: [5, 6], bias: [1, 6], activation: 'relu', note: 'bias [1, N]' },
  { a: [8, 5], b: [5, 6], bias: [8, 6], activation: 'relu', note: 'bias [M, N]' },
  { a: [8, 5], b: [5, 6], bias: [8, 1], activation: 'relu', note: 'bias [M, 1]' },
  { a: [8, 5], b: [5, 6], bias: [], activation: 'relu', note: 'scalar bias' },
  { a: [3, 8, 5], b: [3, 5, 6], bias: [3, 1, 6], activation: 'relu', note: 'stacked layer, bias [G, 1, N]' },
  { a: [3, 8, 5], b: [5, 6], bias: [6], activation: 'relu', note: 'batched a, shared b and bias' },
  { a: [8, 5], b: [5, 6], bias: [6], activation: 'relu6', note: 'relu6' },
  { a: [8, 5], b: [5, 6], bias: [6], activation: 'leakyrelu', note: 'leakyrelu' },
  { a: [8, 5], b: [5, 6], bias: [6], activation: 'sigmoid', note: 'sigmoid' },
  { a: [8, 5], b: [5, 6], bias: [6], activation: 'elu', note: 'elu' },
  { a: [8, 5], b: [5, 6], bias: [6], activation: 'prelu', note: 'prelu (delegated to the wasm kernel)' },
];

test('native _FusedMatMul equals the CPU backend (bias shapes, activations, transposes)', { skip: skipWithoutNative }, async () => {
  for (const c of fusedCases) {
    const run = () =>
      computeValues(() => {
        const n = c.b[c.transposeB ? c.b.length - 2 : c.b.length - 1]!;
        return tf.fused.matMul({
          a: tf.tensor(uniformValues(c.a, 5), c.a),
          b: tf.tensor(uniformValues(c.b, 6), c.b),
          transposeA: c.transposeA ?? false,
          transposeB: c.transposeB ?? false,
          bias: c.bias ? tf.tensor(uniformValues(c.bias, 7), c.bias) : undefined,
          activation: c.activation,
          preluActivationWeights: c.activation === 'prelu' ? tf.tensor1d(uniformValues([n], 8)) : undefined,
          leakyreluAlpha: 0.15,
        });
      });
    const reference = await onCpu(run);
    const native = await onWasm('on', run);
    assert.deepEqual(native.shape, reference.shape, c.note);
    assertClose(native.values, reference.values, 1e-5, c.note);
  }
});

/** A small dense network's loss and gradients: fused linear layers (fused under the tape), relu, a transposed product. */
function denseNetworkGradients(tag: string): { loss: number; grads: Float32Array[] } {
  const params = [
    tf.variable(tf.tensor2d(uniformValues([12, 32], 11), [12, 32]).mul(0.3), true, `w1-${tag}`),
    tf.variable(tf.tensor1d(uniformValues([32], 12)).mul(0.1), true, `b1-${tag}`),
    tf.variable(tf.tensor2d(uniformValues([32, 16], 13), [32, 16]).mul(0.2), true, `w2-${tag}`),
    tf.variable(tf.tensor1d(uniformValues([16], 14)).mul(0.1), true, `b2-${tag}`),
    tf.variable(tf.tensor2d(uniformValues([3, 16], 15), [3, 16]).mul(0.25), true, `w3-${tag}`), // stored [out, in]
  ];
  const [w1, b1, w2, b2, w3] = params as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const x = tf.tensor2d(uniformValues([16, 12], 16), [16, 12]);
  const target = tf.tensor2d(uniformValues([16, 3], 17), [16, 3]);
  const { value, grads } = tf.variableGrads(() => {
    const h1 = tf.relu(tf.fused.matMul({ a: x, b: w1, bias: b1 }));
    const h2 = tf.fused.matMul({ a: h1, b: w2, bias: b2, activation: 'relu' });
    const y = tf.matMul(h2, w3, false, true);
    return tf.mean(tf.square(tf.sub(y, target))) as tf.Scalar;
  }, params);
  const result = { loss: value.dataSync()[0]!, grads: params.map((p) => grads[p.name]!.dataSync() as Float32Array) };
  tf.dispose([value, x, target, ...Object.values(grads), ...params]);
  return result;
}

test('gradients of a small dense network (tf.variableGrads) agree between the native path and the CPU backend', { skip: skipWithoutNative }, async () => {
  const reference = await onCpu(() => denseNetworkGradients('cpu'));
  const native = await onWasm('on', () => denseNetworkGradients('native'));
  assert.ok(Math.abs(native.loss - reference.loss) <= 1e-5 * Math.abs(reference.loss), `loss ${native.loss} vs ${reference.loss}`);
  reference.grads.forEach((want, k) => {
    const error = relativeError(native.grads[k]!, want);
    assert.ok(error <= 1e-4, `gradient ${k}: relative error ${error}`);
  });
});

test('tf.grads through batched transposed products agree between the native path and the CPU backend', { skip: skipWithoutNative }, async () => {
  const run = () =>
    tf.tidy(() => {
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.sin(tf.matMul(a, b, true, true)));
      const a = tf.tensor3d(uniformValues([4, 7, 5], 21), [4, 7, 5]);
      // (not [1, 6, 7]: TF.js's BatchMatMul gradient does not sum over broadcast batch dims)
      const b = tf.tensor3d(uniformValues([4, 6, 7], 22), [4, 6, 7]);
      return tf
        .grads(f)([a, b])
        .map((g) => g.dataSync() as Float32Array);
    });
  const reference = await onCpu(run);
  const native = await onWasm('on', run);
  reference.forEach((want, k) => {
    const error = relativeError(native[k]!, want);
    assert.ok(error <= 1e-4, `gradient ${k}: relative error ${error}`);
  });
});

test('gradients of a small stacked network are the same on the native path and the CPU backend', { skip: skipWithoutNative }, async () => {
  const grads = (tag: string) => {
    const net = new StackedMlp({ groups: 3, sizes: [4, 8, 2], activation: 'relu', name: `g-${tag}` }, new RandomStreams(3).get('init'));
    const x = tf.tensor3d(uniformValues([3, 5, 4], 4), [3, 5, 4]);
    const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.square(net.apply(x))) as tf.Scalar, net.variables);
    const out = [value.dataSync()[0]!, ...net.variables.flatMap((v) => Array.from(g[v.name]!.dataSync()))];
    tf.dispose([value, x, ...Object.values(g)]);
    net.dispose();
    return out;
  };
  const reference = await onCpu(() => grads('cpu'));
  const native = await onWasm('on', () => grads('native'));
  assertClose(native, reference, 1e-4, 'stacked network gradients');
});

test('the acting forward pass (plain and native) equals the TF.js network', async () => {
  await initNeuralBackend();
  const useNativeOptions = loadNativeBlas().blas ? [false, true] : [false];
  for (const activation of ['relu', 'mish', 'tanh'] as const) {
    for (const groups of [1, 4]) {
      const net = new StackedMlp({ groups, sizes: [6, 16, 16, 3], activation, name: `snap-${activation}-${groups}` }, new RandomStreams(5).get('init'));
      const x = uniformValues([4, 6], 6);
      const expected = tf.tidy(() => net.apply(tf.tensor3d(x, groups === 1 ? [1, 4, 6] : [4, 1, 6])).dataSync() as Float32Array);
      for (const useNative of useNativeOptions) {
        const snapshot = new MlpSnapshot(net, useNative);
        const out = new Float32Array(12);
        snapshot.forward(x, 4, 6, null, out);
        assertClose(out, expected, 1e-5, `${activation} G=${groups} native=${useNative}`);
      }
      net.dispose();
    }
  }
});

test('two OpenBLAS threads give the same bits as one (SVEC_BLAS_THREADS changes speed only)', { skip: skipWithoutNative }, async () => {
  await initNeuralBackend({ native: 'on' });
  const blas = loadNativeBlas().blas!;
  const n = 256; // large enough for OpenBLAS to split the product among threads
  const values = Float32Array.from(uniformValues([3 * n * n], 17));
  const product = (threads: number, transA: boolean, transB: boolean) => {
    setNativeThreads(threads);
    const out = new Float32Array(n * n);
    blas.sgemmStrided(transA, transB, 1, n, n, n, values, 0, 0, values, n * n, 0, out, 0, 0);
    return out;
  };
  try {
    for (const [a, b] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      assert.deepEqual(product(2, a, b), product(1, a, b), `transposes ${a} ${b}`);
    }
  } finally {
    setNativeThreads(1);
  }
});

test(
  "native Softmax equals TF.js's wasm kernel bit for bit (row lengths 1-100, masked rows, underflow, empty), and falls back on NaN and infinity",
  { skip: skipWithoutNative },
  async () => {
    const cases: { shape: number[]; scale: number; mask?: boolean }[] = [
      { shape: [1], scale: 4 },
      { shape: [3, 1], scale: 4 },
      { shape: [256, 20, 20], scale: 6, mask: true }, // MADDPG-RA's attention weights, self masked with -1e9
      { shape: [64, 20, 2], scale: 3 },
      { shape: [2, 0, 5], scale: 1 },
      { shape: [97, 3], scale: 200 }, // most outputs underflow: the denormal cutoff and subnormal results
      ...Array.from({ length: 40 }, (_, k) => ({ shape: [29, k + 1], scale: 10 })),
      { shape: [11, 64], scale: 8 },
      { shape: [7, 100], scale: 30 },
    ];
    const special = new Float32Array([1, Number.NaN, 2, 3, 0, -Infinity, 1, 1, Infinity, 0, 2, 5]);
    const run = () =>
      cases
        .map(({ shape, scale, mask }) => {
          const values = uniformValues(shape, shape.length * 31 + (shape[shape.length - 1] ?? 0)).map((v) => v * scale);
          if (mask) for (let r = 0; r < values.length / 20; r++) values[r * 20 + (r % 20)]! -= 1e9;
          return computeValues(() => tf.softmax(tf.tensor(values, shape)));
        })
        .concat([computeValues(() => tf.softmax(tf.tensor2d(special, [3, 4])))]);
    const own = await onWasm('off', run);
    const softmaxOff = tf.getKernel('Softmax', 'wasm')!.kernelFunc;
    const ours = await onWasm('on', run);
    assert.notEqual(tf.getKernel('Softmax', 'wasm')!.kernelFunc, softmaxOff, 'the native Softmax is registered');
    own.forEach((o, k) => {
      assert.deepEqual(ours[k]!.shape, o.shape);
      // NaN outputs compare as NaN whatever their payload; every other output bit for bit
      const words = (v: Float32Array) => {
        const bits = new Uint32Array(v.buffer, v.byteOffset, v.length);
        return Array.from(v, (x, i) => (Number.isNaN(x) ? 'NaN' : bits[i]!));
      };
      const mine = words(ours[k]!.values);
      const theirs = words(o.values);
      assert.deepEqual(mine, theirs, `case ${k}: [${o.shape}]`);
    });
  },
);
