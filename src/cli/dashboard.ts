// svec dashboard: a live view of the runs under a folder in the browser (docs/dashboard.md).
import { Command, CommanderError, InvalidArgumentError } from 'commander';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be an integer from 0 to 65535, got '${value}'`);
  return n;
}

/** Registers `svec dashboard` on the program. */
export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('serve a live view of the runs under a folder (curves while training, configs, compare and reproduce results) on localhost')
    .option('--runs <dir>', 'folder searched for train runs, compare and reproduce folders', '.')
    .option('--port <p>', 'port (0: any free port)', port, 8765)
    .option('--host <address>', 'address to listen on (anything but localhost exposes your runs to the network)', '127.0.0.1')
    .action(async (opts: { runs: string; port: number; host: string }) => {
      // fastify and the page load only for this command
      const { startDashboard, DashboardError } = await import('../interfaces/dashboard/server.ts');
      let dashboard: Awaited<ReturnType<typeof startDashboard>>;
      try {
        dashboard = await startDashboard({ runsDir: opts.runs, host: opts.host, port: opts.port });
      } catch (err) {
        if (err instanceof DashboardError) {
          process.stderr.write(`svec: ${err.message}\n`);
          throw new CommanderError(2, 'svec.dashboard', err.message);
        }
        throw err;
      }
      process.stderr.write(`svec dashboard: serving the runs under ${dashboard.root} at ${dashboard.url} (Ctrl+C stops)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          dashboard.close().finally(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
