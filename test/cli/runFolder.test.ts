// A run folder has one writer, and a diverging run ends with one clear line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function svec(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/svec.mjs', ...args], { env: { ...process.env, CI: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const small = ['--set', 'vehicles=2', '--set', 'slotsPerEpisode=6', '--hp', 'hiddenSize=8', '--hp', 'batchSize=8', '--hp', 'learningStarts=8', '--hp', 'randomWarmupSlots=4'];

test('two `svec train` on the same --out at once: one fails cleanly naming the holder, and every episode is written once', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'svec-two-writers-')), 'run');
  const args = ['train', '--algo', 'ddpg', '--episodes', '30', '--seed', '1', ...small, '--out', out];
  const [a, b] = await Promise.all([svec(args), svec(args)]);
  const results = [a, b].sort((x, y) => (x.code ?? 9) - (y.code ?? 9));
  assert.equal(results[0]!.code, 0, results[0]!.stderr);
  assert.equal(results[1]!.code, 2, `the second writer: ${results[1]!.stderr}`);
  const line = results[1]!.stderr.trim();
  assert.equal(line.split('\n').length, 1, line);
  // it either found the folder held (naming the holder) or, if it came after, holding a finished run
  assert.match(line, /is in use by process \d+ on .* \(svec train|already holds a run/);
  const episodes = readFileSync(join(out, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[0]));
  assert.deepEqual(
    episodes,
    Array.from({ length: 30 }, (_, k) => k + 1),
    'each episode once, in order',
  );
  assert.ok(!existsSync(join(out, '.lock')), 'the lock is released at the end');
});

test('a resume while the run is being trained is refused by name', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'svec-resume-busy-')), 'run');
  const first = svec(['train', '--algo', 'ddpg', '--episodes', '200', '--seed', '1', ...small, '--out', out]);
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(out, 'checkpoints', 'latest')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const second = await svec(['train', '--resume', out]);
  assert.equal(second.code, 2, second.stderr);
  assert.match(second.stderr, /is in use by process \d+/);
  assert.equal((await first).code, 0);
  const episodes = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').length - 1;
  assert.equal(episodes, 200);
});

test('a diverging run stops with one line and exit status 2, keeping its last good checkpoint', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'svec-diverge-')), 'run');
  const result = await svec([
    'train',
    '--algo',
    'dmadrl',
    '--episodes',
    '40',
    '--seed',
    '1',
    ...small,
    '--hp',
    'denoisingSteps=2',
    '--hp',
    'criticLr=1e30',
    '--hp',
    'actorLr=1e30',
    '--hp',
    'gradientClip=0',
    '--hp',
    'checkpointEvery=1',
    '--out',
    out,
  ]);
  assert.equal(result.code, 2, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^svec: (training diverged|a weight of .* became).*last good checkpoint is kept/);
  assert.ok(existsSync(join(out, 'checkpoints', 'latest')));
});
