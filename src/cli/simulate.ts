// svec simulate and svec model step: the simulator under built-in policies, and the one-slot evaluator.
import type { Command } from 'commander';
import { loadScenario } from '../config/load.ts';
import { formatSummaryTable, simulateBuiltins } from '../experiments/simulate.ts';
import { DEFAULT_COMPARISON } from '../policies/registry.ts';
import { evaluateSlotCase, parseSlotCases } from '../sim/slotCase.ts';
import { readInput, writeFileAtomic } from '../util/io.ts';
import { SVEC_VERSION } from '../util/version.ts';
import { checkOutputFile, integer, parseList, scenarioOptions, UsageError } from './options.ts';
import { createProgress } from './progress.ts';

export function registerSimulateCommands(program: Command): void {
  scenarioOptions(program.command('simulate'))
    .description('run built-in policies on a scenario and print a comparison table')
    .option('--policies <list>', `comma-separated policies (random, local-only, offload-all[:LAMBDA], greedy, oracle)`, DEFAULT_COMPARISON.join(','))
    .option('--episodes <n>', 'episodes per policy', integer('--episodes', 1, 100_000), 5)
    .option('--seed <n>', 'seed (episode e uses a seed derived from it; all policies see the same draws)', integer('--seed', 0, 0xffffffff), 1)
    .option('--json', 'print the summaries as JSON instead of a table')
    .option('--out <file>', 'also write the JSON summaries (with scenario and seed) to this file')
    .action((opts: { scenario?: string; set: string[]; policies: string; episodes: number; seed: number; json?: boolean; out?: string }) => {
      const scenario = loadScenario({ file: opts.scenario, overrides: opts.set });
      const policies = parseList(opts.policies, '--policies');
      if (opts.out) checkOutputFile(opts.out, '--out');
      const progress = createProgress(policies.length * opts.episodes, 'simulate [{bar}] {value}/{total} episodes | {policy} | reward {reward} | ETA {eta_formatted}', {
        policy: '',
        reward: '',
      });
      const { rows, fidelity } = simulateBuiltins(scenario, policies, {
        episodes: opts.episodes,
        seed: opts.seed,
        onEpisode: (done, policy, reward) => progress.update(done, { policy, reward: reward.toFixed(1) }),
      });
      progress.stop();
      const record = { svecVersion: SVEC_VERSION, seed: opts.seed, episodes: opts.episodes, scenario, fidelityProvenance: fidelity.provenance, results: rows };
      if (opts.out) writeFileAtomic(opts.out, `${JSON.stringify(record, null, 2)}\n`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      } else {
        const provisional = fidelity.provenance.provisional ? ' (PROVISIONAL analytic fidelity table)' : '';
        process.stdout.write(
          `svec simulate: N=${scenario.vehicles}, ${scenario.mode}, ${opts.episodes} episodes x ${scenario.slotsPerEpisode} slots, seed ${opts.seed}${provisional}\n\n` +
            `${formatSummaryTable(rows)}\n\n` +
            'team reward: sum over slots and vehicles of the reward per episode (mean over episodes); latency, energy, cost (t[s] + 10 E[J]) per task;\n' +
            'fidelity: mean over offloaded tasks; queue: mean virtual energy queue (energy units); HP miss: late high-priority tasks.\n',
        );
      }
    });

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
}
