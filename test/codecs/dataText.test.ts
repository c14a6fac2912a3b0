import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  acceptTokens,
  buildTextDataset,
  normalizeSentences,
  readBrownSentences,
  readSotuSentences,
  readWordnetExamples,
  splitSentences,
  tokenize,
} from '../../src/codecs/data/text.ts';
import { loadTextSplit, prepareData, readManifest, DataSourceError } from '../../src/codecs/data/index.ts';
import { findLeftovers } from '../../src/codecs/data/cache.ts';
import { tempDir, writeTextFixtures } from './dataFixtures.ts';

test('sentence splitting keeps abbreviations and initials inside sentences', () => {
  assert.deepEqual(splitSentences('Mr. Smith went to Washington D.C. on Jan. 5. He met Dr. Jones! "Yes," he said. J. Q. Adams spoke? The U.S. Government agreed.'), [
    'Mr. Smith went to Washington D.C. on Jan. 5.',
    'He met Dr. Jones!',
    '"Yes," he said.',
    'J. Q. Adams spoke?',
    'The U.S. Government agreed.',
  ]);
  assert.deepEqual(splitSentences('no capital after the stop. so one sentence'), ['no capital after the stop. so one sentence']);
});

test('tokenization lowercases, drops punctuation and keeps numbers and apostrophes', () => {
  assert.deepEqual(tokenize('The jury\u2019s report: 1,200,000 voters (3.5 percent) said "Café"!'), [
    'the',
    "jury's",
    'report',
    '1200000',
    'voters',
    '3.5',
    'percent',
    'said',
    'cafe',
  ]);
});

test('sentences of 4 to 30 words are kept, shorter, longer and numeric ones dropped', () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}`).join(' ');
  assert.equal(acceptTokens(tokenize(words(3))), false);
  assert.equal(acceptTokens(tokenize(words(4))), true);
  assert.equal(acceptTokens(tokenize(words(30))), true);
  assert.equal(acceptTokens(tokenize(words(31))), false);
  assert.equal(acceptTokens(tokenize('1 2 3 4 5 total')), false);
  assert.deepEqual(normalizeSentences(['Go home.', 'We must go home now.']), ['we must go home now']);
});

test('the source readers parse the real layouts (SOTU text, tagged Brown, WordNet glosses)', () => {
  const dir = tempDir('text-readers');
  try {
    const f = writeTextFixtures(dir);
    const sotu = readSotuSentences(f.sotuDir);
    assert.ok(sotu.some((s) => s.startsWith('The U.S. Government will keep')));
    assert.ok(!sotu.some((s) => /Applause/.test(s)), 'audience reactions are removed');
    const brown = readBrownSentences(f.brownDir);
    assert.equal(brown[0], "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced no evidence .");
    const wordnet = readWordnetExamples(f.wordnetDir);
    assert.ok(wordnet.includes('the n example number 3 is used in a sentence'));
    assert.ok(!wordnet.some((s) => s.includes('Princeton')), 'the licence header is skipped');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the split is deduplicated, complete and determined by the seed', () => {
  const sources = [
    { name: 'a', sentences: Array.from({ length: 300 }, (_, i) => `sentence number ${i} is here`) },
    { name: 'b', sentences: ['sentence number 5 is here', 'another sentence from b here'] },
  ];
  const one = buildTextDataset(sources, 7);
  const again = buildTextDataset(sources, 7);
  const other = buildTextDataset(sources, 8);
  assert.deepEqual(one.splits, again.splits);
  assert.notDeepEqual(one.splits.train, other.splits.train);
  assert.deepEqual(one.sourceCounts.b, { raw: 2, accepted: 2, unique: 1 });
  const all = [...one.splits.train, ...one.splits.validation, ...one.splits.test];
  assert.equal(all.length, 301);
  assert.equal(new Set(all).size, 301);
  assert.equal(one.splits.test.length, 15);
  assert.equal(one.splits.validation.length, 15);
  assert.deepEqual(
    one.vocabulary.slice(0, 4).map((v) => v.token),
    ['<pad>', '<bos>', '<eos>', '<unk>'],
  );
  assert.equal(one.vocabulary[4]!.token, 'here'); // most frequent token first (ties alphabetical)
});

test('prepareData(text) writes splits and vocabulary, then skips an intact cache; a changed seed or file re-prepares', async () => {
  const dir = tempDir('text-prepare');
  try {
    const sources = writeTextFixtures(join(dir, 'src'));
    const cacheDir = join(dir, 'cache');
    const first = await prepareData({ cacheDir, seed: 3, only: ['text'], sources });
    assert.equal(first.status?.text, 'prepared');
    const entry = first.modalities.text!;
    assert.ok(entry.counts.train! > 50);
    const loaded = loadTextSplit(cacheDir, 'train');
    assert.equal(loaded.sentences.length, entry.counts.train);
    assert.ok(loaded.sentences.every((s) => s.split(' ').length >= 4 && s.split(' ').length <= 30 && s === s.toLowerCase()));
    assert.equal(loaded.vocabulary[0], '<pad>');
    assert.deepEqual(findLeftovers(cacheDir), [], 'no temporary files remain');
    assert.ok(!existsSync(join(cacheDir, 'tmp')));

    const trainPath = join(cacheDir, 'text', 'train.txt');
    const mtime = statSync(trainPath).mtimeMs;
    const second = await prepareData({ cacheDir, seed: 3, only: ['text'], sources });
    assert.equal(second.status?.text, 'cached');
    assert.equal(statSync(trainPath).mtimeMs, mtime, 'a cached run rewrites nothing');

    const bytes = readFileSync(trainPath);
    writeFileSync(trainPath, 'tampered\n');
    const third = await prepareData({ cacheDir, seed: 3, only: ['text'], sources });
    assert.equal(third.status?.text, 'prepared');
    assert.deepEqual(readFileSync(trainPath), bytes, 'same seed, same bytes');

    const fourth = await prepareData({ cacheDir, seed: 4, only: ['text'], sources });
    assert.equal(fourth.status?.text, 'prepared');
    assert.notDeepEqual(readFileSync(trainPath), bytes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('leftovers of a killed run are removed, and a failing source leaves no partial files or manifest entry', async () => {
  const dir = tempDir('text-atomic');
  try {
    const sources = writeTextFixtures(join(dir, 'src'));
    const cacheDir = join(dir, 'cache');
    mkdirSync(join(cacheDir, 'text'), { recursive: true });
    mkdirSync(join(cacheDir, 'tmp', '.partial-text-abc'), { recursive: true });
    writeFileSync(join(cacheDir, 'text', '.partial-999-train.txt'), 'half a file');
    const missingWordnet = { ...sources, wordnetDir: join(dir, 'nowhere') };
    await assert.rejects(prepareData({ cacheDir, seed: 1, only: ['text'], sources: missingWordnet }), (error: unknown) => {
      assert.ok(error instanceof DataSourceError);
      assert.match(error.message, /wordnet-base/);
      return true;
    });
    assert.deepEqual(findLeftovers(cacheDir), []);
    assert.equal(readManifest(cacheDir)?.modalities.text, undefined);
    assert.ok(!existsSync(join(cacheDir, '.lock')), 'the lock is released after a failure');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
