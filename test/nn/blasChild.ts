// Child process for test/nn/blasSelect.test.ts: chooses and opens the BLAS kernels with the
// environment it was given, sets up the backend, and prints one JSON line with what it got;
// with --spawn it also reports what a child process of its own and a worker thread got.
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { blasInfo, initNeuralBackend } from '../../src/nn/backend.ts';

const backend = await initNeuralBackend({ native: 'auto' });
const info = blasInfo();
const result: Record<string, unknown> = { backend, info };
if (process.argv.includes('--spawn')) {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--import', 'tsx', self], { encoding: 'utf8' });
  result.child = JSON.parse(child.stdout.trim().split('\n').pop()!);
  result.worker = await new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./blasWorker.mjs', import.meta.url));
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}
console.log(JSON.stringify(result));
