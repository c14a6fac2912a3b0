// The semantic codecs' channel (noise power, truncation, power normalization), BLEU, weights
// round-trips, and that tiny codecs learn (loss decreases) on synthetic data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { keptSymbols, normalizePower, prefixMask, transmit } from '../../src/codecs/channel.ts';
import { buildCodec, defaultCodecConfig } from '../../src/codecs/codec.ts';
import { ClassifierCodec } from '../../src/codecs/classifier.ts';
import { makeTokenBatch, sentenceBleu, TextCodec, textSymbolMask } from '../../src/codecs/text.ts';
import { initCodecBackend } from '../../src/codecs/train.ts';
import { RandomStreams } from '../../src/random/stream.ts';
import { FidelityTable, loadFidelityModel, type FidelityTableJson } from '../../src/sim/fidelity.ts';

const ready = initCodecBackend();

test('AWGN noise power matches the requested SNR within 2% over many symbols (unit-power signal)', async () => {
  await ready;
  const rng = new RandomStreams(3).get('channel');
  for (const snr of [-5, 0, 7, 25]) {
    const [batch, length] = [100, 1000];
    const z = tf.randomNormal([batch, length], 0, 3, 'float32', 11);
    const mask = prefixMask(length, new Array(batch).fill(1));
    const x = normalizePower(z, mask);
    const y = transmit(x, mask, new Array(batch).fill(snr), rng, { fading: 'awgn' });
    const signal = tf.mean(tf.square(x)).dataSync()[0]!;
    const noise = tf.mean(tf.square(tf.sub(y, x))).dataSync()[0]!;
    assert.ok(Math.abs(signal - 1) < 1e-4, `signal power ${signal}`);
    const want = Math.pow(10, -snr / 10);
    assert.ok(Math.abs(noise / want - 1) < 0.02, `SNR ${snr} dB: noise power ${noise}, want ${want}`);
    tf.dispose([z, mask, x, y]);
  }
});

test('Rayleigh block fading with known-CSI equalization: near-unit symbols at high SNR, zero where nothing was sent', async () => {
  await ready;
  const rng = new RandomStreams(4).get('channel');
  const x = normalizePower(tf.ones([4, 50]), prefixMask(50, [1, 1, 0.5, 0.5]));
  const mask = prefixMask(50, [1, 1, 0.5, 0.5]);
  const y = transmit(x, mask, [30, 30, 30, 30], rng, { fading: 'rayleigh' }).arraySync() as number[][];
  assert.equal(Math.abs(y[2]![40]!), 0);
  assert.ok(Math.abs(y[0]![0]! - 1) < 0.5);
  tf.dispose([x, mask]);
});

test('lambda keeps the first ceil(lambda L) symbols; bad lambdas are refused', () => {
  assert.equal(keptSymbols(64, 0.4), 26);
  assert.equal(keptSymbols(10, 0.7), 7);
  assert.equal(keptSymbols(64, 0.5), 32);
  assert.equal(keptSymbols(64, 1), 64);
  assert.equal(keptSymbols(3, 0.01), 1);
  for (const bad of [0, -0.1, 1.2, NaN]) assert.throws(() => keptSymbols(64, bad), /lambda must lie in \(0, 1\]/);
  const mask = prefixMask(10, [0.4, 0.7, 1]).arraySync() as number[][];
  assert.deepEqual(mask[0], [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(mask[1], [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  assert.equal(
    mask[2]!.reduce((a, b) => a + b),
    10,
  );
  // text: symbols ordered dimension-major over the n tokens of a sentence, padding never sent
  const k = 4;
  const m = textSymbolMask(Int32Array.from([5, 3]), 5, k, [0.5, 0.4]);
  const sent = (b: number) => m.subarray(b * 5 * k, (b + 1) * 5 * k).reduce((a, v) => a + v, 0);
  assert.equal(sent(0), 10); // ceil(0.5 * 5 * 4)
  assert.equal(sent(1), 5); // ceil(0.4 * 3 * 4)
  assert.equal(m[(0 * 5 + 4) * k + 1], 1); // symbol 1 of token 4 is flat index 1*5+4 = 9 < 10
  assert.equal(m[(0 * 5 + 0) * k + 2], 0); // symbol 2 of token 0 is flat index 10
  assert.equal(m[(1 * 5 + 3) * k + 0], 0); // token 3 of a 3-token sentence is padding
});

test('power normalization: the sent symbols of every item have unit average power, unsent ones are zero', async () => {
  await ready;
  const z = tf.randomNormal([8, 64], 2, 5, 'float32', 5);
  const lambdas = [0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
  const mask = prefixMask(64, lambdas);
  const x = normalizePower(z, mask).arraySync() as number[][];
  x.forEach((row, b) => {
    const kept = keptSymbols(64, lambdas[b]!);
    const power = row.slice(0, kept).reduce((a, v) => a + v * v, 0) / kept;
    assert.ok(Math.abs(power - 1) < 1e-4, `item ${b}: power ${power}`);
    assert.ok(row.slice(kept).every((v) => v === 0));
  });
  tf.dispose([z, mask]);
});

test('BLEU: identical sentences score 1, disjoint ones 0 at BLEU-1, and a known partial match', () => {
  const ref = Int32Array.from([1, 2, 3, 4, 5]);
  assert.equal(sentenceBleu(ref, ref, 1), 1);
  assert.ok(Math.abs(sentenceBleu(ref, ref, 4) - 1) < 1e-12);
  assert.ok(Math.abs(sentenceBleu(Int32Array.from([6, 7, 8, 9, 10]), ref, 1) - 0.1 / 5) < 1e-12); // smoothed zero count
  assert.ok(Math.abs(sentenceBleu(Int32Array.from([1, 2, 3, 9, 9]), ref, 1) - 0.6) < 1e-12);
});

/** Mean of the first and last `k` losses of `steps` Adam steps. */
function trainLosses(step: () => tf.Scalar, vars: tf.Variable[], steps: number, k: number): { first: number; last: number } {
  const opt = tf.train.adam(3e-3);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const l = opt.minimize(step, true, vars)!;
    losses.push(l.dataSync()[0]!);
    l.dispose();
  }
  opt.dispose();
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  return { first: mean(losses.slice(0, k)), last: mean(losses.slice(-k)) };
}

test('a tiny image codec learns a synthetic task: its loss decreases', async () => {
  await ready;
  const codec = buildCodec(defaultCodecConfig('image', 'tiny'), 1) as ClassifierCodec;
  const streams = new RandomStreams(2);
  // 4 classes, each a colour offset in one quadrant, plus noise
  const n = 16;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 4);
  const pixels = new Float32Array(n * 32 * 32 * 3);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++)
        for (let c = 0; c < 3; c++) {
          const quadrant = (y < 16 ? 0 : 2) + (x < 16 ? 0 : 1);
          pixels[((i * 32 + y) * 32 + x) * 3 + c] = (quadrant === labels[i] ? 1 : 0) + 0.3 * streams.get('tasks').normal();
        }
  }
  const x = tf.tensor4d(pixels, [n, 32, 32, 3]);
  const { first, last } = trainLosses(
    () => {
      const lambdas = Array.from({ length: n }, () => streams.get('exploration').uniformIn(0.4, 1));
      const snrs = Array.from({ length: n }, () => streams.get('exploration').uniformIn(-5, 25));
      return codec.loss(x, labels, lambdas, snrs, streams.get('channel'), { fading: 'awgn' });
    },
    codec.params.list(),
    30,
    5,
  );
  assert.ok(last < 0.7 * first, `loss ${first} -> ${last}`);
  x.dispose();
});

test('a tiny text codec learns to reconstruct sentences: its loss decreases', async () => {
  await ready;
  const codec = buildCodec(defaultCodecConfig('text', 'tiny'), 1) as TextCodec;
  const streams = new RandomStreams(3);
  const sentences = Array.from({ length: 24 }, () => Int32Array.from({ length: 4 + streams.get('tasks').int(6) }, () => 4 + streams.get('tasks').int(40)));
  const batch = makeTokenBatch(sentences);
  const { first, last } = trainLosses(
    () => {
      const lambdas = sentences.map(() => streams.get('exploration').uniformIn(0.4, 1));
      const snrs = sentences.map(() => streams.get('exploration').uniformIn(10, 25));
      return codec.loss(batch, lambdas, snrs, streams.get('channel'), { fading: 'awgn' });
    },
    codec.params.list(),
    40,
    5,
  );
  assert.ok(last < 0.8 * first, `loss ${first} -> ${last}`);
});

test('codec weights round-trip through save/load, and a damaged blob is refused', async () => {
  await ready;
  const dir = mkdtempSync(join(tmpdir(), 'svec-codec-'));
  try {
    const a = buildCodec(defaultCodecConfig('speech', 'tiny', 5), 1);
    const b = buildCodec(defaultCodecConfig('speech', 'tiny', 5), 2);
    const hash = a.params.save(dir);
    assert.equal(b.params.load(dir), hash);
    for (const [name, v] of a.params.vars) assert.deepEqual(Array.from(b.params.get(name).dataSync()), Array.from(v.dataSync()));
    const blob = readFileSync(join(dir, 'weights.bin'));
    blob[0] = blob[0]! ^ 0xff;
    writeFileSync(join(dir, 'weights.bin'), blob);
    assert.throws(() => b.params.load(dir), /does not match its recorded SHA-256/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const measured = join(import.meta.dirname, '..', '..', 'models', 'fidelity', 'measured.json');
test(
  'the committed measured fidelity table loads, is not provisional, names its models and rises with SNR at lambda = 1',
  { skip: existsSync(measured) ? false : 'models/fidelity/measured.json not present' },
  () => {
    const json = JSON.parse(readFileSync(measured, 'utf8')) as FidelityTableJson & { taskMetric: Record<string, { values: number[][] }> };
    const table = new FidelityTable(json);
    assert.equal(table.provenance.provisional, false);
    assert.equal(table.provenance.hash, json.provenance.hash);
    assert.ok(loadFidelityModel(measured).provenance.models);
    for (const m of ['text', 'image', 'speech'] as const) {
      const top = json.fidelity[m][json.lambdas.length - 1]!;
      assert.ok(top[top.length - 1]! > top[0]!, `${m}: fidelity at 25 dB should exceed fidelity at -5 dB`);
    }
  },
);
