// Worker thread of update-profile's split replay (bench/update-profile.ts, part 4): replays its
// share of one recorded round's sgemm calls on its own copies of the round's buffers, on one
// OpenBLAS thread, when the main thread signals. Workers do not inherit the main thread's
// TypeScript loader, so this file registers tsx before it loads the addon (as cellWorker.mjs does).
import { parentPort, workerData } from 'node:worker_threads';

(await import('tsx/esm/api')).register();
const { loadNativeBlas } = await import(new URL('../src/nn/nativeKernels.ts', import.meta.url).href);
const blas = loadNativeBlas().blas;
/** @type {{ snapshots: Float32Array[], calls: number[][], go: Int32Array }} */
const { snapshots, calls, go } = workerData;
const working = snapshots.map((s) => new Float32Array(s.length));
// a call: [transA, transB, batch, M, N, K, a, aOffset, strideA, b, bOffset, strideB, c, cOffset, strideC, beta], arrays by index
const args = calls.map((c) => [c[0] === 1, c[1] === 1, c[2], c[3], c[4], c[5], working[c[6]], c[7], c[8], working[c[9]], c[10], c[11], working[c[12]], c[13], c[14], c[15]]);
parentPort.on('message', (pass) => {
  for (let i = 0; i < working.length; i++) working[i].set(snapshots[i]);
  parentPort.postMessage({ ready: pass });
  Atomics.wait(go, 0, pass - 1); // the main thread sets go[0] = pass once every worker is ready
  const start = performance.timeOrigin + performance.now();
  for (const call of args) blas.sgemmStrided(...call);
  parentPort.postMessage({ pass, start, end: performance.timeOrigin + performance.now() });
});
parentPort.postMessage({ loaded: true });
