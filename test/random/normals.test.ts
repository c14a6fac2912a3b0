// DMADRL's normals (src/random/normals.ts, native/svec_blas.c's normalFill): svec's own ln, sin
// and cos against Math's, the batched fill against RandomStream.fillNormal, and the C loop
// against its JavaScript twin, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { RandomStreams } from '../../src/random/stream.ts';
import { cosSin, fillNormalWordsJs, lnUnit, nativeNormalFillActive, useNativeNormalFill, type NativeNormalFill } from '../../src/random/normals.ts';
import { nativeLoad, skipWithoutNative } from '../nn/helpers.ts';

test('lnUnit is ln within 1e-15 relative on (0, 1], at the range edges too', () => {
  const rng = new RandomStreams(11).get('tasks');
  const edges = [1, 0.5, 2 ** -53, 2 ** -27, Math.SQRT1_2, Math.SQRT1_2 + 2 ** -53, 1 - 2 ** -53, 0.7071067811865476, 0.9999];
  let worst = 0;
  for (const u of [...edges, ...Array.from({ length: 200_000 }, () => rng.uniform() || 0.5)]) {
    const exact = Math.log(u);
    const error = exact === 0 ? Math.abs(lnUnit(u)) : Math.abs(lnUnit(u) - exact) / Math.abs(exact);
    if (!(error <= worst)) worst = error;
  }
  assert.ok(worst < 1e-15, `worst relative error ${worst}`);
  assert.equal(lnUnit(1), 0);
});

test('cosSin is (cos, sin) within 5e-14 on [0, 2 pi], at the quadrant edges too', () => {
  const rng = new RandomStreams(12).get('tasks');
  const out = new Float64Array(2);
  const edges = Array.from({ length: 9 }, (_, k) => (k * Math.PI) / 4).flatMap((a) => [a, Math.max(0, a - 1e-12), a + 1e-12]);
  let worst = 0;
  for (const a of [...edges, ...Array.from({ length: 200_000 }, () => 2 * Math.PI * rng.uniform())]) {
    cosSin(a, out);
    worst = Math.max(worst, Math.abs(out[0]! - Math.cos(a)), Math.abs(out[1]! - Math.sin(a)));
  }
  assert.ok(worst < 5e-14, `worst absolute error ${worst}`);
});

test('fillNormalFast takes the uniforms fillNormal takes: the same state after, and float32 values that agree', () => {
  for (const counts of [[5], [6], [1, 1, 1], [3, 4, 7], [0, 2, 9, 1], [513, 1000]]) {
    const reference = new RandomStreams(77).get('learner');
    const fast = new RandomStreams(77).get('learner');
    for (const count of counts) {
      const expected = new Float32Array(count);
      reference.fillNormal(expected);
      const got = new Float32Array(count + 2).fill(-9);
      fast.fillNormalFast(got, 1, 1 + count);
      assert.equal(got[0], -9, 'outside [start, end) is untouched');
      assert.equal(got[count + 1], -9);
      for (let k = 0; k < count; k++) assert.ok(Math.abs(got[1 + k]! - expected[k]!) <= 1e-6 * Math.max(1, Math.abs(expected[k]!)), `value ${k} of ${count}`);
      const [r, f] = [reference.getState(), fast.getState()];
      assert.deepEqual(f.words, r.words, 'the same generator state after');
      assert.equal(f.spareNormal === null, r.spareNormal === null, 'a spare cached exactly when fillNormal caches one');
      if (r.spareNormal !== null) assert.ok(Math.abs(f.spareNormal! - r.spareNormal) <= 1e-13);
    }
  }
  // over a million draws the float32 values are fillNormal's, every one (the doubles differ by
  // ~1e-16 relative, so a float32 differs only when a draw lies that close to a rounding edge)
  const reference = new Float32Array(1_000_000);
  const fast = new Float32Array(reference.length);
  new RandomStreams(5).get('policy').fillNormal(reference);
  new RandomStreams(5).get('policy').fillNormalFast(fast);
  let differing = 0;
  for (let k = 0; k < reference.length; k++) if (reference[k] !== fast[k]) differing++;
  assert.equal(differing, 0);
});

test('fast normals are standard normal: moments of a million draws', () => {
  const values = new Float32Array(1_000_000);
  new RandomStreams(9).get('learner').fillNormalFast(values);
  let [m1, m2, m4] = [0, 0, 0];
  for (const v of values) {
    m1 += v;
    m2 += v * v;
    m4 += v ** 4;
  }
  const n = values.length;
  assert.ok(Math.abs(m1 / n) < 0.005, `mean ${m1 / n}`);
  assert.ok(Math.abs(m2 / n - 1) < 0.005, `variance ${m2 / n}`);
  assert.ok(Math.abs(m4 / n - 3) < 0.05, `fourth moment ${m4 / n}`);
});

test("the addon's normalFill gives its JavaScript twin's bits: values, spare and state", { skip: skipWithoutNative }, () => {
  assert.ok(nativeNormalFillActive(), 'loading the addon routes fills to C');
  const fill = (nativeLoad.blas as unknown as { normalFill: NativeNormalFill }).normalFill;
  for (const [seed, start, end] of [
    [1, 0, 0],
    [2, 0, 1],
    [3, 0, 2],
    [4, 3, 514],
    [5, 0, 512],
    [6, 7, 100_007],
  ] as const) {
    const words = Int32Array.from(xoroshiro128plus(seed).getState());
    const twinWords = Int32Array.from(words);
    const out = new Float32Array(end + 3).fill(-7);
    const twin = new Float32Array(end + 3).fill(-7);
    const spare = fill(out, start, end, words);
    const twinSpare = fillNormalWordsJs(twin, start, end, twinWords);
    assert.deepEqual(out, twin, `seed ${seed} [${start}, ${end})`);
    assert.ok(Object.is(spare, twinSpare), `spare ${spare} vs ${twinSpare}`);
    assert.deepEqual(words, twinWords);
  }
  assert.throws(() => fill(new Float32Array(4), 2, 5, new Int32Array(4)), /not within out/);
  assert.throws(() => fill(new Float32Array(4), 0, 4, new Int32Array(3)), /Int32Array of 4 words/);
  // and a stream gives the same draws with the C loop and without it
  const withC = new Float32Array(1001);
  new RandomStreams(21).get('learner').fillNormalFast(withC);
  useNativeNormalFill(null);
  try {
    const withoutC = new Float32Array(1001);
    new RandomStreams(21).get('learner').fillNormalFast(withoutC);
    assert.deepEqual(withC, withoutC);
  } finally {
    useNativeNormalFill(fill);
  }
});
