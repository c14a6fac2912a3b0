// The figures of a reproduction, drawn from the cells' results: each experiment's data in long
// format (one row per series x point x seed), summarized across seeds (mean and 95% CI), drawn
// with the shared plotting layer (report/plot.ts) and written as SVG, PNG and CSV.
import { mean, movingAverageBy, summarizeAcrossSeeds } from '../report/stats.ts';
import { barChartSpec, lineChartSpec, writeFigure, type AxisOptions, type FigurePaths } from '../report/plot.ts';
import { MODALITIES, type ModalityName } from '../sim/modality.ts';
import type { CellResult, CurveMetric, FidelityFigures } from './cellTask.ts';
import { EXPERIMENTS, type Cell, type ExperimentId } from './definitions.ts';

export interface DrawnFigure {
  experiment: ExperimentId;
  /** file name without extension */
  name: string;
  title: string;
  paths: FigurePaths;
  /** one or two sentences: what is plotted and how it was obtained */
  caption: string;
}

/** A cell's result as used by one experiment: the variant and x value it stands for there. */
export interface ExperimentPoint {
  result: CellResult;
  variant: string;
  x: number | null;
}

/** The finished results an experiment uses (from the current plan's cells, so shared cells count). */
export function pointsOf(id: ExperimentId, cells: readonly Cell[], results: ReadonlyMap<string, CellResult>): ExperimentPoint[] {
  const points: ExperimentPoint[] = [];
  for (const cell of cells) {
    const result = results.get(cell.key);
    if (!result) continue;
    for (const use of cell.uses) if (use.experiment === id) points.push({ result, variant: use.variant, x: use.x });
  }
  return points;
}

const METRIC_AXIS: Record<CurveMetric, { title: string; unit?: string }> = {
  teamReward: { title: 'Team reward per episode' },
  latencyMs: { title: 'Average latency', unit: 'ms' },
  energyMJ: { title: 'Average energy', unit: 'mJ' },
  cost: { title: 'Average cost', unit: 's + 10 x J' },
  queue: { title: 'Average Lyapunov queue length', unit: 'J' },
  fidelity: { title: 'Semantic fidelity' },
  utility: { title: 'Average utility per vehicle-slot' },
};

/** The series name of a point: the algorithm, or K in Fig. 11 (distinct colours, not shades of one). */
function seriesOf(id: ExperimentId, point: ExperimentPoint): string {
  return id === 'fig11' ? `K = ${point.x}` : point.result.algo;
}

/** Learning curves (per training episode), smoothed per seed, then mean and 95% CI across seeds. */
export function curveRows(id: ExperimentId, points: readonly ExperimentPoint[], metric: CurveMetric, variant: string) {
  const rows: Record<string, unknown>[] = [];
  let episodes = 0;
  for (const point of points) {
    if (point.variant !== variant || !point.result.curve) continue;
    const values = point.result.curve[metric];
    episodes = Math.max(episodes, values.length);
    values.forEach((value, e) => rows.push({ algorithm: seriesOf(id, point), seed: point.result.seed, episode: e + 1, value }));
  }
  // a trailing moving average over a tenth of the run, as learning-curve figures usually show
  const window = Math.max(1, Math.round(episodes / 10));
  const smoothed = movingAverageBy(rows, ['algorithm', 'seed'], 'episode', 'value', window);
  return { rows: summarizeAcrossSeeds(smoothed, ['algorithm', 'episode'], 'value'), window };
}

/** Held-out evaluation of a metric against the sweep value, mean and 95% CI across seeds. */
export function sweepRows(id: ExperimentId, points: readonly ExperimentPoint[], metric: keyof CellResult['evaluation'], variant: string, scaleX = 1) {
  const rows = points
    .filter((p) => p.variant === variant)
    .map((p) => ({ algorithm: seriesOf(id, p), seed: p.result.seed, x: (p.x ?? Number.NaN) * scaleX, value: p.result.evaluation[metric] as number }));
  rows.sort((a, b) => a.x - b.x);
  return summarizeAcrossSeeds(rows, ['algorithm', 'x'], 'value');
}

/**
 * Fig. 9 / 10 data for one modality: fidelity of the adaptive scheme (DMADRL's lambda), the
 * conventional scheme (one fixed lambda) and error-free transmission, per sweep value. With
 * `xFromSnr` the x axis is the mean receive SNR (dB) measured over the sweep value's cells.
 */
export function fidelityRows(points: readonly ExperimentPoint[], modality: ModalityName | 'all', xFromSnr: boolean, scaleX = 1) {
  const figuresOf = (p: ExperimentPoint): FidelityFigures | undefined => (modality === 'all' ? p.result.fidelity : p.result.fidelity?.perModality[modality]);
  const byX = new Map<number, ExperimentPoint[]>();
  for (const point of points) {
    const key = point.x ?? Number.NaN;
    byX.set(key, [...(byX.get(key) ?? []), point]);
  }
  const rows: Record<string, unknown>[] = [];
  for (const [x, group] of byX) {
    const plottedX = xFromSnr ? mean(group.map((p) => figuresOf(p)?.meanSnrDb ?? Number.NaN).filter((v) => !Number.isNaN(v))) : x * scaleX;
    for (const point of group) {
      const figures = figuresOf(point);
      if (!figures || figures.tasks === 0) continue;
      const base = { seed: point.result.seed, x: Number(plottedX.toFixed(3)), sweepValue: x };
      rows.push({ ...base, algorithm: point.result.algo, value: figures.adaptive });
      rows.push({ ...base, algorithm: 'conventional', value: figures.conventional, lambda: figures.conventionalLambda });
      rows.push({ ...base, algorithm: 'error-free', value: figures.errorFree });
    }
  }
  rows.sort((a, b) => (a.x as number) - (b.x as number));
  // fidelity lies in [0, 1]: a t interval over few seeds can reach past it, so the band is clipped
  return summarizeAcrossSeeds(rows, ['algorithm', 'x'], 'value').map((r) => ({ ...r, lo: Math.max(0, r.lo), hi: Math.min(1, r.hi) }));
}

function seedsOf(points: readonly ExperimentPoint[]): number {
  return new Set(points.map((p) => p.result.seed)).size;
}

/** No interval can be estimated from one seed: such figures draw the mean alone and say so. */
function subtitleOf(points: readonly ExperimentPoint[], extra: string): string {
  const seeds = seedsOf(points);
  const statistic = seeds >= 2 ? `mean and 95% CI over ${seeds} seeds` : 'one seed: no confidence interval';
  return `${extra}${extra ? '; ' : ''}${statistic}`;
}

/** The band option of a line chart: a 95% band only with at least two seeds. */
function bandOf(points: readonly ExperimentPoint[]): false | undefined {
  return seedsOf(points) >= 2 ? undefined : false;
}

/** Held-out team reward per algorithm as bars (mean, and the 95% CI with two or more seeds). */
function rewardBars(points: readonly ExperimentPoint[], title: string) {
  const rows = summarizeAcrossSeeds(
    points.map((p) => ({ algorithm: p.result.algo, seed: p.result.seed, value: p.result.evaluation.teamReward })),
    ['algorithm'],
    'value',
  );
  const spec = barChartSpec({
    data: rows,
    y: { field: 'mean', title: 'Team reward per episode' },
    title,
    subtitle: subtitleOf(points, `N = ${points[0]!.result.scenario.vehicles}`),
    errorBars: bandOf(points),
  });
  return { rows, spec };
}

/** Draws every figure of the given experiments into DIR (svg, png, csv each). */
export async function drawFigures(dir: string, ids: readonly ExperimentId[], cells: readonly Cell[], results: ReadonlyMap<string, CellResult>): Promise<DrawnFigure[]> {
  const drawn: DrawnFigure[] = [];
  const draw = async (
    experiment: ExperimentId,
    name: string,
    title: string,
    caption: string,
    spec: Parameters<typeof writeFigure>[2],
    rows: readonly Record<string, unknown>[],
  ) => {
    if (rows.length === 0) return;
    const paths = await writeFigure(dir, name, spec, rows);
    drawn.push({ experiment, name, title, paths, caption });
  };
  const episodeAxis: AxisOptions = { field: 'episode', title: 'Training episode', format: 'd' };
  // ticks at the swept values (no 3.5 vehicles between 3 and 4)
  const sweptTicks = (rows: readonly Record<string, unknown>[]) => [...new Set(rows.map((r) => Number(r.x)))].filter(Number.isFinite).sort((a, b) => a - b);
  const meanAxis = (metric: CurveMetric): AxisOptions => ({ field: 'mean', ...METRIC_AXIS[metric] });

  for (const id of ids) {
    const def = EXPERIMENTS[id];
    const points = pointsOf(id, cells, results);
    if (points.length === 0) continue;
    const panels = def.variants.map((v, k) => ({ variant: v.label, suffix: def.variants.length > 1 ? String.fromCharCode(97 + k) : '' }));
    if (id === 'fig4' || id === 'fig8' || id === 'fig11') {
      // Learning curves.
      const metric: CurveMetric = def.metric === 'queue' ? 'queue' : 'teamReward';
      for (const { variant, suffix } of panels) {
        const { rows, window } = curveRows(id, points, metric, variant);
        const title = `${def.title}${panels.length > 1 ? `, ${variant} communication` : ''}`;
        await draw(
          id,
          `${id}${suffix}`,
          title,
          `Per training episode (exploring), trailing moving average over ${window} episode(s) per seed.`,
          lineChartSpec({
            data: rows,
            x: episodeAxis,
            y: meanAxis(metric),
            title,
            subtitle: subtitleOf(points, `N = ${points[0]!.result.scenario.vehicles}`),
            band: bandOf(points),
          }),
          rows,
        );
      }
    } else if (id === 'fig9' || id === 'fig10') {
      // Semantic fidelity per modality: adaptive (DMADRL) vs conventional vs error-free.
      const fromSnr = id === 'fig9';
      for (const modality of MODALITIES) {
        const rows = fidelityRows(points, modality, fromSnr, fromSnr ? 1 : 1e-6);
        const title = `${def.title}: ${modality}`;
        const x: AxisOptions = fromSnr
          ? { field: 'x', title: 'Mean receive SNR of offloaded tasks', unit: 'dB' }
          : { field: 'x', title: 'Maximum bandwidth', unit: 'MHz', ticks: sweptTicks(rows), format: 'd' };
        await draw(
          id,
          `${id}-${modality}`,
          title,
          `Held-out evaluation of DMADRL; conventional: the same codec at one fixed lambda (DMADRL's mean lambda rounded to 0.05); error-free: DMADRL's lambda without channel noise.${fromSnr ? ' The x value is the mean SNR measured at each swept noise power.' : ''} Bands are clipped to [0, 1].`,
          lineChartSpec({ data: rows, x, y: { field: 'mean', title: 'Semantic fidelity' }, title, subtitle: subtitleOf(points, ''), points: true, band: bandOf(points) }),
          rows,
        );
      }
    } else if (id === 'oracle-gap') {
      const { rows, spec } = rewardBars(points, def.title);
      await draw(id, id, def.title, 'Held-out evaluation (greedy actions); the oracle solves each slot with full knowledge of that slot.', spec, rows);
    } else if (id === 'mobility') {
      // One bar chart per mobility model, then a map of each trace (its paths, the RSU and its coverage).
      for (const { variant, suffix } of panels) {
        const here = points.filter((p) => p.variant === variant);
        if (here.length === 0) continue;
        const title = `${def.title}: ${variant}`;
        const { rows, spec } = rewardBars(here, title);
        await draw(
          id,
          `${id}-${suffix}`,
          title,
          'Held-out evaluation (greedy actions) after training on this mobility model; on a trace the N agents are vehicle slots (docs/mobility.md).',
          spec,
          rows,
        );
        const scenario = here[0]!.result.scenario;
        if (scenario.mobility.model === 'trace') {
          const { drawTrace } = await import('../report/traceFigure.ts');
          const name = `${id}-map-${suffix}`;
          const paths = await drawTrace(scenario, { seed: 1, maxPaths: 150, dir, name });
          drawn.push({
            experiment: id,
            name,
            title: `The ${variant}: vehicle paths, the RSU and its coverage`,
            paths,
            caption: `${scenario.mobility.trace}; the dots are the vehicles at the first slot of episode 0 of seed 1.`,
          });
        }
      }
    } else if (id === 'lyapunov-v') {
      for (const [metric, suffix] of [
        ['energyMJ', 'energy'],
        ['utility', 'utility'],
      ] as const) {
        const rows = sweepRows(id, points, metric, 'semantic');
        const title = `${def.title}: ${suffix}`;
        await draw(
          id,
          `${id}-${suffix}`,
          title,
          'Held-out evaluation after training at each V.',
          lineChartSpec({
            data: rows,
            x: { field: 'x', title: 'Lyapunov control parameter V', log: true, ticks: sweptTicks(rows), format: '~g' },
            y: meanAxis(metric),
            title,
            subtitle: subtitleOf(points, ''),
            points: true,
            band: bandOf(points),
          }),
          rows,
        );
      }
    } else if (def.sweep) {
      // Held-out metric against the number of vehicles (Fig. 5, 6, 7).
      const metric = def.metric as CurveMetric;
      for (const { variant, suffix } of panels) {
        const rows = sweepRows(id, points, metric, variant);
        const title = `${def.title}${panels.length > 1 ? `, ${variant} communication` : ''}`;
        await draw(
          id,
          `${id}${suffix}`,
          title,
          'Held-out evaluation (greedy actions) after training at each N.',
          lineChartSpec({
            data: rows,
            x: { field: 'x', title: def.sweep.label, ticks: sweptTicks(rows), format: 'd' },
            y: meanAxis(metric),
            title,
            subtitle: subtitleOf(points, ''),
            points: true,
            band: bandOf(points),
          }),
          rows,
        );
      }
    }
  }
  return drawn;
}
