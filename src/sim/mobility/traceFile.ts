// The compact trace file of `svec mobility import` (docs/mobility.md, "Trace format"), and the
// in-memory trace the simulator reads positions from.
//
// A trace file is gzip over: one line of JSON (the header), a newline, then a little-endian
// binary body of six arrays, one after another:
//   times    float64[steps]       the time of each trace step, s, strictly ascending
//   offsets  uint32[steps + 1]    step k's samples are rows offsets[k] .. offsets[k+1]-1
//   vehicle  uint32[samples]      vehicle index (into header.ids, in order of first appearance)
//   x, y     float32[samples]     position in the network's planar coordinates, m
//   speed    float32[samples]     speed, m/s
// The header carries the counts, the RSU position, the bounds and the provenance.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { UserError, userErrorName } from '../../util/errors.ts';
import { writeFileAtomic } from '../../util/io.ts';

export const TRACE_KIND = 'svec-trace';
export const TRACE_VERSION = 1;

/** A problem with a trace file (the caller names the file or field). */
export class TraceFormatError extends UserError {
  override name = userErrorName('TraceFormatError');
}

export interface TraceRsu {
  xM: number;
  yM: number;
  /** how the position was chosen, e.g. 'centre of the bounding box' or '--rsu 500,20' */
  source: string;
}

export interface TraceProvenance {
  /** the command that wrote the trace */
  command: string;
  /** the FCD file the trace was imported from */
  source: { file: string; sha256: string; bytes: number };
  /** the SUMO version named in the FCD file's header comment, or null when it names none */
  sumoVersion: string | null;
  /** time range kept (import --begin/--end), s */
  timeRangeS: [number, number];
  vehicles: number;
  samples: number;
  /** steps of the FCD file left out by --begin/--end */
  stepsSkipped: number;
  /** traceContentSha256 of the ids and arrays */
  contentSha256: string;
  /** further records, e.g. the SUMO commands of `svec mobility sumo` */
  [key: string]: unknown;
}

export interface TraceHeader {
  kind: typeof TRACE_KIND;
  version: number;
  steps: number;
  vehicles: number;
  samples: number;
  /** vehicle ids, by vehicle index */
  ids: string[];
  rsu: TraceRsu;
  bounds: { minX: number; minY: number; maxX: number; maxY: number };
  provenance: TraceProvenance;
  /** a reminder of the body's layout for readers of the raw file */
  body: string;
}

const BODY_LAYOUT = 'little-endian: times float64[steps], offsets uint32[steps+1], vehicle uint32[samples], x float32[samples], y float32[samples], speed float32[samples]';

/** The arrays of a trace, step-major (the order SUMO writes them). */
export interface TraceArrays {
  times: Float64Array;
  offsets: Uint32Array;
  vehicle: Uint32Array;
  x: Float32Array;
  y: Float32Array;
  speed: Float32Array;
}

/** Positions of every vehicle present at one time (see Trace.sampleAt). */
export interface TraceSample {
  /** how many vehicles are present; their indices are present[0 .. count-1], ascending */
  count: number;
  present: Int32Array;
  /** by vehicle index; valid for present vehicles only */
  x: Float64Array;
  y: Float64Array;
  speed: Float64Array;
}

export class Trace {
  readonly header: TraceHeader;
  readonly times: Float64Array;
  readonly offsets: Uint32Array;
  readonly vehicle: Uint32Array;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly speed: Float32Array;
  /** scratch: row of each vehicle in the earlier bracketing step, stamped */
  private readonly rowStamp: Int32Array;
  private readonly rowAt: Int32Array;
  private stamp = 0;

  constructor(header: TraceHeader, arrays: TraceArrays) {
    this.header = header;
    this.times = arrays.times;
    this.offsets = arrays.offsets;
    this.vehicle = arrays.vehicle;
    this.x = arrays.x;
    this.y = arrays.y;
    this.speed = arrays.speed;
    validateArrays(header, arrays);
    this.rowStamp = new Int32Array(header.vehicles);
    this.rowAt = new Int32Array(header.vehicles);
  }

  get vehicleCount(): number {
    return this.header.vehicles;
  }

  get startS(): number {
    return this.times[0]!;
  }

  get endS(): number {
    return this.times[this.times.length - 1]!;
  }

  /** A sample buffer sized for this trace. */
  allocateSample(): TraceSample {
    const v = this.header.vehicles;
    return { count: 0, present: new Int32Array(v), x: new Float64Array(v), y: new Float64Array(v), speed: new Float64Array(v) };
  }

  /**
   * Every vehicle present at time t, with its position and speed interpolated linearly between
   * the two trace steps around t. A vehicle is present when it appears in both of them (or, when
   * t falls exactly on a step, in that step): it has not yet departed before its first step and
   * has arrived after its last. Outside [startS, endS] nobody is present.
   */
  sampleAt(t: number, out: TraceSample): TraceSample {
    out.count = 0;
    const times = this.times;
    const steps = times.length;
    if (!(t >= times[0]!) || t > times[steps - 1]!) return out;
    // the largest k with times[k] <= t
    let lo = 0;
    let hi = steps - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    const k = lo;
    const offsets = this.offsets;
    if (times[k] === t || k === steps - 1) {
      for (let r = offsets[k]!; r < offsets[k + 1]!; r++) {
        const v = this.vehicle[r]!;
        out.present[out.count++] = v;
        out.x[v] = this.x[r]!;
        out.y[v] = this.y[r]!;
        out.speed[v] = this.speed[r]!;
      }
    } else {
      const f = (t - times[k]!) / (times[k + 1]! - times[k]!);
      const stamp = ++this.stamp;
      for (let r = offsets[k]!; r < offsets[k + 1]!; r++) {
        const v = this.vehicle[r]!;
        this.rowStamp[v] = stamp;
        this.rowAt[v] = r;
      }
      for (let r = offsets[k + 1]!; r < offsets[k + 2]!; r++) {
        const v = this.vehicle[r]!;
        if (this.rowStamp[v] !== stamp) continue; // departs between the two steps
        const r0 = this.rowAt[v]!;
        out.present[out.count++] = v;
        out.x[v] = this.x[r0]! + f * (this.x[r]! - this.x[r0]!);
        out.y[v] = this.y[r0]! + f * (this.y[r]! - this.y[r0]!);
        out.speed[v] = this.speed[r0]! + f * (this.speed[r]! - this.speed[r0]!);
      }
    }
    sortAscending(out.present, out.count);
    return out;
  }
}

function sortAscending(values: Int32Array, count: number): void {
  values.subarray(0, count).sort();
}

function validateArrays(header: TraceHeader, a: TraceArrays): void {
  const { steps, samples, vehicles } = header;
  if (a.times.length !== steps || a.offsets.length !== steps + 1) throw new TraceFormatError(`the body does not hold ${steps} steps`);
  if (a.vehicle.length !== samples || a.x.length !== samples || a.y.length !== samples || a.speed.length !== samples)
    throw new TraceFormatError(`the body does not hold ${samples} samples`);
  if (steps < 1) throw new TraceFormatError('the trace has no steps');
  if (!Array.isArray(header.ids) || header.ids.length !== vehicles) throw new TraceFormatError(`header.ids must list ${vehicles} vehicle ids`);
  for (let k = 0; k < steps; k++) {
    if (!Number.isFinite(a.times[k]!)) throw new TraceFormatError(`step ${k} has a non-finite time`);
    if (k > 0 && !(a.times[k]! > a.times[k - 1]!)) throw new TraceFormatError(`step times must be strictly ascending (step ${k})`);
  }
  if (a.offsets[0] !== 0 || a.offsets[steps] !== samples) throw new TraceFormatError('step offsets must run from 0 to the sample count');
  for (let k = 0; k < steps; k++) if (a.offsets[k + 1]! < a.offsets[k]!) throw new TraceFormatError(`step offsets must not decrease (step ${k})`);
  for (let r = 0; r < samples; r++) {
    if (a.vehicle[r]! >= vehicles) throw new TraceFormatError(`sample ${r} names vehicle ${a.vehicle[r]}, but there are ${vehicles}`);
    if (!(Number.isFinite(a.x[r]!) && Number.isFinite(a.y[r]!) && Number.isFinite(a.speed[r]!))) throw new TraceFormatError(`sample ${r} has a non-finite position or speed`);
  }
  const rsu = header.rsu;
  if (!rsu || !Number.isFinite(rsu.xM) || !Number.isFinite(rsu.yM)) throw new TraceFormatError('header.rsu must hold finite xM and yM');
}

/**
 * SHA-256 over the vehicle ids and the body's arrays (little-endian): the same for two traces with
 * the same contents, whatever their provenance (SUMO writes the date into its FCD files, so the
 * source file's hash differs from run to run while the positions do not).
 */
export function traceContentSha256(ids: readonly string[], arrays: TraceArrays): string {
  const hash = createHash('sha256').update(JSON.stringify(ids));
  for (const arr of [arrays.times, arrays.offsets, arrays.vehicle, arrays.x, arrays.y, arrays.speed]) {
    const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    hash.update(IS_LITTLE_ENDIAN ? bytes : swapBytes(bytes, arr.BYTES_PER_ELEMENT));
  }
  return hash.digest('hex');
}

/** What a writer supplies; kind, version and the body's layout note are added. */
export type TraceHeaderFields = Omit<TraceHeader, 'kind' | 'version' | 'body'>;

export function completeHeader(header: TraceHeaderFields): TraceHeader {
  return { kind: TRACE_KIND, version: TRACE_VERSION, ...header, body: BODY_LAYOUT };
}

/** The bytes of a trace file. */
export function encodeTrace(header: TraceHeaderFields, arrays: TraceArrays): Uint8Array {
  const full = completeHeader(header);
  const head = Buffer.from(`${JSON.stringify(full)}\n`, 'utf8');
  const parts: Uint8Array[] = [head];
  const le = (arr: Float64Array | Uint32Array | Float32Array) => {
    // the body is little-endian; so is every machine Node runs on that we know of, but check
    const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    return IS_LITTLE_ENDIAN ? bytes : swapBytes(bytes, arr.BYTES_PER_ELEMENT);
  };
  parts.push(le(arrays.times), le(arrays.offsets), le(arrays.vehicle), le(arrays.x), le(arrays.y), le(arrays.speed));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

/** Writes a trace file atomically (temporary file, then rename); returns its full header. */
export function writeTraceFile(path: string, header: TraceHeaderFields, arrays: TraceArrays): TraceHeader {
  const full = completeHeader(header);
  new Trace(full, arrays); // validates before anything is written
  writeFileAtomic(path, encodeTrace(header, arrays));
  return full;
}

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let b = 0; b < width; b++) out[i + b] = bytes[i + width - 1 - b]!;
  return out;
}

/** Parses the bytes of a trace file (gzip or already gunzipped). */
export function decodeTrace(bytes: Uint8Array): Trace {
  let raw: Buffer;
  try {
    raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : Buffer.from(bytes);
  } catch (err) {
    throw new TraceFormatError(`not a readable gzip file (${(err as Error).message})`);
  }
  const newline = raw.indexOf(0x0a);
  if (newline < 0) throw new TraceFormatError('no header line (not an svec trace file)');
  let header: TraceHeader;
  try {
    header = JSON.parse(raw.subarray(0, newline).toString('utf8')) as TraceHeader;
  } catch {
    throw new TraceFormatError('the header line is not JSON (not an svec trace file)');
  }
  if (header?.kind !== TRACE_KIND) throw new TraceFormatError(`not an svec trace file (kind must be '${TRACE_KIND}')`);
  if (header.version !== TRACE_VERSION) throw new TraceFormatError(`trace format version ${String(header.version)} is not supported (this svec reads version ${TRACE_VERSION})`);
  for (const key of ['steps', 'vehicles', 'samples'] as const) {
    if (!Number.isInteger(header[key]) || header[key] < 0) throw new TraceFormatError(`header.${key} must be a non-negative integer`);
  }
  const { steps, samples } = header;
  const expected = steps * 8 + (steps + 1) * 4 + samples * 16;
  const body = raw.subarray(newline + 1);
  if (body.length !== expected) throw new TraceFormatError(`the body holds ${body.length} bytes, the header's counts need ${expected} (truncated or corrupt)`);
  let at = 0;
  const take = <T extends Float64Array | Uint32Array | Float32Array>(Kind: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, count: number): T => {
    const size = count * Kind.BYTES_PER_ELEMENT;
    let slice = new Uint8Array(body.subarray(at, at + size)); // a copy, aligned
    if (!IS_LITTLE_ENDIAN) slice = swapBytes(slice, Kind.BYTES_PER_ELEMENT) as Uint8Array<ArrayBuffer>;
    at += size;
    return new Kind(slice.buffer as ArrayBuffer);
  };
  const arrays: TraceArrays = {
    times: take(Float64Array, steps),
    offsets: take(Uint32Array, steps + 1),
    vehicle: take(Uint32Array, samples),
    x: take(Float32Array, samples),
    y: take(Float32Array, samples),
    speed: take(Float32Array, samples),
  };
  return new Trace(header, arrays);
}

const cache = new Map<string, { mtimeMs: number; size: number; trace: Trace }>();

/** Reads a trace file (cached by path, modification time and size: cores of one run share it). */
export function readTraceFile(path: string): Trace {
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    throw new TraceFormatError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit.trace;
  const trace = decodeTrace(readFileSync(path));
  cache.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, trace });
  return trace;
}
