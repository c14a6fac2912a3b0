// `svec validate`: a learner trained and evaluated on an environment no one here wrote (Gymnasium's
// Pendulum-v1, or any module implementing the environment interface), to be compared with
// published references (rl-baselines3-zoo). Per seed, in worker threads:
//   1. train with the harness for ceil(steps / episode length) episodes (whole iterations for
//      on-policy learners) into OUT/seed-S (config.json, metrics, checkpoints; resumable);
//   2. load the final checkpoint and act deterministically for `evalEpisodes` episodes on
//      held-out seeds; the return of an episode is the mean over agents of its summed rewards.
import type { MessagePort } from 'node:worker_threads';
import { MessageChannel } from 'node:worker_threads';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { loadAlgorithm } from '../agents/catalog.ts';
import { parseConfig, readConfigFile, deepMerge, applyOverrides } from '../config/load.ts';
import { episodeOver } from '../env/environment.ts';
import { describeEnvSource, environmentFactory, type EnvSource } from '../env/registry.ts';
import { blasInfo, initNeuralBackend } from '../nn/backend.ts';
import { deriveSeed, RandomStreams } from '../random/stream.ts';
import { checkpointEpisode, latestCheckpoint, loadCheckpoint } from '../train/checkpoint.ts';
import { runHarness } from '../train/harness.ts';
import { UserError, userErrorName } from '../util/errors.ts';
import { writeFileAtomic } from '../util/io.ts';
import { lockFolder } from '../util/lock.ts';
import { codeVersion, SVEC_VERSION } from '../util/version.ts';
import { fileURLToPath } from 'node:url';

export class ValidateError extends UserError {
  override name = userErrorName('ValidateError');
}

/** Published returns to compare with: rl-baselines3-zoo's benchmark.md (single runs). */
export const REFERENCES: Record<string, Record<string, { algo: string; steps: number; return: number; source: string }>> = {
  pendulum: {
    sac: { algo: 'SAC', steps: 20_000, return: -157.0, source: 'rl-baselines3-zoo benchmark.md, SAC Pendulum-v1 (20k steps)' },
    ddpg: { algo: 'DDPG', steps: 20_000, return: -152.1, source: 'rl-baselines3-zoo benchmark.md, DDPG Pendulum-v1 (20k steps)' },
    mappo: { algo: 'PPO', steps: 100_000, return: -172.2, source: 'rl-baselines3-zoo benchmark.md, PPO Pendulum-v1 (100k steps)' },
  },
};

/** Where an environment's tuned presets live: configs/validate/ENV/ALGO.yaml (absent: the defaults). */
export function presetPath(env: string, algo: string): string {
  return fileURLToPath(new URL(`../../configs/validate/${env}/${algo}.yaml`, import.meta.url));
}

export interface ValidateOptions {
  algo: string;
  env: EnvSource;
  steps: number;
  seeds: number[];
  /** `key=value` overrides applied after the environment's preset */
  overrides?: string[];
  outDir: string;
  workers?: number;
  evalEpisodes?: number;
  evalSeed?: number;
  onProgress?: (episodesDone: number, episodesTotal: number) => void;
}

export interface SeedResult {
  seed: number;
  /** mean of the deterministic evaluation episodes' returns */
  mean_return: number;
  returns: number[];
  episodes: number;
  train_seconds: number;
}

export interface ValidateResult {
  algo: string;
  env: string;
  steps: number;
  per_seed: SeedResult[];
  mean_return: number;
  reference?: (typeof REFERENCES)[string][string];
  hyperparameters: Record<string, unknown>;
  eval_episodes: number;
  wall_seconds: number;
  svec_version: string;
}

export interface ValidateTask {
  algo: string;
  env: EnvSource;
  hyperparameters: Record<string, unknown>;
  seed: number;
  episodes: number;
  steps: number;
  runDir: string;
  evalEpisodes: number;
  evalSeed: number;
  port?: MessagePort;
}

/** Resolves the hyperparameters: schema defaults, then the environment's preset, then overrides. */
export async function validateHyperparameters(algo: string, env: EnvSource, overrides: string[] = []): Promise<Record<string, unknown>> {
  const { schema } = await loadAlgorithm(algo);
  const merged = schema.parse({}) as Record<string, unknown>;
  const preset = 'name' in env ? presetPath(env.name, algo) : undefined;
  if (preset && existsSync(preset)) deepMerge(merged, readConfigFile(preset));
  applyOverrides(merged, overrides, '--hp');
  return parseConfig(schema, merged, `${algo} hyperparameters`) as Record<string, unknown>;
}

/** Trains (or resumes) one seed and evaluates it; runs in a worker thread. */
export async function runValidateSeed(task: ValidateTask): Promise<SeedResult> {
  await initNeuralBackend();
  const algorithm = await loadAlgorithm(task.algo);
  const createEnv = await environmentFactory(task.env);
  const release = await lockFolder(task.runDir, 'svec validate');
  const started = performance.now();
  try {
    const configPath = join(task.runDir, 'config.json');
    const config = {
      svecVersion: SVEC_VERSION,
      codeVersion: codeVersion(),
      algo: task.algo,
      env: describeEnvSource(task.env),
      seed: task.seed,
      steps: task.steps,
      episodes: task.episodes,
      hyperparameters: task.hyperparameters,
      kernels: { backend: 'wasm', ...blasInfo() },
    };
    const resume = existsSync(configPath);
    if (resume) {
      const previous = JSON.parse(readFileSync(configPath, 'utf8')) as typeof config;
      if (JSON.stringify({ ...previous, codeVersion: '', kernels: null }) !== JSON.stringify({ ...config, codeVersion: '', kernels: null })) {
        throw new ValidateError(`${task.runDir} holds a run of another configuration; choose another --out`);
      }
    } else writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
    if (!resume || checkpointEpisode(task.runDir) < task.episodes) {
      await runHarness({
        runDir: task.runDir,
        seed: task.seed,
        episodes: task.episodes,
        createEnv,
        algorithm,
        hyperparameters: task.hyperparameters,
        resume,
        onEpisode: (row) => task.port?.postMessage({ seed: task.seed, episode: row.episode }),
      });
    }
    const trainSeconds = (performance.now() - started) / 1000;
    // Deterministic evaluation of the final weights on held-out seeds.
    const env = createEnv();
    const { spec } = env;
    const learner = algorithm.create(task.hyperparameters, { agents: spec.agents, observationSize: spec.observation.size, action: spec.action }, new RandomStreams(task.evalSeed));
    try {
      await loadCheckpoint(latestCheckpoint(task.runDir)!, learner.variables, learner.optimizers);
      learner.weightsChanged();
      const returns: number[] = [];
      for (let e = 0; e < task.evalEpisodes; e++) {
        let obs = env.reset(deriveSeed(task.evalSeed, e));
        let total = 0;
        for (;;) {
          const step = env.step(learner.act(obs, false));
          for (const r of step.rewards) total += r;
          obs = step.observations;
          if (episodeOver(step)) break;
        }
        returns.push(total / spec.agents);
      }
      return { seed: task.seed, mean_return: returns.reduce((a, b) => a + b, 0) / returns.length, returns, episodes: task.episodes, train_seconds: trainSeconds };
    } finally {
      learner.dispose();
      env.close();
    }
  } finally {
    await release();
    task.port?.close();
  }
}

export async function validate(options: ValidateOptions): Promise<ValidateResult> {
  const started = performance.now();
  const hyperparameters = await validateHyperparameters(options.algo, options.env, options.overrides);
  const probe = (await environmentFactory(options.env))();
  const episodeSteps = probe.spec.maxEpisodeSteps;
  probe.close();
  const { kind } = await import('../agents/catalog.ts').then((c) => c.algorithmEntry(options.algo));
  const perIteration = kind === 'on-policy' ? Number(hyperparameters.parallelEnvs ?? 1) : 1;
  const episodes = Math.ceil(options.steps / (episodeSteps * perIteration)) * perIteration;
  const evalEpisodes = options.evalEpisodes ?? 10;
  const evalSeed = options.evalSeed ?? 1_000_003;
  const pool = new Piscina({
    filename: new URL('./validateWorker.mjs', import.meta.url).href,
    maxThreads: Math.max(1, Math.min(options.workers ?? availableParallelism(), options.seeds.length)),
    minThreads: 1,
    idleTimeout: 1000,
  });
  const done = new Map<number, number>();
  try {
    const perSeed = await Promise.all(
      options.seeds.map((seed) => {
        const channel = new MessageChannel();
        channel.port2.on('message', (m: { seed: number; episode: number }) => {
          done.set(m.seed, m.episode);
          options.onProgress?.(
            [...done.values()].reduce((a, b) => a + b, 0),
            episodes * options.seeds.length,
          );
        });
        const task: ValidateTask = {
          algo: options.algo,
          env: options.env,
          hyperparameters,
          seed,
          episodes,
          steps: options.steps,
          runDir: join(options.outDir, `seed-${seed}`),
          evalEpisodes,
          evalSeed,
          port: channel.port1,
        };
        return (pool.run(task, { transferList: [channel.port1] }) as Promise<SeedResult>).finally(() => channel.port2.close());
      }),
    );
    const envName = describeEnvSource(options.env);
    const result: ValidateResult = {
      algo: options.algo,
      env: envName,
      steps: episodes * episodeSteps,
      per_seed: perSeed,
      mean_return: perSeed.reduce((a, s) => a + s.mean_return, 0) / perSeed.length,
      reference: 'name' in options.env ? REFERENCES[options.env.name]?.[options.algo] : undefined,
      hyperparameters,
      eval_episodes: evalEpisodes,
      wall_seconds: (performance.now() - started) / 1000,
      svec_version: codeVersion(),
    };
    writeFileAtomic(join(options.outDir, 'validate.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await pool.destroy();
  }
}
