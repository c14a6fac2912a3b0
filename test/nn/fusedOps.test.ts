// The fused ops (src/nn/fusedOps.ts) against TF.js's own composed ops: values and gradients of
// the stacked MLP (every activation, 1-3 layers, shared and per-agent weights, one row, no rows,
// width 1), the reverse-chain step (both mean forms, values past the clip), the clipped Adam
// step and the soft update. On the wasm backend relu and linear layers, the chain, Adam and the
// soft update must be bit-identical to the composed ops; tanh and mish agree to float32
// rounding; everything also agrees with TF.js's cpu backend (an independent reference).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { reverseChain, vpSchedule } from '../../src/nn/diffusion.ts';
import { fusedOpsActive, setFusedOps } from '../../src/nn/fusedOps.ts';
import { minimizeStacked } from '../../src/nn/optim.ts';
import { StackedMlp, type Activation } from '../../src/nn/stackedMlp.ts';
import { RandomStreams } from '../../src/random/stream.ts';
import { assertClose, onCpu, skipWithoutNative, uniformValues } from './helpers.ts';

type Values = number[][];

/** Runs fn with the fused ops on, then off (composed TF.js ops), on the wasm backend. */
async function fusedAndComposed(fn: () => Values): Promise<{ fused: Values; composed: Values }> {
  await initNeuralBackend({ native: 'on' });
  setFusedOps(true);
  assert.ok(fusedOpsActive(), 'the fused ops are active');
  const fused = fn();
  setFusedOps(false);
  try {
    return { fused, composed: fn() };
  } finally {
    setFusedOps(true);
  }
}

/** Values and gradients (w.r.t. x and every parameter) of a stacked MLP on a fixed input. */
function mlpCase(sizes: number[], groups: number, rows: number, activation: Activation, seed: number): () => Values {
  return () => {
    const net = new StackedMlp({ groups, sizes, activation, name: `fused-test-${seed}` }, new RandomStreams(seed).get('init'));
    try {
      const shape = [groups, rows, sizes[0]!];
      const x = tf.tensor3d(
        uniformValues(shape, seed).map((v) => 3 * v),
        shape as [number, number, number],
      );
      const weight = tf.tensor(uniformValues([groups, rows, sizes[sizes.length - 1]!], seed + 1));
      const loss = () => tf.sum(tf.mul(net.apply(x), weight.reshape([groups, rows, sizes[sizes.length - 1]!]))) as tf.Scalar;
      const y = tf.tidy(() => net.apply(x));
      const { grads } = tf.variableGrads(loss, net.variables);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(net.apply(t as tf.Tensor3D), weight.reshape([groups, rows, sizes[sizes.length - 1]!]))))(x);
      const out = [Array.from(y.dataSync()), Array.from(dx.dataSync()), ...net.variables.map((v) => Array.from(grads[v.name]!.dataSync()))];
      tf.dispose([x, weight, y, dx, ...Object.values(grads)]);
      return out;
    } finally {
      net.dispose();
    }
  };
}

const mlpShapes: { sizes: number[]; groups: number; rows: number }[] = [
  { sizes: [26, 16, 16, 5], groups: 4, rows: 8 }, // an actor's noise network
  { sizes: [30, 8, 1], groups: 3, rows: 5 }, // a centralized critic
  { sizes: [7, 5], groups: 2, rows: 3 }, // no hidden layer
  { sizes: [4, 6, 6, 6, 3], groups: 1, rows: 11 }, // shared weights, three hidden layers
  { sizes: [1, 1, 1], groups: 2, rows: 1 }, // width 1, one row
];

test('fused stacked MLP: relu is bit-identical to the composed ops, values and every gradient', { skip: skipWithoutNative }, async () => {
  for (const [k, { sizes, groups, rows }] of mlpShapes.entries()) {
    const { fused, composed } = await fusedAndComposed(mlpCase(sizes, groups, rows, 'relu', 10 + k));
    assert.deepEqual(fused, composed, `sizes ${sizes}, groups ${groups}, rows ${rows}`);
  }
});

test('fused stacked MLP: tanh and mish agree with the composed ops to float32 rounding', { skip: skipWithoutNative }, async () => {
  for (const activation of ['tanh', 'mish'] as const) {
    for (const [k, { sizes, groups, rows }] of mlpShapes.entries()) {
      const { fused, composed } = await fusedAndComposed(mlpCase(sizes, groups, rows, activation, 30 + k));
      fused.forEach((values, j) => assertClose(values, composed[j]!, 2e-5, `${activation} sizes ${sizes} output ${j}`));
    }
  }
});

test("fused stacked MLP with no rows: empty output, zero weight gradients (TF.js's own bias gradient fails on it)", { skip: skipWithoutNative }, async () => {
  const { fused } = await fusedAndComposed(() => [[]]); // only to set up the backend with the fused ops on
  assert.deepEqual(fused, [[]]);
  for (const activation of ['relu', 'mish'] as const) {
    const [y, dx, ...grads] = mlpCase([5, 4, 2], 3, 0, activation, 60)();
    assert.deepEqual(y, []);
    assert.deepEqual(dx, []);
    for (const g of grads) assert.ok(g.length > 0 && g.every((v) => v === 0));
  }
});

test("fused stacked MLP agrees with TF.js's cpu backend, every activation", { skip: skipWithoutNative }, async () => {
  for (const activation of ['relu', 'tanh', 'mish'] as const) {
    const run = mlpCase([12, 9, 9, 4], 3, 6, activation, 50);
    const reference = await onCpu(run);
    const { fused } = await fusedAndComposed(run);
    fused.forEach((values, j) => assertClose(values, reference[j]!, 2e-5, `${activation} output ${j}`));
  }
});

test('mish and its gradient at the edges: large |z|, zero, and where the one-exp formula switches', { skip: skipWithoutNative }, async () => {
  const z = [-100, -30, -20.5, -5, -1e-3, 0, 1e-3, 0.5, 5, 19.99, 20, 20.01, 30, 100];
  const run = (): Values => {
    const net = new StackedMlp({ groups: 1, sizes: [1, z.length, 1], activation: 'mish', name: 'mish-edge' }, new RandomStreams(1).get('init'));
    try {
      // first layer: identity on the single input feeding unit j with weight 1 and bias z_j
      net.weights[0]!.assign(tf.ones([1, 1, z.length]));
      net.biases[0]!.assign(tf.tensor3d(z, [1, 1, z.length]));
      net.weights[1]!.assign(tf.ones([1, z.length, 1]));
      const x = tf.zeros([1, 1, 1]) as tf.Tensor3D;
      const { grads } = tf.variableGrads(() => tf.sum(net.apply(x)) as tf.Scalar, net.variables);
      const out = [Array.from(grads[net.biases[0]!.name]!.dataSync()), Array.from(grads[net.weights[1]!.name]!.dataSync())];
      tf.dispose([x, ...Object.values(grads)]);
      return out; // d/dz_j mish(z_j) and mish(z_j)
    } finally {
      net.dispose();
    }
  };
  const { fused, composed } = await fusedAndComposed(run);
  assertClose(fused[1]!, composed[1]!, 1e-6, 'mish(z)');
  assertClose(fused[0]!, composed[0]!, 1e-5, "mish'(z)");
  // the closed form against the exact derivative in double precision
  fused[0]!.forEach((g, j) => {
    const zj = z[j]!;
    const sp = Math.log1p(Math.exp(zj));
    const t = Math.tanh(sp);
    const exact = t + (zj * (1 - t * t)) / (1 + Math.exp(-zj));
    assert.ok(Math.abs(g - exact) <= 1e-5 * Math.max(1, Math.abs(exact)), `mish'(${zj}) = ${g}, exact ${exact}`);
  });
});

/** The reverse chain of a small network: x_0 and the gradients w.r.t. x_K and the network's weights. */
function chainCase(clipDenoised: 'clip' | 'none' | 'tanh', K: number, seed: number): () => Values {
  return () => {
    const schedule = vpSchedule(K);
    const [G, B, A] = [3, 4, 5];
    const net = new StackedMlp({ groups: G, sizes: [A + 2, 8, A], activation: 'relu', name: `chain-${seed}` }, new RandomStreams(seed).get('init'));
    try {
      const obs = tf.tensor3d(uniformValues([G, B, 2], seed), [G, B, 2]);
      // scaled so that the predicted x_0 leaves [-1, 1] in places (the clip's gradient mask matters)
      const xK = tf.tensor3d(
        uniformValues([G, B, A], seed + 1).map((v) => 2.5 * v),
        [G, B, A],
      );
      const noise = Array.from({ length: K - 1 }, (_, j) => tf.tensor3d(uniformValues([G, B, A], seed + 2 + j), [G, B, A]));
      const epsNet = (x: tf.Tensor3D) => net.apply(tf.concat([x, obs], 2) as tf.Tensor3D);
      const chain = (x: tf.Tensor) => tf.sum(tf.square(reverseChain(schedule, epsNet, x as tf.Tensor3D, noise, clipDenoised))) as tf.Scalar;
      const x0 = tf.tidy(() => reverseChain(schedule, epsNet, xK, noise, clipDenoised));
      const dxK = tf.grad(chain)(xK);
      const { grads } = tf.variableGrads(() => chain(xK), net.variables);
      const out = [Array.from(x0.dataSync()), Array.from(dxK.dataSync()), ...net.variables.map((v) => Array.from(grads[v.name]!.dataSync()))];
      tf.dispose([obs, xK, ...noise, x0, dxK, ...Object.values(grads)]);
      return out;
    } finally {
      net.dispose();
    }
  };
}

test('fused reverse-chain steps are bit-identical to the composed ops (both mean forms, values past the clip)', { skip: skipWithoutNative }, async () => {
  for (const clipDenoised of ['clip', 'none'] as const) {
    for (const K of [1, 2, 7]) {
      const { fused, composed } = await fusedAndComposed(chainCase(clipDenoised, K, 70 + K));
      assert.deepEqual(fused, composed, `clip ${clipDenoised}, K ${K}`);
    }
  }
});

test("fused reverse chain agrees with TF.js's cpu backend", { skip: skipWithoutNative }, async () => {
  for (const clipDenoised of ['clip', 'none', 'tanh'] as const) {
    const run = chainCase(clipDenoised, 5, 90);
    const reference = await onCpu(run);
    const { fused } = await fusedAndComposed(run);
    fused.forEach((values, j) => assertClose(values, reference[j]!, 1e-4, `clip ${clipDenoised} output ${j}`));
  }
});

/** Steps of minimizeStacked (clipped Adam) then a soft update: weights, Adam state and losses. */
function optimizerCase(groups: number, clip: number, steps: number, seed: number): () => Values {
  return () => {
    const sizes = [6, 7, 3];
    const streams = new RandomStreams(seed);
    const net = new StackedMlp({ groups, sizes, activation: 'relu', name: `opt-${seed}` }, streams.get('init'));
    const target = new StackedMlp({ groups, sizes, activation: 'relu', name: `opt-target-${seed}` }, streams.get('init'));
    const optimizer = tf.train.adam(0.01);
    try {
      const x = tf.tensor3d(uniformValues([groups, 9, 6], seed), [groups, 9, 6]);
      const y = tf.tensor3d(
        uniformValues([groups, 9, 3], seed + 1).map((v) => 40 * v),
        [groups, 9, 3],
      ); // large errors: the clip binds
      const losses: number[] = [];
      for (let s = 0; s < steps; s++) {
        losses.push(minimizeStacked(optimizer, net.variables, groups, () => tf.sum(tf.square(tf.sub(net.apply(x), y))) as tf.Scalar, clip));
        net.softUpdate(target, 0.3);
      }
      const state = optimizer as unknown as {
        accumulatedFirstMoment: { variable: tf.Variable }[];
        accumulatedSecondMoment: { variable: tf.Variable }[];
        accBeta1: tf.Variable;
        accBeta2: tf.Variable;
        iterations: number;
      };
      const out = [
        losses,
        ...net.variables.map((v) => Array.from(v.dataSync())),
        ...target.variables.map((v) => Array.from(v.dataSync())),
        ...state.accumulatedFirstMoment.map((m) => Array.from(m.variable.dataSync())),
        ...state.accumulatedSecondMoment.map((m) => Array.from(m.variable.dataSync())),
        [state.accBeta1.dataSync()[0]!, state.accBeta2.dataSync()[0]!, state.iterations],
      ];
      tf.dispose([x, y]);
      return out;
    } finally {
      net.dispose();
      target.dispose();
      optimizer.dispose();
    }
  };
}

test("fused clipped Adam step and soft update are bit-identical to TF.js's optimizer and ops, state included", { skip: skipWithoutNative }, async () => {
  for (const [groups, clip] of [
    [3, 10],
    [3, 0],
    [1, 0.5],
    [4, 1e6],
  ] as const) {
    const { fused, composed } = await fusedAndComposed(optimizerCase(groups, clip, 6, 100 + groups));
    assert.deepEqual(fused, composed, `groups ${groups}, clip ${clip}`);
  }
});

test('switching between the fused and the composed optimizer step mid-run changes nothing', { skip: skipWithoutNative }, async () => {
  await initNeuralBackend({ native: 'on' });
  const run = (schedule: boolean[]): Values => {
    const streams = new RandomStreams(7);
    const net = new StackedMlp({ groups: 2, sizes: [4, 5, 2], activation: 'relu', name: 'switch' }, streams.get('init'));
    const optimizer = tf.train.adam(0.05);
    const x = tf.tensor3d(uniformValues([2, 6, 4], 1), [2, 6, 4]);
    try {
      for (const on of schedule) {
        setFusedOps(on);
        minimizeStacked(optimizer, net.variables, 2, () => tf.sum(tf.square(net.apply(x))) as tf.Scalar, 1);
      }
      return net.variables.map((v) => Array.from(v.dataSync()));
    } finally {
      setFusedOps(true);
      tf.dispose(x);
      net.dispose();
      optimizer.dispose();
    }
  };
  assert.deepEqual(run([true, false, true, true, false]), run([false, false, false, false, false]));
});

test('fused training leaks no tensors', { skip: skipWithoutNative }, async () => {
  await initNeuralBackend({ native: 'on' });
  const streams = new RandomStreams(3);
  const net = new StackedMlp({ groups: 3, sizes: [5, 8, 8, 2], activation: 'mish', name: 'leak' }, streams.get('init'));
  const target = new StackedMlp({ groups: 3, sizes: [5, 8, 8, 2], activation: 'mish', name: 'leak-target' }, streams.get('init'));
  const optimizer = tf.train.adam(0.01);
  const x = tf.tensor3d(uniformValues([3, 4, 5], 2), [3, 4, 5]);
  const step = () => {
    minimizeStacked(optimizer, net.variables, 3, () => tf.sum(net.apply(x)) as tf.Scalar, 1);
    net.softUpdate(target, 0.1);
  };
  step(); // creates the Adam moments
  const before = tf.memory();
  for (let k = 0; k < 20; k++) step();
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.equal(tf.memory().numBytes, before.numBytes);
  tf.dispose(x);
  net.dispose();
  target.dispose();
  optimizer.dispose();
});

/** applyParts on broadcast column parts: output, the gradient of the one trained part, every weight gradient. */
function partsCase(activation: Activation, seed: number, viaParts: boolean): () => Values {
  return () => {
    const [G, R] = [4, 6];
    const net = new StackedMlp({ groups: G, sizes: [3 + 5 + 7 + 2, 9, 9, 2], activation, name: `parts-${seed}-${viaParts}` }, new RandomStreams(seed).get('init'));
    try {
      const x = tf.tensor3d(uniformValues([G, R, 3], seed), [G, R, 3]); // trained: e.g. x_k of the chain
      const joint = tf.tensor3d(uniformValues([1, R, 5], seed + 1), [1, R, 5]); // the same for every group
      const row = tf.tensor3d(uniformValues([1, 1, 7], seed + 2), [1, 1, 7]); // the same everywhere
      const perGroupRow = tf.tensor3d(uniformValues([G, 1, 2], seed + 3), [G, 1, 2]); // one row per group
      const weight = tf.tensor3d(uniformValues([G, R, 2], seed + 4), [G, R, 2]);
      const forward = (t: tf.Tensor3D) => {
        if (viaParts) return net.applyParts([{ x: t }, { x: joint, constant: true }, { x: row, constant: true }, { x: perGroupRow, constant: true }], R);
        const tiled = [t, tf.tile(joint, [G, 1, 1]), tf.tile(row, [G, R, 1]), tf.tile(perGroupRow, [1, R, 1])] as tf.Tensor3D[];
        return net.apply(tf.concat(tiled, 2) as tf.Tensor3D);
      };
      const loss = (t: tf.Tensor) => tf.sum(tf.mul(forward(t as tf.Tensor3D), weight)) as tf.Scalar;
      const y = tf.tidy(() => forward(x));
      const dx = tf.grad(loss)(x);
      const { grads } = tf.variableGrads(() => loss(x), net.variables);
      const out = [Array.from(y.dataSync()), Array.from(dx.dataSync()), ...net.variables.map((v) => Array.from(grads[v.name]!.dataSync()))];
      tf.dispose([x, joint, row, perGroupRow, weight, y, dx, ...Object.values(grads)]);
      return out;
    } finally {
      net.dispose();
    }
  };
}

test("applyParts equals apply on the tiled, concatenated input: values, the part's and every weight gradient", { skip: skipWithoutNative }, async () => {
  for (const activation of ['relu', 'tanh', 'mish'] as const) {
    const { fused, composed } = await fusedAndComposed(partsCase(activation, 120, true));
    const { composed: reference } = await fusedAndComposed(partsCase(activation, 120, false));
    assert.deepEqual(composed, reference, 'without the fused ops applyParts is the concat and apply');
    fused.forEach((values, j) => assertClose(values, reference[j]!, 2e-5, `${activation} output ${j}`));
  }
  const reference = await onCpu(partsCase('relu', 121, false));
  const { fused } = await fusedAndComposed(partsCase('relu', 121, true));
  fused.forEach((values, j) => assertClose(values, reference[j]!, 2e-5, `against the cpu backend, output ${j}`));
});

test('applyParts: a single full part is apply, bit for bit; bad parts are refused', { skip: skipWithoutNative }, async () => {
  await initNeuralBackend({ native: 'on' });
  const net = new StackedMlp({ groups: 2, sizes: [4, 3, 2], activation: 'relu', name: 'parts-single' }, new RandomStreams(5).get('init'));
  const x = tf.tensor3d(uniformValues([2, 5, 4], 1), [2, 5, 4]);
  const a = net.apply(x);
  const b = net.applyParts([{ x }], 5);
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  assert.throws(() => net.applyParts([{ x: tf.zeros([2, 5, 3]) as tf.Tensor3D }], 5), /3 columns, the first layer takes 4/);
  assert.throws(() => net.applyParts([{ x: tf.zeros([1, 5, 4]) as tf.Tensor3D }], 5), /mark broadcast parts constant/);
  assert.throws(() => net.applyParts([{ x: tf.zeros([3, 5, 4]) as tf.Tensor3D, constant: true }], 5), /does not broadcast/);
  tf.dispose([x, a, b]);
  net.dispose();
});

test("the addon's vectorized tanh and mish are within float32 rounding of the exact functions over [-30, 30]", { skip: skipWithoutNative }, async () => {
  await initNeuralBackend({ native: 'on' });
  const native = fusedOpsActive()!;
  const n = 60001;
  const heap = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) heap[n + i] = Math.fround(-30 + (60 * i) / (n - 1));
  const exact: Record<number, (z: number) => number> = { 2: Math.tanh, 3: (z) => z * Math.tanh(Math.log1p(Math.exp(z))) };
  for (const kind of [2, 3]) {
    heap.fill(0, 0, n);
    native.biasAct(kind, heap, 0, n, 0, 1, 1, n, 2 * n); // h = act(0 + bias)
    for (let i = 0; i < n; i++) {
      const z = heap[n + i]!;
      const want = exact[kind]!(z);
      const got = heap[2 * n + i]!;
      assert.ok(Math.abs(got - want) <= 4e-7 * Math.abs(want) + 1e-30, `kind ${kind} at ${z}: ${got} vs ${want}`);
    }
  }
});

test('the tanh-bounded chain: fused and composed agree to float32 rounding, values and gradients', { skip: skipWithoutNative }, async () => {
  for (const K of [1, 3, 7]) {
    const { fused, composed } = await fusedAndComposed(chainCase('tanh', K, 110 + K));
    fused.forEach((values, j) => assertClose(values, composed[j]!, 1e-5, `tanh, K ${K}, output ${j}`));
  }
});

test("an MLP's uses: frozen weights and data inputs give the same values and the gradients still wanted, bit for bit", { skip: skipWithoutNative }, async () => {
  // a critic-like net differentiated in the two ways the agents use it
  const run = (): Values => {
    const net = new StackedMlp({ groups: 3, sizes: [10, 8, 8, 1], activation: 'relu', name: 'uses' }, new RandomStreams(9).get('init'));
    const x = tf.tensor3d(uniformValues([3, 6, 10], 3), [3, 6, 10]);
    const weight = tf.tensor3d(uniformValues([3, 6, 1], 4), [3, 6, 1]);
    try {
      const lossOf = (use: Parameters<StackedMlp['apply']>[1]) => (t: tf.Tensor) => tf.sum(tf.mul(net.apply(t as tf.Tensor3D, use), weight)) as tf.Scalar;
      const dx = (use: Parameters<StackedMlp['apply']>[1]) => Array.from(tf.grad(lossOf(use))(x).dataSync());
      const dw = (use: Parameters<StackedMlp['apply']>[1]) => {
        const { grads } = tf.variableGrads(() => lossOf(use)(x), net.variables);
        return net.variables.flatMap((v) => Array.from(grads[v.name]!.dataSync()));
      };
      const values = (use: Parameters<StackedMlp['apply']>[1]) => Array.from(tf.tidy(() => net.apply(x, use)).dataSync());
      return [values({}), values({ frozen: true }), values({ frozen: true, inputIsData: true }), dx({}), dx({ frozen: true }), dw({}), dw({ inputIsData: true })];
    } finally {
      tf.dispose([x, weight]);
      net.dispose();
    }
  };
  const { fused, composed } = await fusedAndComposed(run);
  assert.deepEqual(fused, composed, 'the fused uses equal the composed ops');
  const [full, frozen, neither, dxFull, dxFrozen, dwFull, dwData] = fused;
  assert.deepEqual(frozen, full);
  assert.deepEqual(neither, full);
  assert.deepEqual(dxFrozen, dxFull);
  assert.deepEqual(dwData, dwFull);
  assert.ok(dxFull!.some((v) => v !== 0) && dwFull!.some((v) => v !== 0), 'the gradients are not trivially zero');
  // frozen weights are constants of the fused op: TF.js finds no path from them to the loss
  const net = new StackedMlp({ groups: 2, sizes: [4, 3, 1], activation: 'relu', name: 'uses-frozen' }, new RandomStreams(2).get('init'));
  const x = tf.tensor3d(uniformValues([2, 5, 4], 1), [2, 5, 4]);
  assert.throws(() => tf.variableGrads(() => tf.sum(net.apply(x, { frozen: true })) as tf.Scalar, net.variables), /connection between any variable and the result/);
  tf.dispose(x);
  net.dispose();
});

test("the tanh-bounded step's gradient from the forward's kept tanh values equals the recomputed one, bit for bit", { skip: skipWithoutNative }, async () => {
  await initNeuralBackend({ native: 'on' });
  setFusedOps(true);
  const shape: [number, number, number] = [3, 7, 5];
  const x = tf.tensor3d(
    uniformValues(shape, 41).map((v) => 4 * v),
    shape,
  );
  const eps = tf.tensor3d(
    uniformValues(shape, 42).map((v) => 4 * v),
    shape,
  );
  const dy = tf.tensor3d(uniformValues(shape, 43), shape);
  const attrs = { bound: 2, c0: 0.6, inv: 1.3, cx0: 0.4, cx: 0.7, sigma: 0.2 };
  const [out, kept] = tf.engine().runKernel('SvecReverseStep', { x, eps }, { ...attrs, keepBounded: true }) as unknown as tf.Tensor[];
  const [plain] = tf.engine().runKernel('SvecReverseStep', { x, eps }, { ...attrs, keepBounded: false }) as unknown as tf.Tensor[];
  assert.deepEqual(Array.from(out!.dataSync()), Array.from(plain!.dataSync()));
  const withKept = tf.engine().runKernel('SvecReverseStepGrad', { x, eps, dy, bounded: kept! }, attrs) as tf.Tensor[];
  const recomputed = tf.engine().runKernel('SvecReverseStepGrad', { x, eps, dy }, attrs) as tf.Tensor[];
  withKept.forEach((g, k) => assert.deepEqual(Array.from(g.dataSync()), Array.from(recomputed[k]!.dataSync())));
  assert.ok(kept!.dataSync().every((v) => Math.abs(v) <= 1));
  tf.dispose([x, eps, dy, out!, kept!, plain!, ...withKept, ...recomputed]);
});

test('the stacked MLP gives the same bits layer by layer for all groups and group by group (values and every gradient)', { skip: skipWithoutNative }, async () => {
  const { setLayerMajorLimit } = await import('../../src/nn/fusedOps.ts');
  await initNeuralBackend({ native: 'on' });
  setFusedOps(true);
  const previous = setLayerMajorLimit(1 << 30);
  try {
    for (const activation of ['relu', 'tanh', 'mish'] as const) {
      for (const [k, { sizes, groups, rows }] of mlpShapes.entries()) {
        const run = mlpCase(sizes, groups, rows, activation, 70 + k);
        setLayerMajorLimit(1 << 30);
        const byLayer = run();
        setLayerMajorLimit(0);
        const byGroup = run();
        assert.deepEqual(byLayer, byGroup, `${activation} sizes ${sizes}, groups ${groups}, rows ${rows}`);
      }
    }
  } finally {
    setLayerMajorLimit(previous);
  }
});
