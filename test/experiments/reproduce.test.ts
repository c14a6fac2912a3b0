import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScenario } from '../../src/config/scenario.ts';
import type { Profile } from '../../src/experiments/definitions.ts';
import { planCells, reproduce } from '../../src/experiments/reproduce.ts';
import { readMetrics } from '../../src/train/metrics.ts';
import { main } from '../../src/cli/main.ts';

// A profile small enough for a test: two tiny learners beside Greedy and the oracle.
const tiny: Profile = {
  name: 'demo',
  description: 'test profile',
  seeds: 1,
  episodes: 2,
  evalEpisodes: 1,
  vehicles: 2,
  sweepStride: 1,
  sweeps: { vehicles: [2, 3] },
  algorithms: ['ddpg', 'mappo', 'greedy', 'oracle'],
  experiments: ['fig4', 'fig5', 'oracle-gap'],
  hyperparameters: { hiddenSize: 8, batchSize: 4, learningStarts: 5, randomWarmupSlots: 3, parallelEnvs: 1, epochs: 1, minibatches: 1, checkpointEvery: 1 },
};

test('svec reproduce: an interrupted sweep resumes without rerunning finished cells; figures and report are written', async () => {
  const out = mkdtempSync(join(tmpdir(), 'svec-reproduce-'));
  const baseScenario = { ...defaultScenario(), slotsPerEpisode: 4 };
  const options = { profile: tiny, outDir: out, baseScenario, workers: 1, evalSeed: 99 };
  const cells = await planCells(tiny.experiments!, tiny, baseScenario);
  // fig4 (2 learners x 2 variants at N = 2) shares its semantic cells with fig5 at N = 2 and the oracle gap
  const fig5Semantic2 = cells.filter((c) => c.algo === 'ddpg' && c.scenario.vehicles === 2 && c.scenario.mode === undefined);
  assert.equal(fig5Semantic2.length, 1);
  assert.deepEqual(fig5Semantic2[0]!.uses.map((u) => u.experiment).sort(), ['fig4', 'fig5', 'oracle-gap']);

  // another base scenario (here: another fidelity table) gives other cells, never reused by mistake
  const otherBase = await planCells(tiny.experiments!, tiny, { ...baseScenario, fidelityTable: 'provisional' });
  assert.equal(otherBase.filter((c) => cells.some((d) => d.key === c.key)).length, 0);

  // 1. A sweep stopped after two cells: the report says what is missing.
  const first = await reproduce({ ...options, maxCells: 2 });
  assert.equal(first.ran, 2);
  const finishedFirst = cells.filter((c) => existsSync(join(out, 'cells', c.key, 'result.json')));
  assert.equal(finishedFirst.length, 2);
  assert.match(readFileSync(first.reportPath, 'utf8'), /## Missing cells/);

  // 2. A cell interrupted after training (its result never written): make one by deleting a
  // finished learning cell's result; its run directory and checkpoints stay.
  const learning = cells.find((c) => c.learning && c.uses.some((u) => u.experiment === 'fig4') && !finishedFirst.some((f) => f.key === c.key))!;
  await reproduce({ ...options, only: ['fig4'], maxCells: 100 });
  const interruptedDir = join(out, 'cells', learning.key);
  const interruptedBefore = JSON.parse(readFileSync(join(interruptedDir, 'result.json'), 'utf8'));
  rmSync(join(interruptedDir, 'result.json'));
  // ... and stopped mid-training: its newest checkpoint is the one after episode 1 of 2
  const checkpoints = join(interruptedDir, 'run', 'checkpoints');
  rmSync(join(checkpoints, 'ep-000002'), { recursive: true });
  writeFileSync(join(checkpoints, 'latest'), 'ep-000001\n');
  // Resuming trains episode 2 only: the cell's first progress report is episode 2, never episode 1.
  const progress: number[] = [];
  await reproduce({ ...options, only: ['fig4'], onProgress: (done) => progress.push(done) });
  const base = progress[0]!;
  assert.ok(!progress.includes(base + 1), `episode 1 was trained again (progress ${progress})`);
  assert.equal(progress[1], base + 2, `progress ${progress}`);
  const keptKey = finishedFirst[0]!.key;
  const keptBefore = readFileSync(join(out, 'cells', keptKey, 'result.json'), 'utf8');

  // 3. The full sweep: finished cells are reused untouched, the interrupted one completes from
  // its checkpoint (no episode trained twice), the rest run.
  const full = await reproduce(options);
  assert.equal(full.failed.length, 0, JSON.stringify(full.failed));
  assert.equal(full.reused + full.ran, cells.length);
  assert.equal(readFileSync(join(out, 'cells', keptKey, 'result.json'), 'utf8'), keptBefore, 'a finished cell is not run again');
  const interruptedAfter = JSON.parse(readFileSync(join(interruptedDir, 'result.json'), 'utf8'));
  assert.deepEqual(interruptedAfter.curve.teamReward, interruptedBefore.curve.teamReward, 'resumed from the checkpoint, same curve');
  assert.equal(readMetrics(join(interruptedDir, 'run')).length, tiny.episodes);
  for (const cell of cells) assert.ok(existsSync(join(out, 'cells', cell.key, 'result.json')), cell.key);

  // Figures (SVG, PNG, CSV), the report with its claims table, and the self-contained HTML.
  for (const name of ['fig4a', 'fig4b', 'fig5a', 'fig5b', 'oracle-gap']) {
    const svg = readFileSync(join(out, 'figures', `${name}.svg`), 'utf8');
    assert.match(svg, /^<svg[\s\S]*<\/svg>\s*$/, name);
    const png = readFileSync(join(out, 'figures', `${name}.png`));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${name}.png signature`);
    assert.ok(existsSync(join(out, 'figures', `${name}.csv`)));
  }
  const report = readFileSync(full.reportPath, 'utf8');
  assert.match(report, /## Claims of Section VI/);
  assert.match(report, /1\.21 times/);
  assert.doesNotMatch(report, /## Missing cells/);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<img src="data:image\/svg\+xml;base64,/);
  assert.doesNotMatch(html, /src="figures\//, 'no figure is linked from outside the file');
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.finished, cells.length);
  // every learning run records what regenerates it
  const runConfig = JSON.parse(readFileSync(join(interruptedDir, 'run', 'config.json'), 'utf8'));
  for (const field of ['scenario', 'seed', 'hyperparameters', 'codeVersion', 'fidelityProvenance']) assert.ok(field in runConfig, field);
  // ... and `svec train --config` of it regenerates the cell's curve exactly
  const regenerated = join(out, 'regenerated');
  const status = await main(['node', 'svec', 'train', '--config', join(interruptedDir, 'run', 'config.json'), '--out', regenerated]);
  assert.equal(status, 0);
  assert.equal(readFileSync(join(regenerated, 'metrics.csv'), 'utf8'), readFileSync(join(interruptedDir, 'run', 'metrics.csv'), 'utf8'));
});

test('svec reproduce --only mobility: the built-ins at N = 20 on the road and both traces, a bar chart per mobility model and a map of each trace', async () => {
  const out = mkdtempSync(join(tmpdir(), 'svec-reproduce-mobility-'));
  try {
    const profile: Profile = { ...tiny, algorithms: ['greedy', 'local-only', 'oracle'], experiments: ['mobility'], episodes: 1 };
    const summary = await reproduce({ profile, outDir: out, baseScenario: { ...defaultScenario(), slotsPerEpisode: 4 }, workers: 1, evalSeed: 99 });
    assert.equal(summary.failed.length, 0, JSON.stringify(summary.failed));
    assert.equal(summary.cells, 3 * 3, 'three policies (greedy with its one seed) x three mobility models');
    for (const name of ['mobility-a', 'mobility-b', 'mobility-c', 'mobility-map-b', 'mobility-map-c']) {
      for (const ext of ['svg', 'png', 'csv']) assert.ok(existsSync(join(out, 'figures', `${name}.${ext}`)), `${name}.${ext}`);
    }
    const report = readFileSync(summary.reportPath, 'utf8');
    assert.match(report, /highway trace/);
    assert.match(report, /urban grid trace/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
