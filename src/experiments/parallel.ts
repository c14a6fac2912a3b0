// Independent training runs (seeds, configurations) spread over worker threads. The
// WebAssembly backend is single-threaded in Node, so one run per core is how a sweep uses the
// whole machine. A run whose directory already holds a run is resumed, not restarted.
import { MessageChannel } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
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

/** One run per seed of the same configuration, in OUT/seed-S, on worker threads. */
export async function trainSeeds(options: {
  algo: string;
  scenario: TrainingTask['scenario'];
  hyperparameters: Record<string, unknown>;
  seeds: number[];
  episodes: number;
  outDir: string;
  workers?: number;
  onProgress?: (episodesDone: number, total: number) => void;
}) {
  const done = new Map<string, number>();
  const total = options.seeds.length * options.episodes;
  return runTrainingTasks(
    options.seeds.map((seed) => ({
      algo: options.algo,
      scenario: options.scenario,
      hyperparameters: options.hyperparameters,
      seed,
      episodes: options.episodes,
      runDir: join(options.outDir, `seed-${seed}`),
    })),
    {
      workers: options.workers,
      onProgress: (m) => {
        done.set(m.runDir, m.episode);
        options.onProgress?.(
          [...done.values()].reduce((a, b) => a + b, 0),
          total,
        );
      },
    },
  );
}
