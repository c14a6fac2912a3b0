// Audio helpers for the speech set: WAV decoding and resampling (wavefile), silence trimming,
// fixed-length clips, and log-mel spectrograms (fft.js) computed here rather than in a library
// so that training and evaluation share exactly one definition.
import FFT from 'fft.js';
import wavefile from 'wavefile';

/** How waveforms become log-mel features. */
export interface MelConfig {
  sampleRate: number;
  /** samples per analysis window (25 ms at 16 kHz) */
  windowLength: number;
  /** samples between window starts (10 ms at 16 kHz) */
  hopLength: number;
  /** FFT size, a power of two at least windowLength */
  fftSize: number;
  melBands: number;
  fMinHz: number;
  /** 4 kHz: the real test set is telephone audio sampled at 8 kHz, so nothing above 4 kHz exists there */
  fMaxHz: number;
  preEmphasis: number;
  /** added to the mel power before the natural log */
  logFloor: number;
  /** fixed clip length in samples: shorter clips are zero-padded, longer ones cropped, both centred */
  clipSamples: number;
}

export const DEFAULT_MEL_CONFIG: MelConfig = {
  sampleRate: 16000,
  windowLength: 400,
  hopLength: 160,
  fftSize: 512,
  melBands: 40,
  fMinHz: 20,
  fMaxHz: 4000,
  preEmphasis: 0.97,
  logFloor: 1e-6,
  clipSamples: 16000,
};

/** Frames of a clip of clipSamples samples (windows that fit entirely). */
export function frameCount(config: MelConfig): number {
  return 1 + Math.floor((config.clipSamples - config.windowLength) / config.hopLength);
}

/** HTK mel scale. */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** Centre frequencies (Hz) of the mel bands, and their lower/upper edges. */
export function melBandEdges(config: MelConfig): number[] {
  const lo = hzToMel(config.fMinHz);
  const hi = hzToMel(config.fMaxHz);
  const edges: number[] = [];
  for (let i = 0; i < config.melBands + 2; i++) edges.push(melToHz(lo + ((hi - lo) * i) / (config.melBands + 1)));
  return edges;
}

/**
 * Triangular mel filters over the FFT bins 0..fftSize/2: filter b rises from edge b to edge b+1
 * and falls to edge b+2 (peak weight 1; no area normalization).
 */
export function melFilterbank(config: MelConfig): Float32Array[] {
  const bins = config.fftSize / 2 + 1;
  const edges = melBandEdges(config);
  const filters: Float32Array[] = [];
  for (let b = 0; b < config.melBands; b++) {
    const [left, centre, right] = [edges[b]!, edges[b + 1]!, edges[b + 2]!];
    const weights = new Float32Array(bins);
    for (let k = 0; k < bins; k++) {
      const hz = (k * config.sampleRate) / config.fftSize;
      if (hz > left && hz < right) weights[k] = hz <= centre ? (hz - left) / (centre - left) : (right - hz) / (right - centre);
    }
    filters.push(weights);
  }
  return filters;
}

function hannWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length); // periodic Hann
  return w;
}

/** Computes log-mel spectrograms; holds the FFT plan, window and filterbank for reuse. */
export class MelExtractor {
  readonly config: MelConfig;
  readonly frames: number;
  private readonly fft: FFT;
  private readonly window: Float64Array;
  private readonly filters: Float32Array[];
  private readonly filterRanges: [number, number][];

  constructor(config: MelConfig = DEFAULT_MEL_CONFIG) {
    if (config.fftSize < config.windowLength || (config.fftSize & (config.fftSize - 1)) !== 0) throw new Error('fftSize must be a power of two at least windowLength');
    if (config.fMaxHz > config.sampleRate / 2) throw new Error('fMaxHz must not exceed the Nyquist frequency');
    this.config = config;
    this.frames = frameCount(config);
    this.fft = new FFT(config.fftSize);
    this.window = hannWindow(config.windowLength);
    this.filters = melFilterbank(config);
    this.frameInput = new Array<number>(config.fftSize).fill(0); // zero padding beyond windowLength stays zero
    this.spectrum = this.fft.createComplexArray() as number[];
    this.power = new Float64Array(config.fftSize / 2 + 1);
    // Only the non-zero span of each triangle is summed.
    this.filterRanges = this.filters.map((f) => {
      let first = f.findIndex((v) => v > 0);
      if (first < 0) first = 0;
      let last = f.length - 1;
      while (last > first && f[last] === 0) last--;
      return [first, last];
    });
  }

  // Reused per frame: the FFT input and output buffers and the power spectrum.
  private readonly frameInput: number[];
  private readonly spectrum: number[];
  private readonly power: Float64Array;

  /** Power spectrum |X_k|^2, k = 0..fftSize/2, of one windowed frame starting at `start` (a view reused by the next call). */
  powerSpectrum(samples: Float32Array, start: number): Float64Array {
    const { windowLength } = this.config;
    const input = this.frameInput;
    for (let i = 0; i < windowLength; i++) input[i] = (samples[start + i] ?? 0) * this.window[i]!;
    const out = this.spectrum;
    this.fft.realTransform(out, input);
    this.fft.completeSpectrum(out);
    const power = this.power;
    for (let k = 0; k < power.length; k++) power[k] = out[2 * k]! ** 2 + out[2 * k + 1]! ** 2;
    return power;
  }

  /** Mel band powers of one frame (before the log). */
  melPowers(samples: Float32Array, start: number): Float64Array {
    const power = this.powerSpectrum(samples, start);
    const mel = new Float64Array(this.config.melBands);
    for (let b = 0; b < mel.length; b++) {
      const [first, last] = this.filterRanges[b]!;
      const f = this.filters[b]!;
      let sum = 0;
      for (let k = first; k <= last; k++) sum += f[k]! * power[k]!;
      mel[b] = sum;
    }
    return mel;
  }

  /**
   * Log-mel spectrogram of a clip that already has clipSamples samples at the configured rate:
   * pre-emphasis, Hann windows, power spectra, mel filters, natural log. Row-major frames × bands.
   */
  logMel(clip: Float32Array): Float32Array {
    if (clip.length !== this.config.clipSamples) throw new Error(`logMel expects ${this.config.clipSamples} samples, got ${clip.length}`);
    const emphasized = new Float32Array(clip.length);
    emphasized[0] = clip[0]!;
    for (let i = 1; i < clip.length; i++) emphasized[i] = clip[i]! - this.config.preEmphasis * clip[i - 1]!;
    const out = new Float32Array(this.frames * this.config.melBands);
    for (let t = 0; t < this.frames; t++) {
      const mel = this.melPowers(emphasized, t * this.config.hopLength);
      for (let b = 0; b < mel.length; b++) out[t * this.config.melBands + b] = Math.log(mel[b]! + this.config.logFloor);
    }
    return out;
  }
}

/** Decodes a WAV file to mono samples in [-1, 1) (channels averaged). */
export function decodeWav(bytes: Uint8Array): { samples: Float32Array; sampleRate: number } {
  const wav = new wavefile.WaveFile(bytes);
  const fmt = wav.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number; audioFormat: number };
  const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const channels = Array.isArray(raw) ? raw : [raw];
  const n = channels[0]!.length;
  // Integer PCM comes back in its integer range; float PCM already in [-1, 1].
  const scale = fmt.audioFormat === 3 ? 1 : 2 ** (fmt.bitsPerSample - 1);
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const channel of channels) sum += channel[i]!;
    samples[i] = sum / channels.length / scale;
  }
  return { samples, sampleRate: fmt.sampleRate };
}

/** Encodes mono samples in [-1, 1] as 16-bit PCM WAV. */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  const ints = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) ints[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767)));
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, sampleRate, '16', ints);
  return wav.toBuffer();
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

const RESAMPLER_ZERO_CROSSINGS = 16;
const polyphaseTables = new Map<string, { up: number; down: number; half: number; table: Float64Array }>();

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 30; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
  }
  return sum;
}

/**
 * Kaiser-windowed sinc taps for every phase of an up/down ratio, low-pass at 0.95 of the lower
 * Nyquist frequency. Row p holds the taps for an output that falls p/up of an input sample after
 * input sample floor(position).
 */
function polyphaseTable(fromRate: number, toRate: number) {
  const key = `${fromRate}:${toRate}`;
  const cached = polyphaseTables.get(key);
  if (cached) return cached;
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  const cutoff = 0.95 * Math.min(1, toRate / fromRate); // in units of the input Nyquist frequency
  const half = Math.ceil(RESAMPLER_ZERO_CROSSINGS / cutoff);
  const beta = 8.6;
  const table = new Float64Array(up * 2 * half);
  for (let p = 0; p < up; p++) {
    const frac = p / up;
    for (let j = 0; j < 2 * half; j++) {
      const t = j - half + 1 - frac; // distance from the output position, in input samples
      const x = cutoff * t;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = t / half;
      const window = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / besselI0(beta);
      table[p * 2 * half + j] = cutoff * sinc * window;
    }
  }
  const entry = { up, down, half, table };
  polyphaseTables.set(key, entry);
  return entry;
}

/**
 * Band-limited resampling between integer rates (polyphase Kaiser-windowed sinc). Written here
 * because wavefile's toSampleRate spends about 70 ms per second of audio on conversions, which is
 * too slow for tens of thousands of clips; a test checks it against a pure tone.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples;
  if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) throw new Error('sample rates must be positive integers');
  const { up, down, half, table } = polyphaseTable(fromRate, toRate);
  const outLength = Math.floor((samples.length * up) / down);
  const out = new Float32Array(outLength);
  const taps = 2 * half;
  for (let n = 0; n < outLength; n++) {
    const numerator = n * down;
    const base = Math.floor(numerator / up);
    const phase = numerator - base * up;
    const row = phase * taps;
    const first = base - half + 1;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const i = first + j;
      if (i >= 0 && i < samples.length) sum += table[row + j]! * samples[i]!;
    }
    out[n] = sum;
  }
  return out;
}

/**
 * Cuts leading and trailing silence: keeps the span from the first to the last 10 ms block whose
 * RMS is within `thresholdDb` of the loudest block. An all-silent clip is returned unchanged.
 */
export function trimSilence(samples: Float32Array, sampleRate: number, thresholdDb = -35): Float32Array {
  const block = Math.max(1, Math.round(sampleRate / 100));
  const blocks = Math.ceil(samples.length / block);
  const rms = new Float64Array(blocks);
  let loudest = 0;
  for (let b = 0; b < blocks; b++) {
    let sum = 0;
    const end = Math.min(samples.length, (b + 1) * block);
    for (let i = b * block; i < end; i++) sum += samples[i]! ** 2;
    rms[b] = Math.sqrt(sum / Math.max(1, end - b * block));
    loudest = Math.max(loudest, rms[b]!);
  }
  if (loudest === 0) return samples;
  const threshold = loudest * 10 ** (thresholdDb / 20);
  let first = 0;
  while (first < blocks && rms[first]! < threshold) first++;
  let last = blocks - 1;
  while (last > first && rms[last]! < threshold) last--;
  return samples.slice(first * block, Math.min(samples.length, (last + 1) * block));
}

/** Centres the samples in a clip of `length` samples: zero-padding both sides or cropping both ends. */
export function fitLength(samples: Float32Array, length: number): Float32Array {
  const out = new Float32Array(length);
  if (samples.length <= length) {
    out.set(samples, Math.floor((length - samples.length) / 2));
  } else {
    const start = Math.floor((samples.length - length) / 2);
    out.set(samples.subarray(start, start + length));
  }
  return out;
}

/** Scales so that the peak magnitude is `peak` (synthetic and recorded prompts differ in level). */
export function normalizePeak(samples: Float32Array, peak = 0.9): Float32Array {
  let max = 0;
  for (let i = 0; i < samples.length; i++) max = Math.max(max, Math.abs(samples[i]!));
  if (max === 0) return samples;
  const gain = peak / max;
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! * gain;
  return out;
}

/** From any WAV bytes to the fixed clip the features are computed on: mono, resampled, trimmed, peak-normalized, centred. */
export function wavToClip(bytes: Uint8Array, config: MelConfig = DEFAULT_MEL_CONFIG): Float32Array {
  const { samples, sampleRate } = decodeWav(bytes);
  const resampled = resample(samples, sampleRate, config.sampleRate);
  return fitLength(normalizePeak(trimSilence(resampled, config.sampleRate)), config.clipSamples);
}
