// The built-in policies' cell costs, as `svec reproduce` runs their cells (runCell: Greedy's
// history over the cell's episodes, then the held-out episodes), for the estimate in
// src/experiments/reproduce.ts (estimateCellSeconds):
//   node --import tsx scripts/builtin-cells.ts     -> one JSON line per (policy, N)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScenario } from '../src/config/scenario.ts';
import { cellScenario, runCell } from '../src/experiments/cellTask.ts';
import type { Cell } from '../src/experiments/definitions.ts';
import { DEFAULT_EVAL_SEED } from '../src/experiments/reproduce.ts';

const base = defaultScenario();
const evalEpisodes = 10; // the paper profile's
const dir = mkdtempSync(join(tmpdir(), 'svec-builtin-cells-'));
try {
  for (const [algo, episodes] of [
    ['greedy', 1000],
    ['oracle', 0],
    ['local-only', 0],
  ] as const) {
    for (const vehicles of [5, 20, 30]) {
      const cell: Cell = { key: `${algo}-${vehicles}`, algo, learning: false, seed: 1, episodes, scenario: { vehicles }, hyperparameters: {}, uses: [] };
      const started = performance.now();
      await runCell({ cell, scenario: cellScenario(base, cell), hyperparameters: {}, cellDir: join(dir, cell.key), evalEpisodes, evalSeed: DEFAULT_EVAL_SEED });
      const seconds = (performance.now() - started) / 1000;
      const vehicleSlots = vehicles * (episodes + evalEpisodes) * base.slotsPerEpisode;
      console.log(
        JSON.stringify({
          algo,
          N: vehicles,
          episodes,
          evalEpisodes,
          seconds: Number(seconds.toFixed(3)),
          us_per_vehicle_slot: Number(((seconds / vehicleSlots) * 1e6).toFixed(3)),
        }),
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
