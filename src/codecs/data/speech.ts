// Speech commands: spoken words synthesized with espeak-ng across accents, voice variants, speeds
// and pitches (train / validation / synthetic test with held-out variants), and the real recorded
// prompts of Asterisk's Allison Smith voice as a held-out real-speech test set. Stored as log-mel
// spectrograms (Float32, frames × bands per clip) with labels and a JSON header.
import { cpus } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MEL_CONFIG, MelExtractor, encodeWav16, wavToClip, type MelConfig } from './audio.ts';
import { canonicalJson, makeScratchDir, readFloat32File, readUint8File, recordFile, removeDir, sha256Bytes, writeFileAtomic, writeJsonAtomic, writeTypedArrayAtomic, type FileRecord } from './cache.ts';
import { DataSourceError, ensureEspeak, fetchDebianPackage, runCommand, type SourceRecord } from './sources.ts';
import { dataStream } from './text.ts';
import type { ModalityEntry, PrepareContext } from './types.ts';

export type SpeechGroup = 'digits' | 'phonetic' | 'commands' | 'prompts' | 'letters';

export interface SpeechClass {
  /** label name */
  name: string;
  /** text given to espeak-ng */
  say: string;
  group: SpeechGroup;
  /** Asterisk prompt (relative to en_US_f_Allison/) with this word, if one exists */
  asterisk: string | null;
}

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
// NATO spelling alphabet as Asterisk's phonetic/ prompts say it; `say` spells some for espeak's rules.
const PHONETIC: [string, string][] = [
  ['alfa', 'alpha'], ['bravo', 'bravo'], ['charlie', 'charlie'], ['delta', 'delta'], ['echo', 'echo'], ['foxtrot', 'foxtrot'],
  ['golf', 'golf'], ['hotel', 'hotel'], ['india', 'india'], ['juliett', 'juliet'], ['kilo', 'keelo'], ['lima', 'leema'],
  ['mike', 'mike'], ['november', 'november'], ['oscar', 'oscar'], ['papa', 'papa'], ['quebec', 'kebeck'], ['romeo', 'romeo'],
  ['sierra', 'sierra'], ['tango', 'tango'], ['uniform', 'uniform'], ['victor', 'victor'], ['whiskey', 'whiskey'], ['xray', 'x-ray'],
  ['yankee', 'yankee'], ['zulu', 'zulu'],
];
// Vehicle commands; Asterisk has no recordings of them, so they appear only in the synthetic sets.
const COMMANDS = ['yes', 'no', 'stop', 'go', 'left', 'right', 'up', 'down', 'on', 'off'];
// Words that Asterisk does record (top-level and digits/ prompts).
const PROMPTS: [string, string][] = [
  ['hello', 'hello.wav'], ['goodbye', 'goodbye.wav'], ['enabled', 'enabled.wav'], ['disabled', 'disabled.wav'],
  ['location', 'location.wav'], ['today', 'digits/today.wav'], ['tomorrow', 'digits/tomorrow.wav'], ['yesterday', 'digits/yesterday.wav'],
];
const LETTER_NAMES = ['ay', 'bee', 'see', 'dee', 'ee', 'ef', 'jee', 'aitch', 'eye', 'jay', 'kay', 'el', 'em', 'en', 'oh', 'pee', 'cue', 'ar', 'ess', 'tee', 'you', 'vee', 'double you', 'ex', 'why', 'zee'];

/** Letters are off by default: their E-set (b, c, d, e, g, p, t, v, z) is hard to tell apart at 8 kHz. */
export const DEFAULT_SPEECH_GROUPS: readonly SpeechGroup[] = ['digits', 'phonetic', 'commands', 'prompts'];

export function speechClasses(groups: readonly SpeechGroup[] = DEFAULT_SPEECH_GROUPS): SpeechClass[] {
  const classes: SpeechClass[] = [];
  if (groups.includes('digits')) DIGITS.forEach((name, d) => classes.push({ name, say: name, group: 'digits', asterisk: `digits/${d}.wav` }));
  if (groups.includes('phonetic')) PHONETIC.forEach(([name, say], i) => classes.push({ name, say, group: 'phonetic', asterisk: `phonetic/${String.fromCharCode(97 + i)}_p.wav` }));
  if (groups.includes('commands')) COMMANDS.forEach((name) => classes.push({ name, say: name, group: 'commands', asterisk: null }));
  if (groups.includes('prompts')) PROMPTS.forEach(([name, file]) => classes.push({ name, say: name, group: 'prompts', asterisk: file }));
  if (groups.includes('letters')) LETTER_NAMES.forEach((say, i) => classes.push({ name: `letter_${String.fromCharCode(97 + i)}`, say, group: 'letters', asterisk: `letters/${String.fromCharCode(97 + i)}.wav` }));
  return classes;
}

/** espeak-ng English voices (accents) used for every split. */
export const ESPEAK_ACCENTS = ['en', 'en-us', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-029', 'en-us-nyc'];
/** Voice variants for training and validation ('' is the accent's own voice). */
export const TRAIN_VARIANTS = ['', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'f1', 'f2', 'f3', 'f4', 'croak', 'klatt', 'klatt2', 'klatt4'];
/** Held-out variants: the synthetic test set uses only these, so it measures unseen voices. */
export const TEST_VARIANTS = ['m7', 'f5', 'klatt3'];

export interface SpeechSizes {
  /** synthetic clips per class */
  trainPerClass: number;
  validationPerClass: number;
  testPerClass: number;
  groups: SpeechGroup[];
}

export const DEFAULT_SPEECH_SIZES: SpeechSizes = { trainPerClass: 200, validationPerClass: 25, testPerClass: 40, groups: [...DEFAULT_SPEECH_GROUPS] };

/** One synthetic utterance: everything espeak-ng is told. */
export interface Utterance {
  label: number;
  accent: string;
  variant: string;
  /** words per minute */
  speed: number;
  /** 0..99 */
  pitch: number;
}

export type SpeechSplit = 'train' | 'validation' | 'test' | 'real';
export const SPEECH_SPLITS: readonly SpeechSplit[] = ['train', 'validation', 'test', 'real'];

/** Draws the utterance list of one split: per class, random accent, variant, speed and pitch. */
export function drawUtterances(classCount: number, perClass: number, variants: readonly string[], seed: number, purpose: number): Utterance[] {
  const rng = dataStream(seed, purpose);
  const out: Utterance[] = [];
  for (let label = 0; label < classCount; label++) {
    for (let i = 0; i < perClass; i++) {
      out.push({
        label,
        accent: ESPEAK_ACCENTS[rng.int(ESPEAK_ACCENTS.length)]!,
        variant: variants[rng.int(variants.length)]!,
        speed: 120 + rng.int(101),
        pitch: 20 + rng.int(61),
      });
    }
  }
  return rng.shuffle(out);
}

/** Runs async jobs with bounded concurrency; results keep the input order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, job: (item: T, index: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await job(items[index]!, index);
      done++;
      onDone?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function synthesize(espeak: string, utterance: Utterance, text: string): Promise<Uint8Array> {
  const voice = utterance.variant ? `${utterance.accent}+${utterance.variant}` : utterance.accent;
  const result = await runCommand(espeak, ['-v', voice, '-s', String(utterance.speed), '-p', String(utterance.pitch), '--stdout', text]);
  if (result.code !== 0 || result.stdout.length < 44) {
    throw new DataSourceError(`espeak-ng failed for voice ${voice} saying "${text}" (exit ${result.code}: ${result.stderr.trim().slice(0, 200)})`);
  }
  return result.stdout;
}

export interface SpeechHeader {
  format: 'svec-speech-logmel-v1';
  classes: { name: string; say: string; group: SpeechGroup; asterisk: string | null }[];
  mel: MelConfig & { frames: number };
  /** per split: clip count and file names (features: count × frames × bands Float32 LE; labels: Uint8) */
  splits: Record<SpeechSplit, { count: number; features: string; labels: string; meta: string }>;
  /** per-band mean and standard deviation of the training features, for normalization */
  trainStats: { mean: number[]; std: number[] };
  littleEndian: true;
}

export interface SpeechOptions {
  sizes?: Partial<SpeechSizes>;
  mel?: MelConfig;
  /** folder holding en_US_f_Allison/ prompts (instead of fetching asterisk-core-sounds-en-wav) */
  asteriskDir?: string;
}

const SPEECH_FORMAT_VERSION = 1;

export function speechFingerprint(seed: number, options: SpeechOptions): { fingerprint: string; resolved: unknown } {
  const sizes = { ...DEFAULT_SPEECH_SIZES, ...options.sizes };
  const resolved = { version: SPEECH_FORMAT_VERSION, seed, sizes, mel: options.mel ?? DEFAULT_MEL_CONFIG, asteriskDir: options.asteriskDir ?? null };
  return { fingerprint: sha256Bytes(canonicalJson(resolved)), resolved };
}

/** Finds the Allison prompt folder under an unpacked asterisk-core-sounds-en-wav (or a given folder). */
function findAllisonDir(root: string): string {
  for (const candidate of [join(root, 'usr/share/asterisk/sounds/en_US_f_Allison'), join(root, 'en_US_f_Allison'), root]) {
    if (existsSync(join(candidate, 'digits'))) return candidate;
  }
  throw new DataSourceError(`no Asterisk prompts (a digits/ folder) under ${root}; the Debian package 'asterisk-core-sounds-en-wav' may have changed layout`);
}

export async function prepareSpeech(ctx: PrepareContext, options: SpeechOptions): Promise<ModalityEntry> {
  const started = Date.now();
  const sizes: SpeechSizes = { ...DEFAULT_SPEECH_SIZES, ...options.sizes };
  const mel = options.mel ?? DEFAULT_MEL_CONFIG;
  const { fingerprint, resolved } = speechFingerprint(ctx.seed, options);
  const classes = speechClasses(sizes.groups);
  if (classes.length === 0 || classes.length > 255) throw new Error('speech needs between 1 and 255 classes');
  const extractor = new MelExtractor(mel);
  const sources: SourceRecord[] = [];
  const scratch = makeScratchDir(ctx.cacheDir, 'speech');
  try {
    const espeakVersion = await ensureEspeak(ctx.tools, ctx.log);
    sources.push({ kind: 'local', name: 'espeak-ng', version: espeakVersion, sha256: '' });

    // Real recordings first: a missing package fails before minutes of synthesis.
    let allisonDir: string;
    if (options.asteriskDir) {
      allisonDir = findAllisonDir(options.asteriskDir);
      sources.push({ kind: 'local', name: 'asterisk prompts', version: options.asteriskDir, sha256: '' });
    } else {
      ctx.log('speech: fetching asterisk-core-sounds-en-wav');
      const fetched = await fetchDebianPackage('asterisk-core-sounds-en-wav', ctx.cacheDir, join(scratch, 'asterisk'), ctx.tools, ctx.log);
      sources.push(fetched.record);
      allisonDir = findAllisonDir(fetched.dir);
    }

    const splitFiles: FileRecord[] = [];
    const header: SpeechHeader = {
      format: 'svec-speech-logmel-v1',
      classes: classes.map(({ name, say, group, asterisk }) => ({ name, say, group, asterisk })),
      mel: { ...mel, frames: extractor.frames },
      splits: {} as SpeechHeader['splits'],
      trainStats: { mean: [], std: [] },
      littleEndian: true,
    };
    const counts: Record<string, number> = { classes: classes.length };
    const clipFloats = extractor.frames * mel.melBands;
    const dir = join(ctx.cacheDir, 'speech');

    const writeSplit = (split: SpeechSplit, features: Float32Array, labels: Uint8Array, metaLines: string[]) => {
      const names = { features: `${split}.f32`, labels: `${split}.labels.u8`, meta: `${split}.meta.tsv` };
      writeTypedArrayAtomic(join(dir, names.features), features);
      writeTypedArrayAtomic(join(dir, names.labels), labels);
      writeFileAtomic(join(dir, names.meta), metaLines.join('\n') + '\n');
      header.splits[split] = { count: labels.length, ...names };
      counts[split] = labels.length;
      for (const name of Object.values(names)) splitFiles.push(recordFile(ctx.cacheDir, `speech/${name}`));
    };

    // Real test set: every class that Asterisk recorded, resampled from 8 kHz to 16 kHz.
    const realClasses = classes.map((c, label) => ({ c, label })).filter(({ c }) => c.asterisk !== null);
    const realFeatures = new Float32Array(realClasses.length * clipFloats);
    const realLabels = new Uint8Array(realClasses.length);
    const realMeta = ['label\tclass\tsource'];
    realClasses.forEach(({ c, label }, i) => {
      const path = join(allisonDir, c.asterisk!);
      if (!existsSync(path)) throw new DataSourceError(`the Asterisk prompt ${c.asterisk} for class '${c.name}' is missing from ${allisonDir}`);
      const clip = wavToClip(readFileSync(path), mel);
      realFeatures.set(extractor.logMel(clip), i * clipFloats);
      realLabels[i] = label;
      realMeta.push(`${label}\t${c.name}\tasterisk:${c.asterisk}`);
      writeFileAtomic(join(dir, 'real-wav', `${c.name}.wav`), encodeWav16(clip, mel.sampleRate));
      splitFiles.push(recordFile(ctx.cacheDir, `speech/real-wav/${c.name}.wav`));
    });
    writeSplit('real', realFeatures, realLabels, realMeta);

    const plans: [SpeechSplit, Utterance[]][] = [
      ['train', drawUtterances(classes.length, sizes.trainPerClass, TRAIN_VARIANTS, ctx.seed, 1)],
      ['validation', drawUtterances(classes.length, sizes.validationPerClass, TRAIN_VARIANTS, ctx.seed, 2)],
      ['test', drawUtterances(classes.length, sizes.testPerClass, TEST_VARIANTS, ctx.seed, 3)],
    ];
    const concurrency = Math.max(2, cpus().length);
    for (const [split, utterances] of plans) {
      const features = new Float32Array(utterances.length * clipFloats);
      const labels = new Uint8Array(utterances.length);
      const meta = ['label\tclass\taccent\tvariant\tspeed\tpitch'];
      let lastReport = Date.now();
      await mapConcurrent(
        utterances,
        concurrency,
        async (u, i) => {
          const wav = await synthesize(ctx.tools.espeakNg, u, classes[u.label]!.say);
          features.set(extractor.logMel(wavToClip(wav, mel)), i * clipFloats);
          labels[i] = u.label;
        },
        (done) => {
          if (Date.now() - lastReport > 5000 || done === utterances.length) {
            lastReport = Date.now();
            ctx.log(`speech: ${split} ${done}/${utterances.length} clips`);
          }
        },
      );
      for (const u of utterances) meta.push(`${u.label}\t${classes[u.label]!.name}\t${u.accent}\t${u.variant || '-'}\t${u.speed}\t${u.pitch}`);
      if (split === 'train') header.trainStats = bandStats(features, mel.melBands);
      writeSplit(split, features, labels, meta);
    }
    writeJsonAtomic(join(dir, 'header.json'), header);
    splitFiles.push(recordFile(ctx.cacheDir, 'speech/header.json'));
    return { fingerprint, options: resolved, sources, counts, files: splitFiles, seconds: (Date.now() - started) / 1000, preparedAt: new Date().toISOString() };
  } finally {
    removeDir(scratch);
  }
}

function bandStats(features: Float32Array, bands: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(bands);
  const sumSq = new Float64Array(bands);
  const rows = features.length / bands;
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < bands; b++) {
      const v = features[r * bands + b]!;
      sum[b] += v;
      sumSq[b] += v * v;
    }
  }
  const mean = Array.from(sum, (s) => s / Math.max(1, rows));
  const std = Array.from(sumSq, (s, b) => Math.sqrt(Math.max(0, s / Math.max(1, rows) - mean[b]! ** 2)));
  return { mean, std };
}

/** One split of the prepared speech set. */
export interface SpeechSplitData {
  header: SpeechHeader;
  count: number;
  /** count × frames × bands, row-major */
  features: Float32Array;
  labels: Uint8Array;
}

export function loadSpeechSplit(cacheDir: string, split: SpeechSplit): SpeechSplitData {
  const dir = join(cacheDir, 'speech');
  const headerPath = join(dir, 'header.json');
  if (!existsSync(headerPath)) throw new Error(`no prepared speech data in ${cacheDir}; run 'svec data prepare' first`);
  const header = JSON.parse(readFileSync(headerPath, 'utf8')) as SpeechHeader;
  const info = header.splits[split];
  return { header, count: info.count, features: readFloat32File(join(dir, info.features)), labels: readUint8File(join(dir, info.labels)) };
}
