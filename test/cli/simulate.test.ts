import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function svec(args: string[]) {
  return spawnSync(process.execPath, ['bin/svec.mjs', ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
}

test('svec simulate --json prints summaries with the scenario and seed; --out writes the same', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svec-sim-'));
  const outFile = join(dir, 'summary.json');
  const result = svec([
    'simulate',
    '--episodes',
    '1',
    '--policies',
    'local-only,random',
    '--set',
    'vehicles=4',
    '--set',
    'slotsPerEpisode=5',
    '--seed',
    '3',
    '--json',
    '--out',
    outFile,
  ]);
  assert.equal(result.status, 0, result.stderr);
  const record = JSON.parse(result.stdout);
  assert.equal(record.seed, 3);
  assert.equal(record.scenario.vehicles, 4);
  // the measured table is the default, and its provenance names the codec models
  assert.equal(record.fidelityProvenance.provisional, false);
  assert.match(record.fidelityProvenance.models.image.weightsSha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(
    record.results.map((r: { policy: string }) => r.policy),
    ['local-only', 'random'],
  );
  assert.equal(record.results[0].offloadFraction, 0);
  assert.deepEqual(JSON.parse(readFileSync(outFile, 'utf8')), record);
});

test('svec simulate prints a table; bad config exits 2 with the field named', () => {
  const table = svec(['simulate', '--episodes', '1', '--policies', 'local-only', '--set', 'vehicles=3', '--set', 'slotsPerEpisode=3']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /\| local-only +\|/);
  assert.doesNotMatch(table.stdout, /PROVISIONAL/);
  const provisional = svec(['simulate', '--episodes', '1', '--policies', 'local-only', '--set', 'vehicles=3', '--set', 'slotsPerEpisode=3', '--set', 'fidelityTable=provisional']);
  assert.equal(provisional.status, 0, provisional.stderr);
  assert.match(provisional.stdout, /PROVISIONAL/);
  const bad = svec(['simulate', '--set', 'bandwidthHz=-1']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bandwidthHz/);
  assert.equal(bad.stdout, '');
  const unknownPolicy = svec(['simulate', '--policies', 'nope', '--episodes', '1']);
  assert.equal(unknownPolicy.status, 2);
  assert.match(unknownPolicy.stderr, /unknown policy 'nope'/);
});
