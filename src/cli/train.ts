// svec train, svec eval, svec compare: learning algorithms on the SVEC simulator.
import { Option, type Command } from 'commander';
import { algorithmNames, isAlgorithm, loadAlgorithm } from '../agents/catalog.ts';
import { loadConfig, loadScenario, readConfigFile } from '../config/load.ts';
import { DEFAULT_COMPARISON } from '../policies/registry.ts';
import type { EpisodeMetrics } from '../train/metrics.ts';
import { checkOutputFolder, collect, integer, parseList, parseSeedCountOrList, parseSeedList, scenarioOptions, UsageError } from './options.ts';
import { createProgress } from './progress.ts';

/** A progress bar over training episodes (quiet off a terminal). */
function trainingProgress(total: number | undefined) {
  let bar: ReturnType<typeof createProgress> | null = null;
  const recent: number[] = [];
  return {
    update(row: EpisodeMetrics, info: { slotsPerSecond: number; updatesPerSecond: number }) {
      const reward = row.teamReward ?? row.episodeReturn;
      recent.push(reward);
      if (recent.length > 10) recent.shift();
      const fields = {
        reward: reward.toFixed(1),
        avg: (recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(1),
        sps: info.slotsPerSecond.toFixed(0),
        ups: info.updatesPerSecond.toFixed(1),
      };
      // the bar starts with the first episode's numbers, so no frame shows raw placeholders
      bar ??= createProgress(total ?? row.episode, 'train [{bar}] ep {value}/{total} | reward {reward} | avg10 {avg} | {sps} slots/s | {ups} upd/s | ETA {eta_formatted}', fields);
      bar.update(row.episode, fields);
    },
    stop() {
      bar?.stop();
    },
  };
}

function summarizeTraining(runDir: string, rows: EpisodeMetrics[]): string {
  const last = rows.slice(-10);
  const mean = last.reduce((a, r) => a + (r.teamReward ?? r.episodeReturn), 0) / Math.max(1, last.length);
  return `svec train: ${rows.length} episodes in ${runDir}; mean team reward of the last ${last.length}: ${mean.toFixed(1)} (metrics.csv, metrics.jsonl, checkpoints/)`;
}

export function registerTrainCommands(program: Command): void {
  const trainCommand: Command = scenarioOptions(program.command('train'));
  trainCommand
    .description('train a learning algorithm; writes config.json, metrics.csv/jsonl and checkpoints to --out')
    .addOption(new Option('--algo <name>', 'algorithm').choices(algorithmNames()).default('dmadrl'))
    .option(
      '--config <file>',
      "hyperparameters YAML/JSON file (see configs/algos/), or a run's config.json (algorithm, scenario, hyperparameters, seed and episodes from it; options given on the command line win)",
    )
    .option('--hp <key=value>', 'override a hyperparameter, e.g. --hp batchSize=128 (repeatable)', collect, [])
    .option('--seed <n>', 'seed of the run', integer('--seed', 0, 0xffffffff), 1)
    .option('--seeds <list>', 'several seeds at once (e.g. 1,2,3): one run per seed in DIR/seed-S, in parallel worker threads')
    .option('--workers <n>', 'worker threads for --seeds (default: the number of cores)', integer('--workers', 1, 256))
    .option('--episodes <n>', 'episodes to train (with --resume: the new total)', integer('--episodes', 1, 10_000_000))
    .option('--out <dir>', 'run directory (must not hold a run yet)')
    .option('--resume <dir>', 'continue the run in this directory from its newest checkpoint')
    .action(
      async (opts: {
        scenario?: string;
        set: string[];
        algo: string;
        config?: string;
        hp: string[];
        seed: number;
        seeds?: string;
        workers?: number;
        episodes?: number;
        out?: string;
        resume?: string;
      }) => {
        const { resume, train, asRunConfig, checkNewRunDirectory } = await import('../train/run.ts');
        const explicit = (name: string) => trainCommand.getOptionValueSource(name) === 'cli';
        if (opts.resume) {
          for (const name of ['out', 'seeds', 'config', 'scenario'])
            if (explicit(name)) throw new UsageError(`--resume continues a run as it was configured; --${name} cannot be combined with it`);
          if (opts.set.length > 0 || opts.hp.length > 0) throw new UsageError('--resume continues a run as it was configured; --set and --hp cannot be combined with it');
          const progress = trainingProgress(opts.episodes);
          const rows = await resume(opts.resume, { episodes: opts.episodes, onEpisode: progress.update }).finally(() => progress.stop());
          process.stdout.write(`${summarizeTraining(opts.resume, rows)}\n`);
          return;
        }
        if (!opts.out) throw new UsageError('train: --out DIR is required (or --resume DIR)');
        // A run's config.json regenerates that run: its algorithm, scenario, hyperparameters, seed and episodes.
        const fromFile = opts.config ? readConfigFile(opts.config) : undefined;
        const runConfig = fromFile ? asRunConfig(fromFile) : undefined;
        if (runConfig) {
          if (explicit('algo') && opts.algo !== runConfig.algo) throw new UsageError(`--algo ${opts.algo} contradicts --config ${opts.config} (a ${runConfig.algo} run)`);
          opts.algo = runConfig.algo;
          if (!explicit('seed')) opts.seed = runConfig.seed;
          opts.episodes ??= runConfig.episodes;
        }
        if (opts.episodes === undefined) throw new UsageError('train: --episodes is required');
        if (!isAlgorithm(opts.algo)) throw new UsageError(`--algo: unknown algorithm '${opts.algo}' (available: ${algorithmNames().join(', ')})`);
        const { schema } = await loadAlgorithm(opts.algo);
        const scenario = loadScenario({ base: runConfig?.scenario as Record<string, unknown> | undefined, file: opts.scenario, overrides: opts.set });
        const hyperparameters = loadConfig(
          schema,
          `${opts.algo} hyperparameters`,
          runConfig ? { base: runConfig.hyperparameters, overrides: opts.hp, overrideOption: '--hp' } : { file: opts.config, overrides: opts.hp, overrideOption: '--hp' },
        ) as Record<string, unknown>;
        if (opts.seeds !== undefined) {
          const seeds = parseSeedList(opts.seeds);
          checkOutputFolder(opts.out, '--out');
          for (const seed of seeds) checkNewRunDirectory(`${opts.out}/seed-${seed}`);
          const { trainSeeds } = await import('../experiments/parallel.ts');
          const progress = createProgress(seeds.length * opts.episodes, 'train [{bar}] {value}/{total} episodes over {runs} runs | ETA {eta_formatted}', { runs: seeds.length });
          const results = await trainSeeds({
            algo: opts.algo,
            scenario,
            hyperparameters,
            seeds,
            episodes: opts.episodes,
            outDir: opts.out,
            workers: opts.workers,
            onProgress: (done) => progress.update(done),
          }).finally(() => progress.stop());
          for (const r of results) process.stdout.write(`svec train: ${r.episodes} episodes in ${r.runDir}; last team reward ${r.lastReward.toFixed(1)}\n`);
          return;
        }
        const progress = trainingProgress(opts.episodes);
        const rows = await train({ algo: opts.algo, scenario, hyperparameters, seed: opts.seed, episodes: opts.episodes, runDir: opts.out, onEpisode: progress.update }).finally(
          () => progress.stop(),
        );
        process.stdout.write(`${summarizeTraining(opts.out, rows)}\n`);
      },
    );

  program
    .command('eval')
    .description('evaluate a trained run greedily on held-out seeds, beside the built-in policies')
    .requiredOption('--run <dir>', 'run directory written by svec train')
    .option('--episodes <n>', 'evaluation episodes (each a held-out seed)', integer('--episodes', 1, 100_000), 5)
    .option('--seed <n>', 'base of the held-out evaluation seeds (training uses others)', integer('--seed', 0, 0xffffffff), 1_000_003)
    .option('--policies <list>', "built-in policies to show beside it ('none' for none)", DEFAULT_COMPARISON.join(','))
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: { run: string; episodes: number; seed: number; policies: string; json?: boolean }) => {
      const { evaluateRun, oracleGap } = await import('../experiments/evaluate.ts');
      const { formatSummaryTable } = await import('../experiments/simulate.ts');
      const builtins = opts.policies === 'none' ? [] : parseList(opts.policies, '--policies');
      const result = await evaluateRun(opts.run, { episodes: opts.episodes, seed: opts.seed, builtins });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const gap = oracleGap(result.rows, result.rows[0]!);
      const gapLine = gap === undefined ? '' : `\ngap to the per-slot oracle: ${(gap * 100).toFixed(1)}% of the oracle's team reward\n`;
      process.stdout.write(
        `svec eval: ${opts.run} (${result.algo}, trained ${result.trainedEpisodes} episodes), ${opts.episodes} held-out episodes from seed ${opts.seed}\n\n${formatSummaryTable(result.rows)}\n${gapLine}`,
      );
    });

  scenarioOptions(program.command('compare'))
    .description('train algorithms on the same seeds and slot budget, evaluate on held-out seeds, table with 95% CIs')
    .option('--algos <list>', 'learning algorithms and built-in policies (default: every learning algorithm and greedy)')
    .option('--seeds <n>', 'number of seeds (1..n) or a list like 3,5,8', '3')
    .requiredOption('--episodes <n>', 'training episodes per run (same slot budget for every algorithm)', integer('--episodes', 1, 10_000_000))
    .option('--eval-episodes <n>', 'held-out evaluation episodes', integer('--eval-episodes', 1, 100_000), 5)
    .option('--eval-seed <n>', 'base of the held-out evaluation seeds', integer('--eval-seed', 0, 0xffffffff), 1_000_003)
    .option('--hp <algo.key=value>', 'hyperparameter override for one algorithm, e.g. --hp dmadrl.batchSize=128 (repeatable)', collect, [])
    .option('--workers <n>', 'worker threads (default: the number of cores)', integer('--workers', 1, 256))
    .requiredOption('--out <dir>', 'output folder (runs/, comparison.csv, .json, .md); rerun to resume')
    .action(
      async (opts: {
        scenario?: string;
        set: string[];
        algos?: string;
        seeds: string;
        episodes: number;
        evalEpisodes: number;
        evalSeed: number;
        hp: string[];
        workers?: number;
        out: string;
      }) => {
        const { compare, defaultComparison, formatComparison, parseAlgorithmOverrides } = await import('../experiments/compare.ts');
        const scenario = loadScenario({ file: opts.scenario, overrides: opts.set });
        const seeds = parseSeedCountOrList(opts.seeds);
        const algos = opts.algos === undefined ? defaultComparison() : parseList(opts.algos, '--algos');
        const hyperparameters = parseAlgorithmOverrides(opts.hp);
        checkOutputFolder(opts.out, '--out');
        const learning = algos.filter(isAlgorithm).length;
        const progress = createProgress(learning * seeds.length * opts.episodes, 'compare [{bar}] {value}/{total} training episodes | ETA {eta_formatted}', {});
        const done = new Map<string, number>();
        const rows = await compare({
          scenario,
          algos,
          seeds,
          episodes: opts.episodes,
          evalEpisodes: opts.evalEpisodes,
          evalSeed: opts.evalSeed,
          hyperparameters,
          outDir: opts.out,
          workers: opts.workers,
          onProgress: (m) => {
            done.set(m.runDir, m.episode);
            progress.update([...done.values()].reduce((a, b) => a + b, 0));
          },
          onStage: (stage) => {
            if (!process.stderr.isTTY || process.env.CI) process.stderr.write(`svec compare: ${stage}\n`);
          },
        }).finally(() => progress.stop());
        process.stdout.write(
          `svec compare: ${seeds.length} seeds, ${opts.episodes} training episodes (${opts.episodes * scenario.slotsPerEpisode} slots) per run, ${opts.evalEpisodes} held-out episodes; mean ± 95% CI across seeds\n\n${formatComparison(rows)}\n\nwritten: ${opts.out}/comparison.{md,csv,json}\n`,
        );
      },
    );
}
