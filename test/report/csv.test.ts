import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvColumns, parseCsv, readCsv, toCsv, writeCsv } from '../../src/report/csv.ts';

test('CSV round trip keeps commas, quotes, line breaks, unicode and empty fields', () => {
  const rows = [
    { name: 'plain', note: 'a, b and c', quote: 'he said "hi"', lines: 'one\ntwo\r\nthree', empty: '' },
    { name: 'λ = 0.4 — ünïcode', note: ' leading and trailing ', quote: '"', lines: ',', empty: '' },
  ];
  const text = toCsv(rows);
  assert.equal(text.split('\n')[0], 'name,note,quote,lines,empty');
  assert.ok(text.includes('"a, b and c"'));
  assert.ok(text.includes('"he said ""hi"""'));
  assert.deepEqual(parseCsv(text), rows);
});

test('numbers, booleans, null and missing keys are written predictably and numbers read back', () => {
  const rows = [
    { algorithm: 'dmadrl', mean: 0.1 + 0.2, n: 5, ok: true, missing: null },
    { algorithm: 'sac', mean: -1e-12, n: 1, ok: false, extra: Number.NaN },
    { algorithm: '007', mean: Number.POSITIVE_INFINITY, n: 0 },
  ];
  assert.deepEqual(csvColumns(rows), ['algorithm', 'mean', 'n', 'ok', 'missing', 'extra']);
  const text = toCsv(rows);
  assert.equal(text, 'algorithm,mean,n,ok,missing,extra\n' + 'dmadrl,0.30000000000000004,5,true,,\n' + 'sac,-1e-12,1,false,,NaN\n' + '007,Infinity,0,,,\n');
  const back = parseCsv(text, { numbers: true });
  assert.equal(back[0]!.mean, 0.1 + 0.2); // shortest round-trip form: exact
  assert.equal(back[1]!.mean, -1e-12);
  assert.ok(Number.isNaN(back[1]!.extra as number));
  assert.equal(back[2]!.mean, Number.POSITIVE_INFINITY);
  assert.equal(back[0]!.ok, 'true');
  assert.equal(back[0]!.missing, '');
  assert.equal(parseCsv(text)[2]!.algorithm, '007'); // strings stay strings without the option
  assert.equal(toCsv([]), '');
});

test('writeCsv writes atomically (no temporary file left) and readCsv reads it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svec-csv-'));
  const path = join(dir, 'table.csv');
  writeCsv(path, [{ a: 1, b: 'x,y' }], ['b', 'a']);
  assert.deepEqual(readdirSync(dir), ['table.csv']);
  assert.equal(readFileSync(path, 'utf8'), 'b,a\n"x,y",1\n');
  assert.deepEqual(readCsv(path, { numbers: true }), [{ b: 'x,y', a: 1 }]);
});
