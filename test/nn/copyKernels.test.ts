// Block-copy Tile, Concat and Transpose (src/nn/copyKernels.ts) against TF.js's own wasm kernels: bit-identical
// over ranks 1-4, repeats on every axis, size-1 and empty axes, int32, and gradients through them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { copyKernelsInstalled } from '../../src/nn/copyKernels.ts';
import { uniformValues } from './helpers.ts';

/** Runs fn with TF.js's own kernels and with svec's; returns both results' shapes and values. */
async function bothWays(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ own: { shape: number[]; values: number[] }[]; ours: { shape: number[]; values: number[] }[] }> {
  const run = () => {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const result = list.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
    tf.dispose(list);
    return result;
  };
  await initNeuralBackend({ native: 'off' });
  assert.equal(copyKernelsInstalled(), false);
  const own = run();
  await initNeuralBackend({ native: 'auto' });
  assert.equal(copyKernelsInstalled(), true);
  return { own, ours: run() };
}

/** A float32 tensor of uniformValues(shape, seed) and an int32 one of uniformValues(shape, seed + 1) times 1000, rounded. */
function floatAndInt(shape: number[], seed: number): tf.Tensor[] {
  return [
    tf.tensor(uniformValues(shape, seed), shape),
    tf.tensor(
      Int32Array.from(uniformValues(shape, seed + 1), (v) => Math.round(v * 1000)),
      shape,
      'int32',
    ),
  ];
}

const tileCases: { shape: number[]; reps: number[] }[] = [
  { shape: [5], reps: [3] },
  { shape: [1, 64, 20], reps: [20, 1, 1] }, // a critic's joint input for every agent
  { shape: [1, 1, 16], reps: [20, 64, 1] }, // the step embedding for every agent and row
  { shape: [2, 3], reps: [2, 3] },
  { shape: [3, 1, 2, 1], reps: [2, 4, 1, 3] },
  { shape: [2, 3, 4], reps: [1, 1, 1] },
  { shape: [2, 0, 3], reps: [2, 2, 2] },
  { shape: [4, 2], reps: [0, 3] },
  { shape: [1], reps: [1] },
];

test("Tile equals TF.js's kernel bit for bit (float32 and int32, every axis, empty)", async () => {
  for (const { shape, reps } of tileCases) {
    const { own, ours } = await bothWays(() => floatAndInt(shape, 3).map((t) => tf.tile(t, reps)));
    assert.deepEqual(ours, own, `tile [${shape}] x [${reps}]`);
  }
  // NaN and -0 survive unchanged (the copy moves bytes)
  const special = new Float32Array([Number.NaN, -0, Number.POSITIVE_INFINITY, 1]);
  const { ours } = await bothWays(() => tf.tile(tf.tensor(special, [2, 2]), [2, 1]));
  assert.ok(Object.is(ours[0]!.values[1], -0) && Number.isNaN(ours[0]!.values[4]));
});

test("Tile of bool tensors goes to TF.js's kernel; gradients through tile match", async () => {
  const { own, ours } = await bothWays(() => tf.tile(tf.tensor([true, false], [2], 'bool'), [3]));
  assert.deepEqual(ours, own);
  const grads = await bothWays(() => {
    const x = tf.tensor(uniformValues([1, 3, 2], 5), [1, 3, 2]);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, [4, 1, 2]), tf.tensor(uniformValues([4, 3, 4], 6), [4, 3, 4]))))(x);
  });
  assert.deepEqual(grads.ours, grads.own);
});

test("Concat equals TF.js's kernel bit for bit along every axis, with empty parts, and its gradient too", async () => {
  const cases: { shapes: number[][]; axis: number }[] = [
    {
      shapes: [
        [20, 64, 5],
        [20, 64, 16],
        [20, 64, 5],
      ],
      axis: 2,
    }, // the noise network's input
    {
      shapes: [
        [20, 64, 100],
        [20, 64, 100],
      ],
      axis: -1,
    },
    {
      shapes: [
        [2, 3],
        [4, 3],
      ],
      axis: 0,
    },
    {
      shapes: [
        [2, 3, 4],
        [2, 1, 4],
        [2, 0, 4],
      ],
      axis: 1,
    },
    { shapes: [[7], [0], [2]], axis: 0 },
    { shapes: [[3, 2]], axis: 1 },
  ];
  for (const { shapes, axis } of cases) {
    const { own, ours } = await bothWays(() => [
      tf.concat(
        shapes.map((s, k) => tf.tensor(uniformValues(s, 10 + k), s)),
        axis,
      ),
      tf.concat(
        shapes.map((s, k) =>
          tf.tensor(
            Int32Array.from(uniformValues(s, 20 + k), (v) => Math.round(v * 100)),
            s,
            'int32',
          ),
        ),
        axis,
      ),
    ]);
    assert.deepEqual(ours, own, `concat ${JSON.stringify(shapes)} on ${axis}`);
  }
  const grads = await bothWays(() => {
    const xs = [tf.tensor(uniformValues([2, 3, 2], 1), [2, 3, 2]), tf.tensor(uniformValues([2, 3, 5], 2), [2, 3, 5])];
    const w = tf.tensor(uniformValues([2, 3, 7], 3), [2, 3, 7]);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.concat([a, b], 2), w)))(xs);
  });
  assert.deepEqual(grads.ours, grads.own);
});

test("Transpose equals TF.js's kernel bit for bit (every permutation of ranks 1-4, size-1 and empty axes, int32), and its gradient", async () => {
  const { transposeGeometry } = await import('../../src/nn/copyKernels.ts');
  const permutations = (n: number): number[][] =>
    n === 0 ? [[]] : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)]));
  const shapes = [[7], [3, 5], [1, 4], [2, 3, 4], [4, 1, 3], [2, 3, 0], [2, 3, 4, 5], [20, 8, 4, 8], [3, 1, 2, 1]];
  let native = 0;
  let total = 0;
  for (const shape of shapes) {
    for (const perm of permutations(shape.length)) {
      total++;
      if (transposeGeometry(shape, perm)) native++;
      const { own, ours } = await bothWays(() => floatAndInt(shape, 7).map((t) => tf.transpose(t, perm)));
      assert.deepEqual(ours, own, `transpose [${shape}] by [${perm}]`);
    }
  }
  // MADDPG-RA's head split and merge take the copy; a rank-5 cycle needs three loops and does not
  assert.ok(transposeGeometry([20, 64, 4, 8], [1, 2, 0, 3]) && transposeGeometry([64, 4, 20, 8], [2, 0, 1, 3]));
  assert.equal(transposeGeometry([2, 3, 4, 5, 6], [4, 3, 2, 1, 0]), null);
  assert.ok(native > 0 && native < total, `both paths taken: ${native} of ${total} cases were copies`);
  const grads = await bothWays(() => {
    const x = tf.tensor(uniformValues([5, 6, 2, 3], 9), [5, 6, 2, 3]);
    const w = tf.tensor(uniformValues([6, 2, 5, 3], 10), [6, 2, 5, 3]);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.transpose(t, [1, 2, 0, 3]), w)))(x);
  });
  assert.deepEqual(grads.ours, grads.own);
});

test('the centralized critics input: copies equal the composed tile, concat and own-action mix, values and the gradient', async () => {
  const { centralizedCriticInput } = await import('../../src/agents/common.ts');
  for (const { n, B, o, w } of [
    { n: 4, B: 6, o: 3, w: 5 },
    { n: 1, B: 2, o: 2, w: 1 },
    { n: 3, B: 1, o: 1, w: 2 },
  ]) {
    const { own, ours } = await bothWays(() => {
      const jointObs = tf.tensor2d(uniformValues([B, n * o], 5), [B, n * o]);
      const jointActions = tf.tensor2d(uniformValues([B, n * w], 6), [B, n * w]);
      const fresh = tf.tensor3d(uniformValues([n, B, w], 7), [n, B, w]);
      const dy = tf.tensor3d(uniformValues([n, B, n * (o + w)], 8), [n, B, n * (o + w)]);
      const gradient = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(centralizedCriticInput(jointObs, jointActions, n, f as tf.Tensor3D), dy)))(fresh);
      return [centralizedCriticInput(jointObs, jointActions, n), centralizedCriticInput(jointObs, jointActions, n, fresh), gradient];
    });
    assert.deepEqual(ours, own, `n ${n}, B ${B}, o ${o}, w ${w}`);
    // critic 0 sees agent 0's fresh action
    const fresh0 = uniformValues([n, B, w], 7).slice(0, w);
    assert.deepEqual(
      own[1]!.values.slice(n * o, n * o + w),
      Array.from(fresh0, (v) => Math.fround(v)),
    );
    assert.ok(own[2]!.values.some((v) => v !== 0));
  }
});

test("a diffusion actor's step input: the copy kernel equals the composed tile and concat, values and the gradient", async () => {
  const { chainInputCopies } = await import('../../src/nn/copyKernels.ts');
  for (const { G, R, w, d, o } of [
    { G: 4, R: 6, w: 5, d: 16, o: 3 },
    { G: 1, R: 1, w: 1, d: 2, o: 1 },
    { G: 3, R: 2, w: 2, d: 4, o: 7 },
  ]) {
    const row = Float32Array.from(uniformValues([d], 9));
    const input = (x: tf.Tensor3D, obs: tf.Tensor3D) =>
      copyKernelsInstalled() ? chainInputCopies(x, row, obs) : (tf.concat([x, tf.tile(tf.tensor3d(row, [1, 1, d]), [G, R, 1]), obs], 2) as tf.Tensor3D);
    const { own, ours } = await bothWays(() => {
      const x = tf.tensor3d(uniformValues([G, R, w], 5), [G, R, w]);
      const obs = tf.tensor3d(uniformValues([G, R, o], 6), [G, R, o]);
      const dy = tf.tensor3d(uniformValues([G, R, w + d + o], 8), [G, R, w + d + o]);
      const gradient = tf.grad((xk: tf.Tensor) => tf.sum(tf.mul(input(xk as tf.Tensor3D, obs), dy)))(x);
      return [input(x, obs), gradient];
    });
    assert.deepEqual(ours, own, `G ${G}, R ${R}, w ${w}, d ${d}, o ${o}`);
    // row 0: x, then the embedding, then obs
    assert.deepEqual(own[0]!.values.slice(w, w + d), Array.from(row));
    assert.ok(own[1]!.values.some((v) => v !== 0));
  }
});
