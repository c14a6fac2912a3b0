// svec mobility import | sumo | info | snr | figure: trace-driven mobility (docs/mobility.md).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { basename, join } from 'node:path';
import { ConfigError, loadScenario } from '../config/load.ts';
import type { Scenario } from '../config/scenario.ts';
import { isUserError } from '../util/errors.ts';

/** A usage problem found while running: printed as `svec: ...`, exit status 2. */
function fail(message: string): never {
  process.stderr.write(`svec: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  throw new CommanderError(2, 'svec.mobility', message);
}

function integer(name: string, min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${value}'`);
    return n;
  };
}

function seconds(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number of seconds >= 0, got '${value}'`);
    return n;
  };
}

function point(value: string): { xM: number; yM: number } {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p))) throw new InvalidArgumentError(`--rsu must be X,Y in metres, got '${value}'`);
  return { xM: parts[0]!, yM: parts[1]! };
}

function commandLine(): string {
  return ['svec', ...process.argv.slice(2)].join(' ');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The scenario of --scenario/--set, with --trace as a shorthand for mobility.model=trace, mobility.trace=FILE. */
function scenarioFrom(opts: { scenario?: string; set: string[]; trace?: string }): Scenario {
  const overrides = opts.trace ? ['mobility.model=trace', `mobility.trace=${JSON.stringify(opts.trace)}`, ...opts.set] : opts.set;
  try {
    return loadScenario({ file: opts.scenario, overrides });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

/**
 * Runs f; errors a user can fix (bad input, missing SUMO, a bad trace: UserErrors) become one line
 * and exit status 2, a trace file's problem prefixed with --trace.
 */
async function userErrors<T>(f: () => Promise<T> | T): Promise<T> {
  const { TraceFormatError } = await import('../sim/mobility/traceFile.ts');
  try {
    return await f();
  } catch (err) {
    if (err instanceof TraceFormatError) fail(`--trace: ${err.message}`);
    if (isUserError(err)) fail(err.message);
    throw err;
  }
}

/** Registers `svec mobility ...` on the program. */
export function registerMobilityCommands(program: Command): void {
  const mobility = program.command('mobility').description('trace-driven mobility: import SUMO traces, make them with SUMO, measure and draw them (docs/mobility.md)');

  mobility
    .command('import')
    .description('convert a SUMO floating-car-data file (sumo --fcd-output) to a compact trace file (streamed; any size)')
    .requiredOption('--fcd <file>', 'the FCD XML file')
    .requiredOption('--out <trace>', 'the trace file to write (gzip; e.g. traces/mine.trace.gz)')
    .option('--begin <s>', 'keep time steps from this time on (s)', seconds('--begin'))
    .option('--end <s>', 'keep time steps up to this time (s)', seconds('--end'))
    .option('--rsu <x,y>', "RSU position in the network's coordinates, m (default: the centre of the bounding box)", point)
    .action(async (opts: { fcd: string; out: string; begin?: number; end?: number; rsu?: { xM: number; yM: number } }) => {
      if (opts.begin !== undefined && opts.end !== undefined && opts.end < opts.begin) fail(`--end ${opts.end} comes before --begin ${opts.begin}`);
      const { importFcd } = await import('../sim/mobility/fcd.ts');
      const header = await userErrors(() => importFcd({ fcd: opts.fcd, out: opts.out, command: commandLine(), beginS: opts.begin, endS: opts.end, rsu: opts.rsu }));
      process.stdout.write(`${JSON.stringify({ out: opts.out, ...summary(header) }, null, 2)}\n`);
    });

  mobility
    .command('sumo')
    .description("make a trace with SUMO: netgenerate, randomTrips.py, sumo --fcd-output, then import (needs Debian's sumo and sumo-tools)")
    .requiredOption('--net <kind>', 'highway (2 km, 3 lanes each way) or grid (7 x 7 junctions, 200 m blocks)', (v: string) => {
      if (v !== 'highway' && v !== 'grid') throw new InvalidArgumentError(`--net must be highway or grid, got '${v}'`);
      return v;
    })
    .option('--vehicles <n>', 'vehicles inserted over the warm-up and the kept seconds', integer('--vehicles', 1), 400)
    .option('--seconds <s>', 'seconds of trace kept after the warm-up', seconds('--seconds'), 300)
    .option('--warmup <s>', 'seconds simulated first and left out (the network fills)', seconds('--warmup'), 100)
    .option('--seed <n>', 'seed of netgenerate, randomTrips.py and sumo', integer('--seed', 0), 1)
    .option('--work <dir>', 'keep the SUMO files (network, routes, FCD) in this folder')
    .requiredOption('--out <trace>', 'the trace file to write')
    .action(async (opts: { net: 'highway' | 'grid'; vehicles: number; seconds: number; warmup: number; seed: number; work?: string; out: string }) => {
      if (!(opts.seconds > 0)) fail('--seconds must be positive');
      const { sumoTrace } = await import('../sim/mobility/sumo.ts');
      const header = await userErrors(() =>
        sumoTrace({
          net: opts.net,
          vehicles: opts.vehicles,
          seconds: opts.seconds,
          warmupS: opts.warmup,
          seed: opts.seed,
          out: opts.out,
          command: commandLine(),
          workDir: opts.work,
          onStage: (stage) => process.stderr.write(`svec mobility: ${stage}\n`),
        }),
      );
      process.stdout.write(`${JSON.stringify({ out: opts.out, ...summary(header) }, null, 2)}\n`);
    });

  mobility
    .command('info')
    .description("print a trace file's header: counts, time range, RSU, bounds, provenance")
    .requiredOption('--trace <file>', 'the trace file')
    .action(async (opts: { trace: string }) => {
      const { readTraceFile } = await import('../sim/mobility/traceFile.ts');
      const { resolveTracePath } = await import('../sim/mobility/index.ts');
      const trace = await userErrors(() => readTraceFile(resolveTracePath(opts.trace)));
      const { ids: _ids, ...header } = trace.header;
      process.stdout.write(`${JSON.stringify({ ...header, ids: `${trace.header.ids.length} vehicle ids` }, null, 2)}\n`);
    });

  mobility
    .command('snr')
    .description('receive-SNR percentiles of a scenario (every active vehicle-slot, at the lowest and highest power): the range the fidelity table must cover')
    .option('--scenario <file>', 'scenario YAML or JSON file')
    .option('--set <key=value>', 'override a scenario field (repeatable)', collect, [])
    .option('--trace <file>', 'shorthand for --set mobility.model=trace --set mobility.trace=FILE')
    .option('--episodes <n>', 'episodes (seeds derived from --seed, as svec simulate draws them)', integer('--episodes', 1), 200)
    .option('--seed <n>', 'seed', integer('--seed', 0), 1)
    .action(async (opts: { scenario?: string; set: string[]; trace?: string; episodes: number; seed: number }) => {
      const scenario = scenarioFrom(opts);
      const { measureSnrDistribution } = await import('../sim/mobility/snr.ts');
      const { loadFidelityModel } = await import('../sim/fidelity.ts');
      const fidelity = loadFidelityModel(scenario.fidelityTable);
      const result = await userErrors(() => measureSnrDistribution(scenario, { episodes: opts.episodes, seed: opts.seed, fidelity }));
      process.stdout.write(
        `${JSON.stringify({ command: commandLine(), mobility: scenario.mobility, vehicles: scenario.vehicles, noisePowerW: scenario.noisePowerW, powerW: scenario.powerW, ...result }, null, 2)}\n`,
      );
    });

  mobility
    .command('figure')
    .description('draw a trace: vehicle paths, the RSU and its coverage, and where the vehicles are at the start of an episode')
    .requiredOption('--trace <file>', 'the trace file')
    .option('--scenario <file>', 'scenario YAML or JSON file (coverage radius, RSU position)')
    .option('--set <key=value>', 'override a scenario field (repeatable)', collect, [])
    .option('--seed <n>', 'the snapshot is the first slot of the first episode of `svec simulate --seed N`', integer('--seed', 0), 1)
    .option('--max-paths <n>', 'draw at most this many vehicle paths (evenly chosen)', integer('--max-paths', 1), 150)
    .option('--out <dir>', 'folder for NAME.svg, .png and .csv', join('docs', 'results', 'mobility'))
    .option('--name <name>', 'file name without extension (default: the trace file name + -map)')
    .action(async (opts: { trace: string; scenario?: string; set: string[]; seed: number; maxPaths: number; out: string; name?: string }) => {
      const scenario = scenarioFrom(opts);
      const { drawTrace } = await import('../report/traceFigure.ts');
      const name = opts.name ?? `${basename(opts.trace).replace(/(\.trace)?(\.gz)?$/, '')}-map`;
      const paths = await userErrors(() => drawTrace(scenario, { seed: opts.seed, maxPaths: opts.maxPaths, dir: opts.out, name }));
      process.stdout.write(`${JSON.stringify(paths, null, 2)}\n`);
    });
}

function summary(header: {
  steps: number;
  vehicles: number;
  samples: number;
  rsu: unknown;
  provenance: { timeRangeS: [number, number]; sumoVersion: string | null; source: { sha256: string } };
}) {
  return {
    steps: header.steps,
    vehicles: header.vehicles,
    samples: header.samples,
    timeRangeS: header.provenance.timeRangeS,
    rsu: header.rsu,
    sumoVersion: header.provenance.sumoVersion,
    sourceSha256: header.provenance.source.sha256,
  };
}
