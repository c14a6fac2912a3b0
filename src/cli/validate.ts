// svec validate: a learner on an environment no one here wrote, against published references.
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { algorithmNames } from '../agents/catalog.ts';
import { checkOutputFolder, collect, integer, parseSeedList, UsageError } from './options.ts';
import { createProgress } from './progress.ts';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('train a learner on a reference environment (pendulum: Gymnasium Pendulum-v1) or your own (--env-module), evaluate it deterministically, print JSON')
    .addOption(new Option('--algo <name>', 'algorithm').choices(algorithmNames()).makeOptionMandatory())
    .option('--env <name>', 'built-in environment (pendulum)')
    .option('--env-module <file>', 'an ES module exporting createEnv(options) that returns a MultiAgentEnv (docs/validation.md)')
    .option('--steps <n>', 'environment steps of training per seed (rounded up to whole episodes)', integer('--steps', 1, 100_000_000), 20_000)
    .option('--seeds <list>', 'seeds, e.g. 1,2,3', '1,2,3')
    .option('--hp <key=value>', "override a hyperparameter after the environment's preset (configs/validate/ENV/ALGO.yaml) (repeatable)", collect, [])
    .option('--eval-episodes <n>', 'deterministic evaluation episodes per seed', integer('--eval-episodes', 1, 10_000), 10)
    .option('--workers <n>', 'worker threads (default: the number of cores)', integer('--workers', 1, 256))
    .option('--out <dir>', 'output folder (default out/validate-ENV-ALGO); rerun to resume')
    .option('--json', 'print only the JSON result')
    .action(
      async (opts: {
        algo: string;
        env?: string;
        envModule?: string;
        steps: number;
        seeds: string;
        hp: string[];
        evalEpisodes: number;
        workers?: number;
        out?: string;
        json?: boolean;
      }) => {
        if ((opts.env === undefined) === (opts.envModule === undefined)) throw new UsageError('validate: give exactly one of --env NAME and --env-module FILE');
        const seeds = parseSeedList(opts.seeds);
        const env = opts.env !== undefined ? { name: opts.env } : { module: opts.envModule! };
        const outDir = opts.out ?? join('out', `validate-${opts.env ?? 'module'}-${opts.algo}`);
        checkOutputFolder(outDir, '--out');
        const { validate, validateHyperparameters } = await import('../experiments/validate.ts');
        const { environmentFactory } = await import('../env/registry.ts');
        // check the environment and the hyperparameters before anything is written
        await environmentFactory(env);
        await validateHyperparameters(opts.algo, env, opts.hp);
        const progress = createProgress(1, 'validate [{bar}] {value}/{total} episodes | ETA {eta_formatted}', {});
        const result = await validate({
          algo: opts.algo,
          env,
          steps: opts.steps,
          seeds,
          overrides: opts.hp,
          outDir,
          workers: opts.workers,
          evalEpisodes: opts.evalEpisodes,
          onProgress: (done, total) => progress.update(done, { total }),
        }).finally(() => progress.stop());
        const json = JSON.stringify({
          algo: result.algo,
          env: result.env,
          steps: result.steps,
          per_seed: result.per_seed,
          mean_return: result.mean_return,
          reference: result.reference,
          wall_seconds: result.wall_seconds,
        });
        if (opts.json) {
          process.stdout.write(`${json}\n`);
          return;
        }
        const reference = result.reference ? `; reference (${result.reference.source}): ${result.reference.return}` : '';
        process.stdout.write(
          `svec validate: ${result.algo} on ${result.env}, ${result.steps} steps, seeds ${seeds.join(', ')}: mean return ${result.mean_return.toFixed(1)} (${result.per_seed.map((s) => s.mean_return.toFixed(1)).join(', ')})${reference}\n${json}\n`,
        );
      },
    );
}
