// `svec mobility sumo`: a small SUMO scenario end to end. netgenerate builds the network,
// SUMO's randomTrips.py (with duarouter) draws the trips, sumo drives them and writes floating-car
// data, and importFcd turns that into a trace. Everything is seeded (netgenerate, randomTrips and
// sumo all take --seed), and the exact commands go into the trace's provenance.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { UserError, userErrorName } from '../../util/errors.ts';
import { importFcd } from './fcd.ts';
import type { TraceHeader } from './traceFile.ts';

export const SUMO_NETWORKS = ['highway', 'grid'] as const;
export type SumoNetwork = (typeof SUMO_NETWORKS)[number];

/** SUMO cannot run here (the message says what is missing and what to do). */
export class SumoMissingError extends UserError {
  override name = userErrorName('SumoMissingError');
}

export interface SumoOptions {
  net: SumoNetwork;
  /** vehicles inserted over warm-up plus the kept time */
  vehicles: number;
  /** seconds of trace kept after the warm-up */
  seconds: number;
  /** seconds simulated first and left out (the network fills up) */
  warmupS: number;
  seed: number;
  out: string;
  command: string;
  /** keep the SUMO files here (default: a temporary folder, removed afterwards) */
  workDir?: string;
  onStage?: (stage: string) => void;
}

/**
 * The networks. highway: 2 km straight, 3 lanes each way, 33.33 m/s (120 km/h), the RSU 20 m
 * beside the outer lane at the middle (as the road model puts it). grid: 7 x 7 junctions 200 m
 * apart (1.2 km x 1.2 km), 2 lanes each way, 13.89 m/s (50 km/h), traffic lights where netgenerate
 * guesses them, the RSU at the centre junction.
 */
const NETWORKS: Record<SumoNetwork, { netgenerate: string[]; trips: string[]; rsu: (b: TraceHeader['bounds']) => { xM: number; yM: number; source: string } }> = {
  highway: {
    netgenerate: [
      '--grid',
      '--grid.x-number',
      '5',
      '--grid.y-number',
      '1',
      '--grid.x-length',
      '500',
      '--default.lanenumber',
      '3',
      '--default.speed',
      '33.33',
      '--no-turnarounds',
      'true',
    ],
    // trips from one end to the other (fringe edges), entering at full speed
    trips: ['--fringe-factor', '1000', '--min-distance', '1500', '--trip-attributes', 'departLane="best" departSpeed="max"'],
    rsu: (b) => ({
      xM: Math.round((b.minX + b.maxX) / 2),
      yM: Math.round((b.minY - 20) * 100) / 100,
      source: "the highway's middle (x rounded to 1 m), 20 m beside the outer lane centre",
    }),
  },
  grid: {
    netgenerate: [
      '--grid',
      '--grid.number',
      '7',
      '--grid.length',
      '200',
      '--default.lanenumber',
      '2',
      '--default.speed',
      '13.89',
      '--tls.guess',
      'true',
      '--no-turnarounds',
      'true',
    ],
    trips: ['--fringe-factor', '5', '--min-distance', '600', '--trip-attributes', 'departLane="best" departSpeed="max"'],
    rsu: (b) => ({
      xM: Math.round((b.minX + b.maxX) / 2),
      yM: Math.round((b.minY + b.maxY) / 2),
      source: 'the centre junction of the grid (the bounding box centre, rounded to 1 m)',
    }),
  },
};

/** Where randomTrips.py lives: $SUMO_HOME/tools, else Debian's /usr/share/sumo/tools. */
function sumoHome(): string {
  return process.env.SUMO_HOME ?? '/usr/share/sumo';
}

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, binary)));
}

/** Checks that netgenerate, duarouter, sumo, python3 and randomTrips.py are here. */
export function checkSumo(): { randomTrips: string; home: string } {
  const missing = ['netgenerate', 'duarouter', 'sumo', 'python3'].filter((b) => !onPath(b));
  const home = sumoHome();
  const randomTrips = join(home, 'tools', 'randomTrips.py');
  if (!existsSync(randomTrips)) missing.push(randomTrips);
  if (missing.length > 0) {
    throw new SumoMissingError(
      `SUMO is not available (missing: ${missing.join(', ')}); install Debian's sumo and sumo-tools (bash scripts/setup.sh does, as root) or use the committed traces in traces/`,
    );
  }
  return { randomTrips, home };
}

function run(commandLine: string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const [program, ...args] = commandLine;
  const result = spawnSync(program!, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${program} could not start: ${result.error.message}`);
  if (result.status !== 0) {
    const tail = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${program} failed with status ${result.status}: ${tail}`);
  }
}

/** An argument as a POSIX shell would need it (single quotes when it holds anything unusual). */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs the three SUMO steps and imports the FCD; returns the trace's header. */
export async function sumoTrace(options: SumoOptions): Promise<TraceHeader> {
  const { randomTrips, home } = checkSumo();
  const net = NETWORKS[options.net];
  const work = options.workDir ? resolve(options.workDir) : mkdtempSync(join(tmpdir(), 'svec-sumo-'));
  mkdirSync(work, { recursive: true });
  // SUMO_HOME lets SUMO validate its XML against the local schemas (not the web)
  const env = { ...process.env, SUMO_HOME: home };
  const end = options.warmupS + options.seconds;
  const period = (end / options.vehicles).toPrecision(6);
  const seed = String(options.seed);
  const commands = {
    netgenerate: ['netgenerate', ...net.netgenerate, '--seed', seed, '--output-file', 'net.net.xml'],
    randomTrips: [
      'python3',
      randomTrips,
      '--net-file',
      'net.net.xml',
      '--output-trip-file',
      'trips.xml',
      '--route-file',
      'routes.rou.xml',
      '--seed',
      seed,
      '--begin',
      '0',
      '--end',
      String(end),
      '--period',
      period,
      ...net.trips,
      '--validate',
    ],
    // sumo's --end is exclusive: one more second writes the step at `end`
    sumo: [
      'sumo',
      '--net-file',
      'net.net.xml',
      '--route-files',
      'routes.rou.xml',
      '--begin',
      '0',
      '--end',
      String(end + 1),
      '--seed',
      seed,
      '--fcd-output',
      'fcd.xml',
      '--no-step-log',
      'true',
      '--duration-log.disable',
      'true',
      '--no-warnings',
      'true',
    ],
  };
  try {
    options.onStage?.(`netgenerate (${options.net})`);
    run(commands.netgenerate, work, env);
    options.onStage?.(`randomTrips.py (${options.vehicles} vehicles over ${end} s)`);
    run(commands.randomTrips, work, env);
    options.onStage?.(`sumo (${end} s)`);
    run(commands.sumo, work, env);
    options.onStage?.('import');
    return await importFcd({
      fcd: join(work, 'fcd.xml'),
      out: options.out,
      command: options.command,
      beginS: options.warmupS,
      endS: end,
      rsu: net.rsu,
      provenance: {
        sumo: {
          net: options.net,
          vehicles: options.vehicles,
          seconds: options.seconds,
          warmupS: options.warmupS,
          seed: options.seed,
          // as run, in a scratch folder (randomTrips.py's path shortened to its name)
          commands: Object.fromEntries(Object.entries(commands).map(([k, c]) => [k, c.map((a) => shellQuote(a === randomTrips ? 'randomTrips.py' : a)).join(' ')])),
        },
      },
    });
  } finally {
    if (!options.workDir) rmSync(work, { recursive: true, force: true });
  }
}
