// Worker script for test/nn/backend.test.ts: sets up the backend in a worker thread, multiplies
// the matrices it is sent and posts the product back, with what the backend reported.
// Workers do not inherit the main thread's tsx registration (see src/experiments/trainWorker.mjs).
import { register } from 'tsx/esm/api';
import { parentPort, workerData } from 'node:worker_threads';

register();
const tf = await import('@tensorflow/tfjs');
const { initNeuralBackend, nativeBlasDescription } = await import('../../src/nn/backend.ts');

const { a, aShape, b, bShape } = workerData;
const info = await initNeuralBackend({ native: 'auto' });
const product = tf.tidy(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape)));
parentPort.postMessage({ info, values: product.dataSync(), blasThreads: nativeBlasDescription()?.threads ?? null });
product.dispose();
