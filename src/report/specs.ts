// Vega-Lite specifications of the figures: line charts with 95% bands and bar charts with error
// bars, in the shared look (DejaVu Sans, palette.ts colours and dashes). Pure data -> spec
// functions with no rendering dependency, so the same specs serve the static figures (plot.ts
// renders them to SVG/PNG) and the live dashboard (the browser draws them with vega-embed).
import type { TopLevelSpec } from 'vega-lite';
import { seriesStyles } from './palette.ts';
import type { CsvRow } from './csv.ts';

export const FONT_FAMILY = 'DejaVu Sans';

/** Field the specs add to the data: the legend label of each series (raw names stay in the CSV). */
export const SERIES_LABEL = 'series_label';

// ---------------------------------------------------------------------------------------------
// Shared look.

/** Vega-Lite config of every figure: DejaVu Sans, sizes readable at print size, white background. */
export function figureConfig(): Record<string, unknown> {
  return {
    font: FONT_FAMILY,
    background: 'white',
    padding: 10,
    view: { stroke: '#888888', strokeWidth: 0.8 },
    title: { font: FONT_FAMILY, fontSize: 16, fontWeight: 'bold', subtitleFontSize: 12, subtitleColor: '#444444', anchor: 'start', offset: 10 },
    axis: {
      labelFont: FONT_FAMILY,
      titleFont: FONT_FAMILY,
      labelFontSize: 12,
      titleFontSize: 13,
      titleFontWeight: 'normal',
      titlePadding: 8,
      labelColor: '#222222',
      titleColor: '#000000',
      gridColor: '#e4e4e4',
      tickColor: '#888888',
      domainColor: '#888888',
    },
    legend: {
      labelFont: FONT_FAMILY,
      titleFont: FONT_FAMILY,
      labelFontSize: 12,
      titleFontSize: 13,
      titleFontWeight: 'normal',
      labelLimit: 0, // never cut a label with an ellipsis
      symbolStrokeWidth: 2.5,
      symbolSize: 320,
      rowPadding: 5,
    },
    text: { font: FONT_FAMILY },
    line: { strokeWidth: 2.2 },
  };
}

export interface AxisOptions {
  /** data field plotted on this axis */
  field: string;
  /** axis title without the unit, e.g. 'Average delay' */
  title: string;
  /** unit shown in parentheses after the title, e.g. 'ms' */
  unit?: string;
  /** logarithmic scale */
  log?: boolean;
  /** include zero in the scale (default: false for lines, true for bars) */
  zero?: boolean;
  /** fixed [min, max] of the scale */
  domain?: [number, number];
  /** d3 number format of the tick labels, e.g. '.2f', '~s' */
  format?: string;
  /** explicit tick values (e.g. the swept values of a sweep) */
  ticks?: number[];
}

function axisTitle(axis: { title: string; unit?: string }): string {
  return axis.unit ? `${axis.title} (${axis.unit})` : axis.title;
}

function quantitative(axis: AxisOptions, defaultZero: boolean): Record<string, unknown> {
  const scale: Record<string, unknown> = {};
  // a nice log domain rounds out to whole decades, which can leave most of the plot empty
  if (axis.log) Object.assign(scale, { type: 'log', nice: false });
  else scale.zero = axis.zero ?? defaultZero;
  if (axis.domain) scale.domain = axis.domain;
  const axisDef: Record<string, unknown> = { title: axisTitle(axis) };
  if (axis.format) axisDef.format = axis.format;
  if (axis.ticks) axisDef.values = axis.ticks;
  return { field: axis.field, type: 'quantitative', scale, axis: axisDef };
}

/** Rows with the legend label of each series added, and the colour/dash scales in legend order. */
function withSeries(data: readonly CsvRow[], seriesField: string) {
  const names = data.map((row) => String(row[seriesField]));
  const styles = seriesStyles(names);
  const labelOf = new Map(styles.map((s) => [s.name, s.label]));
  const values = data.map((row) => ({ ...row, [SERIES_LABEL]: labelOf.get(String(row[seriesField])) }));
  return {
    values,
    domain: styles.map((s) => s.label),
    colors: styles.map((s) => s.color),
    dashes: styles.map((s) => s.dash),
  };
}

// ---------------------------------------------------------------------------------------------
// Line chart with 95% confidence bands.

export interface LineChartOptions {
  /** long-format rows: one per series x point, e.g. summarizeAcrossSeeds output */
  data: readonly CsvRow[];
  x: AxisOptions;
  /** the mean (or plotted value) */
  y: AxisOptions;
  /** field naming the series (algorithm); default 'algorithm' */
  series?: string;
  /** fields of the band's lower and upper edge; default { lo: 'lo', hi: 'hi' } when the data have them; false: no band */
  band?: { lo: string; hi: string } | false;
  title: string;
  subtitle?: string;
  /** point markers on the lines (for sparse x, e.g. sweeps) */
  points?: boolean;
  /** legend title; default none (the labels name the algorithms) */
  legendTitle?: string;
  legendOrient?: 'right' | 'bottom';
  /** plot area size in px (default 520 x 320) */
  width?: number;
  height?: number;
}

/**
 * Vega-Lite spec of lines with shaded confidence bands: the band layer (lighter, no legend) under
 * the line layer (which carries the colour legend, so the swatches are the full-strength line
 * colour and dash). Series keep their colour and dash from palette.ts in every figure.
 */
export function lineChartSpec(opts: LineChartOptions): TopLevelSpec {
  const seriesField = opts.series ?? 'algorithm';
  const { values, domain, colors, dashes } = withSeries(opts.data, seriesField);
  const first = opts.data[0] ?? {};
  const band = opts.band === false ? undefined : (opts.band ?? ('lo' in first && 'hi' in first ? { lo: 'lo', hi: 'hi' } : undefined));
  const x = quantitative(opts.x, false);
  // stroke swatches show colour and dash (with point markers Vega-Lite would draw big circles)
  const legend: Record<string, unknown> = { title: opts.legendTitle ?? null, orient: opts.legendOrient ?? 'right', symbolType: 'stroke' };
  if (opts.legendOrient === 'bottom') Object.assign(legend, { direction: 'horizontal', columns: Math.min(domain.length, 4) });
  const color = { field: SERIES_LABEL, type: 'nominal', scale: { domain, range: colors } };

  const layers: Record<string, unknown>[] = [];
  if (band) {
    layers.push({
      mark: { type: 'area', opacity: 0.18, line: false, interpolate: 'linear' },
      encoding: {
        x,
        y: { field: band.lo, type: 'quantitative' },
        y2: { field: band.hi },
        color: { ...color, legend: null },
      },
    });
  }
  layers.push({
    mark: opts.points ? { type: 'line', point: { filled: true, size: 36 } } : { type: 'line' },
    encoding: {
      x,
      y: quantitative(opts.y, false),
      color: { ...color, legend },
      // same field and title as colour, so Vega-Lite merges them into one legend of dashed swatches
      strokeDash: { field: SERIES_LABEL, type: 'nominal', scale: { domain, range: dashes }, legend },
      order: { field: opts.x.field, type: 'quantitative' },
    },
  });

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.subtitle ? { text: opts.title, subtitle: opts.subtitle } : opts.title,
    width: opts.width ?? 520,
    height: opts.height ?? 320,
    data: { values },
    layer: layers,
    // the band's 'no legend' must not switch off the line layer's legend (merged legends would
    // take legend: null from the first layer)
    resolve: { legend: { color: 'independent', strokeDash: 'independent' } },
    config: figureConfig(),
  } as unknown as TopLevelSpec; // built loosely above; compile() reports any spec mistake
}

// ---------------------------------------------------------------------------------------------
// Bar chart with error bars.

export interface BarChartOptions {
  /** one row per bar: series x (optional) group, with the value and the interval edges */
  data: readonly CsvRow[];
  /** field naming the series (algorithm); default 'algorithm' */
  series?: string;
  /** the bar height, e.g. 'mean'; axis title and unit */
  y: AxisOptions;
  /** fields of the error bar's ends; default { lo: 'lo', hi: 'hi' } when the data have them; false: none */
  errorBars?: { lo: string; hi: string } | false;
  /** optional grouping field on the x axis (e.g. 'scenario'): bars of the series side by side per group */
  group?: { field: string; title: string; unit?: string };
  title: string;
  subtitle?: string;
  legendTitle?: string;
  width?: number;
  height?: number;
}

/**
 * Vega-Lite spec of bars with error bars (the 95% CI across seeds). Without a group the x axis
 * lists the series (no legend needed); with a group, bars of each series sit side by side within
 * each group and a legend names them.
 */
export function barChartSpec(opts: BarChartOptions): TopLevelSpec {
  const seriesField = opts.series ?? 'algorithm';
  const { values, domain, colors } = withSeries(opts.data, seriesField);
  const first = opts.data[0] ?? {};
  const bars = opts.errorBars === false ? undefined : (opts.errorBars ?? ('lo' in first && 'hi' in first ? { lo: 'lo', hi: 'hi' } : undefined));
  const grouped = opts.group !== undefined;
  const x = grouped
    ? { field: opts.group!.field, type: 'nominal', sort: null, axis: { title: axisTitle(opts.group!), labelAngle: 0 } }
    : { field: SERIES_LABEL, type: 'nominal', sort: domain, axis: { title: null, labelAngle: -30, labelAlign: 'right' } };
  const xOffset = grouped ? { xOffset: { field: SERIES_LABEL, type: 'nominal', sort: domain } } : {};
  const color = {
    field: SERIES_LABEL,
    type: 'nominal',
    scale: { domain, range: colors },
    legend: grouped ? { title: opts.legendTitle ?? null } : null,
  };
  const y = quantitative(opts.y, true);

  const layers: Record<string, unknown>[] = [{ mark: { type: 'bar', opacity: 0.85 }, encoding: { x, ...xOffset, y, color } }];
  if (bars) {
    layers.push({
      mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5, color: '#222222' },
      encoding: { x, ...xOffset, y: { field: bars.lo, type: 'quantitative', title: axisTitle(opts.y) }, y2: { field: bars.hi } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.subtitle ? { text: opts.title, subtitle: opts.subtitle } : opts.title,
    width: opts.width ?? (grouped ? { step: 28, for: 'offset' } : { step: 44 }), // px per bar
    height: opts.height ?? 300,
    data: { values },
    layer: layers,
    config: figureConfig(),
  } as unknown as TopLevelSpec; // built loosely above; compile() reports any spec mistake
}
