// Named trainable parameters of a codec, their seeded initialization, the few layers the codecs
// are built from (functional, over tf.Variables), and saving/loading as one float32 blob plus a
// JSON index. TF.js's own autograd and Adam do the training.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RandomStream } from '../random/stream.ts';
import { writeFileAtomic } from '../util/io.ts';

export interface ParamIndexEntry {
  name: string;
  shape: number[];
  /** offset in float32 elements into the blob */
  offset: number;
}

export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();

  constructor(private readonly rng: RandomStream) {}

  /** A variable initialized N(0, std^2) (std 0: zeros; value: a constant). */
  add(name: string, shape: number[], std: number, constant?: number): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter '${name}' defined twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (constant !== undefined) values.fill(constant);
    else if (std > 0) for (let k = 0; k < size; k++) values[k] = std * this.rng.normal();
    // no TF.js name: its registry is global, and several codecs may be alive at once
    const v = tf.variable(tf.tensor(values, shape), true);
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter '${name}'`);
    return v;
  }

  list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** The parameters as one float32 blob (in definition order) and its index. */
  serialize(): { blob: Uint8Array; index: ParamIndexEntry[] } {
    const index: ParamIndexEntry[] = [];
    let offset = 0;
    for (const [name, v] of this.vars) {
      index.push({ name, shape: v.shape, offset });
      offset += v.size;
    }
    const all = new Float32Array(offset);
    for (const entry of index) all.set(this.get(entry.name).dataSync() as Float32Array, entry.offset);
    return { blob: new Uint8Array(all.buffer), index };
  }

  /** Writes DIR/weights.bin and DIR/weights.json atomically; returns the blob's SHA-256. */
  save(dir: string): string {
    const { blob, index } = this.serialize();
    const hash = createHash('sha256').update(blob).digest('hex');
    writeFileAtomic(join(dir, 'weights.bin'), blob);
    writeFileAtomic(join(dir, 'weights.json'), JSON.stringify({ format: 'svec-codec-weights-v1', dtype: 'float32', sha256: hash, params: index }, null, 1) + '\n');
    return hash;
  }

  /** Loads weights written by save(); every parameter must be present with its shape. */
  load(dir: string): string {
    const indexPath = join(dir, 'weights.json');
    let meta: { sha256: string; params: ParamIndexEntry[] };
    let bytes: Buffer;
    try {
      meta = JSON.parse(readFileSync(indexPath, 'utf8')) as typeof meta;
      bytes = readFileSync(join(dir, 'weights.bin'));
    } catch (err) {
      throw new Error(`cannot read codec weights in ${dir}: ${(err as Error).message}`);
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash !== meta.sha256) throw new Error(`${dir}/weights.bin does not match its recorded SHA-256 (damaged or replaced)`);
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const byName = new Map(meta.params.map((p) => [p.name, p]));
    for (const [name, v] of this.vars) {
      const entry = byName.get(name);
      if (!entry) throw new Error(`${dir}: weights lack parameter '${name}' (a different codec configuration?)`);
      if (entry.shape.join('x') !== v.shape.join('x')) throw new Error(`${dir}: parameter '${name}' has shape [${entry.shape}], the model wants [${v.shape}]`);
      v.assign(tf.tensor(all.subarray(entry.offset, entry.offset + v.size), v.shape));
    }
    return hash;
  }
}

// ---------------------------------------------------------------------------------------------
// Layers (each defines its parameters once, then applies them).

export interface Dense {
  (x: tf.Tensor): tf.Tensor;
}

/** y = x W + b over the last axis (He-scaled init). */
export function dense(p: ParamStore, name: string, inDim: number, outDim: number, gain = 2): Dense {
  const w = p.add(`${name}.w`, [inDim, outDim], Math.sqrt(gain / inDim));
  const b = p.add(`${name}.b`, [outDim], 0);
  return (x) => {
    const shape = x.shape;
    const flat = shape.length === 2 ? x : tf.reshape(x, [-1, inDim]);
    const y = tf.add(tf.matMul(flat as tf.Tensor2D, w as tf.Tensor2D), b);
    return shape.length === 2 ? y : tf.reshape(y, [...shape.slice(0, -1), outDim]);
  };
}

/** 2-D convolution, NHWC, 'same' padding, then bias. */
export function conv(p: ParamStore, name: string, k: number, inC: number, outC: number, stride: number): Dense {
  const w = p.add(`${name}.w`, [k, k, inC, outC], Math.sqrt(2 / (k * k * inC)));
  const b = p.add(`${name}.b`, [outC], 0);
  return (x) => tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 'same'), b);
}

/** Layer normalization over the last axis. */
export function layerNorm(p: ParamStore, name: string, dim: number): Dense {
  const g = p.add(`${name}.g`, [dim], 0, 1);
  const b = p.add(`${name}.b`, [dim], 0);
  return (x) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
}

/** Row-wise cosine similarity of [B, D] tensors: [B]. */
export function cosine(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  const dot = tf.sum(tf.mul(a, b), -1);
  const na = tf.sqrt(tf.add(tf.sum(tf.square(a), -1), 1e-8));
  const nb = tf.sqrt(tf.add(tf.sum(tf.square(b), -1), 1e-8));
  return tf.div(dot, tf.mul(na, nb)) as tf.Tensor1D;
}
