// Training throughput: one full DMADRL update round of all N agents (target actions, critic step,
// actor step through K denoising steps, soft updates) on a shared minibatch, at N in {5, 10, 20},
// K in {1, 7}, at the default sizes and at H = 256, B = 256. Reported as agent-updates per second
// (N / seconds per round). When Debian's PyTorch is installed (`apt-get install python3-torch`),
// the reference ../shared/bench/ref_dmadrl_torch.py runs at the same sizes in the same run and
// its `ds_agent_updates_per_s` (one shared minibatch per round, the same scheme) is the reference.
// The reference runs with OPENBLAS_CORETYPE set to the core type svec's own OpenBLAS runs
// (src/nn/blasSelect.ts), so both sides multiply with the same kernels; the JSON records it, and
// what PyTorch's OpenBLAS reported (openblas_get_corename through ctypes, same environment).
// Both sides count the median of *clean* repeats (no run-queue wait: the reference's own rule,
// bench/cleanTiming.ts for svec), so a busy machine disturbs neither more than the other.
// The model is the reference's (--svec-model reference, the default): observations of 5, an
// action of 4 continuous values, the noise-form reverse step (denoisedBound 'none'), one critic
// evaluation in the actor step. --svec-model svec runs SVEC's own action instead (a binary
// offloading choice and 3 continuous values, the tanh-bounded step and the expected gradient
// over both choices: two critic evaluations in the actor step), as the rows before 2026-12-01
// (second session) did. Both sides take the best of their thread counts (--svec-threads and
// --reference-threads, default 1,2 each): OpenBLAS threads for svec, PyTorch's intra-op threads
// for the reference, whose OpenBLAS runs its products on both cores at either count (the JSON's
// reference_cores_by_threads: about 2.0 at 1 and at 2; 2 is the slower count here).
//
//   npm run bench -- train-throughput [--quick] [--no-reference] [--reference PATH] [--reference-threads LIST] [--svec-threads LIST] [--svec-model reference|svec] [--repeats R] [--act relu|mish]
// (--reference: the reference script, default ../shared/bench/ref_dmadrl_torch.py beside the checkout;
//  --reference-threads 1,2: PyTorch runs once per intra-op thread count and its best counts;
//  default 1,2. At 1 its OpenBLAS still uses both cores; 2 is slower here.)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DmadrlAgent, DmadrlConfigSchema } from '../src/agents/dmadrl.ts';
import { ReplayMemory } from '../src/agents/replay.ts';
import { blasInfo, initNeuralBackend, setNativeThreads } from '../src/nn/backend.ts';
import { RandomStreams } from '../src/random/stream.ts';
import { timeClean } from './cleanTiming.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const useReference = !args.includes('--no-reference');
const repeatsArg = args.indexOf('--repeats');
const repeats = repeatsArg >= 0 ? Number(args[repeatsArg + 1]) : quick ? 3 : 5;
const actArg = args.indexOf('--act');
const activation = (actArg >= 0 ? args[actArg + 1] : 'relu') as 'relu' | 'mish';
if (activation !== 'relu' && activation !== 'mish') throw new Error(`--act must be relu or mish, got ${activation}`);
const modelArg = args.indexOf('--svec-model');
const svecModel = modelArg >= 0 ? args[modelArg + 1] : 'reference';
if (svecModel !== 'reference' && svecModel !== 'svec') throw new Error(`--svec-model must be reference or svec, got ${svecModel}`);
const svecThreadsArg = args.indexOf('--svec-threads');
const svecThreads = (svecThreadsArg >= 0 ? args[svecThreadsArg + 1]! : '1,2').split(',').map(Number);
if (svecThreads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error(`--svec-threads must list positive integers, got ${args[svecThreadsArg + 1]}`);
const backend = await initNeuralBackend();
const blas = blasInfo();
/** The environment of the reference: the same OpenBLAS kernels as svec's. */
const referenceEnv: NodeJS.ProcessEnv = { ...process.env, ...(blas.coreType ? { OPENBLAS_CORETYPE: blas.coreType } : {}) };

const OBS_DIM = 5;
const defaults = DmadrlConfigSchema.parse({});
const sizes = [
  { H: defaults.hiddenSize, B: defaults.batchSize },
  { H: 256, B: 256 },
];
const agentsList = quick ? [5, 20] : [5, 10, 20];
const stepsList = [1, 7];

/** The actions svec trains on: the reference's (4 continuous values) or SVEC's (a binary choice and 3 values). */
const svecAction = svecModel === 'reference' ? { discrete: [] as number[], continuous: 4 } : { discrete: [2], continuous: 3 };
const actionWidth = svecAction.discrete.reduce((a, b) => a + b, 0) + svecAction.continuous;

function measureSvec(N: number, K: number, H: number, B: number, threads: number): { updatesPerS: number; clean: string } {
  if (setNativeThreads(threads) === null && threads !== 1) throw new Error('--svec-threads above 1 needs the native addon');
  const streams = new RandomStreams(1);
  const agent = new DmadrlAgent(
    DmadrlConfigSchema.parse({ hiddenSize: H, batchSize: B, denoisingSteps: K, activation, ...(svecModel === 'reference' ? { denoisedBound: 'none' } : {}) }),
    { agents: N, observationSize: OBS_DIM, action: svecAction },
    {
      init: streams.get('init'),
      policy: streams.get('policy'),
      learner: streams.get('learner'),
    },
  );
  const memory = new ReplayMemory({ capacity: 2048, agents: N, obsDim: OBS_DIM, actionDim: actionWidth, priorityAlpha: 0 });
  const rng = streams.get('tasks');
  const vec = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniformIn(lo, hi));
  for (let k = 0; k < 2048; k++)
    memory.add(vec(N * OBS_DIM, 0, 1), vec(N * actionWidth, -1, 1), vec(N, -1, 1), vec(N * OBS_DIM, 0, 1), new Float32Array(N).fill(k % 50 === 49 ? 1 : 0));
  const replayRng = streams.get('replay');
  agent.update(memory.sample(B, replayRng)); // warm-up (kernels, optimizer slots)
  // the reference's rule: the median of clean repeats (no run-queue wait), see bench/cleanTiming.ts
  const timing = timeClean(() => agent.update(memory.sample(B, replayRng)), repeats, { timeCapS: quick ? 20 : 60 });
  agent.dispose();
  setNativeThreads(1);
  return { updatesPerS: N / (timing.median_ms / 1e3), clean: `${timing.clean}/${timing.total}` };
}

const here = dirname(fileURLToPath(import.meta.url));
const referenceArg = args.indexOf('--reference');
const referenceScript = referenceArg >= 0 ? resolve(args[referenceArg + 1]!) : resolve(here, '..', '..', 'shared', 'bench', 'ref_dmadrl_torch.py');
function torchAvailable(): boolean {
  if (!useReference || !existsSync('/usr/bin/python3') || !existsSync(referenceScript)) return false;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const haveTorch = torchAvailable();

/** The core type PyTorch's OpenBLAS runs under referenceEnv (it is the same libopenblas.so.0). */
function referenceCoreType(): string | null {
  if (!haveTorch) return null;
  try {
    const script = "import torch, ctypes; lib = ctypes.CDLL('libopenblas.so.0'); lib.openblas_get_corename.restype = ctypes.c_char_p; print(lib.openblas_get_corename().decode())";
    return execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', env: referenceEnv }).trim();
  } catch {
    return null;
  }
}
const referenceCore = referenceCoreType();

const threadsArg = args.indexOf('--reference-threads');
const referenceThreads = (threadsArg >= 0 ? args[threadsArg + 1]! : '1,2').split(',').map(Number);
if (referenceThreads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error(`--reference-threads must list positive integers, got ${args[threadsArg + 1]}`);

/**
 * The reference's agent-updates/s at each thread count, and the cores it kept busy (its own CPU
 * time over the measurement's wall time): torch.set_num_threads sets PyTorch's intra-op threads,
 * while Debian's OpenBLAS keeps its own pool of one thread per core, so at 1 the reference's
 * products still run on both cores (about 2.0 here).
 */
function measureReference(N: number, K: number, H: number, B: number): { byThreads: Record<string, number>; cores: Record<string, number> } | null {
  if (!haveTorch) return null;
  const byThreads: Record<string, number> = {};
  const cores: Record<string, number> = {};
  for (const threads of referenceThreads) {
    const out = execFileSync(
      '/usr/bin/python3',
      [
        referenceScript,
        '--N',
        String(N),
        '--H',
        String(H),
        '--B',
        String(B),
        '--K',
        String(K),
        '--act',
        activation,
        '--threads',
        String(threads),
        '--skip',
        'a,b,c',
        '--repeats',
        String(repeats),
        '--time-cap',
        quick ? '20' : '60',
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24, env: referenceEnv },
    );
    const line = out.trim().split('\n').pop()!;
    const result = JSON.parse(line) as { ds_agent_updates_per_s: number; bs_round_shared_next: { own_cores: number } };
    byThreads[String(threads)] = +result.ds_agent_updates_per_s.toFixed(2);
    cores[String(threads)] = +result.bs_round_shared_next.own_cores.toFixed(2);
  }
  return { byThreads, cores };
}

const rows: {
  N: number;
  K: number;
  H: number;
  B: number;
  svec_updates_per_s: number;
  svec_clean_repeats: string;
  svec_by_threads: Record<string, number>;
  reference_updates_per_s: number | null;
  reference_by_threads: Record<string, number> | null;
  /** cores the reference kept busy at each thread count (its CPU time over wall time) */
  reference_cores_by_threads: Record<string, number> | null;
  ratio: number | null;
}[] = [];
for (const { H, B } of sizes) {
  for (const N of agentsList) {
    for (const K of stepsList) {
      const svecByThreads: Record<string, number> = {};
      const cleanByThreads: Record<string, string> = {};
      for (const threads of svecThreads) {
        const measured = measureSvec(N, K, H, B, threads);
        svecByThreads[String(threads)] = +measured.updatesPerS.toFixed(2);
        cleanByThreads[String(threads)] = measured.clean;
      }
      const bestThreads = Object.keys(svecByThreads).reduce((a, b) => (svecByThreads[b]! > svecByThreads[a]! ? b : a));
      const svec = svecByThreads[bestThreads]!;
      const clean = cleanByThreads[bestThreads]!;
      const measured = measureReference(N, K, H, B);
      const byThreads = measured && measured.byThreads;
      const reference = byThreads === null ? null : Math.max(...Object.values(byThreads));
      const row = {
        N,
        K,
        H,
        B,
        svec_updates_per_s: +svec.toFixed(2),
        svec_clean_repeats: clean,
        svec_by_threads: svecByThreads,
        reference_updates_per_s: reference,
        reference_by_threads: byThreads,
        reference_cores_by_threads: measured && measured.cores,
        ratio: reference === null ? null : +(svec / reference).toFixed(3),
      };
      rows.push(row);
      console.error(JSON.stringify(row));
    }
  }
}
console.log(
  JSON.stringify({
    name: 'train-throughput',
    backend,
    blas_core: blas.coreType,
    blas_selected_by: blas.selectedBy,
    reference_blas_core: referenceCore,
    activation,
    svec_model:
      svecModel === 'reference'
        ? "the reference's: obs 5, 4 continuous actions, noise-form step"
        : "SVEC's: a binary choice + 3 continuous, tanh-bounded step, expected choice gradient",
    svec_threads: `best of ${svecThreads.join(', ')}`,
    repeats,
    reference: haveTorch ? `ref_dmadrl_torch.py ds_agent_updates_per_s (PyTorch, best of ${referenceThreads.join(', ')} threads, ${activation})` : null,
    rows,
  }),
);
