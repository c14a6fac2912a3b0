// The `svec` command line: each command module parses its options and calls library functions
// (which tests call too). This file only assembles the program and turns errors into exit codes:
// a problem the user can fix (UserError) is one line on standard error and exit status 2; a bug
// keeps its stack trace and exit status 1.
import { Command, CommanderError } from 'commander';
import { isUserError } from '../util/errors.ts';
import { SVEC_VERSION } from '../util/version.ts';
import { registerCodecCommands } from './codec.ts';
import { registerMobilityCommands } from './mobility.ts';
import { registerConfigCommands, registerDataCommands } from './config.ts';
import { registerQueueCommands } from './queue.ts';
import { registerReproduceCommand } from './reproduce.ts';
import { registerServeCommands } from './serve.ts';
import { registerSimulateCommands } from './simulate.ts';
import { registerTrainCommands } from './train.ts';
import { registerValidateCommand } from './validate.ts';
import { registerDashboardCommand } from './dashboard.ts';
import { registerDoctorCommand } from './doctor.ts';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('svec')
    .description('Semantic vehicular edge computing: simulator, agents and experiments')
    .version(SVEC_VERSION)
    .exitOverride()
    // commander's own usage errors as one line too (subcommands inherit this)
    .configureOutput({ outputError: (text, write) => write(`svec: ${text.replace(/^error: /, '').trim()} (see --help)\n`) });
  registerSimulateCommands(program);
  registerTrainCommands(program);
  registerValidateCommand(program);
  registerReproduceCommand(program);
  registerQueueCommands(program);
  registerDataCommands(program);
  registerConfigCommands(program);
  registerCodecCommands(program);
  registerDashboardCommand(program);
  registerMobilityCommands(program);
  registerServeCommands(program);
  registerDoctorCommand(program);
  return program;
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isUserError(err)) {
      process.stderr.write(`svec: ${err.message.replace(/\s*\n\s*/g, '; ')}\n`);
      return 2;
    }
    process.stderr.write(`svec: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
