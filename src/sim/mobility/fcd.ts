// `svec mobility import`: SUMO floating-car data (sumo --fcd-output) to a compact trace file.
// The XML is streamed through saxes chunk by chunk (a city-scale FCD file is gigabytes; it is
// never held whole), hashed on the way (SHA-256 of the source bytes, for the provenance), and
// every <vehicle> of every <timestep> becomes one sample (16 bytes) of the trace. Bad or
// truncated XML fails with the file's line number; nothing is written unless the whole file was
// read (the trace goes to a temporary file, then is renamed).
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import { UserError, userErrorName } from '../../util/errors.ts';
import { traceContentSha256, writeTraceFile, type TraceArrays, type TraceHeader, type TraceHeaderFields, type TraceRsu } from './traceFile.ts';

/** A problem with the FCD input; `line` is the 1-based line of the file where it was found. */
export class FcdError extends UserError {
  override name = userErrorName('FcdError');
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

export interface ImportOptions {
  /** the FCD XML file */
  fcd: string;
  /** the trace file to write */
  out: string;
  /** the command line, recorded in the provenance */
  command: string;
  /** keep steps with beginS <= time <= endS (s); default: all */
  beginS?: number;
  endS?: number;
  /** RSU position, or a rule placing it from the bounds; default: the centre of the bounding box of every kept position */
  rsu?: { xM: number; yM: number } | ((bounds: TraceHeader['bounds']) => TraceRsu);
  /** further provenance records (e.g. the SUMO runs of `svec mobility sumo`) */
  provenance?: Record<string, unknown>;
}

/** A growable float32/uint32 column. */
class Column<T extends Float32Array | Uint32Array> {
  data: T;
  length = 0;
  constructor(private readonly Kind: { new (n: number): T }) {
    this.data = new Kind(1024);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new this.Kind(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  finish(): T {
    return this.data.slice(0, this.length) as T;
  }
}

const SUMO_VERSION = /SUMO\b[^\n]*?\bVersion\s+([0-9][\w.+~-]*)/;

/** Reads the FCD file and writes the trace; returns the trace's header. */
export async function importFcd(options: ImportOptions): Promise<TraceHeader> {
  const { fcd } = options;
  const begin = options.beginS ?? -Infinity;
  const end = options.endS ?? Infinity;
  let bytes: number;
  try {
    bytes = statSync(fcd).size;
  } catch (err) {
    throw new FcdError(`--fcd: cannot read ${fcd}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }

  const parser = new SaxesParser({ position: true });
  const ids: string[] = [];
  const index = new Map<string, number>();
  const times: number[] = [];
  const offsets: number[] = [0];
  const vehicle = new Column(Uint32Array);
  const xs = new Column(Float32Array);
  const ys = new Column(Float32Array);
  const speeds = new Column(Float32Array);
  let sumoVersion: string | null = null;
  let rootSeen = false;
  let inStep = false;
  let keepStep = false;
  let stepIds = new Set<string>();
  let lastTime = -Infinity;
  let stepsSkipped = 0;
  let ignored = 0;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;

  const fail = (message: string): never => {
    throw new FcdError(`${fcd}:${parser.line}: ${message}`, parser.line);
  };
  const number = (attrs: Record<string, string>, name: string, tag: string): number => {
    const raw = attrs[name];
    if (raw === undefined) fail(`<${tag}> has no '${name}' attribute`);
    const value = Number(raw);
    if (raw!.trim() === '' || !Number.isFinite(value)) fail(`<${tag}> ${name}="${raw}" is not a finite number`);
    return value;
  };

  parser.on('error', (err) => {
    // saxes prefixes "LINE:COLUMN: "; we report "FILE:LINE: message"
    const match = /^(\d+):(\d+): (.*)$/s.exec(err.message);
    const line = match ? Number(match[1]) : parser.line;
    throw new FcdError(`${fcd}:${line}: not well-formed XML: ${match ? match[3] : err.message}`, line);
  });
  parser.on('comment', (text) => {
    if (sumoVersion === null) sumoVersion = SUMO_VERSION.exec(text)?.[1] ?? null;
    if (/<fcd-output\.geo\s+value="(true|1)"/.test(text)) fail("the FCD file has geographic coordinates (--fcd-output.geo); svec needs SUMO's planar x/y in metres");
  });
  parser.on('opentag', (tag) => {
    const attrs = tag.attributes as Record<string, string>;
    if (!rootSeen) {
      if (tag.name !== 'fcd-export') fail(`not a SUMO FCD file: the root element is <${tag.name}>, expected <fcd-export> (sumo --fcd-output)`);
      rootSeen = true;
      return;
    }
    if (tag.name === 'timestep') {
      if (inStep) fail('<timestep> inside <timestep>');
      const time = number(attrs, 'time', 'timestep');
      if (!(time > lastTime)) fail(`timestep time="${attrs.time}" does not come after the previous one (${lastTime})`);
      lastTime = time;
      inStep = true;
      keepStep = time >= begin && time <= end;
      stepIds = new Set();
      if (keepStep) times.push(time);
      else stepsSkipped++;
      return;
    }
    if (tag.name === 'vehicle') {
      if (!inStep) fail('<vehicle> outside a <timestep>');
      const id = attrs.id;
      if (id === undefined || id === '') fail('<vehicle> has no id');
      if (stepIds.has(id!)) fail(`vehicle '${id}' appears twice in one timestep`);
      stepIds.add(id!);
      if (attrs.x === undefined && attrs.lon !== undefined) fail("the FCD file has geographic coordinates (lon/lat); svec needs SUMO's planar x/y in metres");
      const x = number(attrs, 'x', 'vehicle');
      const y = number(attrs, 'y', 'vehicle');
      const speed = number(attrs, 'speed', 'vehicle');
      if (!keepStep) return;
      let v = index.get(id!);
      if (v === undefined) {
        v = ids.length;
        ids.push(id!);
        index.set(id!, v);
      }
      vehicle.push(v);
      xs.push(x);
      ys.push(y);
      speeds.push(speed);
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      return;
    }
    if (inStep) {
      ignored++; // persons, containers: not vehicles
      return;
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'timestep') {
      inStep = false;
      if (keepStep) offsets.push(vehicle.length);
    }
  });

  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  const stream = createReadStream(fcd);
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      hash.update(buffer);
      parser.write(decoder.write(buffer));
    }
    parser.write(decoder.end());
    parser.close();
  } finally {
    stream.destroy();
  }
  if (!rootSeen) throw new FcdError(`${fcd}:${parser.line}: no <fcd-export> element (an empty or non-FCD file)`, parser.line);
  if (times.length === 0) throw new FcdError(`${fcd}: no <timestep> ${options.beginS !== undefined || options.endS !== undefined ? 'inside the --begin/--end window' : 'at all'}`);
  if (ids.length === 0) throw new FcdError(`${fcd}: no vehicles in the kept time steps`);

  const arrays: TraceArrays = {
    times: Float64Array.from(times),
    offsets: Uint32Array.from(offsets),
    vehicle: vehicle.finish(),
    x: xs.finish(),
    y: ys.finish(),
    speed: speeds.finish(),
  };
  const bounds = { minX, minY, maxX, maxY };
  const rsu: TraceRsu =
    typeof options.rsu === 'function'
      ? options.rsu(bounds)
      : options.rsu
        ? { xM: options.rsu.xM, yM: options.rsu.yM, source: `--rsu ${options.rsu.xM},${options.rsu.yM}` }
        : { xM: round2((minX + maxX) / 2), yM: round2((minY + maxY) / 2), source: 'centre of the bounding box of the positions' };
  const header: TraceHeaderFields = {
    steps: times.length,
    vehicles: ids.length,
    samples: vehicle.length,
    ids,
    rsu,
    bounds,
    provenance: {
      command: options.command,
      source: { file: basename(fcd), sha256: hash.digest('hex'), bytes },
      sumoVersion,
      timeRangeS: [times[0]!, times[times.length - 1]!],
      vehicles: ids.length,
      samples: vehicle.length,
      stepsSkipped,
      contentSha256: traceContentSha256(ids, arrays),
      ...(ignored > 0 ? { nonVehicleElementsIgnored: ignored } : {}),
      ...options.provenance,
    },
  };
  return writeTraceFile(options.out, header, arrays);
}

const round2 = (v: number) => Math.round(v * 100) / 100;
