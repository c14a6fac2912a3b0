// svec serve env: the simulator for programs in other languages (the Python client in python/),
// over a line-delimited JSON protocol on standard input and output (docs/python.md).
import type { Command } from 'commander';
import { loadScenario } from '../config/load.ts';
import { serveEnvOverStdio } from '../interfaces/serve/stdio.ts';
import { scenarioOptions } from './options.ts';

export function registerServeCommands(program: Command): void {
  const serve = program.command('serve').description('serve svec to other programs over a protocol');
  scenarioOptions(serve.command('env'))
    .description('the SVEC environment (PettingZoo-style, per agent) over line-delimited JSON on standard input and output; see docs/python.md')
    .action(async (opts: { scenario?: string; set: string[] }) => {
      // A bad scenario fails here, before any request is read: one line on stderr, exit status 2.
      const scenario = loadScenario({ file: opts.scenario, overrides: opts.set });
      await serveEnvOverStdio(scenario);
    });
}
