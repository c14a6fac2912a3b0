// One training run inside a worker thread: a new run or a resumed one. Progress goes back to the
// main thread through a MessagePort, one message per episode.
import type { MessagePort } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../config/scenario.ts';
import { checkpointEpisode } from '../train/checkpoint.ts';
import type { Throughput } from '../train/harness.ts';
import { readMetrics, type EpisodeMetrics } from '../train/metrics.ts';
import { resume, train } from '../train/run.ts';

export interface TrainingTask {
  algo: string;
  scenario: Scenario;
  hyperparameters: Record<string, unknown>;
  seed: number;
  episodes: number;
  runDir: string;
  /** where per-episode progress messages go */
  port?: MessagePort;
  /** called after every episode (for a caller inside the same thread) */
  onEpisode?: (episode: number, teamReward: number) => void;
}

export interface TrainingProgressMessage {
  runDir: string;
  episode: number;
  teamReward: number;
  slotsPerSecond: number;
  updatesPerSecond: number;
}

/** Runs (or, when the directory already holds the run, resumes) one training run. */
export async function runTrainingTask(task: TrainingTask): Promise<{ runDir: string; episodes: number; lastReward: number }> {
  const onEpisode = (row: EpisodeMetrics, info: Throughput) => {
    const teamReward = row.teamReward ?? row.episodeReturn;
    const message: TrainingProgressMessage = { runDir: task.runDir, episode: row.episode, teamReward, ...info };
    task.port?.postMessage(message);
    task.onEpisode?.(row.episode, teamReward);
  };
  const exists = existsSync(join(task.runDir, 'config.json'));
  if (exists && checkpointEpisode(task.runDir) >= task.episodes) {
    // finished already: nothing to train (and nothing is rewritten)
    const rows = readMetrics(task.runDir);
    task.port?.close();
    return { runDir: task.runDir, episodes: rows.length, lastReward: rows[rows.length - 1]?.teamReward ?? Number.NaN };
  }
  const { port: _port, onEpisode: _callback, ...options } = task;
  const rows = exists ? await resume(task.runDir, { episodes: task.episodes, onEpisode }) : await train({ ...options, onEpisode });
  task.port?.close();
  return { runDir: task.runDir, episodes: rows.length, lastReward: rows[rows.length - 1]?.teamReward ?? Number.NaN };
}
