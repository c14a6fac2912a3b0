// The `svec` command line. Each command is a thin shell over a library function.
import { Command, CommanderError, Option } from 'commander';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError, loadScenario } from '../config/load.ts';
import { ScenarioSchema } from '../config/scenario.ts';
import { formatSummaryTable, simulateBuiltin, type PolicySummary } from '../experiments/simulate.ts';
import { createBuiltinPolicy, DEFAULT_COMPARISON } from '../policies/registry.ts';
import { RandomStreams } from '../random/stream.ts';
import { SvecCore } from '../sim/core.ts';
import { allocateSlotActions } from '../sim/slotModel.ts';
import { loadFidelityModel } from '../sim/fidelity.ts';
import { evaluateSlotCase, parseSlotCases, SlotCaseError } from '../sim/slotCase.ts';
import { readInput, writeFileAtomic } from './io.ts';
import { createProgress } from './progress.ts';

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
