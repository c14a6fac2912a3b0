// Paper-scale cells, run as `svec reproduce --profile paper` runs them (its cells, on its worker
// pool, two at a time), each against the duration the profile's estimate gives it
// (docs/performance.md):
//   node --import tsx scripts/paper-cells.ts OUT_DIR ALGO:N[:K] ...   e.g. dmadrl:20 sac:30 dmadrl:20:3
// Each cell is the paper profile's own (seed 1; K: DMADRL's denoising steps, Fig. 11's cells).
// Prints one JSON line, {"cells": [{cell, estimated_s, measured_s}], totals, ratio}, also written
// to OUT_DIR/times.json; a cell already finished in OUT_DIR is not rerun.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadAlgorithm } from '../src/agents/catalog.ts';
import { defaultScenario } from '../src/config/scenario.ts';
import { cellScenario, readCellResult, type CellTask } from '../src/experiments/cellTask.ts';
import { EXPERIMENTS, PROFILES, type ExperimentId } from '../src/experiments/definitions.ts';
import { DEFAULT_EVAL_SEED, estimateCellSeconds, localCellRunner, planCells } from '../src/experiments/reproduce.ts';
import { writeFileAtomic } from '../src/util/io.ts';

const [outDir, ...specs] = process.argv.slice(2);
if (!outDir || specs.length === 0) throw new Error('usage: scripts/paper-cells.ts OUT_DIR ALGO:N[:K] ...');
const profile = PROFILES.paper;
const base = defaultScenario();
const cells = await planCells(Object.keys(EXPERIMENTS).filter((id) => id !== 'mobility') as ExperimentId[], profile, base);
const tasks: CellTask[] = [];
const specOf = new Map<CellTask, string>();
for (const spec of specs) {
  const [algo, n, k] = spec.split(':');
  const wanted = (c: (typeof cells)[number]) =>
    c.algo === algo &&
    c.seed === 1 &&
    cellScenario(base, c).vehicles === Number(n) &&
    Object.keys(c.scenario).every((f) => f === 'vehicles') &&
    (k === undefined ? Object.keys(c.hyperparameters).length === 0 : Object.keys(c.hyperparameters).join() === 'denoisingSteps' && c.hyperparameters.denoisingSteps === Number(k));
  const cell = cells.find(wanted);
  if (!cell) throw new Error(`'${spec}': the paper profile has no such cell (ALGO:N[:K], e.g. dmadrl:20 or dmadrl:20:3)`);
  const schema = (await loadAlgorithm(cell.algo)).schema;
  const task: CellTask = {
    cell,
    scenario: cellScenario(base, cell),
    hyperparameters: schema.parse(cell.hyperparameters) as Record<string, unknown>,
    cellDir: join(outDir, 'cells', `${spec.replaceAll(':', '-')}-${cell.key}`),
    evalEpisodes: profile.evalEpisodes,
    evalSeed: DEFAULT_EVAL_SEED,
  };
  tasks.push(task);
  specOf.set(task, spec);
}
// the most expensive first, as reproduce orders them
tasks.sort((a, b) => estimateCellSeconds(b.cell, b.scenario, b.evalEpisodes) - estimateCellSeconds(a.cell, a.scenario, a.evalEpisodes));
const pending = tasks.filter((t) => !existsSync(join(t.cellDir, 'result.json')));
const workers = Math.min(2, availableParallelism());
await localCellRunner(workers)(pending, {
  progress: () => {},
  finished: (key) => process.stderr.write(`finished ${key}\n`),
  failed: (key, error) => process.stderr.write(`FAILED ${key}: ${error}\n`),
});
const rows = tasks.map((t) => ({
  cell: specOf.get(t)!,
  estimated_s: Number(estimateCellSeconds(t.cell, t.scenario, t.evalEpisodes).toFixed(1)),
  measured_s: Number((readCellResult(t.cellDir)?.wallSeconds ?? Number.NaN).toFixed(1)),
}));
const estimated = rows.reduce((a, r) => a + r.estimated_s, 0);
const measured = rows.reduce((a, r) => a + r.measured_s, 0);
const summary = {
  name: 'paper-cells',
  workers,
  cells: rows,
  estimated_s: Number(estimated.toFixed(1)),
  measured_s: Number(measured.toFixed(1)),
  estimate_over_measured: Number((estimated / measured).toFixed(3)),
};
writeFileAtomic(join(outDir, 'times.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary));
