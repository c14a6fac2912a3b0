// Which OpenBLAS kernels svec runs on, chosen before the library loads.
//
// Debian's OpenBLAS (0.3.21, DYNAMIC_ARCH) picks its kernels once, when it is loaded: from
// OPENBLAS_CORETYPE when that is set, else from its own CPU detection, which falls back to a
// generic core (e.g. Prescott, SSE3 only) on CPUs newer than the library. On an AVX-512 CPU the
// SkylakeX kernels are 2-5x faster than Haswell's or Prescott's. So, before the addon opens
// OpenBLAS (native/svec_blas.c loads it with dlopen after setting the variable), svec:
//   1. reads the CPU's flags (/proc/cpuinfo) and lists the core types they support, best first
//      (Cooperlake with avx512_bf16, SkylakeX with AVX-512 F/CD/BW/DQ/VL, Haswell with AVX2 + FMA,
//      Sandybridge with AVX);
//   2. finds what OpenBLAS would run by itself (OPENBLAS_CORETYPE as set, else its detection,
//      asked of a child process) and keeps it when it is as good as the best candidate;
//   3. otherwise tries the better candidates best first, each in a child process that loads
//      OpenBLAS with it and checks its sgemm against a double-precision product (selfCheck in the
//      addon): a core the CPU cannot run dies there (SIGILL), not in svec; a wrong result counts
//      as a failure; the first that passes is chosen, and when none does, OpenBLAS's own choice;
//   4. opens OpenBLAS with the choice in this process and runs the same check again; when it
//      fails, svec uses TF.js's WebAssembly kernels instead (nativeKernels.ts reports why).
// The choice is deterministic (CPU flags and checks, never timings), because the core type
// changes floating-point results: a run is reproducible on one machine, and its config records
// the core type (blasInfo()) so that SVEC_BLAS_CORETYPE can reproduce it elsewhere.
//
// Worker threads share the process's OpenBLAS (the first to open it decides). Child processes
// inherit the choice: it is written to process.env (OPENBLAS_CORETYPE and SVEC_BLAS_SELECTION),
// and a child that finds a consistent SVEC_BLAS_SELECTION skips the probes (it still runs the
// load-time check).
//
// SVEC_BLAS_CORETYPE: 'auto' (default, as above) | 'openblas' (leave OpenBLAS alone: its own
//   detection, or OPENBLAS_CORETYPE as set) | a core type name (that one, checked; if it fails,
//   'auto'). SVEC_BLAS_CHECK_FAIL (tests only): comma-separated core names, or '*', whose check
//   counts as failed.
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';

/** The addon functions this module uses (see native/svec_blas.c). */
export interface BlasLoader {
  open(coreType?: string | null, note?: string): string;
  loaded(): { coreName: string; requested: string | null; library: string; note: string | null } | null;
  selfCheck(): number;
  config(): string;
}

/** A correct float32 product stays below ~K 2^-24 of sum |a b| (K <= 700 in the check); a broken kernel is off by ~1. */
export const CHECK_TOLERANCE = 1e-5;

/** How a core type ranks: a larger number, wider vectors. Unknown names rank highest (never replaced). */
const coreRanks: Record<string, number> = {
  katmai: 1,
  coppermine: 1,
  northwood: 1,
  prescott: 1,
  banias: 1,
  core2: 1,
  penryn: 1,
  dunnington: 1,
  nehalem: 1,
  atom: 1,
  nano: 1,
  athlon: 1,
  opteron: 1,
  opteron_sse3: 1,
  barcelona: 1,
  bobcat: 1,
  unknown: 1,
  sandybridge: 2,
  bulldozer: 2,
  piledriver: 2,
  steamroller: 2,
  excavator: 2,
  haswell: 3,
  zen: 3,
  skylakex: 4,
  cooperlake: 5,
  sapphirerapids: 6,
};

export function coreRank(core: string): number {
  return coreRanks[core.toLowerCase()] ?? Number.POSITIVE_INFINITY;
}

/** The x86 CPU flags of this machine (empty where /proc/cpuinfo is unreadable or not x86). */
export function cpuFlags(): Set<string> {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    return new Set(
      line
        ? line
            .slice(line.indexOf(':') + 1)
            .trim()
            .split(/\s+/)
        : [],
    );
  } catch {
    return new Set();
  }
}

/** OpenBLAS core types the CPU can run, best first. */
export function coreCandidates(flags: ReadonlySet<string>): string[] {
  const has = (...names: string[]) => names.every((name) => flags.has(name));
  const candidates: string[] = [];
  const avx512 = has('avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl');
  if (avx512 && has('avx512_bf16')) candidates.push('Cooperlake');
  if (avx512) candidates.push('SkylakeX');
  if (has('avx2', 'fma')) candidates.push('Haswell');
  if (has('avx')) candidates.push('Sandybridge');
  return candidates;
}

/** What one load of OpenBLAS with a given core type gave. */
export interface ProbeResult {
  ok: boolean;
  /** OpenBLAS's name for the kernels it loaded */
  coreName?: string;
  /** selfCheck's worst normalized error */
  checkError?: number;
  /** sgemm 256 x 256 x 256, best of 5 (only from child probes) */
  gflops?: number;
  /** why it is not ok */
  failure?: string;
}

export type SelectedBy = 'svec' | 'openblas' | 'env' | 'SVEC_BLAS_CORETYPE';

/** The decision before loading: which core type to request, and why. */
export interface CoreDecision {
  /** the core type to set in OPENBLAS_CORETYPE; null: OpenBLAS's own detection; undefined: leave the environment alone */
  request: string | null | undefined;
  selectedBy: SelectedBy;
  /** what OpenBLAS would run without svec (its detection, or OPENBLAS_CORETYPE), when known */
  baseline?: string;
  /** measured in the probe of the chosen core */
  gflops?: number;
  /** candidates tried and failed, overrides made */
  notes: string[];
}

export interface DecisionContext {
  /** SVEC_BLAS_CORETYPE */
  mode: string;
  /** OPENBLAS_CORETYPE as set in the environment ('' counts as unset) */
  envCore: string | undefined;
  flags: ReadonlySet<string>;
  /** loads OpenBLAS in a child process: core null = its own detection */
  probe: (core: string | null) => ProbeResult;
}

/** The selection logic (steps 1-3 of the header), free of I/O so that tests can drive it. */
export function decideCoreType(ctx: DecisionContext): CoreDecision {
  const notes: string[] = [];
  const mode = ctx.mode || 'auto';
  if (mode === 'openblas') return { request: undefined, selectedBy: ctx.envCore ? 'env' : 'openblas', baseline: ctx.envCore, notes };
  if (mode !== 'auto') {
    const result = ctx.probe(mode);
    if (result.ok) return { request: mode, selectedBy: 'SVEC_BLAS_CORETYPE', gflops: result.gflops, notes };
    notes.push(`SVEC_BLAS_CORETYPE=${mode} failed (${result.failure}); choosing automatically`);
  }
  const candidates = coreCandidates(ctx.flags);
  // What OpenBLAS runs without svec: OPENBLAS_CORETYPE when set, else its own detection.
  let baseline: ProbeResult | null = null;
  let baselineName: string | undefined = ctx.envCore;
  const keepBaseline = (): CoreDecision => ({
    request: ctx.envCore ? ctx.envCore : null,
    selectedBy: ctx.envCore ? 'env' : 'openblas',
    baseline: baselineName,
    gflops: baseline?.gflops,
    notes,
  });
  if (candidates.length === 0) return keepBaseline();
  if (!baselineName) {
    baseline = ctx.probe(null);
    baselineName = baseline.coreName;
    if (!baseline.ok) notes.push(`OpenBLAS's own detection${baselineName ? ` (${baselineName})` : ''} failed its check (${baseline.failure})`);
  }
  const baselineRank = baselineName && (baseline === null || baseline.ok) ? coreRank(baselineName) : 0;
  const better = candidates.filter((c) => coreRank(c) > baselineRank);
  if (better.length === 0) return keepBaseline();
  for (const core of better) {
    const result = ctx.probe(core);
    if (result.ok && result.coreName?.toLowerCase() === core.toLowerCase()) {
      if (ctx.envCore) notes.push(`OPENBLAS_CORETYPE=${ctx.envCore} from the environment replaced by ${core}, which this CPU supports (SVEC_BLAS_CORETYPE=openblas keeps it)`);
      else notes.push(`OpenBLAS's own detection (${baselineName ?? 'unknown'}) replaced by ${core}, which this CPU supports`);
      return { request: core, selectedBy: 'svec', baseline: baselineName, gflops: result.gflops, notes };
    }
    notes.push(`${core} failed (${result.ok ? `OpenBLAS loaded ${result.coreName}` : result.failure})`);
  }
  return keepBaseline();
}

/** Core names whose check SVEC_BLAS_CHECK_FAIL forces to fail ('*' = all). */
export function forcedCheckFailure(core: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const list = (env.SVEC_BLAS_CHECK_FAIL ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return list.includes('*') || (core !== undefined && list.includes(core.toLowerCase()));
}

/** Judges a check's error (and the test hook) for the kernels named `core`. */
export function judgeCheck(core: string | undefined, error: number, env: NodeJS.ProcessEnv = process.env): { ok: boolean; failure?: string } {
  if (forcedCheckFailure(core, env)) return { ok: false, failure: 'check forced to fail by SVEC_BLAS_CHECK_FAIL' };
  if (!(error <= CHECK_TOLERANCE)) return { ok: false, failure: `sgemm off by ${error.toExponential(2)} of sum |a b| (tolerance ${CHECK_TOLERANCE})` };
  return { ok: true };
}

/** Loads OpenBLAS with `core` in a child process: its check, its speed, or how it died. */
export function probeInChild(addonPath: string, core: string | null): ProbeResult {
  const script = `
    const b = require(${JSON.stringify(addonPath)});
    const coreName = b.open(${core === null ? 'null' : JSON.stringify(core)});
    const checkError = b.selfCheck();
    const n = 256, a = new Float32Array(n * n).fill(0.5), c = new Float32Array(n * n);
    let best = Infinity;
    for (let r = 0; r < 6; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 3; i++) b.sgemmStrided(false, false, 1, n, n, n, a, 0, 0, a, 0, 0, c, 0, 0);
      if (r > 0) best = Math.min(best, Number(process.hrtime.bigint() - start) / 3e9);
    }
    process.stdout.write(JSON.stringify({ coreName, checkError, gflops: (2 * n * n * n) / best / 1e9 }));`;
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // a bare require needs no loaders
  delete env.OPENBLAS_CORETYPE; // null: OpenBLAS's own detection (open(null) also unsets it)
  const child = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 30_000 });
  if (child.error) return { ok: false, failure: `the probe could not run: ${child.error.message}` };
  if (child.status !== 0) {
    const why = child.signal ? `the process died with ${child.signal}` : `exit status ${child.status}`;
    const line = (child.stderr ?? '').split('\n').find((l) => /error/i.test(l));
    return { ok: false, failure: line ? `${why}: ${line.trim()}` : why };
  }
  try {
    const parsed = JSON.parse(child.stdout) as { coreName: string; checkError: number; gflops: number };
    const verdict = judgeCheck(parsed.coreName, parsed.checkError);
    return { ...verdict, coreName: parsed.coreName, checkError: parsed.checkError, gflops: +parsed.gflops.toFixed(1) };
  } catch {
    return { ok: false, failure: `unreadable probe output: ${child.stdout.slice(0, 100)}` };
  }
}

/** What svec runs its matrix products on; recorded in run configs and printed by `svec doctor`. */
export interface BlasInfo {
  /** e.g. 'OpenBLAS 0.3.21'; null when the addon is unavailable (TF.js's wasm kernels) */
  library: string | null;
  /** the shared library loaded */
  libraryPath?: string;
  /** OpenBLAS's name for the kernels in use (openblas_get_corename), null without OpenBLAS */
  coreType: string | null;
  /** what OpenBLAS would have run without svec, when known */
  baseline?: string;
  /** who chose coreType: svec (a better core than OpenBLAS's choice), openblas (its own detection), env (OPENBLAS_CORETYPE), SVEC_BLAS_CORETYPE */
  selectedBy: SelectedBy | 'none';
  /** whether the load-time check of sgemm against a double-precision product passed in this process */
  verified: boolean;
  checkError?: number;
  /** sgemm 256^3 GFLOP/s of the chosen kernels, measured in the probe (absent when no probe ran) */
  gflops?: number;
  /** the choice came from the parent process (SVEC_BLAS_SELECTION) */
  inherited?: boolean;
  notes: string[];
  /** why OpenBLAS is not in use, when it is not */
  reason?: string;
}

const SELECTION_VARIABLE = 'SVEC_BLAS_SELECTION';

interface InheritedSelection {
  mode: string;
  request: string | null | undefined;
  info: BlasInfo;
}

function inheritedSelection(mode: string): InheritedSelection | null {
  const raw = process.env[SELECTION_VARIABLE];
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as InheritedSelection;
    if (parsed.mode !== mode || !parsed.info) return null;
    // consistent with the environment it left: the requested core is what OPENBLAS_CORETYPE says
    const envCore = process.env.OPENBLAS_CORETYPE || undefined;
    if (typeof parsed.request === 'string' ? envCore !== parsed.request : parsed.request === null && envCore !== undefined) return null;
    return parsed;
  } catch {
    return null;
  }
}

let current: BlasInfo | null = null;

/**
 * Chooses the core type, opens OpenBLAS with it and checks it (steps 1-4 of the header).
 * Returns the info; `verified` false (with `reason`) means: do not use this OpenBLAS.
 */
export function openSelectedBlas(blas: BlasLoader, addonPath: string): BlasInfo {
  if (current) return current;
  const mode = process.env.SVEC_BLAS_CORETYPE || 'auto';
  const already = blas.loaded(); // another worker thread of this process opened it
  let decision: CoreDecision;
  let inherited = false;
  const parent = already ? null : inheritedSelection(mode);
  if (already) {
    // the decision of the thread that opened it (it kept it in the addon), else a guess
    let kept: CoreDecision | null = null;
    try {
      kept = already.note ? (JSON.parse(already.note) as CoreDecision) : null;
    } catch {
      kept = null;
    }
    decision = kept ? kept : { request: undefined, selectedBy: already.requested ? 'svec' : 'openblas', notes: ['opened by another thread of this process'] };
  } else if (parent) {
    decision = {
      request: parent.request,
      selectedBy: parent.info.selectedBy === 'none' ? 'openblas' : parent.info.selectedBy,
      baseline: parent.info.baseline,
      gflops: parent.info.gflops,
      notes: parent.info.notes,
    };
    inherited = true;
  } else {
    decision = decideCoreType({
      mode,
      envCore: process.env.OPENBLAS_CORETYPE || undefined,
      flags: cpuFlags(),
      probe: (core) => probeInChild(addonPath, core),
    });
  }
  let coreName: string;
  try {
    coreName = already ? blas.open() : blas.open(decision.request, JSON.stringify(decision));
  } catch (err) {
    current = { library: null, coreType: null, selectedBy: 'none', verified: false, notes: decision.notes, reason: (err as Error).message };
    return current;
  }
  const loaded = blas.loaded();
  const version = /OpenBLAS\s+[\d.]+/.exec(blas.config())?.[0] ?? 'OpenBLAS';
  let libraryPath = loaded?.library;
  try {
    if (libraryPath) libraryPath = realpathSync(libraryPath);
  } catch {
    // keep the name dlopen reported
  }
  const checkError = blas.selfCheck();
  const verdict = judgeCheck(coreName, checkError);
  current = {
    library: version,
    libraryPath,
    coreType: coreName,
    ...(decision.baseline ? { baseline: decision.baseline } : {}),
    selectedBy: decision.selectedBy,
    verified: verdict.ok,
    checkError,
    ...(decision.gflops !== undefined ? { gflops: decision.gflops } : {}),
    ...(inherited ? { inherited } : {}),
    notes: decision.notes,
    ...(verdict.ok ? {} : { reason: `OpenBLAS (${coreName}) failed its load-time check: ${verdict.failure}` }),
  };
  // Hand the choice down to child processes (worker threads share this OpenBLAS anyway).
  if (decision.request) process.env.OPENBLAS_CORETYPE = decision.request;
  else if (decision.request === null) delete process.env.OPENBLAS_CORETYPE;
  const { inherited: _drop, ...forChildren } = current;
  process.env[SELECTION_VARIABLE] = JSON.stringify({ mode, request: decision.request, info: forChildren } satisfies InheritedSelection);
  return current;
}

/** The kernels chosen in this thread, or null before the addon was loaded here. */
export function selectedBlasInfo(): BlasInfo | null {
  return current;
}
