// Matrix products through TF.js: the wasm backend's own kernels against the native (OpenBLAS)
// kernels that src/nn/backend.ts registers, in one process on the same tensors.
// GFLOP/s of tf.matMul at 64, 256 and 512 square, of a typical MLP layer (batch 256 x 256 -> 256,
// tf.fused.matMul with bias and relu) and of a stacked layer of 20 agents; per-call overhead of
// tf.matMul on 1 x 1 and of the bare addon call. Each figure is the best of 5 rounds (the machine
// is shared; the best round is the least disturbed one). Last line: one JSON object.
// Usage: npm run bench -- matmul
import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg } from 'node:os';
import { blasInfo, initNeuralBackend, nativeBlasDescription, setNativeThreads } from '../src/nn/backend.ts';
import { loadNativeBlas } from '../src/nn/nativeKernels.ts';

const rounds = 5;
const roundMs = 150;

/** Best time per call in ms over `rounds` rounds of at least roundMs each (after a warm-up call). */
function timePerCall(fn: () => void): number {
  fn();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      fn();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < roundMs);
    best = Math.min(best, elapsed / calls);
  }
  return best;
}

interface ProductCase {
  name: string;
  /** tf.matMul(a, b) or, with bias, tf.fused.matMul({ a, b, bias, activation: 'relu' }) */
  a: number[];
  b: number[];
  transposeA?: boolean;
  bias?: number[];
}

const cases: ProductCase[] = [
  { name: 'square 64', a: [64, 64], b: [64, 64] },
  { name: 'square 256', a: [256, 256], b: [256, 256] },
  { name: 'square 512', a: [512, 512], b: [512, 512] },
  { name: 'MLP layer: batch 256 x 256 -> 256, fused bias + relu', a: [256, 256], b: [256, 256], bias: [256] },
  { name: "the same layer's weight gradient x^T dy (transposeA)", a: [256, 256], b: [256, 256], transposeA: true },
  { name: 'stacked layer: 20 agents x batch 64 x 64 -> 64', a: [20, 64, 64], b: [20, 64, 64] },
];

function flopsOf(c: ProductCase): number {
  const m = c.a[c.a.length - (c.transposeA ? 1 : 2)]!;
  const k = c.a[c.a.length - (c.transposeA ? 2 : 1)]!;
  const n = c.b[c.b.length - 1]!;
  const batch = c.a.slice(0, -2).reduce((x, y) => x * y, 1);
  return 2 * batch * m * n * k;
}

function productFn(c: ProductCase): { run: () => void; dispose: () => void } {
  const a = tf.randomUniform(c.a, -1, 1, 'float32', 1);
  const b = tf.randomUniform(c.b, -1, 1, 'float32', 2);
  const bias = c.bias ? tf.randomUniform(c.bias, -1, 1, 'float32', 3) : null;
  const run = bias
    ? () => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation: 'relu' }).dispose()
    : () => tf.matMul(a, b, c.transposeA ?? false).dispose();
  return { run, dispose: () => tf.dispose([a, b, ...(bias ? [bias] : [])]) };
}

const round = (x: number, digits: number) => +x.toFixed(digits);

const pureInfo = await initNeuralBackend({ native: 'off' });
const nativeLoad = loadNativeBlas();
const results: Record<string, unknown>[] = [];
console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)}; ${nativeLoad.blas ? nativeLoad.blas.config() : `no addon: ${nativeLoad.reason}`}`);
console.log('case                                                    wasm GFLOP/s  native GFLOP/s  speed-up');
for (const c of cases) {
  const { run, dispose } = productFn(c);
  await initNeuralBackend({ native: 'off' });
  const wasmMs = timePerCall(run);
  let nativeMs: number | null = null;
  if (nativeLoad.blas) {
    await initNeuralBackend({ native: 'on' });
    nativeMs = timePerCall(run);
  }
  dispose();
  const flops = flopsOf(c);
  const wasmGflops = flops / (wasmMs * 1e6);
  const nativeGflops = nativeMs === null ? null : flops / (nativeMs * 1e6);
  results.push({
    case: c.name,
    a: c.a,
    b: c.b,
    ...(c.transposeA ? { transposeA: true } : {}),
    ...(c.bias ? { bias: c.bias, activation: 'relu' } : {}),
    wasm_ms: round(wasmMs, 4),
    native_ms: nativeMs === null ? null : round(nativeMs, 4),
    wasm_gflops: round(wasmGflops, 2),
    native_gflops: nativeGflops === null ? null : round(nativeGflops, 2),
    speedup: nativeMs === null ? null : round(wasmMs / nativeMs, 1),
  });
  console.log(
    `${c.name.padEnd(56)}${wasmGflops.toFixed(2).padStart(12)}${(nativeGflops?.toFixed(2) ?? '-').padStart(16)}${(nativeMs === null ? '-' : `${(wasmMs / nativeMs).toFixed(1)}x`).padStart(10)}`,
  );
}

// Per-call overhead: a 1 x 1 product is all overhead (engine dispatch, output allocation, the call).
const one = productFn({ name: 'overhead', a: [1, 1], b: [1, 1] });
await initNeuralBackend({ native: 'off' });
const overheadWasmUs = timePerCall(one.run) * 1e3;
let overheadNativeUs: number | null = null;
let addonCallUs: number | null = null;
let native512TwoThreads: number | null = null;
if (nativeLoad.blas) {
  const blas = nativeLoad.blas;
  await initNeuralBackend({ native: 'on' });
  overheadNativeUs = timePerCall(one.run) * 1e3;
  const x = new Float32Array(1).fill(0.5);
  const y = new Float32Array(1);
  addonCallUs = timePerCall(() => blas.sgemmStrided(false, false, 1, 1, 1, 1, x, 0, 0, x, 0, 0, y, 0, 0)) * 1e3;
  if (cpus().length >= 2) {
    // what a second OpenBLAS thread would give one process (svec keeps 1: its cores run workers)
    const big = productFn(cases[2]!);
    setNativeThreads(2);
    native512TwoThreads = flopsOf(cases[2]!) / (timePerCall(big.run) * 1e6);
    setNativeThreads(1);
    big.dispose();
  }
}
one.dispose();
console.log(
  `per-call overhead of tf.matMul (1 x 1): wasm ${overheadWasmUs.toFixed(1)} us, native ${overheadNativeUs?.toFixed(1) ?? '-'} us; bare addon call ${addonCallUs?.toFixed(2) ?? '-'} us`,
);
if (native512TwoThreads !== null) console.log(`square 512 with 2 OpenBLAS threads: ${native512TwoThreads.toFixed(2)} GFLOP/s`);

console.log(
  JSON.stringify({
    name: 'matmul',
    nativeMatmul: nativeLoad.blas !== null,
    ...(nativeLoad.blas ? {} : { reason: nativeLoad.reason }),
    wasmReason: pureInfo.reason,
    blas: nativeBlasDescription(),
    blas_core: blasInfo().coreType,
    blas_selected_by: blasInfo().selectedBy,
    cores: cpus().length,
    loadavg1: round(loadavg()[0]!, 2),
    method: `best of ${rounds} rounds of >= ${roundMs} ms per figure, same tensors for both kernels, one process`,
    cases: results,
    overhead_us: {
      tf_matmul_1x1_wasm: round(overheadWasmUs, 2),
      tf_matmul_1x1_native: overheadNativeUs === null ? null : round(overheadNativeUs, 2),
      addon_sgemm_call: addonCallUs === null ? null : round(addonCallUs, 3),
    },
    native_512_2threads_gflops: native512TwoThreads === null ? null : round(native512TwoThreads, 2),
  }),
);
