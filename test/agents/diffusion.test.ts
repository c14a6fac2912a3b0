import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { reverseChain, sinusoidalTable, vpSchedule } from '../../src/nn/diffusion.ts';
import { argmaxOneHot, gumbelSoftmaxStraightThrough } from '../../src/nn/gumbel.ts';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('VP schedule and posterior variance match hand-computed values (K = 2 and K = 7)', () => {
  // K = 2, beta_min = 0.1, beta_max = 10:
  //   beta_1 = 1 - exp(-0.1/2 - (1/8)(9.9)) = 1 - exp(-1.2875)
  //   beta_2 = 1 - exp(-0.05 - (3/8)(9.9)) = 1 - exp(-3.7625)
  const s = vpSchedule(2);
  close(s.betas[0]!, 1 - Math.exp(-1.2875));
  close(s.betas[1]!, 1 - Math.exp(-3.7625));
  const a1 = Math.exp(-1.2875);
  const a2 = Math.exp(-3.7625);
  close(s.alphaBars[0]!, a1);
  close(s.alphaBars[1]!, a1 * a2);
  close(s.posteriorVariances[0]!, 0); // sigma_1 = 0: abar_0 = 1
  close(s.posteriorVariances[1]!, ((1 - a2) * (1 - a1)) / (1 - a1 * a2));
  const s7 = vpSchedule(7);
  // beta_4 of K = 7: 1 - exp(-0.1/7 - (7/98)(9.9))
  close(s7.betas[3]!, 1 - Math.exp(-0.1 / 7 - (7 / 98) * 9.9));
  for (let k = 1; k < 7; k++) assert.ok(s7.betas[k]! > s7.betas[k - 1]!, 'betas increase with k');
  close(s7.noiseScale[6]!, s7.betas[6]! / Math.sqrt(1 - s7.alphaBars[6]!));
  assert.throws(() => vpSchedule(0), /positive integer/);
});

test('sinusoidal embedding: row k-1 is step k; sin(0) = 0, cos(0) = 1', () => {
  const table = sinusoidalTable(3, 8);
  assert.equal(table[0], 0);
  assert.equal(table[4], 1);
  close(table[8 + 0]!, Math.sin(1), 1e-6); // float32
  close(table[8 + 4 + 3]!, Math.cos(Math.exp(-Math.log(10000))), 1e-6);
});

test('a reverse chain with a zero noise network reproduces the analytic result', async () => {
  await initNeuralBackend();
  const K = 3;
  const s = vpSchedule(K);
  const xK = [0.3, -1.2];
  const z = [
    [0.5, -0.25],
    [1.5, 2.0],
  ]; // noise of steps 3 and 2
  // eps = 0: x_{k-1} = x_k / sqrt(alpha_k) + sigma_k z_k
  const expected = xK.map((x, j) => {
    let v = x;
    for (let k = K; k >= 1; k--) {
      v = v / Math.sqrt(s.alphas[k - 1]!);
      if (k > 1) v += s.sigmas[k - 1]! * z[K - k]![j]!;
    }
    return v;
  });
  const zero = (x: tf.Tensor3D) => tf.zerosLike(x);
  const x0 = tf.tidy(() =>
    reverseChain(
      s,
      zero,
      tf.tensor3d(xK, [1, 1, 2]),
      z.map((n) => tf.tensor3d(n, [1, 1, 2])),
    ).dataSync(),
  );
  expected.forEach((v, j) => close(x0[j]!, v, 1e-5));
  // the x_0-form without clipping is the same function
  const small = () => tf.tensor3d([0.01, -0.02], [1, 1, 2]);
  const noNoise = () => z.map(() => tf.zeros([1, 1, 2]) as tf.Tensor3D);
  const x0b = tf.tidy(() => reverseChain(s, zero, small(), noNoise(), true).dataSync());
  const plain = tf.tidy(() => reverseChain(s, zero, small(), noNoise(), false).dataSync());
  // small values stay inside [-1, 1] so the clip is inactive: both forms agree
  for (let j = 0; j < 2; j++) if (Math.abs(plain[j]!) < 1) close(x0b[j]!, plain[j]!, 1e-5);
});

test('gradients reach the noise network through every one of the K steps', async () => {
  await initNeuralBackend();
  const K = 5;
  const s = vpSchedule(K);
  // eps(x, k) = v_k * x with one scalar variable per step: d x_0 / d v_k != 0 for every k.
  const scales = Array.from({ length: K }, (_, k) => tf.variable(tf.scalar(0.1 + 0.01 * k)));
  const xK = tf.tensor3d([[[0.4, -0.7, 0.2]]]);
  const noise = Array.from({ length: K - 1 }, (_, j) => tf.tensor3d([[[0.1 * j, -0.2, 0.3]]]));
  const { grads } = tf.variableGrads(() => tf.sum(reverseChain(s, (x, k) => tf.mul(x, scales[k - 1]!) as tf.Tensor3D, xK, noise)) as tf.Scalar, scales);
  for (const v of scales) {
    const g = grads[v.name]!.dataSync()[0]!;
    assert.ok(Number.isFinite(g) && Math.abs(g) > 1e-8, `no gradient for ${v.name}: ${g}`);
  }
});

test('Gumbel-softmax (straight-through) gives valid one-hot samples and soft gradients', async () => {
  await initNeuralBackend();
  const logits = tf.variable(
    tf.tensor2d([
      [2, -1],
      [0.1, 0.3],
      [-3, 3],
    ]),
  );
  const noise = tf.tensor2d([
    [0, 0],
    [1, -1],
    [0.5, 0],
  ]);
  const sample = gumbelSoftmaxStraightThrough(logits, noise, 1);
  const values = sample.arraySync() as number[][];
  for (const row of values) {
    assert.equal(
      row.reduce((a, b) => a + b, 0),
      1,
    );
    assert.ok(row.every((v) => v === 0 || v === 1));
  }
  assert.deepEqual(values, [
    [1, 0],
    [1, 0],
    [0, 1],
  ]); // argmax of logits + noise
  const { grads } = tf.variableGrads(
    () =>
      tf.sum(
        tf.mul(
          gumbelSoftmaxStraightThrough(logits, noise, 1),
          tf.tensor2d([
            [1, 0],
            [1, 0],
            [1, 0],
          ]),
        ),
      ) as tf.Scalar,
    [logits],
  );
  const g = grads[logits.name]!.arraySync() as number[][];
  assert.ok(
    g.some((row) => row.some((v) => Math.abs(v) > 1e-6)),
    'the soft sample passes gradients',
  );
  assert.deepEqual(argmaxOneHot(tf.tensor2d([[0.2, 0.1]])).arraySync(), [[1, 0]]);
});
