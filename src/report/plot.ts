// Figures: declarative Vega-Lite specs -> Vega view (headless, renderer 'none') -> SVG -> PNG by
// resvg. Nothing needs a browser or a native canvas; every figure is written with the CSV of the
// data behind it. All text is DejaVu Sans: the font the SVG names, the font resvg draws with
// (system fonts are not loaded, so a PNG looks the same on every machine with DejaVu) and the font
// whose glyph widths Vega lays out with (through @napi-rs/canvas when it loads; else Vega's own
// estimate, which is coarser but still renders).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { toCsv, type CsvRow } from './csv.ts';
import { writeFileAtomic } from '../util/io.ts';
import { FONT_FAMILY } from './specs.ts';

// The spec builders live in specs.ts (no rendering dependency, shared with the dashboard).
export { FONT_FAMILY, figureConfig, lineChartSpec, barChartSpec } from './specs.ts';
export type { AxisOptions, LineChartOptions, BarChartOptions } from './specs.ts';

/** Where Debian's fonts-dejavu-core puts the fonts; SVEC_FONT_DIR overrides. */
export const FONT_DIR = process.env.SVEC_FONT_DIR ?? '/usr/share/fonts/truetype/dejavu';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf', 'DejaVuSans-BoldOblique.ttf']
  .map((file) => join(FONT_DIR, file))
  .filter((path) => existsSync(path));

// ---------------------------------------------------------------------------------------------
// Text measurement. Vega sizes legends, axis titles and the canvas from text widths; without a
// canvas it guesses 0.8 em per character, which leaves legends too wide or clipped. Vega lets a
// caller replace textMetrics.width (as vl-convert does); measuring with the DejaVu Sans files
// themselves makes the layout match what resvg draws.
interface TextItem {
  text?: unknown;
  fontSize?: number;
  limit?: number;
}
type WidthFunction = (item: TextItem, text: unknown) => number;

let textMeasurementReady: Promise<void> | undefined;

function prepareTextMeasurement(): Promise<void> {
  textMeasurementReady ??= (async () => {
    if (FONT_FILES.length === 0) return;
    try {
      const { createCanvas, GlobalFonts } = await import('@napi-rs/canvas');
      for (const path of FONT_FILES) GlobalFonts.registerFromPath(path, FONT_FAMILY);
      const context = createCanvas(8, 8).getContext('2d');
      const metrics = (vega as unknown as { textMetrics: { width: WidthFunction } }).textMetrics;
      const font = (vega as unknown as { font: (item: TextItem) => string }).font;
      const cache = new Map<string, number>();
      metrics.width = (item, line) => {
        const text = line == null ? '' : String(line).trim();
        if (text === '' || !((item.fontSize ?? 11) > 0)) return 0;
        const css = font(item);
        const key = `${css}|${text}`;
        let width = cache.get(key);
        if (width === undefined) {
          context.font = css;
          width = context.measureText(text).width;
          cache.set(key, width);
        }
        // labels longer than their limit are truncated with an ellipsis when drawn
        return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
      };
    } catch {
      // no @napi-rs/canvas binary here: keep Vega's width estimate
    }
  })();
  return textMeasurementReady;
}

// ---------------------------------------------------------------------------------------------
// Rendering and files.

export interface RenderOptions {
  /** PNG pixels per SVG pixel (default 2, crisp in print and on high-density screens) */
  scale?: number;
}

export interface RenderedFigure {
  svg: string;
  png: Buffer;
}

/** Renders a Vega-Lite spec headless to SVG text and a PNG of it. */
export async function renderChart(spec: TopLevelSpec, options: RenderOptions = {}): Promise<RenderedFigure> {
  await prepareTextMeasurement();
  const vegaSpec = compile(spec).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const resvg = new Resvg(svg, {
    // only DejaVu: the PNG does not depend on what else the machine has installed
    font: FONT_FILES.length > 0 ? { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: FONT_FAMILY } : { loadSystemFonts: true, defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: options.scale ?? 2 },
    background: 'white',
    shapeRendering: 2, // geometricPrecision: anti-aliased lines and areas
    textRendering: 1, // optimizeLegibility
  });
  const png = resvg.render().asPng();
  return { svg, png };
}

export interface FigurePaths {
  svg: string;
  png: string;
  csv: string;
}

/**
 * Renders a figure and writes DIR/NAME.svg, NAME.png and NAME.csv (the rows behind it), each
 * atomically (temporary file in the same folder, then rename), so a reader never sees half a file.
 */
export async function writeFigure(dir: string, name: string, spec: TopLevelSpec, dataRows: readonly CsvRow[], options: RenderOptions = {}): Promise<FigurePaths> {
  const { svg, png } = await renderChart(spec, options);
  const paths = { svg: join(dir, `${name}.svg`), png: join(dir, `${name}.png`), csv: join(dir, `${name}.csv`) };
  writeFileAtomic(paths.csv, toCsv(dataRows));
  writeFileAtomic(paths.svg, svg);
  writeFileAtomic(paths.png, png);
  return paths;
}
