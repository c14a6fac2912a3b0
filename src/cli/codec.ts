// svec codec train | eval | table: the semantic codecs (docs/codecs.md).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CACHE_DIR } from '../codecs/data/paths.ts';
import { createProgress } from './progress.ts';

const MODALITY_NAMES = ['text', 'image', 'speech'] as const;
type Name = (typeof MODALITY_NAMES)[number];

function integer(name: string, min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${value}'`);
    return n;
  };
}

function positive(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`${name} must be a positive number, got '${value}'`);
    return n;
  };
}

function modality(value: string): Name {
  if (!(MODALITY_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(`--modality must be one of ${MODALITY_NAMES.join(', ')}, got '${value}'`);
  return value as Name;
}

function modalityList(value: string): Name[] {
  return value.split(',').map((m) => modality(m.trim()));
}

function fading(value: string): 'awgn' | 'rayleigh' {
  if (value !== 'awgn' && value !== 'rayleigh') throw new InvalidArgumentError(`--fading must be awgn or rayleigh, got '${value}'`);
  return value;
}

/** A usage problem found while running: printed as `svec: ...`, exit status 2. */
function fail(message: string): never {
  process.stderr.write(`svec: ${message}\n`);
  throw new CommanderError(2, 'svec.codec', message);
}

function commandLine(): string {
  return ['svec', ...process.argv.slice(2)].join(' ');
}

/** Registers `svec codec ...` on the program. */
export function registerCodecCommands(program: Command): void {
  const codec = program.command('codec').description('semantic codecs: train, evaluate, and measure the fidelity tables (docs/codecs.md)');

  codec
    .command('train')
    .description("train one modality's codec on the prepared data (svec data prepare), with random lambda and SNR")
    .requiredOption('--modality <m>', 'text, image or speech', modality)
    .option('--seed <n>', 'seed of initialization, batches, lambda/SNR draws and noise', integer('--seed', 0), 1)
    .option('--minutes <x>', 'wall-clock training budget (default 12; ignored with --epochs)', positive('--minutes'))
    .option('--epochs <n>', 'train for this many epochs instead of a time budget', integer('--epochs', 1))
    .option('--batch-size <n>', 'items per step', integer('--batch-size', 2), 64)
    .option('--out <dir>', 'model folder (default models/codecs/<modality>)')
    .option('--cache-dir <dir>', 'prepared data', DEFAULT_CACHE_DIR)
    .option('--fading <f>', 'channel during training: awgn or rayleigh', fading, 'awgn')
    .option('--init <dir>', 'continue from the weights of a trained codec folder (fresh optimizer; recorded in codec.json)')
    .option('--resume', 'continue an interrupted run from OUT/checkpoint (weights, counters, random streams, time spent; fresh Adam moments)')
    .option('--checkpoint-seconds <s>', 'write OUT/checkpoint every this many seconds', positive('--checkpoint-seconds'), 120)
    .action(
      async (opts: {
        modality: Name;
        seed: number;
        minutes?: number;
        epochs?: number;
        batchSize: number;
        out?: string;
        cacheDir: string;
        fading: 'awgn' | 'rayleigh';
        init?: string;
        resume?: boolean;
        checkpointSeconds: number;
      }) => {
        const { trainCodec } = await import('../codecs/train.ts');
        if (!existsSync(join(opts.cacheDir, 'manifest.json'))) fail(`no prepared data in ${opts.cacheDir}; run 'svec data prepare' first`);
        const out = opts.out ?? join('models', 'codecs', opts.modality);
        const budget = opts.epochs === undefined ? `${opts.minutes ?? 12} min` : `${opts.epochs} epochs`;
        process.stderr.write(`svec codec: training the ${opts.modality} codec (${budget}, seed ${opts.seed}) into ${out}\n`);
        const bar = createProgress(1000, `${opts.modality} [{bar}] {percentage}% | step {step} | epoch {epoch} | loss {loss} | {elapsed}s`, {
          step: 0,
          epoch: 0,
          loss: '-',
          elapsed: 0,
        });
        let lastLog = 0;
        const quiet = Boolean(process.stderr.isTTY) && !process.env.CI;
        let manifest: Awaited<ReturnType<typeof trainCodec>>;
        try {
          manifest = await trainCodec({
            modality: opts.modality,
            seed: opts.seed,
            out,
            cacheDir: opts.cacheDir,
            minutes: opts.minutes,
            epochs: opts.epochs,
            batchSize: opts.batchSize,
            channel: { fading: opts.fading },
            command: commandLine(),
            init: opts.init,
            resume: opts.resume,
            checkpointSeconds: opts.checkpointSeconds,
            onProgress: (p) => {
              bar.update(Math.floor(p.fraction * 1000), { step: p.step, epoch: p.epoch, loss: p.loss.toFixed(3), elapsed: Math.round(p.elapsedS) });
              if (!quiet && p.elapsedS - lastLog >= 60) {
                lastLog = p.elapsedS;
                process.stderr.write(`svec codec: ${opts.modality} step ${p.step} epoch ${p.epoch} loss ${p.loss.toFixed(4)} (${Math.round(p.elapsedS)} s)\n`);
              }
            },
          });
        } catch (err) {
          bar.stop();
          // a bad --resume / --init is the user's to fix: one clear line, exit status 2
          if (err instanceof Error && /^--(resume|init)/.test(err.message)) fail(err.message);
          throw err;
        }
        bar.stop();
        process.stdout.write(
          `${JSON.stringify({ out, steps: manifest.training.steps, seconds: Math.round(manifest.training.seconds), weightsSha256: manifest.weightsSha256, validation: manifest.validation }, null, 2)}\n`,
        );
      },
    );

  codec
    .command('eval')
    .description('evaluate trained codecs on their held-out test sets (and the real Asterisk recordings for speech)')
    .option('--modality <list>', 'modalities, comma-separated', modalityList, [...MODALITY_NAMES])
    .option('--models <dir>', 'folder holding <modality>/ model folders', join('models', 'codecs'))
    .option('--cache-dir <dir>', 'prepared data', DEFAULT_CACHE_DIR)
    .option('--items <n>', 'test items per modality (at most)', integer('--items', 1), 2000)
    .option('--seed <n>', 'seed of the channel noise', integer('--seed', 0), 1)
    .option('--fading <f>', 'awgn or rayleigh', fading, 'awgn')
    .option('--json', 'print JSON instead of tables')
    .action(async (opts: { modality: Name[]; models: string; cacheDir: string; items: number; seed: number; fading: 'awgn' | 'rayleigh'; json?: boolean }) => {
      const { evaluateCodecs, formatEvaluation } = await import('../codecs/table.ts');
      const result = await evaluateCodecs({
        modalities: opts.modality,
        modelsDir: opts.models,
        cacheDir: opts.cacheDir,
        items: opts.items,
        seed: opts.seed,
        channel: { fading: opts.fading },
      }).catch((err: Error) => fail(err.message));
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : formatEvaluation(result));
    });

  codec
    .command('table')
    .description('measure fidelity and the task metric on the lambda x SNR grid for every modality; write the fidelity table JSON and plots')
    .option('--models <dir>', 'folder holding <modality>/ model folders', join('models', 'codecs'))
    .option('--cache-dir <dir>', 'prepared data', DEFAULT_CACHE_DIR)
    .option('--out <file>', 'fidelity table JSON', join('models', 'fidelity', 'measured.json'))
    .option('--plots <dir>', 'folder for the figures (SVG, PNG, CSV); "none" to skip', join('docs', 'results', 'codecs'))
    .option('--items <n>', 'test items per modality (at most)', integer('--items', 1), 1000)
    .option('--seed <n>', 'seed of the channel noise', integer('--seed', 0), 1)
    .option('--fading <f>', 'awgn or rayleigh', fading, 'awgn')
    .option('--conventional-lambda <x>', 'fixed lambda of the conventional (non-adaptive) baseline', positive('--conventional-lambda'), 0.7)
    .action(
      async (opts: { models: string; cacheDir: string; out: string; plots: string; items: number; seed: number; fading: 'awgn' | 'rayleigh'; conventionalLambda: number }) => {
        const { measureFidelityTable, writeCodecPlots } = await import('../codecs/table.ts');
        if (opts.conventionalLambda > 1) fail(`--conventional-lambda must lie in (0, 1], got ${opts.conventionalLambda}`);
        const bar = createProgress(100, 'table [{bar}] {percentage}% | {what}', { what: '' });
        const table = await measureFidelityTable({
          modelsDir: opts.models,
          cacheDir: opts.cacheDir,
          items: opts.items,
          seed: opts.seed,
          channel: { fading: opts.fading },
          conventionalLambda: opts.conventionalLambda,
          command: commandLine(),
          out: opts.out,
          onProgress: (fraction, what) => bar.update(Math.round(fraction * 100), { what }),
        }).catch((err: Error) => fail(err.message));
        bar.stop();
        const written = opts.plots === 'none' ? [] : await writeCodecPlots(table, opts.plots);
        process.stdout.write(`${JSON.stringify({ table: opts.out, figures: written, hash: table.provenance.hash }, null, 2)}\n`);
      },
    );
}
