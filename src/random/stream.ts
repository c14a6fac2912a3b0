// Seeded random streams. One master seed gives independent streams (scenario draws, tasks,
// channel, policy, replay, ...) by jumping a xoroshiro128+ generator (pure-rand) 2^64 steps per
// stream, so the streams never overlap and adding draws to one never shifts another.
// Every stream's full state (generator words plus the cached Box–Muller normal) can be saved
// and restored, which checkpoints need for bit-exact resumption.
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { fillNormalWords } from './normals.ts';

type Xoroshiro = ReturnType<typeof xoroshiro128plus>;

/** A serializable snapshot of one stream. */
export interface StreamState {
  words: number[];
  /** the second Box–Muller normal, or null when none is cached */
  spareNormal: number | null;
}

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

export class RandomStream {
  private gen: Xoroshiro;
  private spareNormal: number | null = null;

  constructor(gen: Xoroshiro) {
    this.gen = gen;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.gen.next() >>> 5; // 27 bits
    const low = this.gen.next() >>> 6; // 26 bits
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  }

  /** Uniform double in [min, max). */
  uniformIn(min: number, max: number): number {
    return min + (max - min) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller; the second value of each pair is cached). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    let u1 = this.uniform();
    while (u1 === 0) u1 = this.uniform();
    const u2 = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /**
   * Fills out[start, end) with standard normals: exactly the numbers (and the state after) of as
   * many normal() calls, with the generator stepped inline, for the agents' noise arrays
   * (~90,000 draws per DMADRL update round at N = 20), where the calls' own overhead counts.
   */
  fillNormal(out: Float32Array | Float64Array, start = 0, end = out.length): void {
    let k = start;
    if (k < end && this.spareNormal !== null) {
      out[k++] = this.spareNormal;
      this.spareNormal = null;
    }
    if (k >= end) return;
    // the generator's words, stepped inline as pure-rand's xoroshiro128+ next() steps them
    // (written out: closures over these words would keep them in a context, several times slower)
    let [s01, s00, s11, s10] = this.gen.getState() as [number, number, number, number];
    let value = 0;
    let a0 = 0;
    let a1 = 0;
    let t0 = 0;
    let t1 = 0;
    let high = 0;
    while (k < end) {
      let u1 = 0;
      let u2 = 0;
      for (let draw = 0; draw < 2; draw++) {
        let u = 0;
        do {
          // two generator steps, written out: as a two-pass loop the fill is ~8% slower
          // (1.95 against 2.10 ms for a round's 89,600 draws, measured back to back)
          value = (s00 + s10) | 0;
          a0 = s10 ^ s00;
          a1 = s11 ^ s01;
          t0 = s00;
          t1 = s01;
          s00 = (t0 << 24) ^ (t1 >>> 8) ^ a0 ^ (a0 << 16);
          s01 = (t1 << 24) ^ (t0 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
          s10 = (a1 << 5) ^ (a0 >>> 27);
          s11 = (a0 << 5) ^ (a1 >>> 27);
          high = value >>> 5;
          value = (s00 + s10) | 0;
          a0 = s10 ^ s00;
          a1 = s11 ^ s01;
          t0 = s00;
          t1 = s01;
          s00 = (t0 << 24) ^ (t1 >>> 8) ^ a0 ^ (a0 << 16);
          s01 = (t1 << 24) ^ (t0 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
          s10 = (a1 << 5) ^ (a0 >>> 27);
          s11 = (a0 << 5) ^ (a1 >>> 27);
          u = (high * TWO_POW_26 + (value >>> 6)) / TWO_POW_53;
        } while (draw === 0 && u === 0); // normal() redraws u1 while it is 0, never u2
        if (draw === 0) u1 = u;
        else u2 = u;
      }
      const radius = Math.sqrt(-2 * Math.log(u1));
      const angle = 2 * Math.PI * u2;
      out[k++] = radius * Math.cos(angle);
      if (k < end) out[k++] = radius * Math.sin(angle);
      else this.spareNormal = radius * Math.sin(angle);
    }
    this.gen = xoroshiro128plusFromState([s01, s00, s11, s10]);
  }

  /**
   * Fills out[start, end) with standard normals as fillNormal does (the same uniforms, the same
   * state after), but with svec's own ln, sin and cos (random/normals.ts), in C when the native
   * addon is loaded: the values equal fillNormal's up to ~1e-14 relative (as float32, all but
   * now and then the last bit), and the C and JavaScript paths give the same bits. DMADRL's
   * noise (~90,000 draws per update round at N = 20), where Math.log/cos/sin cost most of the time.
   */
  fillNormalFast(out: Float32Array, start = 0, end = out.length): void {
    let k = start;
    if (k < end && this.spareNormal !== null) {
      out[k++] = this.spareNormal;
      this.spareNormal = null;
    }
    if (k >= end) return;
    const words = Int32Array.from(this.gen.getState());
    const spare = fillNormalWords(out, k, end, words);
    this.gen = xoroshiro128plusFromState([words[0]!, words[1]!, words[2]!, words[3]!]);
    if (!Number.isNaN(spare)) this.spareNormal = spare;
  }

  /** Exponential with mean 1: the power gain |u|^2 of Rayleigh fading. */
  exponential(): number {
    return -Math.log(1 - this.uniform());
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  getState(): StreamState {
    return { words: this.gen.getState().slice(), spareNormal: this.spareNormal };
  }

  setState(state: StreamState): void {
    if (!Array.isArray(state.words) || state.words.length !== 4) throw new Error('random stream state must hold 4 generator words');
    this.gen = xoroshiro128plusFromState(state.words);
    this.spareNormal = state.spareNormal;
  }
}

/** The named streams of one run. Names are fixed so that a stream's index never changes. */
export const STREAM_NAMES = ['scenario', 'tasks', 'channel', 'mobility', 'policy', 'replay', 'exploration', 'init', 'learner'] as const;
export type StreamName = (typeof STREAM_NAMES)[number];

/** A full set of independent streams derived from one seed. */
export class RandomStreams {
  readonly seed: number;
  private readonly streams: Record<StreamName, RandomStream>;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed must be an integer in [0, 2^32), got ${seed}`);
    this.seed = seed;
    const base = xoroshiro128plus(seed);
    const streams = {} as Record<StreamName, RandomStream>;
    for (const name of STREAM_NAMES) {
      base.jump(); // each stream starts 2^64 draws after the previous one
      streams[name] = new RandomStream(base.clone());
    }
    this.streams = streams;
  }

  get(name: StreamName): RandomStream {
    return this.streams[name];
  }

  getState(): Record<StreamName, StreamState> {
    const out = {} as Record<StreamName, StreamState>;
    for (const name of STREAM_NAMES) out[name] = this.streams[name].getState();
    return out;
  }

  setState(state: Record<StreamName, StreamState>): void {
    for (const name of STREAM_NAMES) {
      const s = state[name];
      if (!s) throw new Error(`random state lacks the '${name}' stream`);
      this.streams[name].setState(s);
    }
  }
}

/** Derives a child seed (e.g. per episode or per worker) from a seed and an index, deterministically. */
export function deriveSeed(seed: number, index: number): number {
  // splitmix32-style mixing of (seed, index); stays in [0, 2^32).
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
