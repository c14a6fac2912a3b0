// initNeuralBackend: the choice of backend and kernels, idempotence, switching, and the fallback
// when the addon is missing (simulated in a child process with SVEC_NATIVE_ADDON pointing nowhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initNeuralBackend, nativeBlasDescription, neuralBackendInfo, setNativeThreads } from '../../src/nn/backend.ts';
import { nativeMatMulKernelsInstalled } from '../../src/nn/nativeKernels.ts';
import { assertClose, computeValues, nativeAvailable, onCpu, skipWithoutNative, uniformValues } from './helpers.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test("'auto' sets the wasm backend, with the native kernels exactly when the addon loads", async () => {
  const info = await initNeuralBackend({ native: 'auto' });
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(info.backend, 'wasm');
  assert.equal(info.nativeMatmul, nativeAvailable);
  assert.equal(nativeMatMulKernelsInstalled(), nativeAvailable);
  if (nativeAvailable) assert.equal(info.reason, undefined);
  else assert.match(info.reason ?? '', /svec_blas\.node/);
  assert.deepEqual(neuralBackendInfo(), info);
});

test('initNeuralBackend is idempotent, also when called concurrently or after another backend was set', { skip: skipWithoutNative }, async () => {
  const warnings: unknown[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args); // TF.js warns when a kernel is registered twice
  try {
    const first = await initNeuralBackend({ native: 'on' });
    const kernel = tf.getKernel('BatchMatMul', 'wasm');
    const [second, third] = await Promise.all([initNeuralBackend({ native: 'on' }), initNeuralBackend({ native: 'auto' })]);
    assert.deepEqual(second, first);
    assert.deepEqual(third, first);
    assert.equal(tf.getKernel('BatchMatMul', 'wasm'), kernel, 'the kernel is not registered again');
    await tf.setBackend('cpu');
    const again = await initNeuralBackend({ native: 'on' });
    assert.deepEqual(again, first);
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(tf.getKernel('BatchMatMul', 'wasm'), kernel);
  } finally {
    console.warn = originalWarn;
  }
  assert.deepEqual(warnings, []);
});

test("'off' restores TF.js's own wasm kernels and 'on' installs the native ones again; both compute the same", { skip: skipWithoutNative }, async () => {
  const shapes = { a: [3, 17, 9], b: [3, 9, 11] };
  const product = () => computeValues(() => tf.matMul(tf.tensor(uniformValues(shapes.a, 1), shapes.a), tf.tensor(uniformValues(shapes.b, 2), shapes.b)));
  const reference = await onCpu(product);

  const off = await initNeuralBackend({ native: 'off' });
  assert.deepEqual(off, { backend: 'wasm', nativeMatmul: false, reason: "disabled (native: 'off')" });
  const wasmKernel = tf.getKernel('BatchMatMul', 'wasm');
  const wasmFused = tf.getKernel('_FusedMatMul', 'wasm');
  assertClose(product().values, reference.values, 1e-5, 'pure wasm');

  const on = await initNeuralBackend({ native: 'on' });
  assert.equal(on.nativeMatmul, true);
  assert.notEqual(tf.getKernel('BatchMatMul', 'wasm'), wasmKernel);
  assert.notEqual(tf.getKernel('_FusedMatMul', 'wasm'), wasmFused);
  assertClose(product().values, reference.values, 1e-5, 'native');

  await initNeuralBackend({ native: 'off' });
  assert.equal(tf.getKernel('BatchMatMul', 'wasm'), wasmKernel);
  assert.equal(tf.getKernel('_FusedMatMul', 'wasm'), wasmFused);
  assertClose(product().values, reference.values, 1e-5, 'pure wasm again');
  await initNeuralBackend({ native: 'on' });
});

test('OpenBLAS runs one thread per process by default; the setter changes it', { skip: skipWithoutNative }, () => {
  const description = nativeBlasDescription()!;
  assert.match(description.config, /OpenBLAS/);
  if (process.env.SVEC_BLAS_THREADS === undefined) assert.equal(description.threads, 1);
  assert.equal(setNativeThreads(2), 2);
  assert.equal(setNativeThreads(1), 1);
  assert.throws(() => setNativeThreads(0), /positive integer/);
});

test('an invalid SVEC_NATIVE is rejected with its value named', async () => {
  const saved = process.env.SVEC_NATIVE;
  process.env.SVEC_NATIVE = 'fast';
  try {
    await assert.rejects(initNeuralBackend(), /SVEC_NATIVE must be auto, on or off, got 'fast'/);
  } finally {
    if (saved === undefined) delete process.env.SVEC_NATIVE;
    else process.env.SVEC_NATIVE = saved;
  }
});

test("without the addon, 'auto' falls back to the wasm kernels and says why, and 'on' fails clearly", () => {
  const script = `
    import * as tf from '@tensorflow/tfjs';
    import { initNeuralBackend } from './src/nn/backend.ts';
    const auto = await initNeuralBackend({ native: 'auto' });
    const product = Array.from(tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).dataSync());
    // a denoising step's input by the copy kernel's JavaScript loops (no addon) against tile + concat
    const { chainInputCopies, copyKernelsInstalled } = await import('./src/nn/copyKernels.ts');
    const x = tf.tensor3d(Array.from({ length: 12 }, (_, i) => i * 0.5 - 2), [2, 3, 2]);
    const obs = tf.tensor3d(Array.from({ length: 18 }, (_, i) => 1 - i * 0.25), [2, 3, 3]);
    const row = Float32Array.from([0.1, -0.2, 0.3, -0.4]);
    const dy = tf.tensor3d(Array.from({ length: 54 }, (_, i) => Math.sin(i)), [2, 3, 9]);
    const composed = (xk) => tf.concat([xk, tf.tile(tf.tensor3d(row, [1, 1, 4]), [2, 3, 1]), obs], 2);
    const both = (f) => [f(x), tf.grad((xk) => tf.sum(tf.mul(f(xk), dy)))(x)].map((t) => Array.from(t.dataSync()));
    const chain = { installed: copyKernelsInstalled(), copies: both((xk) => chainInputCopies(xk, row, obs)), composed: both(composed) };
    let onError = null;
    try { await initNeuralBackend({ native: 'on' }); } catch (err) { onError = err.message; }
    let envOnError = null;
    process.env.SVEC_NATIVE = 'on';
    try { await initNeuralBackend(); } catch (err) { envOnError = err.message; }
    console.log(JSON.stringify({ auto, product, chain, onError, envOnError, backend: tf.getBackend() }));
  `;
  const env: NodeJS.ProcessEnv = { ...process.env, SVEC_NATIVE_ADDON: join(repoRoot, 'native', 'no-such-build', 'svec_blas.node') };
  delete env.SVEC_NATIVE;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const lines = child.stdout.trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]!) as {
    auto: { backend: string; nativeMatmul: boolean; reason?: string };
    product: number[];
    chain: { installed: boolean; copies: number[][]; composed: number[][] };
    onError: string | null;
    envOnError: string | null;
    backend: string;
  };
  assert.equal(result.auto.backend, 'wasm');
  assert.equal(result.auto.nativeMatmul, false);
  assert.match(result.auto.reason ?? '', /no-such-build\/svec_blas\.node is not built .*build-native\.mjs/);
  assert.deepEqual(result.product, [19, 22, 43, 50]);
  assert.equal(result.chain.installed, true, 'the copy kernels install without the addon (JavaScript copies)');
  assert.deepEqual(result.chain.copies, result.chain.composed);
  assert.deepEqual(result.chain.copies[0]!.slice(0, 9), [-2, -1.5, 0.1, -0.2, 0.3, -0.4, 1, 0.75, 0.5].map(Math.fround));
  assert.match(result.onError ?? '', /native matrix products were required \(native: 'on'\) but are unavailable: .*not built/);
  assert.match(result.envOnError ?? '', /required/);
  assert.equal(result.backend, 'wasm');
});

test('worker threads load the addon too and compute the same products; OpenBLAS stays at one thread', { skip: skipWithoutNative }, async () => {
  const aShape = [4, 33, 20];
  const bShape = [4, 20, 17];
  const workerData = { a: uniformValues(aShape, 31), aShape, b: uniformValues(bShape, 32), bShape };
  const reference = await onCpu(() => computeValues(() => tf.matMul(tf.tensor(workerData.a, aShape), tf.tensor(workerData.b, bShape))));
  const runWorker = () =>
    new Promise<{ info: { nativeMatmul: boolean }; values: Float32Array; blasThreads: number | null }>((resolve, reject) => {
      const worker = new Worker(new URL('./workerProduct.mjs', import.meta.url), { workerData });
      worker.once('message', (message) => {
        resolve(message);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
  const results = await Promise.all([runWorker(), runWorker()]);
  for (const result of results) {
    assert.equal(result.info.nativeMatmul, true);
    if (process.env.SVEC_BLAS_THREADS === undefined) assert.equal(result.blasThreads, 1);
    assertClose(result.values, reference.values, 1e-5, 'worker product');
  }
});
