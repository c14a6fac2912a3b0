// A training run on the SVEC simulator: its directory, its recorded configuration, its lock, and
// the call into the harness.
//   DIR/config.json    everything needed to regenerate the run: svec version, algorithm,
//                      hyperparameters, resolved scenario, seed, episodes, fidelity provenance
//   DIR/metrics.*      per-episode metrics (train/metrics.ts)
//   DIR/checkpoints/   checkpoints (train/checkpoint.ts)
//   DIR/.lock          held while a process writes the run (util/lock.ts)
// Everything is validated before the directory is created or touched: a failure leaves nothing
// behind and changes nothing already saved.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadAlgorithm, type AlgorithmModule } from '../agents/catalog.ts';
import { ConfigError, parseConfig } from '../config/load.ts';
import { ScenarioSchema, type Scenario } from '../config/scenario.ts';
import { SvecEnv } from '../env/svec.ts';
import { blasInfo, initNeuralBackend } from '../nn/backend.ts';
import { loadFidelityModel, type FidelityModel } from '../sim/fidelity.ts';
import { UserError, userErrorName } from '../util/errors.ts';
import { writeFileAtomic } from '../util/io.ts';
import { lockFolder } from '../util/lock.ts';
import { codeVersion, SVEC_VERSION } from '../util/version.ts';
import { latestCheckpoint, readCheckpoint } from './checkpoint.ts';
import { runHarness, type HarnessOptions } from './harness.ts';
import type { EpisodeMetrics } from './metrics.ts';

/** A run directory that cannot be used as asked; the message names it and why. */
export class RunDirectoryError extends UserError {
  override name = userErrorName('RunDirectoryError');
}

export const RunConfigSchema = z.looseObject({
  svecVersion: z.string(),
  codeVersion: z.string().optional(),
  algo: z.string(),
  seed: z.number().int().min(0).max(0xffffffff),
  episodes: z.number().int().min(1),
  scenario: z.record(z.string(), z.unknown()),
  hyperparameters: z.record(z.string(), z.unknown()),
  fidelityProvenance: z.record(z.string(), z.unknown()),
  kernels: z.record(z.string(), z.unknown()).optional(),
  createdAt: z.string().optional(),
});

export interface RunConfig extends z.infer<typeof RunConfigSchema> {
  scenario: Scenario;
}

/** Reads and validates DIR/config.json; every problem is a RunDirectoryError or ConfigError naming it. */
export function readRunConfig(runDir: string): RunConfig {
  if (!existsSync(runDir)) throw new RunDirectoryError(`${runDir} does not exist`);
  if (!statSync(runDir).isDirectory()) throw new RunDirectoryError(`${runDir} is not a directory`);
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) throw new RunDirectoryError(`${runDir} is not an svec run directory (no config.json)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const config = parseConfig(RunConfigSchema, json, path) as RunConfig;
  config.scenario = parseConfig(ScenarioSchema, config.scenario, `${path}: scenario`);
  return config;
}

function writeRunConfig(runDir: string, config: RunConfig): void {
  writeFileAtomic(join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/** Checks that `runDir` can hold a new run: absent, or an empty-of-runs directory whose parent is a directory. */
export function checkNewRunDirectory(runDir: string): void {
  if (existsSync(runDir)) {
    if (!statSync(runDir).isDirectory()) throw new RunDirectoryError(`--out ${runDir} exists and is not a directory`);
    if (existsSync(join(runDir, 'config.json'))) throw new RunDirectoryError(`${runDir} already holds a run; use --resume to continue it or choose another --out`);
    if (readdirSync(runDir).some((f) => f === 'checkpoints' || f.startsWith('metrics.')))
      throw new RunDirectoryError(`${runDir} holds metrics or checkpoints of an unknown run; choose another --out`);
  } else {
    // the nearest existing ancestor must be a directory
    let parent = join(runDir, '..');
    while (!existsSync(parent) && parent !== join(parent, '..')) parent = join(parent, '..');
    if (existsSync(parent) && !statSync(parent).isDirectory()) throw new RunDirectoryError(`--out ${runDir}: ${parent} is a file, not a directory`);
  }
}

export interface TrainOptions {
  algo: string;
  scenario: Scenario;
  hyperparameters: Record<string, unknown>;
  seed: number;
  episodes: number;
  runDir: string;
  onEpisode?: HarnessOptions['onEpisode'];
  afterEpisode?: HarnessOptions['afterEpisode'];
}

/** The SVEC environment factory of a scenario (one fidelity model shared by every instance). */
export function svecEnvironment(scenario: Scenario, fidelity: FidelityModel = loadFidelityModel(scenario.fidelityTable)): () => SvecEnv {
  return () => new SvecEnv(scenario, { fidelity });
}

/** Starts a new run in an absent (or run-free) directory. */
export async function train(options: TrainOptions): Promise<EpisodeMetrics[]> {
  // Validate everything before the directory is created.
  checkNewRunDirectory(options.runDir);
  const algorithm = await loadAlgorithm(options.algo);
  const hyperparameters = parseConfig(algorithm.schema, options.hyperparameters, `${options.algo} hyperparameters`) as Record<string, unknown>;
  const fidelity = loadFidelityModel(options.scenario.fidelityTable);
  await initNeuralBackend();
  const release = await lockRun(options.runDir, 'svec train');
  try {
    checkNewRunDirectory(options.runDir); // again, under the lock: another process may have started meanwhile
    const config: RunConfig = {
      svecVersion: SVEC_VERSION,
      codeVersion: codeVersion(),
      algo: options.algo,
      seed: options.seed,
      episodes: options.episodes,
      scenario: options.scenario,
      hyperparameters,
      fidelityProvenance: fidelity.provenance,
      // the kernels that ran (they change floating-point results): backend, OpenBLAS core type
      kernels: { backend: 'wasm', ...blasInfo() },
      createdAt: new Date().toISOString(),
    };
    writeRunConfig(options.runDir, config);
    return await runSvec(options.runDir, config, algorithm, fidelity, false, options);
  } finally {
    await release();
  }
}

/**
 * Continues a run from its newest checkpoint (from the start when it has none yet), optionally
 * to a new total of episodes. config.json is rewritten only once the checkpoint has been checked.
 */
export async function resume(
  runDir: string,
  options: { episodes?: number; onEpisode?: HarnessOptions['onEpisode']; afterEpisode?: HarnessOptions['afterEpisode'] } = {},
): Promise<EpisodeMetrics[]> {
  const config = readRunConfig(runDir);
  const algorithm = await loadAlgorithm(config.algo);
  config.hyperparameters = parseConfig(algorithm.schema, config.hyperparameters, `${join(runDir, 'config.json')}: hyperparameters`) as Record<string, unknown>;
  const fidelity = loadFidelityModel(config.scenario.fidelityTable);
  const release = await lockRun(runDir, 'svec train --resume');
  try {
    const checkpoint = latestCheckpoint(runDir);
    if (checkpoint) {
      const { meta } = readCheckpoint(checkpoint);
      const total = options.episodes ?? config.episodes;
      if (total < meta.episode) throw new RunDirectoryError(`--episodes ${total}: the run's newest checkpoint is already at episode ${meta.episode}`);
    }
    if (options.episodes !== undefined && options.episodes !== config.episodes) {
      config.episodes = options.episodes;
      writeRunConfig(runDir, config);
    }
    return await runSvec(runDir, config, algorithm, fidelity, true, options);
  } finally {
    await release();
  }
}

async function lockRun(runDir: string, purpose: string): Promise<() => Promise<void>> {
  try {
    return await lockFolder(runDir, purpose);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'ENOTDIR' || code === 'ENOENT' || code === 'EPERM') {
      throw new RunDirectoryError(`cannot write the run directory ${runDir} (${code})`);
    }
    throw err;
  }
}

async function runSvec(
  runDir: string,
  config: RunConfig,
  algorithm: AlgorithmModule,
  fidelity: FidelityModel,
  resumeRun: boolean,
  hooks: { onEpisode?: HarnessOptions['onEpisode']; afterEpisode?: HarnessOptions['afterEpisode'] },
): Promise<EpisodeMetrics[]> {
  await initNeuralBackend();
  return runHarness({
    runDir,
    seed: config.seed,
    episodes: config.episodes,
    createEnv: svecEnvironment(config.scenario, fidelity),
    algorithm,
    hyperparameters: config.hyperparameters,
    resume: resumeRun,
    onEpisode: hooks.onEpisode,
    afterEpisode: hooks.afterEpisode,
  });
}

/** A run's config.json read back (by `svec train --config`), or undefined when `record` is not one. */
export function asRunConfig(record: Record<string, unknown>): RunConfig | undefined {
  if (typeof record.svecVersion !== 'string' || typeof record.algo !== 'string' || !record.hyperparameters) return undefined;
  return parseConfig(RunConfigSchema, record, 'run config') as RunConfig;
}
