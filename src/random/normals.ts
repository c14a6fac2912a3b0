// Standard normals for DMADRL's noise: Box–Muller on the stream's xoroshiro128+ uniforms, with
// svec's own ln, sin and cos written in double +, -, * and / only. native/svec_blas.c's
// normalFill performs the same operations in the same order in C (built with
// -ffp-contract=off), so the addon and this file give the same bits, and neither depends on a
// libm: glibc's ln, sin and cos differ from V8's Math.log/sin/cos on 3-7% of Box–Muller's inputs, and
// between glibc builds. The values are Math's Box–Muller values up to ~1e-14 relative: as float32
// they equal RandomStream.fillNormal's except, now and then, in the last bit.
//
// Why not Math's: at N = 20 a DMADRL update round draws ~90,000 normals, and Math.log, Math.cos
// and Math.sin cost ~15 ns a normal, 1.3 of the 1.9 ms the draws took (docs/performance.md).

/** The addon's filler: out[start, end) in pairs, state words advanced in place; returns the spare or NaN. */
export type NativeNormalFill = (out: Float32Array, start: number, end: number, state: Int32Array) => number;

let nativeFill: NativeNormalFill | null = null;

/** Called by src/nn/nativeKernels.ts when the addon loads: from then on the C loop fills. */
export function useNativeNormalFill(fill: NativeNormalFill | null): void {
  nativeFill = fill;
}

/** Whether fills run in C now (benchmarks and tests report it). */
export function nativeNormalFillActive(): boolean {
  return nativeFill !== null;
}

const SQRT2 = 1.4142135623730951;
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const TWO_OVER_PI = 6.36619772367581382433e-1;
const PIO2_HI = 1.5707963267341256;
const PIO2_LO = 6.07710050650619224932e-11;
const TWO_PI = 6.283185307179586;
const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer); // little-endian: words[1] holds sign, exponent and the mantissa's top 20 bits

/** ln(u) for u in (0, 1], as normalFill's ln_unit: ln m = 2 atanh((m - 1) / (m + 1)), m in (sqrt(1/2), sqrt(2)]. */
export function lnUnit(u: number): number {
  bits[0] = u;
  let e = ((words[1]! >>> 20) & 0x7ff) - 1023;
  words[1] = (words[1]! & 0x000fffff) | 0x3ff00000;
  let m = bits[0];
  if (m > SQRT2) {
    m = m * 0.5;
    e = e + 1;
  }
  const f = m - 1;
  const s = f / (2 + f);
  const z = s * s;
  let p = 1 / 19;
  p = p * z + 1 / 17;
  p = p * z + 1 / 15;
  p = p * z + 1 / 13;
  p = p * z + 1 / 11;
  p = p * z + 1 / 9;
  p = p * z + 1 / 7;
  p = p * z + 1 / 5;
  p = p * z + 1 / 3;
  const lnm = s + s + (s + s) * (z * p);
  return e * LN2_HI + (e * LN2_LO + lnm);
}

/** [cos a, sin a] for a in [0, 2 pi], as normalFill's cos_sin (Taylor series on |r| <= pi/4). */
export function cosSin(a: number, out: Float64Array): void {
  const k = Math.trunc(a * TWO_OVER_PI + 0.5);
  const r = a - k * PIO2_HI - k * PIO2_LO;
  const z = r * r;
  let ps = 1 / 6227020800;
  ps = ps * z - 1 / 39916800;
  ps = ps * z + 1 / 362880;
  ps = ps * z - 1 / 5040;
  ps = ps * z + 1 / 120;
  ps = ps * z - 1 / 6;
  const sr = r + r * (z * ps);
  let pc = -1 / 87178291200;
  pc = pc * z + 1 / 479001600;
  pc = pc * z - 1 / 3628800;
  pc = pc * z + 1 / 40320;
  pc = pc * z - 1 / 720;
  pc = pc * z + 1 / 24;
  pc = pc * z - 0.5;
  const cr = 1 + z * pc;
  switch (k & 3) {
    case 0:
      out[0] = cr;
      out[1] = sr;
      break;
    case 1:
      out[0] = -sr;
      out[1] = cr;
      break;
    case 2:
      out[0] = -cr;
      out[1] = -sr;
      break;
    default:
      out[0] = sr;
      out[1] = -cr;
  }
}

const cs = new Float64Array(2);

/**
 * out[start, end) = standard normals in pairs; `state` (pure-rand's xoroshiro128+ words [s01, s00,
 * s11, s10]) is advanced in place, two generator steps per uniform as RandomStream.uniform()
 * takes them, u1 redrawn while 0. Returns the last pair's second value when end - start is odd,
 * else NaN. In C when the addon is loaded, else here: the same bits either way.
 */
export function fillNormalWords(out: Float32Array, start: number, end: number, state: Int32Array): number {
  if (nativeFill) return nativeFill(out, start, end, state);
  return fillNormalWordsJs(out, start, end, state);
}

/** The JavaScript twin of normalFill (also what tests compare the addon with). */
export function fillNormalWordsJs(out: Float32Array, start: number, end: number, state: Int32Array): number {
  let s01 = state[0]!;
  let s00 = state[1]!;
  let s11 = state[2]!;
  let s10 = state[3]!;
  // one xoroshiro128+ step, as pure-rand's next() takes it (see RandomStream.fillNormal)
  const step = (): number => {
    const value = (s00 + s10) | 0;
    const a0 = s10 ^ s00;
    const a1 = s11 ^ s01;
    const t0 = s00;
    const t1 = s01;
    s00 = (t0 << 24) ^ (t1 >>> 8) ^ a0 ^ (a0 << 16);
    s01 = (t1 << 24) ^ (t0 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s10 = (a1 << 5) ^ (a0 >>> 27);
    s11 = (a0 << 5) ^ (a1 >>> 27);
    return value;
  };
  const uniform = (): number => {
    const high = step() >>> 5;
    const low = step() >>> 6;
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  };
  let spare = Number.NaN;
  for (let k = start; k < end;) {
    let u1 = uniform();
    while (u1 === 0) u1 = uniform();
    const u2 = uniform();
    const radius = Math.sqrt(-2 * lnUnit(u1));
    cosSin(TWO_PI * u2, cs);
    out[k++] = radius * cs[0]!;
    if (k < end) out[k++] = radius * cs[1]!;
    else spare = radius * cs[1]!;
  }
  state[0] = s01;
  state[1] = s00;
  state[2] = s11;
  state[3] = s10;
  return spare;
}
