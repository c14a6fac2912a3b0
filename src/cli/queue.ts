// svec worker and svec queue status: the job queue of distributed sweeps (docs/queue.md). The
// coordinator is `svec reproduce --queue URL` (cli/reproduce.ts).
import type { Command } from 'commander';
import { integer, positive } from './options.ts';

const QUEUE_HELP = 'Redis URL of the job queue, redis://[:password@]host:port[/db] (the password may instead be in SVEC_REDIS_PASSWORD)';

/** The command line as it may be recorded: the --queue URL without its password. */
export function recordedCommand(argv: string[], display: string): string {
  const args = argv.map((arg, k) => (argv[k - 1] === '--queue' ? display : arg.startsWith('--queue=') ? `--queue=${display}` : arg));
  return ['svec', ...args].join(' ');
}

export function registerQueueCommands(program: Command): void {
  program
    .command('worker')
    .description('run cells of queued sweeps (svec reproduce --queue) on this machine until stopped; SIGTERM finishes the cells in hand, then exits')
    .requiredOption('--queue <url>', QUEUE_HELP)
    .option('--concurrency <n>', 'cells at a time, one worker thread each', integer('--concurrency', 1, 256), 1)
    .option('--once', 'exit once the queue holds no waiting cell')
    .option('--out <dir>', "where this machine sees the sweep's output folder, when it is mounted at another path than on the coordinator's machine")
    .option('--stall-seconds <s>', 'a worker that stops renewing its cells for this long counts as dead and its cells go to other workers', positive('--stall-seconds'), 30)
    .action(async (opts: { queue: string; concurrency: number; once?: boolean; out?: string; stallSeconds: number }) => {
      const { parseQueueUrl } = await import('../experiments/queue/connection.ts');
      const { startQueueWorker } = await import('../experiments/queue/worker.ts');
      const connection = parseQueueUrl(opts.queue);
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const handle = await startQueueWorker({ connection, concurrency: opts.concurrency, once: opts.once, outDir: opts.out, stallSeconds: opts.stallSeconds, log });
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          log(
            `svec worker ${handle.id}: ${signal}: taking no new cell; finishing the cell(s) in hand, then exiting (${signal} again stops at once: the cells then resume from their newest checkpoint on another worker)`,
          );
          void handle.stop();
        } else {
          log(`svec worker ${handle.id}: ${signal} again: stopping now`);
          process.exit(signal === 'SIGINT' ? 130 : 143);
        }
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        const summary = await handle.done;
        process.stdout.write(`svec worker ${summary.id}: ${summary.finished} cell(s) finished, ${summary.failed} failed attempt(s)\n`);
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    });

  program
    .command('queue')
    .description('the job queue of distributed sweeps')
    .command('status')
    .description('cells on the queue by sweep (waiting, active, finished, failed) and the workers seen')
    .requiredOption('--queue <url>', QUEUE_HELP)
    .option('--json', 'print the status as JSON')
    .action(async (opts: { queue: string; json?: boolean }) => {
      const { parseQueueUrl } = await import('../experiments/queue/connection.ts');
      const { formatQueueStatus, queueStatus } = await import('../experiments/queue/status.ts');
      const status = await queueStatus(parseQueueUrl(opts.queue));
      process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatQueueStatus(status));
    });
}
