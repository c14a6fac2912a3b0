// svec reproduce: the experiments of the paper's Section VI as one resumable sweep.
import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../config/load.ts';
import { checkOutputFolder, integer, scenarioOptions } from './options.ts';
import { createProgress } from './progress.ts';

type ProfileName = 'demo' | 'quick' | 'standard' | 'paper';

export function registerReproduceCommand(program: Command): void {
  scenarioOptions(program.command('reproduce'))
    .description("run the experiments of the paper's Section VI (figures, comparison, claims table) as one resumable sweep")
    .addOption(
      new Option('--profile <name>', 'how much to run: demo (about a minute), quick (about 3 min), standard (about 15 min), paper (see the estimate it prints)')
        .choices(['demo', 'quick', 'standard', 'paper'])
        .default('demo'),
    )
    .option('--only <list>', 'experiments to run, e.g. fig4,fig9 (fig4..fig11, oracle-gap, lyapunov-v, mobility)')
    .option('--out <dir>', 'output folder (default out/reproduce-PROFILE); rerun to resume')
    .option('--workers <n>', 'worker threads (default: the number of cores)', integer('--workers', 1, 256))
    .option(
      '--queue <url>',
      'run the cells on a job queue instead: redis://[:password@]host:port[/db] (password also from SVEC_REDIS_PASSWORD); `svec worker` runs them on every machine that shares --out (docs/queue.md)',
    )
    .action(async (opts: { scenario?: string; set: string[]; profile: ProfileName; only?: string; out?: string; workers?: number; queue?: string }) => {
      if (opts.queue !== undefined) return reproduceOnQueueCommand(opts);
      const { reproduce, estimateReproduction, formatDuration } = await import('../experiments/reproduce.ts');
      const { profile, only, ids, baseScenario, outDir } = await resolveSweep(opts);
      const workers = opts.workers ?? availableParallelism();
      // State the expected duration before starting (from per-cell cost estimates measured here).
      const estimate = await estimateReproduction(ids, profile, baseScenario, outDir, workers);
      process.stderr.write(
        `svec reproduce: profile ${profile.name} (${profile.description})\n` +
          `svec reproduce: ${estimate.cells.length} cells, ${estimate.pending.length} to run on ${workers} worker(s); expected duration about ${formatDuration(estimate.seconds)} (a rough estimate from timings on a 2-core machine)\n`,
      );
      const reporting = sweepReporting(estimate.cells.length);
      const summary = await reproduce({
        profile,
        only,
        outDir,
        baseScenario,
        workers,
        command: ['svec', ...process.argv.slice(2)].join(' '),
        ...reporting.events,
      }).finally(() => reporting.stop());
      const failed = summary.failed.length > 0 ? `\n${summary.failed.length} cell(s) failed (listed in the report); rerun the same command to retry them` : '';
      process.stdout.write(
        `svec reproduce: ${summary.cells} cells (${summary.reused} reused, ${summary.ran} run) in ${summary.wallSeconds.toFixed(0)} s${failed}\nreport: ${summary.reportPath} (and report.html beside it)\n`,
      );
      if (summary.failed.length > 0) process.exitCode = 1;
    });
}

/** What a sweep covers, from the options (local and queue runs alike): the profile, the experiments, the scenario, the output folder (checked). */
async function resolveSweep(opts: { scenario?: string; set: string[]; profile: ProfileName; only?: string; out?: string }) {
  const { parseExperimentIds } = await import('../experiments/reproduce.ts');
  const { EXPERIMENTS, PROFILES } = await import('../experiments/definitions.ts');
  const profile = PROFILES[opts.profile];
  const only = opts.only === undefined ? undefined : parseExperimentIds(opts.only);
  const ids = only ?? profile.experiments ?? (Object.keys(EXPERIMENTS) as (keyof typeof EXPERIMENTS)[]);
  const baseScenario = loadScenario({ file: opts.scenario, overrides: opts.set });
  const outDir = opts.out ?? join('out', `reproduce-${profile.name}`);
  checkOutputFolder(outDir, '--out');
  return { profile, only, ids, baseScenario, outDir };
}

/** The progress bar of a sweep (local or on the queue) and its stage lines; off a terminal, one line per finished cell. */
function sweepReporting(totalCells: number) {
  const progress = createProgress(1000, 'reproduce [{bar}] {percentage}% of training | cells {cells} | elapsed {duration_formatted}', { cells: `0/${totalCells}` });
  let lastLogged = -1;
  const quiet = !process.stderr.isTTY || Boolean(process.env.CI);
  return {
    events: {
      onProgress: (done: number, total: number, finishedCells: number, totalCells: number) => {
        progress.update(total > 0 ? Math.round((1000 * done) / total) : 1000, { cells: `${finishedCells}/${totalCells}` });
        if (quiet && finishedCells !== lastLogged) {
          lastLogged = finishedCells;
          process.stderr.write(`svec reproduce: ${finishedCells}/${totalCells} cells finished\n`);
        }
      },
      onStage: (stage: string) => process.stderr.write(`svec reproduce: ${stage}\n`),
    },
    stop: () => progress.stop(),
  };
}

/** svec reproduce --queue URL: the same sweep, its cells run by `svec worker` processes anywhere. */
async function reproduceOnQueueCommand(opts: {
  scenario?: string;
  set: string[];
  profile: ProfileName;
  only?: string;
  out?: string;
  workers?: number;
  queue?: string;
}): Promise<void> {
  const { UsageError } = await import('./options.ts');
  const { parseQueueUrl } = await import('../experiments/queue/connection.ts');
  const { reproduceOnQueue } = await import('../experiments/queue/coordinator.ts');
  const { recordedCommand } = await import('./queue.ts');
  const { estimateReproduction, formatDuration } = await import('../experiments/reproduce.ts');
  const connection = parseQueueUrl(opts.queue!);
  if (opts.workers !== undefined) throw new UsageError('--workers counts the threads of a local run; with --queue the cells run on `svec worker --concurrency N` processes');
  const { profile, only, ids, baseScenario, outDir } = await resolveSweep(opts);
  const estimate = await estimateReproduction(ids, profile, baseScenario, outDir, 1);
  process.stderr.write(
    `svec reproduce: profile ${profile.name} (${profile.description})\n` +
      `svec reproduce: ${estimate.cells.length} cells, ${estimate.pending.length} to run on the queue at ${connection.display}; about ${formatDuration(estimate.seconds)} of compute on one worker thread, divided among the workers (a rough estimate from timings on a 2-core machine)\n`,
  );
  const reporting = sweepReporting(estimate.cells.length);
  const summary = await reproduceOnQueue({
    profile,
    only,
    outDir,
    baseScenario,
    connection,
    command: recordedCommand(process.argv.slice(2), connection.display),
    ...reporting.events,
  }).finally(() => reporting.stop());
  const failed = summary.failed.length > 0 ? `\n${summary.failed.length} cell(s) failed for good (listed in the report); rerun the same command to retry them` : '';
  process.stdout.write(
    `svec reproduce: ${summary.cells} cells (${summary.reused} reused, ${summary.ran} run on the queue) in ${summary.wallSeconds.toFixed(0)} s${failed}\nreport: ${summary.reportPath} (and report.html beside it)\n`,
  );
  if (summary.failed.length > 0) process.exitCode = 1;
}
