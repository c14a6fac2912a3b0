// Independent training runs (seeds, configurations) spread over worker threads. The
// WebAssembly backend is single-threaded in Node, so one run per core is how a sweep uses the
// whole machine. A run whose directory already holds a run is resumed, not restarted.
import { MessageChannel } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { TrainingProgressMessage, TrainingTask } from './trainTask.ts';

export interface ParallelOptions {
  /** worker threads (default: the number of cores) */
  workers?: number;
  onProgress?: (message: TrainingProgressMessage) => void;
}

export async function runTrainingTasks(tasks: Omit<TrainingTask, 'port'>[], options: ParallelOptions = {}) {
  const pool = new Piscina({
    filename: new URL('./trainWorker.mjs', import.meta.url).href,
    maxThreads: Math.max(1, options.workers ?? availableParallelism()),
    minThreads: 1,
    idleTimeout: 1000,
  });
  try {
    return await Promise.all(
      tasks.map((task) => {
        const channel = new MessageChannel();
        channel.port2.on('message', (message: TrainingProgressMessage) => options.onProgress?.(message));
        return pool.run({ ...task, port: channel.port1 }, { transferList: [channel.port1] }).finally(() => channel.port2.close());
      }),
    );
  } finally {
    await pool.destroy();
  }
}
