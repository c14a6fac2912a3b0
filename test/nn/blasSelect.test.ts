// The choice of OpenBLAS kernels (src/nn/blasSelect.ts): the decision logic with scripted probes
// (fallback to the next candidate, to OpenBLAS's own choice), and, with the addon, real child
// processes where SVEC_BLAS_CHECK_FAIL forces the load-time check to fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreCandidates, coreRank, decideCoreType, judgeCheck, type ProbeResult } from '../../src/nn/blasSelect.ts';
import { blasInfo, initNeuralBackend } from '../../src/nn/backend.ts';
import { skipWithoutNative } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const AVX512_BF16 = new Set(['sse3', 'avx', 'avx2', 'fma', 'avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl', 'avx512_bf16']);
const AVX512 = new Set(['sse3', 'avx', 'avx2', 'fma', 'avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl']);

/** A probe that answers from a table and records what it was asked. */
function scriptedProbe(answers: Record<string, ProbeResult>) {
  const asked: (string | null)[] = [];
  const probe = (core: string | null): ProbeResult => {
    asked.push(core);
    return answers[core ?? 'null'] ?? { ok: false, failure: 'not scripted' };
  };
  return { asked, probe };
}

test('candidates follow the CPU flags, best first', () => {
  assert.deepEqual(coreCandidates(AVX512_BF16), ['Cooperlake', 'SkylakeX', 'Haswell', 'Sandybridge']);
  assert.deepEqual(coreCandidates(AVX512), ['SkylakeX', 'Haswell', 'Sandybridge']);
  assert.deepEqual(coreCandidates(new Set(['avx', 'avx2', 'fma'])), ['Haswell', 'Sandybridge']);
  assert.deepEqual(coreCandidates(new Set(['avx512f', 'avx2'])), []); // partial AVX-512, AVX2 without FMA, no AVX
  assert.deepEqual(coreCandidates(new Set()), []);
  assert.ok(coreRank('Prescott') < coreRank('Haswell') && coreRank('Haswell') < coreRank('SkylakeX'));
  assert.equal(coreRank('SomeFutureCore'), Number.POSITIVE_INFINITY, 'unknown cores are never replaced');
});

test('a generic detection on an AVX-512 CPU is replaced by the best candidate that passes its check', () => {
  const { asked, probe } = scriptedProbe({ null: { ok: true, coreName: 'Prescott', gflops: 40 }, SkylakeX: { ok: true, coreName: 'SkylakeX', gflops: 150 } });
  const d = decideCoreType({ mode: 'auto', envCore: undefined, flags: AVX512, probe });
  assert.deepEqual(asked, [null, 'SkylakeX']);
  assert.equal(d.request, 'SkylakeX');
  assert.equal(d.selectedBy, 'svec');
  assert.equal(d.baseline, 'Prescott');
  assert.equal(d.gflops, 150);
});

test('a candidate that fails its check (or crashes) falls back to the next one', () => {
  const { asked, probe } = scriptedProbe({
    null: { ok: true, coreName: 'Prescott' },
    Cooperlake: { ok: false, failure: 'the process died with SIGILL' },
    SkylakeX: { ok: false, coreName: 'SkylakeX', failure: 'sgemm off by 1e+0' },
    Haswell: { ok: true, coreName: 'Haswell' },
  });
  const d = decideCoreType({ mode: 'auto', envCore: undefined, flags: AVX512_BF16, probe });
  assert.deepEqual(asked, [null, 'Cooperlake', 'SkylakeX', 'Haswell']);
  assert.equal(d.request, 'Haswell');
  assert.match(d.notes.join('\n'), /Cooperlake failed \(the process died with SIGILL\)/);
  assert.match(d.notes.join('\n'), /SkylakeX failed \(sgemm off/);
});

test('when every better candidate fails, OpenBLAS keeps its own choice', () => {
  const { probe } = scriptedProbe({ null: { ok: true, coreName: 'Prescott' } });
  const d = decideCoreType({ mode: 'auto', envCore: undefined, flags: AVX512, probe });
  assert.equal(d.request, null);
  assert.equal(d.selectedBy, 'openblas');
  assert.equal(d.notes.length, 3);
});

test('a detection as good as the best candidate is kept without probing candidates; no flags, no probes', () => {
  const { asked, probe } = scriptedProbe({ null: { ok: true, coreName: 'SkylakeX' } });
  const d = decideCoreType({ mode: 'auto', envCore: undefined, flags: AVX512, probe });
  assert.deepEqual(asked, [null]);
  assert.equal(d.request, null);
  const none = scriptedProbe({});
  assert.equal(decideCoreType({ mode: 'auto', envCore: undefined, flags: new Set(), probe: none.probe }).request, null);
  assert.deepEqual(none.asked, []);
});

test('OPENBLAS_CORETYPE below what the CPU supports is replaced in auto mode, kept with SVEC_BLAS_CORETYPE=openblas', () => {
  const auto = scriptedProbe({ Cooperlake: { ok: true, coreName: 'Cooperlake' } });
  const d = decideCoreType({ mode: 'auto', envCore: 'Haswell', flags: AVX512_BF16, probe: auto.probe });
  assert.deepEqual(auto.asked, ['Cooperlake'], 'the environment names the baseline: no detection probe');
  assert.equal(d.request, 'Cooperlake');
  assert.match(d.notes[0]!, /OPENBLAS_CORETYPE=Haswell .* replaced/);
  const keep = scriptedProbe({});
  const k = decideCoreType({ mode: 'openblas', envCore: 'Haswell', flags: AVX512_BF16, probe: keep.probe });
  assert.deepEqual(keep.asked, []);
  assert.equal(k.request, undefined);
  assert.equal(k.selectedBy, 'env');
  const good = scriptedProbe({});
  assert.equal(decideCoreType({ mode: 'auto', envCore: 'SkylakeX', flags: AVX512, probe: good.probe }).request, 'SkylakeX');
  assert.deepEqual(good.asked, []);
});

test('SVEC_BLAS_CORETYPE=name forces that core, and falls back to auto when it fails', () => {
  const ok = scriptedProbe({ Haswell: { ok: true, coreName: 'Haswell' } });
  const forced = decideCoreType({ mode: 'Haswell', envCore: undefined, flags: AVX512, probe: ok.probe });
  assert.equal(forced.request, 'Haswell');
  assert.equal(forced.selectedBy, 'SVEC_BLAS_CORETYPE');
  const bad = scriptedProbe({ Zen: { ok: false, failure: 'exit status 1' }, null: { ok: true, coreName: 'Prescott' }, SkylakeX: { ok: true, coreName: 'SkylakeX' } });
  const fallback = decideCoreType({ mode: 'Zen', envCore: undefined, flags: AVX512, probe: bad.probe });
  assert.equal(fallback.request, 'SkylakeX');
  assert.match(fallback.notes[0]!, /SVEC_BLAS_CORETYPE=Zen failed/);
});

test('the check judges errors and honours SVEC_BLAS_CHECK_FAIL', () => {
  assert.equal(judgeCheck('SkylakeX', 2e-7, {}).ok, true);
  assert.equal(judgeCheck('SkylakeX', 1e-3, {}).ok, false);
  assert.equal(judgeCheck('SkylakeX', Number.NaN, {}).ok, false);
  assert.equal(judgeCheck('SkylakeX', 2e-7, { SVEC_BLAS_CHECK_FAIL: 'haswell,skylakex' }).ok, false);
  assert.equal(judgeCheck('Cooperlake', 2e-7, { SVEC_BLAS_CHECK_FAIL: 'haswell,skylakex' }).ok, true);
  assert.equal(judgeCheck('Cooperlake', 2e-7, { SVEC_BLAS_CHECK_FAIL: '*' }).ok, false);
});

function runChild(env: NodeJS.ProcessEnv, args: string[] = []) {
  const clean = { ...process.env, ...env };
  delete clean.SVEC_BLAS_SELECTION; // decide afresh, as a top-level process
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete clean[key];
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'blasChild.ts'), ...args], { env: clean, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

test('this process runs checked kernels; blasInfo says which and who chose them', { skip: skipWithoutNative }, async () => {
  await initNeuralBackend({ native: 'auto' });
  const info = blasInfo();
  assert.equal(info.verified, true);
  assert.equal(info.inUse, true);
  assert.match(info.library ?? '', /^OpenBLAS/);
  assert.ok(typeof info.coreType === 'string' && info.coreType.length > 0);
  assert.ok(info.checkError! < 1e-5);
});

test('forcing the chosen kernels to fail their check falls back to the next choice; forcing all falls back to wasm', { skip: skipWithoutNative }, () => {
  const normal = runChild({ SVEC_BLAS_CHECK_FAIL: undefined });
  assert.equal(normal.info.verified, true);
  const chosen: string = normal.info.coreType;
  const fallback = runChild({ SVEC_BLAS_CHECK_FAIL: chosen });
  if (fallback.info.verified) {
    assert.notEqual(fallback.info.coreType.toLowerCase(), chosen.toLowerCase());
    assert.equal(fallback.backend.nativeMatmul, true);
    if (normal.info.selectedBy === 'svec') assert.match(fallback.info.notes.join('\n'), new RegExp(`${chosen} failed \\(check forced to fail`));
  } else {
    // nothing else to fall back to (OpenBLAS's own choice was the one forced to fail): wasm
    assert.equal(fallback.backend.nativeMatmul, false);
  }
  const none = runChild({ SVEC_BLAS_CHECK_FAIL: '*' });
  assert.equal(none.info.verified, false);
  assert.equal(none.info.inUse, false);
  assert.equal(none.backend.nativeMatmul, false);
  assert.match(none.backend.reason, /failed its load-time check: check forced to fail by SVEC_BLAS_CHECK_FAIL/);
});

test('child processes and worker threads get the same kernels as their parent', { skip: skipWithoutNative }, () => {
  const result = runChild({ SVEC_BLAS_CHECK_FAIL: undefined }, ['--spawn']);
  assert.equal(result.child.info.coreType, result.info.coreType);
  assert.equal(result.child.info.inherited, true, "the child took the parent's choice without probing");
  assert.equal(result.child.info.selectedBy, result.info.selectedBy);
  assert.equal(result.child.info.verified, true);
  assert.equal(result.worker.info.coreType, result.info.coreType);
  assert.equal(result.worker.info.selectedBy, result.info.selectedBy);
  assert.equal(result.worker.info.verified, true);
});
