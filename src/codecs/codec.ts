// One place that knows the three codecs: default configurations, data loading into batches
// (with the speech augmentation), construction from a seed, and evaluation on a lambda x SNR grid.
import * as tf from '@tensorflow/tfjs';
import { RandomStreams, type RandomStream } from '../random/stream.ts';
import type { ModalityName } from '../sim/modality.ts';
import type { ChannelOptions } from './channel.ts';
import { ClassifierCodec, type ClassifierConfig } from './classifier.ts';
import { loadImageSplit, loadSpeechSplit, loadTextSplit, readManifest, SPECIAL_TOKENS } from './data/index.ts';
import { cosine } from './params.ts';
import { makeTokenBatch, sentenceBleu, TextCodec, Vocabulary, type TextConfig, type TokenBatch } from './text.ts';

export const CODEC_MODALITIES = ['text', 'image', 'speech'] as const satisfies readonly ModalityName[];

export type CodecConfig = ClassifierConfig | TextConfig;
export type Codec = ClassifierCodec | TextCodec;

export function checkModality(value: string): ModalityName {
  if (!(CODEC_MODALITIES as readonly string[]).includes(value)) throw new Error(`modality must be one of ${CODEC_MODALITIES.join(', ')}, got '${value}'`);
  return value as ModalityName;
}

/** The default (or, for tests, a tiny) configuration of a modality's codec. */
export function defaultCodecConfig(modality: ModalityName, size: 'default' | 'tiny' = 'default', classes = 54): CodecConfig {
  const tiny = size === 'tiny';
  if (modality === 'image') {
    return {
      kind: 'image',
      input: [32, 32, 3],
      classes: 43,
      convs: tiny
        ? [
            [8, 2],
            [8, 2],
          ]
        : [
            [32, 2],
            [64, 2],
            [128, 2],
          ],
      embedding: tiny ? 16 : 128,
      symbols: tiny ? 16 : 64,
      hidden: tiny ? 32 : 256,
      poolTime: false,
    };
  }
  if (modality === 'speech') {
    return {
      kind: 'speech',
      input: [98, 40, 1],
      classes,
      convs: tiny
        ? [
            [8, 2],
            [8, 2],
          ]
        : [
            [24, 2],
            [48, 2],
            [64, 2],
            [64, 1],
          ],
      embedding: tiny ? 16 : 128,
      symbols: tiny ? 16 : 64,
      hidden: tiny ? 32 : 256,
      poolTime: true,
    };
  }
  return tiny
    ? { kind: 'text', vocab: 200, maxTokens: 30, dModel: 16, heads: 2, ff: 32, encoderLayers: 1, decoderLayers: 1, symbolsPerToken: 4 }
    : { kind: 'text', vocab: 4000, maxTokens: 30, dModel: 128, heads: 4, ff: 256, encoderLayers: 2, decoderLayers: 2, symbolsPerToken: 8 };
}

export function buildCodec(config: CodecConfig, seed: number): Codec {
  const init = new RandomStreams(seed).get('init');
  return config.kind === 'text' ? new TextCodec(config, init) : new ClassifierCodec(config, init);
}

// ---------------------------------------------------------------------------------------------
// Data.

export type EvalSplit = 'train' | 'validation' | 'test' | 'real';

export interface ClassifierData {
  kind: 'image' | 'speech';
  splits: Partial<Record<EvalSplit, { count: number; labels: Uint8Array }>>;
  /** inputs [B, H, W, C] of the listed items; `augment` (training) perturbs them */
  batch(split: EvalSplit, indices: readonly number[], augment: RandomStream | null): { x: tf.Tensor4D; labels: Int32Array };
  classNames: string[];
}

export interface TextData {
  kind: 'text';
  vocabulary: Vocabulary;
  splits: Partial<Record<EvalSplit, Int32Array[]>>;
  /** share of test tokens inside the capped vocabulary */
  coverage: number;
}

export type CodecData = ClassifierData | TextData;

export function loadImageData(cacheDir: string, splits: EvalSplit[]): ClassifierData {
  const loaded = Object.fromEntries(splits.map((s) => [s, loadImageSplit(cacheDir, s as 'train')])) as Record<string, ReturnType<typeof loadImageSplit>>;
  const first = loaded[splits[0]!]!;
  return {
    kind: 'image',
    classNames: [...first.header.classes],
    splits: Object.fromEntries(splits.map((s) => [s, { count: loaded[s]!.count, labels: loaded[s]!.labels }])),
    batch(split, indices) {
      const data = loaded[split];
      if (!data) throw new Error(`image split '${split}' not loaded`);
      const size = 32 * 32 * 3;
      const x = new Float32Array(indices.length * size);
      const labels = new Int32Array(indices.length);
      indices.forEach((i, b) => {
        const px = data.pixels.subarray(i * size, (i + 1) * size);
        for (let k = 0; k < size; k++) x[b * size + k] = (px[k]! / 255 - 0.5) * 4;
        labels[b] = data.labels[i]!;
      });
      return { x: tf.tensor4d(x, [indices.length, 32, 32, 3]), labels };
    },
  };
}

/**
 * Speech augmentation of one clip's log-mel features [T, F] in place (power domain): gain,
 * a random spectral tilt (channel colouring), stationary noise at a random SNR, a time shift,
 * and SpecAugment-style time and frequency masks (filled with the clip's mean).
 */
export function augmentLogMel(x: Float32Array, frames: number, bands: number, rng: RandomStream): void {
  const floor = 1e-6; // the log floor of the features (MelConfig.logFloor)
  const gain = Math.exp(rng.uniformIn(-1.2, 1.2));
  const tilt = rng.uniformIn(-1.5, 1.5);
  let meanPower = 0;
  for (let k = 0; k < x.length; k++) meanPower += Math.max(0, Math.exp(x[k]!) - floor);
  meanPower /= x.length;
  const noiseLevel = rng.uniform() < 0.7 ? meanPower * Math.pow(10, -rng.uniformIn(5, 35) / 10) : 0;
  const noiseShape = Float32Array.from({ length: bands }, () => Math.exp(0.5 * rng.normal()));
  const out = new Float32Array(x.length);
  const shift = rng.int(21) - 10;
  for (let t = 0; t < frames; t++) {
    const src = t - shift;
    for (let f = 0; f < bands; f++) {
      const power = src >= 0 && src < frames ? Math.max(0, Math.exp(x[src * bands + f]!) - floor) : 0;
      const coloured = power * gain * Math.exp(tilt * (f / (bands - 1) - 0.5));
      const noise = noiseLevel * noiseShape[f]! * rng.exponential();
      out[t * bands + f] = Math.log(coloured + noise + floor);
    }
  }
  let mean = 0;
  for (let k = 0; k < out.length; k++) mean += out[k]!;
  mean /= out.length;
  for (let m = 0; m < 2; m++) {
    const width = rng.int(7);
    const start = rng.int(bands - width + 1);
    for (let t = 0; t < frames; t++) for (let f = start; f < start + width; f++) out[t * bands + f] = mean;
  }
  for (let m = 0; m < 2; m++) {
    const width = rng.int(13);
    const start = rng.int(frames - width + 1);
    out.fill(mean, start * bands, (start + width) * bands);
  }
  x.set(out);
}

export function loadSpeechData(cacheDir: string, splits: EvalSplit[]): ClassifierData {
  const loaded = Object.fromEntries(splits.map((s) => [s, loadSpeechSplit(cacheDir, s)])) as Record<string, ReturnType<typeof loadSpeechSplit>>;
  const header = loaded[splits[0]!]!.header;
  const frames = header.mel.frames;
  const bands = header.mel.melBands;
  const { mean, std } = header.trainStats;
  return {
    kind: 'speech',
    classNames: header.classes.map((c) => c.name),
    splits: Object.fromEntries(splits.map((s) => [s, { count: loaded[s]!.count, labels: loaded[s]!.labels }])),
    batch(split, indices, augment) {
      const data = loaded[split];
      if (!data) throw new Error(`speech split '${split}' not loaded`);
      const size = frames * bands;
      const x = new Float32Array(indices.length * size);
      const labels = new Int32Array(indices.length);
      indices.forEach((i, b) => {
        const clip = data.features.slice(i * size, (i + 1) * size);
        if (augment) augmentLogMel(clip, frames, bands, augment);
        for (let t = 0; t < frames; t++) for (let f = 0; f < bands; f++) x[b * size + t * bands + f] = (clip[t * bands + f]! - mean[f]!) / std[f]!;
        labels[b] = data.labels[i]!;
      });
      return { x: tf.tensor4d(x, [indices.length, frames, bands, 1]), labels };
    },
  };
}

export function loadTextData(cacheDir: string, splits: EvalSplit[], config: TextConfig): TextData {
  const first = loadTextSplit(cacheDir, 'test');
  if (first.vocabulary.slice(0, SPECIAL_TOKENS.length).join(' ') !== SPECIAL_TOKENS.join(' ')) throw new Error('text vocabulary must start with the special tokens');
  const vocabulary = new Vocabulary(first.vocabulary.slice(0, config.vocab));
  const out: TextData['splits'] = {};
  for (const s of splits) {
    if (s === 'real') throw new Error("text has no 'real' split");
    const sentences = s === 'test' ? first.sentences : loadTextSplit(cacheDir, s).sentences;
    out[s] = sentences.map((line) => vocabulary.encode(line, config.maxTokens));
  }
  let known = 0;
  let total = 0;
  for (const line of first.sentences)
    for (const w of line.split(' ')) {
      total++;
      if (vocabulary.encode(w, 1)[0] !== 3) known++;
    }
  return { kind: 'text', vocabulary, splits: out, coverage: total ? known / total : 0 };
}

export function loadCodecData(modality: ModalityName, cacheDir: string, splits: EvalSplit[], config: CodecConfig): CodecData {
  if (config.kind !== modality) throw new Error(`codec config is for '${config.kind}', not '${modality}'`);
  if (modality === 'image') return loadImageData(cacheDir, splits);
  if (modality === 'speech') return loadSpeechData(cacheDir, splits);
  return loadTextData(cacheDir, splits, config as TextConfig);
}

/** The data manifest's record of a modality: counts and fingerprint (for provenance). */
export function dataProvenance(cacheDir: string, modality: ModalityName): { fingerprint: string | null; counts: Record<string, number> } {
  const manifest = readManifest(cacheDir) as { modalities?: Record<string, { fingerprint?: string; counts?: Record<string, number> }> } | null;
  const entry = manifest?.modalities?.[modality];
  return { fingerprint: entry?.fingerprint ?? null, counts: entry?.counts ?? {} };
}

// ---------------------------------------------------------------------------------------------
// Evaluation on a lambda x SNR grid.

export interface GridResult {
  lambdas: number[];
  snrDb: number[];
  items: number;
  /** mean cos(P(e), P(e^)) [lambda][snr] */
  fidelity: number[][];
  /** accuracy (image, speech) or BLEU-1 (text) [lambda][snr] */
  task: number[][];
  /** text only: BLEU-4 and sentence-embedding similarity [lambda][snr] */
  bleu4?: number[][];
  similarity?: number[][];
  /** no channel noise, per lambda */
  errorFree: { fidelity: number[]; task: number[]; bleu4?: number[]; similarity?: number[] };
  /** the task read from the vehicle's own embedding (no channel at all) */
  cleanTask: number;
  /** mean cos(P(e_i), P(e^_j)) over mismatched pairs at lambda 1, 25 dB: what unrelated items score */
  mismatchedFidelity: number;
}

export interface GridOptions {
  lambdas: number[];
  snrDb: number[];
  /** at most this many items (the first ones of the split) */
  maxItems: number;
  seed: number;
  channel: ChannelOptions;
  batchSize?: number;
  onBatch?: (done: number, total: number) => void;
}

function zeros(a: number, b: number): number[][] {
  return Array.from({ length: a }, () => new Array<number>(b).fill(0));
}

export function evaluateGrid(codec: Codec, data: CodecData, split: EvalSplit, options: GridOptions): GridResult {
  return codec instanceof TextCodec ? evaluateText(codec, data as TextData, split, options) : evaluateClassifier(codec, data as ClassifierData, split, options);
}

function evaluateClassifier(codec: ClassifierCodec, data: ClassifierData, split: EvalSplit, options: GridOptions): GridResult {
  const info = data.splits[split];
  if (!info) throw new Error(`split '${split}' not loaded`);
  const n = Math.min(info.count, options.maxItems);
  const { lambdas, snrDb } = options;
  const noise = new RandomStreams(options.seed).get('channel');
  const fid = zeros(lambdas.length, snrDb.length);
  const acc = zeros(lambdas.length, snrDb.length);
  const efFid = new Array<number>(lambdas.length).fill(0);
  const efAcc = new Array<number>(lambdas.length).fill(0);
  let clean = 0;
  let mismatched = 0;
  const batchSize = options.batchSize ?? 250;
  for (let start = 0; start < n; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, k) => start + k);
    const B = indices.length;
    const { x, labels } = data.batch(split, indices, null);
    const e = tf.tidy(() => codec.encode(x));
    x.dispose();
    const score = (lambda: number, snr: number | null): [number, number] => {
      const [cosT, predT] = tf.tidy(() => {
        const out = codec.fromEmbedding(e, new Array(B).fill(lambda), snr === null ? null : new Array(B).fill(snr), noise, options.channel);
        return [tf.sum(cosine(out.pe, out.pr)), tf.argMax(out.logits, 1)];
      });
      const cosSum = cosT!.dataSync()[0]!;
      const pred = predT!.dataSync();
      tf.dispose([cosT!, predT!]);
      let correct = 0;
      for (let b = 0; b < B; b++) if (pred[b] === labels[b]) correct++;
      return [cosSum, correct];
    };
    lambdas.forEach((lambda, i) => {
      snrDb.forEach((snr, j) => {
        const [c, k] = score(lambda, snr);
        fid[i]![j]! += c;
        acc[i]![j]! += k;
      });
      const [c, k] = score(lambda, null);
      efFid[i]! += c;
      efAcc[i]! += k;
    });
    const [cleanCorrect, mism] = tf.tidy(() => {
      const out = codec.fromEmbedding(e, new Array(B).fill(1), new Array(B).fill(25), noise, options.channel);
      const rolled = tf.concat([tf.slice(out.pr, [1, 0], [B - 1, -1]), tf.slice(out.pr, [0, 0], [1, -1])], 0);
      return [tf.argMax(out.logitsClean, 1), B > 1 ? tf.sum(cosine(out.pe, rolled)) : tf.scalar(0)];
    });
    const cp = cleanCorrect!.dataSync();
    for (let b = 0; b < B; b++) if (cp[b] === labels[b]) clean++;
    mismatched += mism!.dataSync()[0]!;
    tf.dispose([cleanCorrect!, mism!, e]);
    options.onBatch?.(start + B, n);
  }
  const div = (grid: number[][]) => grid.map((row) => row.map((v) => v / n));
  return {
    lambdas,
    snrDb,
    items: n,
    fidelity: div(fid),
    task: div(acc),
    errorFree: { fidelity: efFid.map((v) => v / n), task: efAcc.map((v) => v / n) },
    cleanTask: clean / n,
    mismatchedFidelity: mismatched / n,
  };
}

function evaluateText(codec: TextCodec, data: TextData, split: EvalSplit, options: GridOptions): GridResult {
  const sentences = data.splits[split];
  if (!sentences) throw new Error(`split '${split}' not loaded`);
  const n = Math.min(sentences.length, options.maxItems);
  const { lambdas, snrDb } = options;
  const noise = new RandomStreams(options.seed).get('channel');
  const shape = () => zeros(lambdas.length, snrDb.length);
  const fid = shape(),
    b1 = shape(),
    b4 = shape(),
    sim = shape();
  const ef = {
    fidelity: new Array<number>(lambdas.length).fill(0),
    task: new Array<number>(lambdas.length).fill(0),
    bleu4: new Array<number>(lambdas.length).fill(0),
    similarity: new Array<number>(lambdas.length).fill(0),
  };
  let cleanSum = 0;
  let mismatched = 0;
  const batchSize = options.batchSize ?? 100;
  // sort by length so batches pad little; results are per sentence, so order does not matter
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => sentences[a]!.length - sentences[b]!.length);
  const bleuOf = (pred: Int32Array, batch: TokenBatch, refs: Int32Array[]) => {
    let s1 = 0,
      s4 = 0;
    const decoded: Int32Array[] = [];
    refs.forEach((ref, b) => {
      const cand = pred.subarray(b * batch.tokens, b * batch.tokens + ref.length);
      decoded.push(Int32Array.from(cand));
      s1 += sentenceBleu(cand, ref, 1);
      s4 += sentenceBleu(cand, ref, 4);
    });
    return { s1, s4, decoded };
  };
  for (let start = 0; start < n; start += batchSize) {
    const refs = order.slice(start, start + batchSize).map((i) => sentences[i]!);
    const B = refs.length;
    const batch = makeTokenBatch(refs);
    const e = tf.tidy(() => codec.encode(batch));
    const tokenMask = codec.tokenMask(batch.lengths, batch.tokens);
    const refEmbedding = tf.tidy(() => codec.sentenceEmbedding(codec.project(e), tokenMask, batch.lengths));
    const score = (lambda: number, snr: number | null) => {
      const [cosT, predT] = tf.tidy(() => {
        const out = codec.forwardFromEmbedding(e, batch, new Array(B).fill(lambda), snr === null ? null : new Array(B).fill(snr), noise, options.channel, false);
        return [tf.sum(cosine(out.pe, out.pr)), tf.argMax(out.logits, 2)];
      });
      const cosSum = cosT!.dataSync()[0]!;
      const pred = predT!.dataSync() as Int32Array;
      tf.dispose([cosT!, predT!]);
      const { s1, s4, decoded } = bleuOf(pred, batch, refs);
      // sentence-embedding similarity: the decoded sentence re-encoded, against the original
      const decodedBatch = makeTokenBatch(decoded);
      const simT = tf.tidy(() => {
        const emb = codec.sentenceEmbedding(codec.project(codec.encode(decodedBatch)), tokenMask, batch.lengths);
        return tf.sum(cosine(refEmbedding, emb));
      });
      const simSum = simT.dataSync()[0]!;
      simT.dispose();
      return { cosSum, s1, s4, simSum };
    };
    lambdas.forEach((lambda, i) => {
      snrDb.forEach((snr, j) => {
        const r = score(lambda, snr);
        fid[i]![j]! += r.cosSum;
        b1[i]![j]! += r.s1;
        b4[i]![j]! += r.s4;
        sim[i]![j]! += r.simSum;
      });
      const r = score(lambda, null);
      ef.fidelity[i]! += r.cosSum;
      ef.task[i]! += r.s1;
      ef.bleu4[i]! += r.s4;
      ef.similarity[i]! += r.simSum;
    });
    const [cleanPred, mism] = tf.tidy(() => {
      const out = codec.forwardFromEmbedding(e, batch, new Array(B).fill(1), new Array(B).fill(25), noise, options.channel, true);
      const rolled = tf.concat([tf.slice(out.pr, [1, 0], [B - 1, -1]), tf.slice(out.pr, [0, 0], [1, -1])], 0);
      return [tf.argMax(out.logitsClean, 2), B > 1 ? tf.sum(cosine(out.pe, rolled)) : tf.scalar(0)];
    });
    cleanSum += bleuOf(cleanPred!.dataSync() as Int32Array, batch, refs).s1;
    mismatched += mism!.dataSync()[0]!;
    tf.dispose([cleanPred!, mism!, e, tokenMask, refEmbedding]);
    options.onBatch?.(start + B, n);
  }
  const div = (grid: number[][]) => grid.map((row) => row.map((v) => v / n));
  const divRow = (row: number[]) => row.map((v) => v / n);
  return {
    lambdas,
    snrDb,
    items: n,
    fidelity: div(fid),
    task: div(b1),
    bleu4: div(b4),
    similarity: div(sim),
    errorFree: { fidelity: divRow(ef.fidelity), task: divRow(ef.task), bleu4: divRow(ef.bleu4), similarity: divRow(ef.similarity) },
    cleanTask: cleanSum / n,
    mismatchedFidelity: mismatched / n,
  };
}
