// The geometry of a mobility trace (`svec mobility figure`): vehicle paths, the RSU and its
// coverage circle, and a snapshot of where the vehicles are at one slot time (in a slot, waiting
// for one, outside coverage). Equal scales on both axes, so distances read true.
import { basename } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { Scenario } from '../config/scenario.ts';
import { deriveSeed } from '../random/stream.ts';
import { SvecCore } from '../sim/core.ts';
import { provisionalFidelityTable } from '../sim/fidelity.ts';
import { TraceMobility } from '../sim/mobility/trace.ts';
import type { CsvRow } from './csv.ts';
import { figureConfig, writeFigure, type FigurePaths } from './plot.ts';

export interface TraceMapOptions {
  /** one row per vehicle x trace step: vehicle, t (s), x, y (m) */
  paths: readonly { vehicle: string; t: number; x: number; y: number }[];
  /** one row per vehicle present at the snapshot time: x, y, status */
  snapshot: readonly { vehicle: string; x: number; y: number; status: string }[];
  rsu: { xM: number; yM: number };
  coverageM: number;
  title: string;
  subtitle?: string;
  /** plot width in px (the height follows from equal scales) */
  width?: number;
}

/** Snapshot statuses in legend order, with their colours (Okabe–Ito). */
export const SNAPSHOT_STATUSES: readonly [string, string][] = [
  ['in a slot', '#D55E00'],
  ['waiting for a slot', '#0072B2'],
  ['outside coverage', '#999999'],
];

function circle(rsu: { xM: number; yM: number }, radius: number): { k: number; x: number; y: number }[] {
  return Array.from({ length: 181 }, (_, k) => ({ k, x: rsu.xM + radius * Math.cos((2 * Math.PI * k) / 180), y: rsu.yM + radius * Math.sin((2 * Math.PI * k) / 180) }));
}

/** The figure's spec and the rows behind it (one CSV with a 'layer' column). */
export function traceMapSpec(opts: TraceMapOptions): { spec: TopLevelSpec; rows: CsvRow[] } {
  const ring = circle(opts.rsu, opts.coverageM);
  const xs = [...opts.paths.map((p) => p.x), ...ring.map((p) => p.x), opts.rsu.xM];
  const ys = [...opts.paths.map((p) => p.y), ...ring.map((p) => p.y), opts.rsu.yM];
  const pad = 0.03;
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const dx = (x1 - x0) * pad + 1;
  const dy = (y1 - y0) * pad + 1;
  [x0, x1, y0, y1] = [x0 - dx, x1 + dx, y0 - dy, y1 + dy];
  const width = opts.width ?? 620;
  const height = Math.max(160, Math.round((width * (y1 - y0)) / (x1 - x0)));
  const xScale = { domain: [x0, x1], nice: false, zero: false };
  const yScale = { domain: [y0, y1], nice: false, zero: false };
  const x = { field: 'x', type: 'quantitative', scale: xScale, axis: { title: 'x (m)' } };
  const y = { field: 'y', type: 'quantitative', scale: yScale, axis: { title: 'y (m)' } };
  const statuses = SNAPSHOT_STATUSES.filter(([s]) => opts.snapshot.some((p) => p.status === s));
  const layers: Record<string, unknown>[] = [
    {
      data: { values: opts.paths },
      mark: { type: 'line', strokeWidth: 0.7, opacity: 0.35, color: '#555555', clip: true },
      encoding: { x, y, detail: { field: 'vehicle', type: 'nominal' }, order: { field: 't', type: 'quantitative' } },
    },
    {
      data: { values: ring },
      mark: { type: 'line', strokeWidth: 1.6, strokeDash: [6, 4], color: '#009E73', clip: true },
      encoding: { x, y, order: { field: 'k', type: 'quantitative' } },
    },
    {
      data: { values: opts.snapshot },
      mark: { type: 'point', filled: true, size: 30, opacity: 0.9, clip: true },
      encoding: {
        x,
        y,
        color: {
          field: 'status',
          type: 'nominal',
          scale: { domain: statuses.map(([s]) => s), range: statuses.map(([, c]) => c) },
          legend: { title: 'vehicles at the snapshot', orient: 'bottom', direction: 'horizontal' },
        },
      },
    },
    {
      data: { values: [{ x: opts.rsu.xM, y: opts.rsu.yM, label: 'RSU' }] },
      mark: { type: 'point', shape: 'triangle-up', filled: true, size: 260, color: '#000000' },
      encoding: { x, y },
    },
    {
      data: { values: [{ x: opts.rsu.xM, y: opts.rsu.yM, label: 'RSU' }] },
      mark: { type: 'text', dx: 14, dy: -12, align: 'left', fontSize: 13, fontWeight: 'bold' },
      encoding: { x, y, text: { field: 'label' } },
    },
  ];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.subtitle ? { text: opts.title, subtitle: opts.subtitle } : opts.title,
    width,
    height,
    layer: layers,
    config: figureConfig(),
  } as unknown as TopLevelSpec; // built loosely; compile() reports any spec mistake
  const rows: CsvRow[] = [
    ...opts.paths.map((p) => ({ layer: 'path', vehicle: p.vehicle, t: p.t, x: p.x, y: p.y, status: '' })),
    ...opts.snapshot.map((p) => ({ layer: 'snapshot', vehicle: p.vehicle, t: '', x: p.x, y: p.y, status: p.status })),
    { layer: 'rsu', vehicle: '', t: '', x: opts.rsu.xM, y: opts.rsu.yM, status: `coverage ${opts.coverageM} m` },
  ];
  return { spec, rows };
}

export interface DrawTraceOptions {
  /** the snapshot is the first slot of episode 0 of `svec simulate --seed seed` */
  seed: number;
  maxPaths: number;
  dir: string;
  name: string;
}

/** Draws the scenario's trace (mobility.model must be 'trace') and writes DIR/NAME.svg, .png, .csv. */
export async function drawTrace(scenario: Scenario, options: DrawTraceOptions): Promise<FigurePaths> {
  // the figure needs positions only: the provisional table spares reading the measured one
  const core = new SvecCore(scenario, { fidelity: provisionalFidelityTable() });
  const mobility = core.mobility;
  if (!(mobility instanceof TraceMobility)) throw new Error("drawTrace: the scenario's mobility.model must be 'trace'");
  const trace = mobility.trace;
  core.reset(deriveSeed(options.seed, 0));
  const ids = trace.header.ids;
  // paths: at most maxPaths vehicles, evenly spread over the trace's vehicles; at most 150 points each
  const every = Math.max(1, Math.ceil(ids.length / options.maxPaths));
  const stride = Math.max(1, Math.ceil(trace.times.length / 150));
  const drawn = new Set<number>();
  for (let v = 0; v < ids.length; v += every) drawn.add(v);
  const paths: TraceMapOptions['paths'][number][] = [];
  for (let k = 0; k < trace.times.length; k++) {
    if (k % stride !== 0 && k !== trace.times.length - 1) continue;
    for (let r = trace.offsets[k]!; r < trace.offsets[k + 1]!; r++) {
      const v = trace.vehicle[r]!;
      if (drawn.has(v)) paths.push({ vehicle: ids[v]!, t: trace.times[k]!, x: round2(trace.x[r]!), y: round2(trace.y[r]!) });
    }
  }
  const rsu = scenario.mobility.rsu ?? trace.header.rsu;
  const coverageM = scenario.mobility.coverageM;
  const sample = trace.sampleAt(mobility.timeS, trace.allocateSample());
  const inSlot = new Set(Array.from(mobility.slotVehicle).filter((v) => v >= 0));
  const snapshot: TraceMapOptions['snapshot'][number][] = [];
  for (let k = 0; k < sample.count; k++) {
    const v = sample.present[k]!;
    const x = sample.x[v]!;
    const y = sample.y[v]!;
    const inside = (x - rsu.xM) ** 2 + (y - rsu.yM) ** 2 <= coverageM * coverageM;
    snapshot.push({ vehicle: ids[v]!, x: round2(x), y: round2(y), status: inSlot.has(v) ? 'in a slot' : inside ? 'waiting for a slot' : 'outside coverage' });
  }
  const p = trace.header.provenance;
  const sumo = p.sumo as { net?: string } | undefined;
  const { spec, rows } = traceMapSpec({
    paths,
    snapshot,
    rsu,
    coverageM,
    title: `Trace ${basename(scenario.mobility.trace ?? options.name)
      .replace(/(\.trace)?(\.gz)?$/, '')
      .replace(/-map$/, '')}${sumo?.net ? ` (SUMO ${sumo.net})` : ''}: vehicle paths, RSU and coverage`,
    subtitle: `${ids.length} vehicles over ${(trace.endS - trace.startS).toFixed(0)} s (${drawn.size} paths drawn); coverage radius ${coverageM} m; snapshot at t = ${mobility.timeS.toFixed(1)} s with N = ${core.n} slots (seed ${options.seed})`,
  });
  return writeFigure(options.dir, options.name, spec, rows);
}

const round2 = (v: number) => Math.round(v * 100) / 100;
