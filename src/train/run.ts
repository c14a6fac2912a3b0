// A training run: its directory, its recorded configuration, and the call into the loop.
//   DIR/config.json    everything needed to regenerate the run: svec version, algorithm,
//                      hyperparameters, resolved scenario, seed, episodes, fidelity provenance
//   DIR/metrics.*      per-episode metrics (train/metrics.ts)
//   DIR/checkpoints/   checkpoints (train/checkpoint.ts)
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ScenarioSchema, type Scenario } from '../config/scenario.ts';
import { algorithmSpec } from '../agents/registry.ts';
import { initNeuralBackend } from '../nn/backend.ts';
import { loadFidelityModel } from '../sim/fidelity.ts';
import { writeFileAtomic } from '../util/io.ts';
import { OffPolicyLoopSchema, trainOffPolicy, type OffPolicyLearner, type TrainRunOptions } from './offPolicy.ts';
import { MappoConfigSchema, trainMappo } from '../agents/mappo.ts';
import type { EpisodeMetrics } from './metrics.ts';

export const SVEC_VERSION = '0.1.0';

let cachedCodeVersion: string | undefined;

/**
 * The code that ran: the package version plus the git commit ('+dirty' with uncommitted
 * changes), or the version alone outside a git checkout.
 */
export function codeVersion(): string {
  if (cachedCodeVersion === undefined) {
    try {
      const root = fileURLToPath(new URL('../..', import.meta.url));
      const git = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
      const commit = git(['rev-parse', '--short=12', 'HEAD']);
      const dirty = git(['status', '--porcelain', '--untracked-files=no']).length > 0;
      cachedCodeVersion = `${SVEC_VERSION}+${commit}${dirty ? '-dirty' : ''}`;
    } catch {
      cachedCodeVersion = SVEC_VERSION;
    }
  }
  return cachedCodeVersion;
}

export interface RunConfig {
  svecVersion: string;
  /** package version + git commit of the code that started the run */
  codeVersion?: string;
  algo: string;
  seed: number;
  episodes: number;
  scenario: Scenario;
  hyperparameters: Record<string, unknown>;
  fidelityProvenance: Record<string, unknown>;
  createdAt: string;
}

export function readRunConfig(runDir: string): RunConfig {
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) throw new Error(`${runDir} is not an svec run directory (no config.json)`);
  const config = JSON.parse(readFileSync(path, 'utf8')) as RunConfig;
  config.scenario = ScenarioSchema.parse(config.scenario);
  return config;
}

export interface TrainOptions {
  algo: string;
  scenario: Scenario;
  hyperparameters: Record<string, unknown>;
  seed: number;
  episodes: number;
  runDir: string;
  onEpisode?: TrainRunOptions['onEpisode'];
  afterEpisode?: TrainRunOptions['afterEpisode'];
}

/** Starts a new run in an empty (or new) directory. */
export async function train(options: TrainOptions): Promise<EpisodeMetrics[]> {
  if (existsSync(join(options.runDir, 'config.json'))) {
    throw new Error(`${options.runDir} already holds a run; use --resume to continue it or choose another --out`);
  }
  const spec = algorithmSpec(options.algo);
  const hyperparameters = spec.schema.parse(options.hyperparameters) as Record<string, unknown>;
  const fidelity = loadFidelityModel(options.scenario.fidelityTable);
  mkdirSync(options.runDir, { recursive: true });
  const config: RunConfig = {
    svecVersion: SVEC_VERSION,
    codeVersion: codeVersion(),
    algo: options.algo,
    seed: options.seed,
    episodes: options.episodes,
    scenario: options.scenario,
    hyperparameters,
    fidelityProvenance: fidelity.provenance,
    createdAt: new Date().toISOString(),
  };
  writeFileAtomic(join(options.runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return runFromConfig(options.runDir, config, false, options);
}

/** Continues a run from its newest checkpoint, optionally to a new total of episodes. */
export async function resume(runDir: string, options: { episodes?: number; onEpisode?: TrainRunOptions['onEpisode']; afterEpisode?: TrainRunOptions['afterEpisode'] } = {}): Promise<EpisodeMetrics[]> {
  const config = readRunConfig(runDir);
  if (options.episodes !== undefined && options.episodes !== config.episodes) {
    config.episodes = options.episodes;
    writeFileAtomic(join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }
  return runFromConfig(runDir, config, true, options);
}

async function runFromConfig(
  runDir: string,
  config: RunConfig,
  resumeRun: boolean,
  hooks: { onEpisode?: TrainRunOptions['onEpisode']; afterEpisode?: TrainRunOptions['afterEpisode'] },
): Promise<EpisodeMetrics[]> {
  await initNeuralBackend();
  const spec = algorithmSpec(config.algo);
  if (spec.kind === 'on-policy') {
    return trainMappo({
      runDir,
      scenario: config.scenario,
      fidelity: loadFidelityModel(config.scenario.fidelityTable),
      seed: config.seed,
      episodes: config.episodes,
      config: MappoConfigSchema.parse(config.hyperparameters),
      resume: resumeRun,
      onEpisode: hooks.onEpisode,
      afterEpisode: hooks.afterEpisode,
    });
  }
  const loop = OffPolicyLoopSchema.parse(pick(config.hyperparameters, Object.keys(OffPolicyLoopSchema.shape)));
  return trainOffPolicy({
    runDir,
    scenario: config.scenario,
    fidelity: loadFidelityModel(config.scenario.fidelityTable),
    seed: config.seed,
    episodes: config.episodes,
    loop,
    createLearner: (streams, obsDim) => spec.createLearner(config.hyperparameters, config.scenario.vehicles, obsDim, streams) as OffPolicyLearner,
    resume: resumeRun,
    onEpisode: hooks.onEpisode,
    afterEpisode: hooks.afterEpisode,
  });
}

function pick(record: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in record).map((k) => [k, record[k]]));
}
