// Training a codec: Adam on random batches with lambda ~ U(0.4, 1) and SNR ~ U(-5, 25) dB drawn
// per item, for a wall-clock budget (minutes) or a number of epochs, with periodic checkpoints
// (weights + progress, written atomically) and a final model folder:
//   OUT/weights.bin, OUT/weights.json   the parameters (float32) and their index + SHA-256
//   OUT/codec.json                      configuration, command, seed, data counts, hash, metrics
//   OUT/vocab.txt                       text only: the capped vocabulary, one token a line
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { initNeuralBackend, setNativeThreads } from '../nn/backend.ts';
import { installNativeConvKernels, registerWasmGradKernels } from '../nn/wasmGradKernels.ts';
import { RandomStreams, type RandomStream } from '../random/stream.ts';
import type { ModalityName } from '../sim/modality.ts';
import { writeFileAtomic } from '../util/io.ts';
import type { ChannelOptions } from './channel.ts';
import { ClassifierCodec } from './classifier.ts';
import {
  buildCodec,
  dataProvenance,
  defaultCodecConfig,
  evaluateGrid,
  loadCodecData,
  type ClassifierData,
  type Codec,
  type CodecConfig,
  type CodecData,
  type TextData,
} from './codec.ts';
import { makeTokenBatch, TextCodec } from './text.ts';

export const TRAIN_LAMBDA = { min: 0.4, max: 1 };
export const TRAIN_SNR_DB = { min: -5, max: 25 };

export interface TrainCodecOptions {
  modality: ModalityName;
  seed: number;
  out: string;
  cacheDir: string;
  /** wall-clock budget in minutes (default 12) unless epochs is given */
  minutes?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  config?: CodecConfig;
  channel?: ChannelOptions;
  /** the command line, recorded in codec.json */
  command?: string;
  /** checkpoint every this many seconds (default 120) */
  checkpointSeconds?: number;
  onProgress?: (p: TrainProgress) => void;
  /** validation items for the summary (default 1000) */
  validationItems?: number;
  /** start from the weights of this trained codec folder (same configuration) instead of a fresh initialization */
  init?: string;
  /**
   * continue an interrupted run from OUT/checkpoint: its weights, step and epoch counters, random
   * streams and the budget already spent. Adam's moment estimates are not in the checkpoint, so
   * the optimizer restarts them (a resumed run is close to, not identical with, an uninterrupted one).
   */
  resume?: boolean;
}

/** What OUT/checkpoint/progress.json holds beside the weights. */
interface CheckpointProgress {
  step: number;
  epoch: number;
  elapsedS: number;
  loss: number;
  seed: number;
  modality: ModalityName;
  streams?: ReturnType<RandomStreams['getState']>;
}

export interface TrainProgress {
  step: number;
  epoch: number;
  fraction: number;
  loss: number;
  elapsedS: number;
}

export interface CodecManifest {
  format: 'svec-codec-v1';
  modality: ModalityName;
  config: CodecConfig;
  command: string;
  seed: number;
  channel: ChannelOptions;
  training: {
    lambda: typeof TRAIN_LAMBDA;
    snrDb: typeof TRAIN_SNR_DB;
    batchSize: number;
    learningRate: number;
    steps: number;
    epochs: number;
    seconds: number;
    budget: { minutes: number } | { epochs: number };
    finalLoss: number;
    /** training continued from this earlier model (its hash, command and seconds) */
    initializedFrom?: { weightsSha256: string; command: string; seconds: number; steps: number };
  };
  data: { cacheDir: string; fingerprint: string | null; counts: Record<string, number>; textCoverage?: number };
  parameters: number;
  weightsSha256: string;
  validation: { items: number; lambda1Snr25: number; lambda04Snr0: number; errorFreeLambda1: number; fidelityLambda1Snr25: number; metric: string };
  backend: { nativeMatmul: boolean };
}

/** Sets up TF.js's wasm backend (with the native products when available) and the missing gradient kernels. */
export async function initCodecBackend(): Promise<{ nativeMatmul: boolean }> {
  const info = await initNeuralBackend();
  registerWasmGradKernels();
  if (info.nativeMatmul) {
    setNativeThreads(1);
    installNativeConvKernels();
  }
  return { nativeMatmul: info.nativeMatmul };
}

function drawConditions(count: number, rng: RandomStream): { lambdas: Float64Array; snrs: Float64Array } {
  const lambdas = new Float64Array(count);
  const snrs = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    lambdas[b] = rng.uniformIn(TRAIN_LAMBDA.min, TRAIN_LAMBDA.max);
    snrs[b] = rng.uniformIn(TRAIN_SNR_DB.min, TRAIN_SNR_DB.max);
  }
  return { lambdas, snrs };
}

/** Epoch of batches (item indices). Text: batches of similar length, in random order. */
function epochBatches(data: CodecData, batchSize: number, rng: RandomStream): number[][] {
  const count = data.kind === 'text' ? data.splits.train!.length : data.splits.train!.count;
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => i));
  const batches: number[][] = [];
  if (data.kind === 'text') {
    const sentences = data.splits.train!;
    const chunk = batchSize * 50;
    for (let s = 0; s < count; s += chunk) {
      const part = order.slice(s, s + chunk).sort((a, b) => sentences[a]!.length - sentences[b]!.length);
      for (let k = 0; k + batchSize <= part.length; k += batchSize) batches.push(part.slice(k, k + batchSize));
    }
    return rng.shuffle(batches);
  }
  for (let k = 0; k + batchSize <= count; k += batchSize) batches.push(order.slice(k, k + batchSize));
  return batches;
}

function lossOf(codec: Codec, data: CodecData, indices: number[], streams: RandomStreams, channel: ChannelOptions): tf.Scalar {
  const { lambdas, snrs } = drawConditions(indices.length, streams.get('exploration'));
  if (codec instanceof TextCodec) {
    const batch = makeTokenBatch(indices.map((i) => (data as TextData).splits.train![i]!));
    return codec.loss(batch, lambdas, snrs, streams.get('channel'), channel);
  }
  const { x, labels } = (data as ClassifierData).batch('train', indices, streams.get('replay'));
  return (codec as ClassifierCodec).loss(x, labels, lambdas, snrs, streams.get('channel'), channel);
}

export async function trainCodec(options: TrainCodecOptions): Promise<CodecManifest> {
  const { modality, seed, out, cacheDir } = options;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
  if (options.epochs !== undefined && !(Number.isInteger(options.epochs) && options.epochs > 0)) throw new Error(`epochs must be a positive integer, got ${options.epochs}`);
  const minutes = options.epochs === undefined ? (options.minutes ?? 12) : Infinity;
  if (!(minutes > 0)) throw new Error(`minutes must be positive, got ${options.minutes}`);
  const backend = await initCodecBackend();
  if (options.resume && options.init) throw new Error('--resume and --init exclude each other (a resumed run keeps its own initialization)');
  const checkpointDir = join(out, 'checkpoint');
  let resumed: CheckpointProgress | undefined;
  if (options.resume) {
    const path = join(checkpointDir, 'progress.json');
    if (!existsSync(path)) throw new Error(`--resume: ${out} holds no checkpoint (${path} is missing); train without --resume`);
    resumed = JSON.parse(readFileSync(path, 'utf8')) as CheckpointProgress;
    if (resumed.modality !== undefined && resumed.modality !== modality) throw new Error(`--resume: the checkpoint in ${out} is of a ${resumed.modality} codec, not ${modality}`);
    if (resumed.seed !== undefined && resumed.seed !== seed) throw new Error(`--resume: the checkpoint in ${out} was trained with seed ${resumed.seed}, not ${seed}`);
  }
  const initFrom = options.init ? loadTrainedCodec(options.init) : null;
  if (initFrom && initFrom.manifest.modality !== modality) throw new Error(`--init ${options.init} holds a ${initFrom.manifest.modality} codec, not ${modality}`);
  let config = options.config ?? initFrom?.manifest.config ?? defaultCodecConfig(modality);
  if (modality === 'speech' && !options.config && !initFrom) {
    const header = JSON.parse(readFileSync(join(cacheDir, 'speech', 'header.json'), 'utf8')) as { classes: unknown[] };
    config = { ...config, classes: header.classes.length } as CodecConfig;
  }
  const channel = options.channel ?? { fading: 'awgn' };
  const data = loadCodecData(modality, cacheDir, ['train', 'validation'], config);
  const codec = buildCodec(config, seed);
  if (initFrom) {
    const dir = join(out, 'checkpoint', 'init');
    initFrom.codec.params.save(dir);
    codec.params.load(dir);
  }
  const streams = new RandomStreams(seed);
  if (resumed) {
    codec.params.load(checkpointDir);
    if (resumed.streams) streams.setState(resumed.streams);
  }
  const batchSize = options.batchSize ?? 64;
  const baseRate = options.learningRate ?? 1e-3;
  const optimizer = tf.train.adam(baseRate);
  const vars = codec.params.list();
  // a resumed run counts the time it already spent against the budget
  const started = Date.now() - (resumed ? resumed.elapsedS * 1000 : 0);
  const budgetMs = minutes * 60_000;
  const checkpointMs = (options.checkpointSeconds ?? 120) * 1000;
  let lastCheckpoint = Date.now();
  let step = resumed?.step ?? 0;
  let epoch = resumed?.epoch ?? 0;
  let smoothed = resumed?.loss ?? NaN;
  let done = false;
  const totalEpochs = options.epochs ?? Infinity;
  while (!done) {
    const batches = epochBatches(data, batchSize, streams.get('replay'));
    if (batches.length === 0) throw new Error(`too little training data for a batch of ${batchSize}`);
    for (let k = 0; k < batches.length; k++) {
      const elapsed = Date.now() - started;
      const fraction = options.epochs !== undefined ? (epoch + k / batches.length) / totalEpochs : elapsed / budgetMs;
      if (fraction >= 1) {
        done = true;
        break;
      }
      // constant rate for the first half, then linear decay to a tenth
      (optimizer as unknown as { learningRate: number }).learningRate = baseRate * (fraction < 0.5 ? 1 : 1 - 1.8 * (fraction - 0.5));
      const indices = batches[k]!;
      const lossT = optimizer.minimize(() => lossOf(codec, data, indices, streams, channel), true, vars);
      const loss = lossT!.dataSync()[0]!;
      lossT!.dispose();
      if (!Number.isFinite(loss)) throw new Error(`codec training diverged at step ${step} (loss ${loss})`);
      smoothed = Number.isNaN(smoothed) ? loss : 0.98 * smoothed + 0.02 * loss;
      step++;
      options.onProgress?.({ step, epoch, fraction, loss: smoothed, elapsedS: (Date.now() - started) / 1000 });
      if (Date.now() - lastCheckpoint > checkpointMs) {
        codec.params.save(checkpointDir);
        const progress: CheckpointProgress = { step, epoch, elapsedS: (Date.now() - started) / 1000, loss: smoothed, seed, modality, streams: streams.getState() };
        writeFileAtomic(join(checkpointDir, 'progress.json'), JSON.stringify(progress) + '\n');
        lastCheckpoint = Date.now();
      }
    }
    if (!done) {
      epoch++;
      if (epoch >= totalEpochs) done = true;
    }
  }
  const seconds = (Date.now() - started) / 1000;
  optimizer.dispose();

  const hash = codec.params.save(out);
  rmSync(join(out, 'checkpoint'), { recursive: true, force: true }); // the final weights supersede it
  if (data.kind === 'text') writeFileAtomic(join(out, 'vocab.txt'), data.vocabulary.words.join('\n') + '\n');
  const validationItems = options.validationItems ?? 1000;
  const grid = evaluateGrid(codec, data, 'validation', { lambdas: [0.4, 1], snrDb: [0, 25], maxItems: validationItems, seed: seed + 1, channel });
  const prov = dataProvenance(cacheDir, modality);
  const manifest: CodecManifest = {
    format: 'svec-codec-v1',
    modality,
    config,
    command: options.command ?? `svec codec train --modality ${modality} --seed ${seed}`,
    seed,
    channel,
    training: {
      lambda: TRAIN_LAMBDA,
      snrDb: TRAIN_SNR_DB,
      batchSize,
      learningRate: baseRate,
      steps: step,
      epochs: epoch,
      seconds,
      budget: options.epochs !== undefined ? { epochs: options.epochs } : { minutes },
      finalLoss: smoothed,
      ...(initFrom
        ? {
            initializedFrom: {
              weightsSha256: initFrom.manifest.weightsSha256,
              command: initFrom.manifest.command,
              seconds: initFrom.manifest.training.seconds,
              steps: initFrom.manifest.training.steps,
            },
          }
        : {}),
    },
    data: { cacheDir, fingerprint: prov.fingerprint, counts: prov.counts, ...(data.kind === 'text' ? { textCoverage: data.coverage } : {}) },
    parameters: codec.params.count(),
    weightsSha256: hash,
    validation: {
      items: grid.items,
      lambda1Snr25: grid.task[1]![1]!,
      lambda04Snr0: grid.task[0]![0]!,
      errorFreeLambda1: grid.errorFree.task[1]!,
      fidelityLambda1Snr25: grid.fidelity[1]![1]!,
      metric: modality === 'text' ? 'BLEU-1' : 'accuracy',
    },
    backend,
  };
  writeFileAtomic(join(out, 'codec.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Rebuilds a trained codec from its folder (codec.json + weights). */
export function loadTrainedCodec(dir: string): { codec: Codec; manifest: CodecManifest } {
  let manifest: CodecManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'codec.json'), 'utf8')) as CodecManifest;
  } catch (err) {
    throw new Error(`cannot read ${join(dir, 'codec.json')}: ${(err as Error).message} (train one with 'svec codec train')`);
  }
  if (manifest.format !== 'svec-codec-v1') throw new Error(`${dir}/codec.json is not an svec codec (format ${String(manifest.format)})`);
  const codec = buildCodec(manifest.config, manifest.seed);
  codec.params.load(dir);
  return { codec, manifest };
}
