// `svec data prepare`: fetches and prepares the real data of the semantic codecs (text sentences,
// traffic-sign images, spoken commands) into a cache folder, reproducibly from a seed. A manifest
// records what each modality was prepared with (options fingerprint, sources, counts, file
// hashes); a second run with the same options finds it intact and does nothing.
import { join, resolve } from 'node:path';
import { acquireLock, cleanLeftovers, filesIntact, readJsonIfExists, removeScratchRoot, writeJsonAtomic } from './cache.ts';
import { imageFingerprint, prepareImages, type ImageOptions, type ImageSizes } from './image.ts';
import { DEFAULT_TOOLS, type DataTools } from './sources.ts';
import { prepareSpeech, speechFingerprint, type SpeechOptions, type SpeechSizes } from './speech.ts';
import { prepareText, textFingerprint, type TextOptions } from './text.ts';
import { MODALITIES, type Modality, type ModalityEntry, type PrepareContext } from './types.ts';

export { DEFAULT_CACHE_DIR } from './paths.ts';
export const MANIFEST_FILE = 'manifest.json';

export interface PrepareDataOptions {
  /** where everything goes (default data/cache, git-ignored) */
  cacheDir: string;
  /** modalities to prepare (default: all three) */
  only?: Modality[];
  seed: number;
  sizes?: { image?: Partial<ImageSizes>; speech?: Partial<SpeechSizes>; text?: { validation: number; test: number } };
  onProgress?: (msg: string) => void;
  /** local folders to use instead of downloading (offline machines, tests) */
  sources?: {
    sotuDir?: string;
    brownDir?: string;
    wordnetDir?: string;
    asteriskDir?: string;
    josmJar?: string;
    openclipartDir?: string;
  };
  /** false: traffic signs drawn in code only, without the Debian artwork (default true) */
  artwork?: boolean;
  /** external programs (npm, apt-get, dpkg-deb, tar, espeak-ng) */
  tools?: Partial<DataTools>;
  /** prepare again even when the cache is intact */
  force?: boolean;
}

export interface DataManifest {
  format: 'svec-data-manifest-v1';
  modalities: Partial<Record<Modality, ModalityEntry>>;
  /** what this call did per requested modality (not stored) */
  status?: Partial<Record<Modality, 'prepared' | 'cached'>>;
}

function modalityPlan(options: PrepareDataOptions): Record<Modality, { fingerprint: string; run: (ctx: PrepareContext) => Promise<ModalityEntry> }> {
  const s = options.sources ?? {};
  const text: TextOptions = { sotuDir: s.sotuDir, brownDir: s.brownDir, wordnetDir: s.wordnetDir, fractions: options.sizes?.text };
  const image: ImageOptions = { sizes: options.sizes?.image, artwork: options.artwork, josmJar: s.josmJar, openclipartDir: s.openclipartDir };
  const speech: SpeechOptions = { sizes: options.sizes?.speech, asteriskDir: s.asteriskDir };
  return {
    text: { fingerprint: textFingerprint(options.seed, text).fingerprint, run: (ctx) => prepareText(ctx, text) },
    image: { fingerprint: imageFingerprint(options.seed, image).fingerprint, run: (ctx) => prepareImages(ctx, image) },
    speech: { fingerprint: speechFingerprint(options.seed, speech).fingerprint, run: (ctx) => prepareSpeech(ctx, speech) },
  };
}

/** Reads the manifest of a cache folder (null when nothing was prepared there). */
export function readManifest(cacheDir: string): DataManifest | null {
  return readJsonIfExists<DataManifest>(join(cacheDir, MANIFEST_FILE));
}

/**
 * Prepares the requested modalities into `cacheDir`. Each modality is skipped when the manifest
 * holds an entry with the same options fingerprint and all its files are intact (size and SHA-256).
 * Files are written under temporary names and renamed; a killed run leaves only complete files
 * (its temporary files are removed by the next run).
 */
export async function prepareData(options: PrepareDataOptions): Promise<DataManifest> {
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) throw new Error(`seed must be an integer in [0, 2^32), got ${options.seed}`);
  const log = options.onProgress ?? (() => {});
  const cacheDir = resolve(options.cacheDir); // child processes run in other folders
  const release = acquireLock(cacheDir);
  try {
    const leftovers = cleanLeftovers(cacheDir);
    if (leftovers > 0) log(`removed ${leftovers} temporary file(s) left by an interrupted run`);
    const manifestPath = join(cacheDir, MANIFEST_FILE);
    const stored = readJsonIfExists<DataManifest>(manifestPath);
    const manifest: DataManifest = { format: 'svec-data-manifest-v1', modalities: stored?.format === 'svec-data-manifest-v1' ? stored.modalities : {} };
    const status: NonNullable<DataManifest['status']> = {};
    const ctx: PrepareContext = { cacheDir, seed: options.seed, tools: { ...DEFAULT_TOOLS, ...options.tools }, log };
    const plan = modalityPlan(options);
    const wanted = MODALITIES.filter((m) => !options.only || options.only.includes(m));
    for (const modality of wanted) {
      const previous = manifest.modalities[modality];
      if (!options.force && previous && previous.fingerprint === plan[modality].fingerprint && filesIntact(cacheDir, previous.files)) {
        log(`${modality}: up to date (${describeCounts(previous)})`);
        status[modality] = 'cached';
        continue;
      }
      log(`${modality}: preparing`);
      // Drop the stale entry first: if this run dies, the manifest no longer vouches for old files.
      delete manifest.modalities[modality];
      writeJsonAtomic(manifestPath, manifest);
      const entry = await plan[modality].run(ctx);
      manifest.modalities[modality] = entry;
      writeJsonAtomic(manifestPath, manifest);
      log(`${modality}: done in ${entry.seconds.toFixed(1)} s (${describeCounts(entry)})`);
      status[modality] = 'prepared';
    }
    removeScratchRoot(cacheDir);
    return { ...manifest, status };
  } finally {
    release();
  }
}

function describeCounts(entry: ModalityEntry): string {
  return Object.entries(entry.counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

export { DataSourceError, type DataTools } from './sources.ts';
export type { Modality, ModalityEntry } from './types.ts';
export { GTSRB_CLASSES } from './signs.ts';
export { loadImageSplit, IMAGE_SIZE, type ImageHeader, type ImageSizes, type ImageSplitData } from './image.ts';
export { loadSpeechSplit, speechClasses, type SpeechHeader, type SpeechSizes, type SpeechSplit, type SpeechSplitData } from './speech.ts';
export { loadTextSplit, tokenize, SPECIAL_TOKENS, type Split, type TextHeader } from './text.ts';
export { MelExtractor, DEFAULT_MEL_CONFIG, wavToClip, type MelConfig } from './audio.ts';
