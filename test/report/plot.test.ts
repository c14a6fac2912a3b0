import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from '../../src/report/csv.ts';
import { summarizeAcrossSeeds } from '../../src/report/stats.ts';
import { colorFor } from '../../src/report/palette.ts';
import { barChartSpec, lineChartSpec, renderChart, writeFigure } from '../../src/report/plot.ts';

// per algorithm x episode x seed, as a training run writes it
const TINY_CSV = `algorithm,episode,seed,reward
dmadrl,1,0,-9
dmadrl,1,1,-7
dmadrl,2,0,-5
dmadrl,2,1,-4
dmadrl,3,0,-2
dmadrl,3,1,-1
greedy,1,0,-8
greedy,1,1,-8.5
greedy,2,0,-7
greedy,2,1,-6
greedy,3,0,-6
greedy,3,1,-5.5
`;

/** Minimal structural check of XML: one root, every tag closed in order. */
function assertWellFormedSvg(svg: string): void {
  assert.match(svg, /^<svg[\s>]/, 'starts with the <svg> root');
  assert.match(svg, /<\/svg>\s*$/, 'ends with </svg>');
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `closing </${name}> matches its opening tag`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, [], 'every tag closed');
}

/** PNG signature and the IHDR chunk's width and height. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR', 'first chunk is IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const summary = () => summarizeAcrossSeeds(parseCsv(TINY_CSV, { numbers: true }), ['algorithm', 'episode'], 'reward');

test('a line chart with confidence bands renders to valid SVG and PNG with titles, labels and palette colours', async () => {
  const rows = summary();
  const spec = lineChartSpec({
    data: rows,
    x: { field: 'episode', title: 'Training episode' },
    y: { field: 'mean', title: 'Average reward', unit: 'per slot' },
    title: 'Learning curves',
    points: true,
  });
  const { svg, png } = await renderChart(spec);
  assertWellFormedSvg(svg);
  for (const text of ['Learning curves', 'Training episode', 'Average reward (per slot)', 'DMADRL', 'Greedy']) {
    assert.ok(svg.includes(`>${text}<`), `SVG shows "${text}"`);
  }
  assert.ok(svg.includes('font-family="DejaVu Sans"'));
  assert.ok(svg.toLowerCase().includes(colorFor('dmadrl').toLowerCase()), 'DMADRL drawn in its palette colour');
  const width = Number(/<svg[^>]*\swidth="(\d+(?:\.\d+)?)"/.exec(svg)![1]);
  const size = pngSize(png);
  assert.ok(size.width > 0 && size.height > 0);
  assert.equal(size.width, Math.round(width * 2), 'PNG at 2x the SVG size');
  // the band layer (area marks) is drawn under the lines
  const bandAt = svg.indexOf('class="mark-area role-mark');
  const lineAt = svg.indexOf('class="mark-line role-mark');
  assert.ok(bandAt >= 0 && lineAt > bandAt, 'bands first, lines over them');
  assert.ok(/fill-opacity="0\.18"|opacity="0\.18"/.test(svg), 'bands are translucent');
});

test('log x axis, bottom legend and a grouped bar chart with error bars render', async () => {
  const sweep = [1, 10, 100].flatMap((bw) => ['oracle', 'mappo'].map((algorithm) => ({ algorithm, bw, mean: 10 / bw, lo: 9 / bw, hi: 11 / bw })));
  const line = await renderChart(
    lineChartSpec({
      data: sweep,
      x: { field: 'bw', title: 'Bandwidth', unit: 'MHz', log: true },
      y: { field: 'mean', title: 'Delay', unit: 's' },
      title: 'Sweep',
      legendOrient: 'bottom',
    }),
    { scale: 1 },
  );
  assertWellFormedSvg(line.svg);
  assert.ok(line.svg.includes('>Bandwidth (MHz)<') && line.svg.includes('>Oracle<') && line.svg.includes('>MAPPO<'));
  assert.ok(pngSize(line.png).width > 0);

  const bars = await renderChart(
    barChartSpec({
      data: sweep,
      group: { field: 'bw', title: 'Bandwidth', unit: 'MHz' },
      y: { field: 'mean', title: 'Delay', unit: 's' },
      title: 'Bars',
      legendTitle: 'Algorithm',
    }),
  );
  assertWellFormedSvg(bars.svg);
  for (const text of ['Bars', 'Bandwidth (MHz)', 'Delay (s)', 'Algorithm', 'Oracle', 'MAPPO']) assert.ok(bars.svg.includes(`>${text}<`), text);
  const { width, height } = pngSize(bars.png);
  assert.ok(width > 0 && height > 0);
});

test('writeFigure writes SVG, PNG and the CSV behind the plot, with no temporary files left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'svec-plot-'));
  const rows = summary();
  const spec = barChartSpec({ data: rows.filter((r) => r.episode === 3), y: { field: 'mean', title: 'Final reward' }, title: 'Final reward' });
  const paths = await writeFigure(join(dir, 'figures'), 'final', spec, rows);
  assert.deepEqual(readdirSync(join(dir, 'figures')).sort(), ['final.csv', 'final.png', 'final.svg']);
  assert.equal(paths.png, join(dir, 'figures', 'final.png'));
  assertWellFormedSvg(readFileSync(paths.svg, 'utf8'));
  pngSize(readFileSync(paths.png));
  const back = parseCsv(readFileSync(paths.csv, 'utf8'), { numbers: true });
  assert.equal(back.length, rows.length);
  assert.deepEqual(Object.keys(back[0]!), ['algorithm', 'episode', 'mean', 'std', 'halfWidth', 'lo', 'hi', 'n']);
  assert.equal(back[0]!.mean, rows[0]!.mean);
});
