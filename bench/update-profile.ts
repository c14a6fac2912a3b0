// Where the time of DMADRL training goes (or MADDPG-RA's: --algo), at N = 20, H = 64, B = 64, K = 7 by default.
//   1. One update round: every TF.js kernel it runs, counted and timed by a hook around each
//      registered wasm kernel (tf.profile adds its own bookkeeping and read-backs, which inflate
//      small kernels), and every OpenBLAS product, counted with its FLOPs and timed. The update's
//      arithmetic time is its FLOPs at the sgemm speed measured here on 64 x 64 x 64 products.
//   2. One training slot as `svec train` runs it (act, simulator step, replay, update), by phase.
//   3. The time of the round's normal draws (2 K N B 5 of them, from a RandomStream, as the
//      agent's reverse chains draw them: RandomStream.fillNormalFast, in C when the addon is
//      loaded), and the same draws with Math's log, cos and sin (RandomStream.fillNormal, the
//      agent's draws before) and one normal() call at a time (before that).
// Prints tables and, as the last line, one JSON object:
//   {"name": "update-profile", "round_ms", "slot_ms", "kernels", "kernel_ms", "blas_calls",
//    "blas_ms", "gflop", "arith_ms", "by_kernel": [{"kernel", "calls", "ms"}], "slot": {...}, ...}
// --model reference profiles train-throughput's model of the PyTorch reference instead (obs 5,
// 4 continuous actions, the noise-form step; no training slot: that model has no environment).
// --algo maddpg-ra profiles MADDPG-RA's round and slot instead (its defaults but H and B; no K,
// no normals: 3. is DMADRL's only, and its fields are null). The addon's other functions (the
// fused layers' bias and activation passes, Adam, soft updates, copies) are timed by name too
// ("by_addon_function"). Each product shape is also timed alone on one thread and on all cores
// (best of 25, warm operands): "sgemm_floor_ms" is the round's arithmetic at the cores' best on
// each shape, the least time these kernels need for it. --threads 2 runs the round's products
// on two OpenBLAS threads (default 1).
//   4. The round's products alone ("products_alone_by_threads"): one round's sgemm calls recorded,
//      then run again in the same order on copies of the same buffers with nothing between them,
//      on one thread, on all cores as OpenBLAS threads, and split over one worker thread per core
//      (each on one OpenBLAS thread, no waits between calls: bench/productReplayWorker.mjs). The
//      best of these is what the round's products cost in its order however little else it does
//      (docs/performance.md, "Sixth round").
//   npm run bench -- update-profile [--algo dmadrl|maddpg-ra] [--N 20] [--H 64] [--B 64] [--K 7] [--act relu|mish|tanh] [--repeats 20] [--warmup 300] [--model svec|reference] [--threads 1|2]
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { DmadrlAgent, DmadrlConfigSchema } from '../src/agents/dmadrl.ts';
import { MaddpgRaAgent, MaddpgRaConfigSchema } from '../src/agents/maddpgRa.ts';
import { ReplayMemory } from '../src/agents/replay.ts';
import { defaultScenario } from '../src/config/scenario.ts';
import { blasInfo, initNeuralBackend, setNativeThreads } from '../src/nn/backend.ts';
import { loadNativeBlas } from '../src/nn/nativeKernels.ts';
import { sgemmGflops as bestSgemmGflops, stackedSgemmGflops } from './sgemmSpeed.ts';
import { nativeNormalFillActive } from '../src/random/normals.ts';
import { RandomStreams } from '../src/random/stream.ts';
import { SvecCore } from '../src/sim/core.ts';
import { decodeRawActions, observationDim, RAW_ACTION_DIM, writeObservations } from '../src/sim/observation.ts';
import { allocateSlotActions } from '../src/sim/slotModel.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? args[k + 1]! : fallback;
};
const N = Number(option('N', '20'));
const H = Number(option('H', '64'));
const B = Number(option('B', '64'));
const K = Number(option('K', '7'));
const repeats = Number(option('repeats', '20'));
// rounds before measuring: updates get cheaper over a run's first few hundred (see train-loop.ts)
const warmupRounds = Number(option('warmup', '300'));
const activation = option('act', 'relu') as 'relu' | 'mish' | 'tanh';
// OpenBLAS threads for the round's products (train-throughput takes the best of 1 and 2)
const threads = Number(option('threads', '1'));
if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got ${option('threads', '1')}`);
const model = option('model', 'svec');
if (model !== 'svec' && model !== 'reference') throw new Error(`--model must be svec or reference, got ${model}`);
const algo = option('algo', 'dmadrl');
if (algo !== 'dmadrl' && algo !== 'maddpg-ra') throw new Error(`--algo must be dmadrl or maddpg-ra, got ${algo}`);
if (algo !== 'dmadrl' && model !== 'svec') throw new Error('--model reference is the DMADRL reference model: use it with --algo dmadrl');
const backend = await initNeuralBackend();
const blas = blasInfo();
const OBS_DIM = model === 'reference' ? 5 : observationDim('paper');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// --- hooks: every wasm kernel, and the addon's sgemm
const kernelStats = new Map<string, { calls: number; ms: number }>();
/** Runs `call`, counting it and its time under `name` in `stats` while the hooks are on. */
function timed<T>(stats: Map<string, { calls: number; ms: number }>, name: string, call: () => T): T {
  if (!hooked) return call();
  const start = performance.now();
  const out = call();
  const entry = stats.get(name) ?? { calls: 0, ms: 0 };
  entry.calls++;
  entry.ms += performance.now() - start;
  stats.set(name, entry);
  return out;
}
const blasStats = { calls: 0, flops: 0, ms: 0 };
/** sgemm calls by shape: "NT MxNxK" (row-major, op(A) M x K, op(B) K x N) -> calls, ms, FLOPs */
const blasByShape = new Map<string, { calls: number; ms: number; flops: number }>();
let hooked = false;
/** while on, every sgemm call's arguments are kept, for 4. (the round's products replayed alone) */
let recording = false;
type SgemmArgs = Parameters<NonNullable<ReturnType<typeof loadNativeBlas>['blas']>['sgemmStrided']>;
const recorded: SgemmArgs[] = [];
/** each array the recorded calls use, as it was just before the first of them used it */
const snapshots = new Map<Float32Array, Float32Array>();
for (const config of tf.getKernelsForBackend('wasm')) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel({
    ...config,
    kernelFunc: (kernelArgs) => timed(kernelStats, config.kernelName, () => inner(kernelArgs)),
  });
  const wasm = tf.engine().registry['wasm'];
  if (wasm && config.setupFunc) config.setupFunc(wasm);
}
const native = loadNativeBlas().blas;
if (threads !== 1 && setNativeThreads(threads) === null) throw new Error('--threads above 1 needs the native addon');
/** the addon's other functions (fused layers' passes, Adam, soft updates, copies), by name */
const nativeStats = new Map<string, { calls: number; ms: number }>();
if (native) {
  const table = native as unknown as Record<string, unknown>;
  for (const name of Object.keys(table)) {
    const fn = table[name];
    if (name === 'sgemmStrided' || typeof fn !== 'function') continue;
    table[name] = (...a: unknown[]) => timed(nativeStats, name, () => (fn as (...b: unknown[]) => unknown)(...a));
  }
  const sgemm = native.sgemmStrided;
  native.sgemmStrided = (...a: Parameters<typeof sgemm>) => {
    if (recording) {
      recorded.push(a);
      for (const array of [a[6], a[9], a[12]]) if (!snapshots.has(array)) snapshots.set(array, array.slice());
    }
    if (!hooked) return sgemm(...a);
    const start = performance.now();
    sgemm(...a);
    const ms = performance.now() - start;
    const flops = 2 * a[2] * a[3] * a[4] * a[5];
    blasStats.ms += ms;
    blasStats.calls += a[2]; // products, whether one native call makes one or a batch
    blasStats.flops += flops;
    const shape = `${a[0] ? 'T' : 'N'}${a[1] ? 'T' : 'N'} ${a[3]}x${a[4]}x${a[5]}`;
    const entry = blasByShape.get(shape) ?? { calls: 0, ms: 0, flops: 0 };
    entry.calls += a[2];
    entry.ms += ms;
    entry.flops += flops;
    blasByShape.set(shape, entry);
  };
}

// sgemm speed at the stacked-layer shape [20, 64, 64] x [20, 64, 64]
let sgemmGflops: number | null = null;
if (native) sgemmGflops = stackedSgemmGflops(native);

const streams = new RandomStreams(1);
const spaces = { agents: N, observationSize: OBS_DIM, action: model === 'reference' ? { discrete: [], continuous: 4 } : { discrete: [2], continuous: 3 } };
const learnerStreams = { init: streams.get('init'), policy: streams.get('policy'), learner: streams.get('learner') };
const agent =
  algo === 'dmadrl'
    ? new DmadrlAgent(
        DmadrlConfigSchema.parse({ hiddenSize: H, batchSize: B, denoisingSteps: K, activation, ...(model === 'reference' ? { denoisedBound: 'none' } : {}) }),
        spaces,
        learnerStreams,
      )
    : new MaddpgRaAgent(MaddpgRaConfigSchema.parse({ hiddenSize: H, batchSize: B, activation }), spaces, learnerStreams);
const actionDim = model === 'reference' ? 4 : RAW_ACTION_DIM;
const memory = new ReplayMemory({ capacity: 1024, agents: N, obsDim: OBS_DIM, actionDim, priorityAlpha: 0 });
const rng = streams.get('tasks');
const vec = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniformIn(lo, hi));
for (let k = 0; k < 1024; k++)
  memory.add(vec(N * OBS_DIM, 0, 1), vec(N * actionDim, -1, 1), vec(N, -1, 1), vec(N * OBS_DIM, 0, 1), new Float32Array(N).fill(k % 50 === 49 ? 1 : 0));
const replayRng = streams.get('replay');
for (let w = 0; w < warmupRounds; w++) agent.update(memory.sample(B, replayRng)); // warm-up: JIT, optimizer slots, allocator

// --- 1. the update round: unhooked wall time, then one hooked pass of `repeats` rounds
const times: number[] = [];
for (let r = 0; r < repeats; r++) {
  const batch = memory.sample(B, replayRng);
  const start = performance.now();
  agent.update(batch);
  times.push(performance.now() - start);
}
const roundMs = median(times);
hooked = true;
const hookStart = performance.now();
for (let r = 0; r < repeats; r++) agent.update(memory.sample(B, replayRng));
const hookedRoundMs = (performance.now() - hookStart) / repeats;
hooked = false;
// one more round, its products' arguments recorded for 4.
recording = true;
agent.update(memory.sample(B, replayRng));
recording = false;
const rows = [...kernelStats.entries()].map(([kernel, e]) => ({ kernel, calls: e.calls / repeats, ms: +(e.ms / repeats).toFixed(4) })).sort((a, b) => b.ms - a.ms);
const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
const calls = rows.reduce((s, r) => s + r.calls, 0);
const gflop = blasStats.flops / repeats / 1e9;
const blasMs = blasStats.ms / repeats;
const arithMs = sgemmGflops ? (gflop * 1e3) / sgemmGflops : null;

// --- 2. one training slot, by phase (the loop of src/train/offPolicy.ts, an update every slot)
const scenario = { ...defaultScenario(), vehicles: N };
const core = new SvecCore(scenario, { seed: 1 });
const actions = allocateSlotActions(N);
const obs = new Float32Array(N * OBS_DIM);
const nextObs = new Float32Array(N * OBS_DIM);
const phases = { act: [] as number[], simulate: [] as number[], replay: [] as number[], update: [] as number[], slot: [] as number[] };
if (model === 'svec') {
  core.reset(1);
  writeObservations(core, 'paper', obs);
}
for (let slot = 0; model === 'svec' && slot < repeats + 5; slot++) {
  if (core.episodeDone) {
    core.reset(slot);
    writeObservations(core, 'paper', obs);
  }
  const t0 = performance.now();
  const raw = agent.act(obs, true);
  const t1 = performance.now();
  decodeRawActions(raw, scenario, N, actions);
  core.step(actions);
  const done = core.episodeDone;
  if (!done) writeObservations(core, 'paper', nextObs);
  const t2 = performance.now();
  memory.add(obs, raw, core.out.reward, nextObs, new Float32Array(N).fill(done ? 1 : 0));
  obs.set(nextObs);
  const batch = memory.sample(B, replayRng);
  const t3 = performance.now();
  agent.update(batch);
  const t4 = performance.now();
  if (slot >= 5) {
    phases.act.push(t1 - t0);
    phases.simulate.push(t2 - t1);
    phases.replay.push(t3 - t2);
    phases.update.push(t4 - t3);
    phases.slot.push(t4 - t0);
  }
}
const slot = model === 'svec' ? Object.fromEntries(Object.entries(phases).map(([k, v]) => [`${k}_ms`, +median(v).toFixed(3)])) : null;
agent.dispose();

// --- 3. the round's random draws in JavaScript: both reverse chains draw K N B 5 normals each (DMADRL only)
const normalsPerRound = 2 * K * N * B * 5;
function timeNormals(): { ms: number; mathMs: number; oneByOneMs: number } {
  const stream = new RandomStreams(9).get('learner');
  const fast: number[] = [];
  const math: number[] = [];
  const oneByOne: number[] = [];
  for (let r = 0; r < 7; r++) {
    const out = new Float32Array(normalsPerRound);
    let start = performance.now();
    stream.fillNormalFast(out);
    fast.push(performance.now() - start);
    start = performance.now();
    stream.fillNormal(out);
    math.push(performance.now() - start);
    start = performance.now();
    for (let k = 0; k < out.length; k++) out[k] = stream.normal();
    oneByOne.push(performance.now() - start);
  }
  return { ms: median(fast), mathMs: median(math), oneByOneMs: median(oneByOne) };
}
const normals = algo === 'dmadrl' ? timeNormals() : null;

console.log(
  `${algo} update round N=${N} H=${H} B=${B}${algo === 'dmadrl' ? ` K=${K}` : ''} ${activation}, BLAS ${blas.coreType ?? 'none'}: ${roundMs.toFixed(2)} ms (median of ${repeats}; ${hookedRoundMs.toFixed(2)} ms hooked)`,
);
console.log(
  `  ${calls} TF.js kernels, ${kernelMs.toFixed(2)} ms inside them; ${blasStats.calls / repeats} sgemm calls, ${(gflop * 1e3).toFixed(1)} MFLOP, ${blasMs.toFixed(2)} ms inside sgemm`,
);
if (arithMs !== null) console.log(`  arithmetic at ${sgemmGflops!.toFixed(0)} GFLOP/s (sgemm [20,64,64]^2): ${arithMs.toFixed(2)} ms, ${(roundMs / arithMs).toFixed(1)}x of it`);
console.log(`one slot: ${JSON.stringify(slot)}`);
if (normals)
  console.log(
    `the round's ${normalsPerRound} normal draws (RandomStream.fillNormalFast, ${nativeNormalFillActive() ? 'in C' : 'in JavaScript'}): ${normals.ms.toFixed(2)} ms (with Math's log, cos, sin: ${normals.mathMs.toFixed(2)} ms; one normal() call each: ${normals.oneByOneMs.toFixed(2)} ms)`,
  );
/**
 * One product of `shape` alone, best of 25 on warm operands, on one OpenBLAS thread and on
 * `cores`: the speeds these kernels reach on it with nothing else in the way.
 */
function isolatedGflops(shape: string, cores: number): { one: number; all: number } {
  const [ops, dims] = shape.split(' ') as [string, string];
  const [M, Nn, Kk] = dims.split('x').map(Number) as [number, number, number];
  const a = Float32Array.from({ length: M * Kk }, (_, k) => ((k % 17) - 8) / 16);
  const b = Float32Array.from({ length: Kk * Nn }, (_, k) => ((k % 13) - 6) / 16);
  const c = new Float32Array(M * Nn);
  const product = { transA: ops[0] === 'T', transB: ops[1] === 'T', batch: 1, M, N: Nn, K: Kk };
  const at = (threadCount: number) => {
    setNativeThreads(threadCount);
    return bestSgemmGflops(native!, product, a, b, c, 25);
  };
  const speeds = { one: at(1), all: at(cores) };
  setNativeThreads(threads);
  return speeds;
}
// The floor: each shape's products at the best this machine's cores could do on them, the faster
// of one product on all of them as OpenBLAS threads and one thread's speed times the cores (that
// many products at once, one per core, scaling perfectly). "sgemm_floor_ms" sums them: no
// schedule of these kernels does the round's arithmetic in less, before any other work.
const cores = availableParallelism();
const shapeRows = [...blasByShape.entries()]
  .map(([shape, e]) => {
    const { one, all } = isolatedGflops(shape, cores);
    const bound = Math.max(all, cores * one);
    return {
      shape,
      calls: e.calls / repeats,
      ms: +(e.ms / repeats).toFixed(4),
      gflops: +(e.flops / e.ms / 1e6).toFixed(1),
      alone_1_thread_gflops: +one.toFixed(1),
      alone_all_cores_gflops: +all.toFixed(1),
      floor_ms: +(e.flops / repeats / bound / 1e6).toFixed(4),
    };
  })
  .sort((a, b) => b.ms - a.ms);
const sgemmFloorMs = shapeRows.reduce((s, r) => s + r.floor_ms, 0);
console.log(`sgemm shape (op A, op B; M x N x K)   calls        ms  GFLOP/s  alone on 1, ${cores} threads  floor ms`);
for (const r of shapeRows)
  console.log(
    `${r.shape.padEnd(34)}${String(r.calls).padStart(8)}${r.ms.toFixed(3).padStart(10)}${r.gflops.toFixed(1).padStart(9)}${r.alone_1_thread_gflops.toFixed(1).padStart(12)}${r.alone_all_cores_gflops.toFixed(1).padStart(8)}${r.floor_ms.toFixed(3).padStart(10)}`,
  );
console.log(`  floor: the round's products at the ${cores} cores' best on each shape: ${sgemmFloorMs.toFixed(2)} ms (the round: ${roundMs.toFixed(2)} ms)`);
// --- 4. the round's products alone: one recorded round's sgemm calls again, in its order, on
// copies of its own buffers (the same layout and sizes), with nothing between them. Each pass
// starts from the buffers as the round found them (its operands hold the values of the kind the
// round had there, not leftovers that could be denormal or not finite). What the products cost
// in the round's sequence without its other work, on one thread, on all cores as OpenBLAS
// threads and split over worker threads (best and median of 7 passes after one to warm up): the
// round less this is what removing all other work could gain.
const working = new Map([...snapshots.keys()].map((array) => [array, new Float32Array(array.length)]));
const replayCalls = recorded.map((a) => {
  const call = [...a] as SgemmArgs;
  call[6] = working.get(a[6])!;
  call[9] = working.get(a[9])!;
  call[12] = working.get(a[12])!;
  return call;
});
/** passes of each replay; the first warms up and is not counted */
const REPLAY_PASSES = 8;
const bestAndMedian = (times: number[]) => ({ best_ms: +Math.min(...times).toFixed(3), median_ms: +median(times).toFixed(3) });
function replayProducts(threadCount: number): { best_ms: number; median_ms: number } {
  setNativeThreads(threadCount);
  const times: number[] = [];
  for (let r = 0; r < REPLAY_PASSES; r++) {
    for (const [array, copy] of working) copy.set(snapshots.get(array)!);
    const start = performance.now();
    for (const call of replayCalls) native!.sgemmStrided(...call);
    if (r > 0) times.push(performance.now() - start); // the first pass warms up
  }
  setNativeThreads(threads);
  return bestAndMedian(times);
}
/**
 * The same calls split over `cores` worker threads, each on one OpenBLAS thread: a batched call's
 * products in contiguous shares, single products dealt in turn, and no wait between calls (each
 * worker runs its share straight through). That is optimistic for any schedule running several
 * products at once, one per core: a real one waits for a call's products before the next.
 */
async function replaySplit(): Promise<{ best_ms: number; median_ms: number }> {
  const arrays = [...snapshots.keys()];
  const index = new Map(arrays.map((array, k) => [array, k]));
  const shares: number[][][] = Array.from({ length: cores }, () => []);
  let dealt = 0;
  for (const a of recorded) {
    const batch = a[2];
    const share = Math.ceil(batch / cores);
    for (let w = 0; w < cores; w++) {
      const first = batch === 1 ? 0 : w * share;
      const count = batch === 1 ? (dealt % cores === w ? 1 : 0) : Math.min(batch, first + share) - first;
      if (count <= 0) continue;
      const [strideA, strideB, strideC] = [a[8], a[11], a[14]];
      shares[w]!.push([
        +a[0],
        +a[1],
        count,
        a[3],
        a[4],
        a[5],
        index.get(a[6])!,
        a[7] + first * strideA,
        strideA,
        index.get(a[9])!,
        a[10] + first * strideB,
        strideB,
        index.get(a[12])!,
        a[13] + first * strideC,
        strideC,
        a[15] ?? 0,
      ]);
    }
    if (batch === 1) dealt++;
  }
  setNativeThreads(1);
  const go = new Int32Array(new SharedArrayBuffer(4));
  const snapshotList = arrays.map((array) => snapshots.get(array)!);
  const workers = shares.map((calls) => new Worker(new URL('./productReplayWorker.mjs', import.meta.url), { workerData: { snapshots: snapshotList, calls, go } }));
  const next = (worker: Worker, key: string) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      const onMessage = (message: Record<string, number>) => {
        if (!(key in message)) return;
        worker.off('message', onMessage).off('error', reject);
        resolve(message);
      };
      worker.on('message', onMessage).once('error', reject);
    });
  await Promise.all(workers.map((worker) => next(worker, 'loaded')));
  const times: number[] = [];
  for (let pass = 1; pass <= REPLAY_PASSES; pass++) {
    const ready = workers.map((worker) => next(worker, 'ready'));
    for (const worker of workers) worker.postMessage(pass);
    await Promise.all(ready);
    const done = workers.map((worker) => next(worker, 'end'));
    Atomics.store(go, 0, pass);
    Atomics.notify(go, 0);
    const spans = await Promise.all(done);
    if (pass > 1) times.push(Math.max(...spans.map((m) => m.end!)) - Math.min(...spans.map((m) => m.start!)));
  }
  await Promise.all(workers.map((worker) => worker.terminate()));
  setNativeThreads(threads);
  return bestAndMedian(times);
}
const replay = native && replayCalls.length > 0 ? { 1: replayProducts(1), [cores]: replayProducts(cores), split: await replaySplit() } : null;
if (replay)
  console.log(
    `  the round's ${replayCalls.length} sgemm calls alone, in order, on copies of its buffers: ${replay[1].best_ms.toFixed(2)} ms on 1 thread, ${replay[cores]!.best_ms.toFixed(2)} ms on ${cores}, ${replay.split.best_ms.toFixed(2)} ms split over ${cores} workers of 1 thread (best of ${REPLAY_PASSES - 1}; medians ${replay[1].median_ms.toFixed(2)}, ${replay[cores]!.median_ms.toFixed(2)}, ${replay.split.median_ms.toFixed(2)}; in the round ${blasMs.toFixed(2)} ms on ${threads})`,
  );
const nativeRows = [...nativeStats.entries()].map(([fn, e]) => ({ fn, calls: e.calls / repeats, ms: +(e.ms / repeats).toFixed(4) })).sort((a, b) => b.ms - a.ms);
console.log('addon function (not sgemm)  calls        ms');
for (const r of nativeRows) console.log(`${r.fn.padEnd(26)}${String(r.calls).padStart(7)}${r.ms.toFixed(3).padStart(10)}`);
console.log('kernel                      calls        ms   share');
for (const r of rows) console.log(`${r.kernel.padEnd(26)}${String(r.calls).padStart(7)}${r.ms.toFixed(3).padStart(10)}${((100 * r.ms) / kernelMs).toFixed(1).padStart(7)}%`);
console.log(
  JSON.stringify({
    name: 'update-profile',
    algo,
    backend,
    blas_core: blas.coreType,
    N,
    H,
    B,
    K: algo === 'dmadrl' ? K : null,
    activation,
    model,
    threads,
    repeats,
    warmup_rounds: warmupRounds,
    round_ms: +roundMs.toFixed(3),
    hooked_round_ms: +hookedRoundMs.toFixed(3),
    kernels: calls,
    kernel_ms: +kernelMs.toFixed(3),
    blas_calls: blasStats.calls / repeats,
    blas_ms: +blasMs.toFixed(3),
    gflop: +gflop.toFixed(4),
    sgemm_gflops: sgemmGflops === null ? null : +sgemmGflops.toFixed(1),
    arith_ms: arithMs === null ? null : +arithMs.toFixed(3),
    slot,
    normals_per_round: normals && normalsPerRound,
    normals_ms: normals && +normals.ms.toFixed(3),
    normals_in_c: normals && nativeNormalFillActive(),
    normals_math_ms: normals && +normals.mathMs.toFixed(3),
    normals_one_by_one_ms: normals && +normals.oneByOneMs.toFixed(3),
    by_kernel: rows,
    sgemm_floor_ms: +sgemmFloorMs.toFixed(3),
    floor_cores: cores,
    by_sgemm_shape: shapeRows,
    products_alone_by_threads: replay,
    by_addon_function: nativeRows,
  }),
);
