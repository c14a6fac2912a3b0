// The DMADRL reverse step's tanh (native/tanhf_fdlibm.h: fdlibm's tanhf, written without branches
// so that it vectorizes) against fdlibm's tanhf as written, branches and all, ported below with
// Math.fround after every float operation. glibc 2.36's tanhf is this fdlibm code (compared on all
// 2^32 inputs by scripts/check-tanhf.c); this test holds on any C library, because the addon no
// longer calls the C library's tanhf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initNeuralBackend } from '../../src/nn/backend.ts';
import { setFusedOps } from '../../src/nn/fusedOps.ts';
import { skipWithoutNative } from './helpers.ts';

const f = Math.fround;
const word = new DataView(new ArrayBuffer(4));
function bitsOf(x: number): number {
  word.setFloat32(0, x);
  return word.getInt32(0);
}
function floatOf(bits: number): number {
  word.setInt32(0, bits);
  return word.getFloat32(0);
}

// fdlibm s_expm1f.c (as in glibc 2.36), float32 arithmetic
function expm1f(xIn: number): number {
  let x = f(xIn);
  const hxSigned = bitsOf(x);
  const negative = hxSigned < 0;
  const hx = hxSigned & 0x7fffffff;
  if (hx >= 0x4195b844) {
    if (hx >= 0x42b17218) {
      if (hx > 0x7f800000) return f(x + x);
      if (hx === 0x7f800000) return negative ? -1 : x;
      if (x > f(88.721679688)) return Infinity;
    }
    if (negative) return -1;
  }
  let k: number;
  let c = 0;
  if (hx > 0x3eb17218) {
    let hi: number;
    let lo: number;
    if (hx < 0x3f851592) {
      hi = negative ? f(x + f(6.9313812256e-1)) : f(x - f(6.9313812256e-1));
      lo = negative ? -f(9.0580006145e-6) : f(9.0580006145e-6);
      k = negative ? -1 : 1;
    } else {
      k = Math.trunc(f(f(f(1.4426950216) * x) + (negative ? -0.5 : 0.5)));
      const t = k;
      hi = f(x - f(t * f(6.9313812256e-1)));
      lo = f(t * f(9.0580006145e-6));
    }
    x = f(hi - lo);
    c = f(f(hi - x) - lo);
  } else if (hx < 0x33000000) {
    return x;
  } else {
    k = 0;
  }
  const hfx = f(0.5 * x);
  const hxs = f(x * hfx);
  const q = [f(-3.3333335072e-2), f(1.5873016091e-3), f(-7.936507609e-5), f(4.0082177293e-6), f(-2.0109921195e-7)];
  const r1 = f(1 + f(hxs * f(q[0]! + f(hxs * f(q[1]! + f(hxs * f(q[2]! + f(hxs * f(q[3]! + f(hxs * q[4]!))))))))));
  const t = f(3 - f(r1 * hfx));
  let e = f(hxs * f(f(r1 - t) / f(6 - f(x * t))));
  if (k === 0) return f(x - f(f(x * e) - hxs));
  e = f(f(x * f(e - c)) - c);
  e = f(e - hxs);
  if (k === -1) return f(f(0.5 * f(x - e)) - 0.5);
  if (k === 1) return x < -0.25 ? f(-2 * f(e - f(x + 0.5))) : f(1 + f(2 * f(x - e)));
  if (k <= -2 || k > 56) {
    const y = floatOf(bitsOf(f(1 - f(e - x))) + k * 2 ** 23);
    return f(y - 1);
  }
  if (k < 23) return floatOf(bitsOf(f(floatOf(0x3f800000 - (0x1000000 >> k)) - f(e - x))) + k * 2 ** 23);
  const y = f(f(x - f(e + floatOf((0x7f - k) << 23))) + 1);
  return floatOf(bitsOf(y) + k * 2 ** 23);
}

// fdlibm s_tanhf.c
function tanhf(xIn: number): number {
  const x = f(xIn);
  const jx = bitsOf(x);
  const ix = jx & 0x7fffffff;
  if (ix >= 0x7f800000) return jx >= 0 ? f(f(1 / x) + 1) : f(f(1 / x) - 1);
  let z: number;
  if (ix < 0x41b00000) {
    if (ix === 0) return x;
    if (ix < 0x24000000) return f(x * f(1 + x));
    if (ix >= 0x3f800000) {
      const t = expm1f(f(2 * Math.abs(x)));
      z = f(1 - f(2 / f(t + 2)));
    } else {
      const t = expm1f(f(-2 * Math.abs(x)));
      z = f(-t / f(t + 2));
    }
  } else {
    z = 1;
  }
  return jx >= 0 ? z : -z;
}

/** The words where fdlibm's branches switch (and their neighbours), both signs, and a spread. */
function inputWords(): Int32Array {
  const edges = [
    0, 1, 0x007fffff, 0x00800000, 0x23ffffff, 0x24000000, 0x32800000, 0x327fffff, 0x3e317218, 0x3e317219, 0x3f051592, 0x3f051591, 0x3f7fffff, 0x3f800000, 0x3f800001, 0x41afffff,
    0x41b00000, 0x7f7fffff, 0x7f800000, 0x7fc00000,
  ];
  // where k = round(2|x| / ln 2) steps through 22/23 and 56/57 (|x| near 7.97 and 19.6): a dense window
  for (const centre of [7.971, 19.41, 19.75]) for (let d = -2000; d <= 2000; d++) edges.push(bitsOf(f(centre)) + d);
  const words: number[] = [];
  for (const w of edges) for (const d of [-1, 0, 1]) words.push(w + d, (w + d) | 0x80000000);
  // every 4099th word over all of float32, and a dense sweep of [-25, 25] (where the step's inputs lie)
  for (let w = 0; w < 2 ** 32; w += 4099) words.push(w | 0);
  for (let k = 0; k < 400_000; k++) words.push(bitsOf(f(-25 + (50 * k) / 400_000)));
  return Int32Array.from(words);
}

test("the reverse step's tanh is fdlibm's tanhf, bit for bit, at every branch edge and over all of float32", { skip: skipWithoutNative }, async () => {
  await initNeuralBackend({ native: 'on' });
  setFusedOps(true);
  const words = inputWords();
  const x = tf.tensor1d(new Float32Array(words.buffer));
  const eps = tf.zerosLike(x);
  const attrs = { bound: 2, c0: 0, inv: 1, cx0: 1, cx: 0, sigma: 0 };
  const [out, kept] = tf.engine().runKernel('SvecReverseStep', { x, eps }, { ...attrs, keepBounded: true }) as unknown as tf.Tensor[];
  const got = new Int32Array(kept!.dataSync().buffer.slice(0));
  tf.dispose([x, eps, out!, kept!]);
  let checked = 0;
  for (let k = 0; k < words.length; k++) {
    const want = tanhf(floatOf(words[k]!));
    if (Number.isNaN(want)) {
      assert.ok(Number.isNaN(floatOf(got[k]!)), `tanh(NaN word ${words[k]!.toString(16)}) is NaN`);
      continue;
    }
    if (got[k] !== bitsOf(want)) assert.fail(`tanh(${floatOf(words[k]!)}): the addon gives ${floatOf(got[k]!)}, fdlibm ${want}`);
    checked++;
  }
  assert.ok(checked > 1_400_000, `${checked} finite results checked`);
});

test('the JavaScript fdlibm port itself: exact values where tanh is known', () => {
  assert.equal(tanhf(0), 0);
  assert.ok(Object.is(tanhf(-0), -0));
  assert.equal(tanhf(Infinity), 1);
  assert.equal(tanhf(-30), -1);
  assert.equal(tanhf(1e-30), f(1e-30));
  // within one float32 ulp of the double tanh across the branches
  for (const x of [0.1, 0.3, 0.5, 0.9, 1, 1.5, 3, 7.97, 12, 19.6, 21.9]) {
    const want = Math.tanh(x);
    assert.ok(Math.abs(tanhf(x) - want) <= 2 ** -23 * Math.abs(want), `tanhf(${x}) = ${tanhf(x)}, tanh ${want}`);
    assert.equal(tanhf(-x), -tanhf(x));
  }
});
