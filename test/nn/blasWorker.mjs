// Worker thread for test/nn/blasChild.ts: the BLAS kernels as a worker of that process sees them.
import { register } from 'tsx/esm/api';
import { parentPort } from 'node:worker_threads';

register();
const { blasInfo, initNeuralBackend } = await import('../../src/nn/backend.ts');
const backend = await initNeuralBackend({ native: 'auto' });
parentPort.postMessage({ backend, info: blasInfo(), env: process.env.OPENBLAS_CORETYPE ?? null });
