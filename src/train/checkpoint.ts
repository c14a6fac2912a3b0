// Checkpoints: weights, optimizer state, replay memory, random-stream states and counters,
// written atomically. Layout in a run directory:
//   checkpoints/ep-000010/state.json   counters, stream states, the manifest of binary sections
//   checkpoints/ep-000010/data.bin     every tensor and replay array, concatenated
//   checkpoints/latest                 the name of the newest complete checkpoint
// A checkpoint is written into a temporary folder and renamed into place, then `latest` is
// replaced (temporary file + rename), then older checkpoints are removed. A process killed at
// any point leaves `latest` naming a complete checkpoint.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/io.ts';

/** One named binary section: a typed array saved in data.bin. */
interface Section {
  name: string;
  dtype: 'float32' | 'float64';
  shape: number[];
  offset: number;
  length: number;
}

export interface CheckpointContents {
  /** anything JSON-safe: counters, stream states, replay scalars, metrics so far */
  state: Record<string, unknown>;
  /** named arrays (replay buffers, ...) */
  arrays: Record<string, Float32Array | Float64Array>;
  /** tf variables in a fixed order, saved by position */
  variables: tf.Variable[];
  /** optimizers in a fixed order */
  optimizers: tf.Optimizer[];
}

function asFloat32(values: ArrayLike<number>): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

export function checkpointName(episode: number): string {
  return `ep-${String(episode).padStart(6, '0')}`;
}

/** Adam keeps beta1^t and beta2^t in private variables that setWeights recomputes with pow(), which is not bit-identical; we save and restore them. */
function adamPowers(optimizer: tf.Optimizer): [tf.Variable, tf.Variable] | null {
  const o = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  return o.accBeta1 && o.accBeta2 ? [o.accBeta1, o.accBeta2] : null;
}

export async function saveCheckpoint(runDir: string, episode: number, contents: CheckpointContents, keep = 2): Promise<string> {
  const root = join(runDir, 'checkpoints');
  mkdirSync(root, { recursive: true });
  const name = checkpointName(episode);
  const sections: Section[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const add = (sectionName: string, data: Float32Array | Float64Array, shape: number[]) => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    sections.push({ name: sectionName, dtype: data instanceof Float64Array ? 'float64' : 'float32', shape, offset, length: data.length });
    chunks.push(bytes);
    offset += bytes.byteLength;
    const padding = (8 - (offset % 8)) % 8; // keep every section 8-byte aligned for Float64Array views
    if (padding > 0) {
      chunks.push(new Uint8Array(padding));
      offset += padding;
    }
  };
  contents.variables.forEach((v, k) => add(`variable/${k}`, asFloat32(v.dataSync()), v.shape));
  const optimizerCounts: number[] = [];
  for (const [k, optimizer] of contents.optimizers.entries()) {
    const weights = await optimizer.getWeights();
    optimizerCounts.push(weights.length);
    weights.forEach((w, j) => add(`optimizer/${k}/${j}`, asFloat32(w.tensor.dataSync()), w.tensor.shape)); // 'iter' is int32
    const powers = adamPowers(optimizer);
    if (powers) add(`optimizer/${k}/powers`, Float32Array.from([powers[0].dataSync()[0]!, powers[1].dataSync()[0]!]), [2]);
  }
  for (const [arrayName, data] of Object.entries(contents.arrays)) add(`array/${arrayName}`, data, [data.length]);

  // Leftovers of a process killed while writing are incomplete: remove them.
  for (const stale of readdirSync(root).filter((f) => f.includes('.tmp-'))) rmSync(join(root, stale), { recursive: true, force: true });
  const tmp = join(root, `.${name}.tmp-${process.pid}`);
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'data.bin'), Buffer.concat(chunks));
  writeFileSync(join(tmp, 'state.json'), JSON.stringify({ episode, state: contents.state, sections, optimizerCounts }));
  const final = join(root, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  writeFileAtomic(join(root, 'latest'), `${name}\n`);
  // Keep the newest `keep` checkpoints.
  const all = readdirSync(root).filter((f) => /^ep-\d+$/.test(f)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(root, old), { recursive: true, force: true });
  return final;
}

export interface LoadedCheckpoint {
  episode: number;
  state: Record<string, unknown>;
  arrays: Record<string, Float32Array | Float64Array>;
}

/** The newest complete checkpoint of a run, or null when there is none. */
export function latestCheckpoint(runDir: string): string | null {
  const pointer = join(runDir, 'checkpoints', 'latest');
  if (!existsSync(pointer)) return null;
  const name = readFileSync(pointer, 'utf8').trim();
  const dir = join(runDir, 'checkpoints', name);
  return existsSync(join(dir, 'state.json')) ? dir : null;
}

/** The episode of the newest complete checkpoint, or 0 when there is none. */
export function checkpointEpisode(runDir: string): number {
  const dir = latestCheckpoint(runDir);
  if (!dir) return 0;
  const match = /ep-(\d+)$/.exec(dir);
  return match ? Number(match[1]) : 0;
}

/** Restores variables and optimizers in place and returns the rest. */
export async function loadCheckpoint(dir: string, variables: tf.Variable[], optimizers: tf.Optimizer[]): Promise<LoadedCheckpoint> {
  const meta = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { episode: number; state: Record<string, unknown>; sections: Section[]; optimizerCounts: number[] };
  const data = readFileSync(join(dir, 'data.bin'));
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const sections = new Map(meta.sections.map((s) => [s.name, s]));
  const read = (name: string): Float32Array | Float64Array => {
    const s = sections.get(name);
    if (!s) throw new Error(`checkpoint ${dir} lacks '${name}'`);
    return s.dtype === 'float64' ? new Float64Array(buffer, s.offset, s.length) : new Float32Array(buffer, s.offset, s.length);
  };
  const shapeOf = (name: string) => sections.get(name)!.shape;
  variables.forEach((v, k) => {
    const values = read(`variable/${k}`);
    if (values.length !== v.size) throw new Error(`checkpoint ${dir}: variable ${k} has ${values.length} values, the model expects ${v.size} (different configuration?)`);
    v.assign(tf.tensor(values as Float32Array, v.shape));
  });
  for (const [k, optimizer] of optimizers.entries()) {
    const count = meta.optimizerCounts[k] ?? 0;
    const weights = Array.from({ length: count }, (_, j) => ({ name: `w${j}`, tensor: tf.tensor(read(`optimizer/${k}/${j}`) as Float32Array, shapeOf(`optimizer/${k}/${j}`)) }));
    await optimizer.setWeights(weights);
    const powers = adamPowers(optimizer);
    if (powers && sections.has(`optimizer/${k}/powers`)) {
      const values = read(`optimizer/${k}/powers`);
      powers[0].assign(tf.scalar(values[0]!));
      powers[1].assign(tf.scalar(values[1]!));
    }
  }
  const arrays: Record<string, Float32Array | Float64Array> = {};
  for (const s of meta.sections) if (s.name.startsWith('array/')) arrays[s.name.slice(6)] = read(s.name);
  return { episode: meta.episode, state: meta.state, arrays };
}
