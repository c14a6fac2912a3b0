// End-to-end training throughput of the harness as `svec train` runs it, for every algorithm at
// N = 5, 20 and 30 on the default scenario, with an update every slot (off-policy: updateEvery 1
// from the first full minibatch, no random warm-up; on-policy: its default rollouts).
// For each (algorithm, N): `--warmup` episodes (default 10; on-policy: iterations) to warm up
// (JIT, kernels, optimizer slots), then `--episodes` measured episodes (default 5):
//   slots_per_s, updates_per_s  over the measured episodes' wall time
//   update_ms                   mean time of one learner update (off-policy: one round; on-policy: one rollout's)
//   arith_share                 the updates' arithmetic (their OpenBLAS FLOPs at the sgemm speed
//                               measured here at a stacked-layer shape) over their measured time
// Prints one JSON line as the last line:
//   {"name": "train-loop", "rows": [{"algo", "N", "slots_per_s", "updates_per_s", "update_ms", "arith_share"}], ...}
//   npm run bench -- train-loop [--algos dmadrl,ddpg] [--N 5,20,30] [--episodes 5] [--warmup 10] [--hp field=value ...]
// --hp sets a hyperparameter of the algorithms that have it (e.g. --hp denoisingSteps=3, for the
// catalog's cost in K); rows then carry "hp".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { algorithmNames, loadAlgorithm, type AlgorithmModule } from '../src/agents/catalog.ts';
import { defaultScenario } from '../src/config/scenario.ts';
import { blasInfo, initNeuralBackend } from '../src/nn/backend.ts';
import { loadNativeBlas } from '../src/nn/nativeKernels.ts';
import { stackedSgemmGflops } from './sgemmSpeed.ts';
import { runHarness } from '../src/train/harness.ts';
import { svecEnvironment } from '../src/train/run.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? args[k + 1]! : fallback;
};
const algos = option('algos', algorithmNames().join(',')).split(',');
const sizes = option('N', '5,20,30').split(',').map(Number);
const measured = Number(option('episodes', '5'));
// Updates get cheaper over a run's first few hundred rounds (JIT tiers, allocator, caches:
// DMADRL at N = 5 takes ~9 ms per round at first, ~4 ms after 700 rounds), so the measurement
// starts after `--warmup` episodes (on-policy: iterations); long runs are what it predicts.
const warmup = Number(option('warmup', '10'));
/** --hp field=value, repeatable (numbers parsed as numbers) */
const overrides: Record<string, unknown> = {};
args.forEach((a, k) => {
  if (a !== '--hp') return;
  const [field, value] = (args[k + 1] ?? '').split('=');
  if (!field || value === undefined) throw new Error(`--hp takes field=value, got '${args[k + 1]}'`);
  overrides[field] = Number.isFinite(Number(value)) ? Number(value) : value;
});
if (!Number.isInteger(measured) || measured < 1 || !Number.isInteger(warmup) || warmup < 1) throw new Error('--episodes and --warmup must be positive integers');

await initNeuralBackend();
const blas = blasInfo();
const native = loadNativeBlas().blas;

// sgemm speed at a stacked-layer shape (20 groups of 64 x 64 by 64 x 64), best of 30
let sgemmGflops: number | null = null;
let counting = false;
let flops = 0;
if (native) {
  sgemmGflops = stackedSgemmGflops(native);
  const sgemm = native.sgemmStrided;
  native.sgemmStrided = (...a: Parameters<typeof sgemm>) => {
    if (counting) flops += 2 * a[2] * a[3] * a[4] * a[5];
    return sgemm(...a);
  };
}

/** The algorithm with its learners' update() timed and its OpenBLAS FLOPs counted. */
function timed(algorithm: AlgorithmModule, stats: { updates: number; ms: number; flops: number; on: boolean }): AlgorithmModule {
  return {
    schema: algorithm.schema,
    create(hp, spaces, streams) {
      const learner = algorithm.create(hp, spaces, streams);
      const target = learner as unknown as { update: (x: unknown) => unknown };
      const update = target.update.bind(learner);
      target.update = (x: unknown) => {
        if (!stats.on) return update(x);
        const before = flops;
        counting = true;
        const start = performance.now();
        const out = update(x);
        stats.ms += performance.now() - start;
        counting = false;
        stats.flops += flops - before;
        stats.updates++;
        return out;
      };
      return learner;
    },
  };
}

const rows: { algo: string; N: number; slots_per_s: number; updates_per_s: number; update_ms: number; arith_share: number | null; hp?: Record<string, unknown> }[] = [];
for (const algo of algos) {
  const algorithm = await loadAlgorithm(algo);
  for (const N of sizes) {
    const scenario = { ...defaultScenario(), vehicles: N };
    const base = algorithm.schema.parse({}) as Record<string, unknown>;
    const own = Object.fromEntries(Object.entries(overrides).filter(([field]) => field in base));
    const hp = algorithm.schema.parse({
      ...base,
      ...('learningStarts' in base ? { learningStarts: Number(base.batchSize ?? 64), randomWarmupSlots: 0, updateEvery: 1, checkpointEvery: 1000 } : { checkpointEvery: 1000 }),
      ...own,
    }) as Record<string, unknown>;
    const perIteration = Number(hp.parallelEnvs ?? 1);
    const stats = { updates: 0, ms: 0, flops: 0, on: false };
    const stamps: { episode: number; t: number; slots: number }[] = [];
    const dir = mkdtempSync(join(tmpdir(), `svec-train-loop-${algo}-`));
    await runHarness({
      runDir: join(dir, 'run'),
      seed: 1,
      episodes: perIteration * (warmup + measured),
      createEnv: svecEnvironment(scenario),
      algorithm: timed(algorithm, stats),
      hyperparameters: hp,
      resume: false,
      onEpisode: (row) => {
        stamps.push({ episode: row.episode, t: performance.now(), slots: row.totalSlots });
        if (row.episode === perIteration * warmup) stats.on = true; // measure after the warm-up
      },
    });
    rmSync(dir, { recursive: true, force: true });
    const first = stamps[perIteration * warmup - 1]!;
    const last = stamps[stamps.length - 1]!;
    const seconds = (last.t - first.t) / 1000;
    const slots = last.slots - first.slots;
    const arith = sgemmGflops && stats.ms > 0 ? ((stats.flops / 1e9 / sgemmGflops) * 1000) / stats.ms : null;
    const row = {
      algo,
      N,
      slots_per_s: +(slots / seconds).toFixed(1),
      updates_per_s: +(stats.updates / seconds).toFixed(1),
      update_ms: +(stats.ms / Math.max(1, stats.updates)).toFixed(2),
      arith_share: arith === null ? null : +arith.toFixed(3),
      ...(Object.keys(own).length > 0 ? { hp: own } : {}),
    };
    rows.push(row);
    console.error(`train-loop ${algo} N=${N}: ${row.slots_per_s} slots/s, ${row.updates_per_s} updates/s, ${row.update_ms} ms per update, arithmetic share ${row.arith_share}`);
  }
}
console.log(
  JSON.stringify({
    name: 'train-loop',
    rows,
    sgemm_gflops: sgemmGflops && +sgemmGflops.toFixed(1),
    blas: { coreType: blas.coreType, selectedBy: blas.selectedBy },
    measured_episodes: measured,
    warmup_episodes: warmup,
  }),
);
