// Checkpoints: weights, optimizer state, replay memory, random-stream states and counters,
// written atomically. Layout in a run directory:
//   checkpoints/ep-000010/state.json   counters, stream states, the manifest of binary sections,
//                                      and the SHA-256 and size of data.bin
//   checkpoints/ep-000010/data.bin     every tensor and replay array, concatenated
//   checkpoints/latest                 the name of the newest complete checkpoint
// A checkpoint is written into a temporary folder and renamed into place, then `latest` is
// replaced (temporary file + rename), then older checkpoints are removed. A process killed at
// any point leaves `latest` naming a complete checkpoint. Loading checks the checksum and every
// section against the model before anything is assigned, so a damaged checkpoint is refused by
// name (CheckpointError) and the model is left untouched.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, userErrorName } from '../util/errors.ts';
import { writeFileAtomic } from '../util/io.ts';

/** A checkpoint is missing, damaged or does not fit the model; the message names the file. */
export class CheckpointError extends UserError {
  override name = userErrorName('CheckpointError');
}

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
  const data = Buffer.concat(chunks);
  writeFileSync(join(tmp, 'data.bin'), data);
  const checksum = { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.byteLength };
  writeFileSync(join(tmp, 'state.json'), JSON.stringify({ episode, state: contents.state, sections, optimizerCounts, data: checksum }));
  const final = join(root, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  writeFileAtomic(join(root, 'latest'), `${name}\n`);
  // Keep the newest `keep` checkpoints.
  const all = readdirSync(root)
    .filter((f) => /^ep-\d+$/.test(f))
    .sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(root, old), { recursive: true, force: true });
  return final;
}

export interface LoadedCheckpoint {
  episode: number;
  state: Record<string, unknown>;
  arrays: Record<string, Float32Array | Float64Array>;
}

/**
 * The newest complete checkpoint of a run, or null when the run has none yet. A `latest` that
 * names a missing or incomplete checkpoint is an error, never "no checkpoint" (which would
 * silently retrain from the start).
 */
export function latestCheckpoint(runDir: string): string | null {
  const pointer = join(runDir, 'checkpoints', 'latest');
  if (!existsSync(pointer)) return null;
  const name = readFileSync(pointer, 'utf8').trim();
  if (!/^ep-\d{6,}$/.test(name)) throw new CheckpointError(`${pointer}: does not name a checkpoint (it holds '${name.slice(0, 40)}')`);
  const dir = join(runDir, 'checkpoints', name);
  if (!existsSync(join(dir, 'state.json')) || !existsSync(join(dir, 'data.bin'))) throw new CheckpointError(`${pointer} names ${name}, which is missing or incomplete`);
  return dir;
}

/** The episode of the newest complete checkpoint, or 0 when there is none. */
export function checkpointEpisode(runDir: string): number {
  const dir = latestCheckpoint(runDir);
  if (!dir) return 0;
  const match = /ep-(\d+)$/.exec(dir);
  return match ? Number(match[1]) : 0;
}

interface CheckpointMeta {
  episode: number;
  state: Record<string, unknown>;
  sections: Section[];
  optimizerCounts: number[];
  data: { sha256: string; bytes: number };
}

/**
 * Reads a checkpoint's manifest and data and checks them: state.json parses and has its fields,
 * data.bin has the recorded size and SHA-256, every section lies inside it. Throws CheckpointError.
 */
export function readCheckpoint(dir: string): { meta: CheckpointMeta; buffer: ArrayBuffer } {
  const statePath = join(dir, 'state.json');
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(readFileSync(statePath, 'utf8')) as CheckpointMeta;
  } catch (err) {
    throw new CheckpointError(`${statePath}: cannot be read as JSON (${(err as Error).message})`);
  }
  const valid =
    meta &&
    typeof meta === 'object' &&
    Number.isInteger(meta.episode) &&
    meta.episode >= 0 &&
    Array.isArray(meta.sections) &&
    Array.isArray(meta.optimizerCounts) &&
    meta.state &&
    typeof meta.state === 'object' &&
    meta.data &&
    typeof meta.data.sha256 === 'string';
  if (!valid) throw new CheckpointError(`${statePath}: not an svec checkpoint manifest (episode, sections, optimizerCounts, state and data checksum expected)`);
  const dataPath = join(dir, 'data.bin');
  let data: Buffer;
  try {
    data = readFileSync(dataPath);
  } catch (err) {
    throw new CheckpointError(`${dataPath}: cannot be read (${(err as Error).message})`);
  }
  if (data.byteLength !== meta.data.bytes)
    throw new CheckpointError(`${dataPath}: holds ${data.byteLength} bytes, the manifest records ${meta.data.bytes} (truncated or replaced)`);
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (sha256 !== meta.data.sha256) throw new CheckpointError(`${dataPath}: its SHA-256 does not match the manifest (the file was damaged or edited)`);
  for (const s of meta.sections) {
    const bytes = s.dtype === 'float64' ? 8 : 4;
    if (!Number.isInteger(s.offset) || !Number.isInteger(s.length) || s.offset < 0 || s.length < 0 || s.offset + s.length * bytes > data.byteLength || s.offset % bytes !== 0) {
      throw new CheckpointError(`${statePath}: section '${s.name}' lies outside data.bin`);
    }
  }
  return { meta, buffer: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer };
}

/** Restores variables and optimizers in place and returns the rest; checks everything first. */
export async function loadCheckpoint(dir: string, variables: tf.Variable[], optimizers: tf.Optimizer[]): Promise<LoadedCheckpoint> {
  const { meta, buffer } = readCheckpoint(dir);
  const sections = new Map(meta.sections.map((s) => [s.name, s]));
  const read = (name: string): Float32Array | Float64Array => {
    const s = sections.get(name);
    if (!s) throw new CheckpointError(`checkpoint ${dir} lacks '${name}' (made by another algorithm or configuration?)`);
    return s.dtype === 'float64' ? new Float64Array(buffer, s.offset, s.length) : new Float32Array(buffer, s.offset, s.length);
  };
  const shapeOf = (name: string) => sections.get(name)!.shape;
  // Check every variable before assigning any, so a mismatch leaves the model as it was.
  variables.forEach((v, k) => {
    const values = read(`variable/${k}`);
    if (values.length !== v.size) throw new CheckpointError(`checkpoint ${dir}: variable ${k} has ${values.length} values, the model expects ${v.size} (different configuration?)`);
  });
  if (meta.optimizerCounts.length !== optimizers.length)
    throw new CheckpointError(`checkpoint ${dir}: holds ${meta.optimizerCounts.length} optimizers, the model has ${optimizers.length}`);
  variables.forEach((v, k) => v.assign(tf.tensor(read(`variable/${k}`) as Float32Array, v.shape)));
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
