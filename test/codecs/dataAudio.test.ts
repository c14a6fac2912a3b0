import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_MEL_CONFIG,
  MelExtractor,
  decodeWav,
  encodeWav16,
  fitLength,
  frameCount,
  hzToMel,
  melBandEdges,
  melFilterbank,
  melToHz,
  resample,
  trimSilence,
  wavToClip,
} from '../../src/codecs/data/audio.ts';

const config = DEFAULT_MEL_CONFIG;

function tone(hz: number, seconds: number, rate: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

test('mel scale round trip and band edges: 40 bands from 20 Hz to 4 kHz, equally spaced in mel', () => {
  assert.ok(Math.abs(hzToMel(1000) - 1000) < 0.5, 'HTK mel: 1000 Hz is about 1000 mel');
  assert.ok(Math.abs(melToHz(hzToMel(2345)) - 2345) < 1e-9);
  const edges = melBandEdges(config);
  assert.equal(edges.length, 42);
  assert.ok(Math.abs(edges[0]! - 20) < 1e-9 && Math.abs(edges[41]! - 4000) < 1e-6);
  const steps = edges.slice(1).map((e, i) => hzToMel(e) - hzToMel(edges[i]!));
  assert.ok(Math.max(...steps) - Math.min(...steps) < 1e-9);
  const filters = melFilterbank(config);
  assert.equal(filters.length, 40);
  assert.equal(filters[0]!.length, 257);
  for (const f of filters) assert.ok(Math.max(...f) <= 1 && Math.max(...f) > 0.3, 'each triangle covers at least one bin near its peak');
});

test('FFT power spectrum: a 1 kHz tone peaks at bin 1000 / (16000 / 512) = 32 and matches a direct DFT', () => {
  const mel = new MelExtractor(config);
  const signal = tone(1000, 0.05, 16000);
  const power = Float64Array.from(mel.powerSpectrum(signal, 0));
  const peak = power.indexOf(Math.max(...power));
  assert.equal(peak, 32);
  // direct DFT of the same Hann-windowed frame, at a few bins
  for (const k of [0, 10, 32, 100, 256]) {
    let re = 0;
    let im = 0;
    for (let n = 0; n < config.windowLength; n++) {
      const x = signal[n]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / config.windowLength));
      re += x * Math.cos((-2 * Math.PI * k * n) / config.fftSize);
      im += x * Math.sin((-2 * Math.PI * k * n) / config.fftSize);
    }
    assert.ok(Math.abs(power[k]! - (re * re + im * im)) <= 1e-9 * Math.max(1, power[peak]!), `bin ${k}`);
  }
});

test('log-mel: a pure tone puts its energy in the band whose centre is nearest, for several tones', () => {
  const mel = new MelExtractor(config);
  assert.equal(mel.frames, 98);
  assert.equal(frameCount(config), 98);
  const centres = melBandEdges(config).slice(1, -1);
  for (const hz of [300, 1000, 2500]) {
    const features = mel.logMel(tone(hz, 1, 16000));
    assert.equal(features.length, 98 * 40);
    const row = Array.from(features.subarray(50 * 40, 51 * 40));
    const loudest = row.indexOf(Math.max(...row));
    const nearest = centres.reduce((best, c, i) => (Math.abs(c - hz) < Math.abs(centres[best]! - hz) ? i : best), 0);
    assert.ok(Math.abs(loudest - nearest) <= 1, `${hz} Hz: loudest band ${loudest}, nearest centre ${nearest}`);
    assert.ok(row[loudest]! - row[(loudest + 10) % 40]! > 5, 'the tone band is far above a distant band (log scale)');
  }
  const silent = mel.logMel(new Float32Array(16000));
  assert.ok(
    silent.every((v) => Math.abs(v - Math.log(config.logFloor)) < 1e-6),
    'silence sits at log(logFloor)',
  );
});

test('resampling keeps a tone (8 kHz and 22.05 kHz to 16 kHz) and WAV encoding round-trips', () => {
  for (const rate of [8000, 22050]) {
    const out = resample(tone(440, 1, rate), rate, 16000);
    assert.equal(out.length, 16000);
    let err = 0;
    for (let i = 1000; i < 15000; i++) err = Math.max(err, Math.abs(out[i]! - 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000)));
    assert.ok(err < 1e-3, `max error ${err} from ${rate} Hz`);
  }
  const wav = encodeWav16(tone(440, 0.1, 8000), 8000);
  const decoded = decodeWav(wav);
  assert.equal(decoded.sampleRate, 8000);
  assert.ok(Math.abs(decoded.samples[100]! - 0.5 * Math.sin((2 * Math.PI * 440 * 100) / 8000)) < 1e-4);
});

test('clips: silence is trimmed and the word centred in exactly one second', () => {
  const padded = new Float32Array(8000 + 4000 + 8000);
  padded.set(tone(500, 0.25, 16000), 8000);
  const trimmed = trimSilence(padded, 16000);
  assert.ok(Math.abs(trimmed.length - 4000) <= 160);
  const clip = fitLength(trimmed, 16000);
  assert.equal(clip.length, 16000);
  assert.equal(clip[100], 0);
  assert.notEqual(clip[8000], 0);
  assert.equal(fitLength(new Float32Array(20000).fill(1), 16000).length, 16000);
  const fromWav = wavToClip(encodeWav16(padded, 16000));
  assert.ok(Math.abs(Math.max(...fromWav) - 0.9) < 1e-3, 'peak-normalized to 0.9');
});
