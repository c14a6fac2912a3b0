// The report of a reproduction: report.md (figures as SVG links, tables in Markdown) and a
// self-contained report.html (the same text, figures embedded), plus summary.json with the
// claims and the comparison in machine-readable form. Everything in them comes from the cells'
// result files; nothing is typed in by hand.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Marked } from 'marked';
import { stringify as toYaml } from 'yaml';
import type { Scenario } from '../config/scenario.ts';
import { loadFidelityModel } from '../sim/fidelity.ts';
import { isAlgorithm } from '../agents/catalog.ts';
import { writeFileAtomic } from '../util/io.ts';
import { codeVersion } from '../util/version.ts';
import { markdownTable } from '../util/markdown.ts';
import type { CellResult } from './cellTask.ts';
import { checkClaims, type ClaimCheck } from './claims.ts';
import { addOracleScores, formatComparison, summarize, type CompareRow } from './compare.ts';
import { EXPERIMENTS, type Cell, type ExperimentId, type Profile } from './definitions.ts';
import { drawFigures, pointsOf, type DrawnFigure } from './figures.ts';
import type { PolicySummary } from './simulate.ts';

/** One invocation of `svec reproduce` on an output folder (history.json). */
export interface HistoryEntry {
  command: string;
  startedAt: string;
  wallSeconds: number;
  ran: number;
  failed: number;
}

export interface ReportInput {
  outDir: string;
  profile: Profile;
  experiments: ExperimentId[];
  cells: Cell[];
  results: Map<string, CellResult>;
  baseScenario: Scenario;
  evalSeed: number;
  command?: string;
  history: HistoryEntry[];
  failed: { key: string; algo: string; error: string }[];
}

const VERDICT_MARK: Record<ClaimCheck['verdict'], string> = {
  // plain words: no emoji font is needed to read them
  holds: '**holds**',
  'does not hold': '**does not hold**',
  partly: 'partly',
  inconclusive: 'inconclusive (not significant at 95%)',
  'not measured': 'not measured',
};

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}

/** The comparison table at the profile's N (semantic): every algorithm drawn in the oracle-gap or fig4 cells. */
function comparisonRows(input: ReportInput): CompareRow[] {
  const points = [...pointsOf('oracle-gap', input.cells, input.results), ...pointsOf('fig4', input.cells, input.results).filter((p) => p.variant === 'semantic')];
  const byAlgo = new Map<string, Map<string, PolicySummary>>();
  for (const p of points) {
    const seeds = byAlgo.get(p.result.algo) ?? new Map<string, PolicySummary>();
    seeds.set(p.result.key, { ...p.result.evaluation, policy: p.result.algo });
    byAlgo.set(p.result.algo, seeds);
  }
  const rows = [...byAlgo].map(([algo, seeds]) => summarize(algo, isAlgorithm(algo) ? 'learning' : 'built-in', [...seeds.values()]));
  addOracleScores(rows);
  return rows;
}

export async function writeReport(input: ReportInput): Promise<string> {
  const { outDir, profile, cells, results } = input;
  const figuresDir = join(outDir, 'figures');
  const figures = await drawFigures(figuresDir, input.experiments, cells, results);
  const claims = checkClaims(cells, results);
  const comparison = comparisonRows(input);
  const fidelity = loadFidelityModel(input.baseScenario.fidelityTable).provenance;
  const finished = cells.filter((c) => results.has(c.key)).length;
  const computeSeconds = [...results.values()].reduce((a, r) => a + r.wallSeconds, 0);
  const wallSeconds = input.history.reduce((a, h) => a + h.wallSeconds, 0);
  const versions = [...new Set([...results.values()].map((r) => r.codeVersion))];

  const md: string[] = [];
  md.push(`# svec reproduction of Section VI: profile \`${profile.name}\``, '');
  md.push(`${profile.description}.`, '');
  md.push(
    markdownTable(
      ['', ' '],
      [
        ['command', `\`${input.command || `svec reproduce --profile ${profile.name}`}\``],
        ['experiments', input.experiments.join(', ')],
        ['cells finished', `${finished} of ${cells.length}${input.failed.length ? ` (${input.failed.length} failed in the last invocation)` : ''}`],
        ['seeds', `training seeds 1..${profile.seeds}; held-out evaluation: ${profile.evalEpisodes} episodes from seed ${input.evalSeed}, the same for every cell`],
        ['training', `${profile.episodes} episodes of ${input.baseScenario.slotsPerEpisode} slots per learning run; N = ${profile.vehicles} unless swept`],
        ['svec version', `${codeVersion()} (cells ran on ${versions.join(', ') || '—'})`],
        ['wall time', `${duration(wallSeconds)} over ${input.history.length} invocation(s); ${duration(computeSeconds)} of cell compute`],
        ['fidelity table', `${fidelity.source}${fidelity.provisional ? ' (**provisional**)' : ''}, hash ${fidelity.hash}`],
        ['written', new Date().toISOString()],
      ],
      { align: 'left' },
    ),
    '',
  );
  if (profile.episodes < 1000) {
    md.push(
      `> **Scale.** The paper trains for 1000 episodes at N = 20; this profile trains ${profile.episodes} episodes at N = ${profile.vehicles}. Verdicts below are about what this budget measured, not about what longer training would give.`,
      '',
    );
  }
  if (fidelity.provisional) {
    md.push(
      '> **Provisional fidelity.** The simulator used the analytic placeholder fidelity table, not one measured on trained codecs; Fig. 9 and 10 show the behaviour of that placeholder.',
      '',
    );
  }

  md.push('## Claims of Section VI against what svec measured', '');
  md.push(
    markdownTable(
      ['claim (paper)', 'svec measured', 'verdict', 'how it is judged'],
      claims.map((c) => [c.claim, c.measured, VERDICT_MARK[c.verdict], c.test]),
      { align: 'left' },
    ),
    '',
  );

  if (comparison.length > 0) {
    md.push(`## Comparison at N = ${profile.vehicles}, semantic communication`, '');
    const objective = input.baseScenario.objective === 'drift' ? 'the exact Lyapunov drift-plus-penalty (`objective: drift`)' : 'the reward of eq. 33 (`objective: eq33`)';
    const sharing = input.baseScenario.rewardSharing === 'team' ? 'every vehicle receives the team reward of eq. 35' : 'each vehicle learns from its own reward';
    md.push(
      `Held-out evaluation (greedy actions), mean ± 95% CI across seeds. The team reward is the sum over the episode's slots and vehicles of ${objective}; while training, ${sharing}.`,
      '',
    );
    md.push(formatComparison(comparison), '');
  }

  md.push('## Figures', '');
  for (const id of input.experiments) {
    const own = figures.filter((f) => f.experiment === id);
    md.push(`### ${id}: ${EXPERIMENTS[id].title}`, '');
    if (own.length === 0) {
      md.push('_No finished cells yet._', '');
      continue;
    }
    for (const figure of own) md.push(figureMarkdown(outDir, figure), '');
  }

  md.push('## Configuration', '');
  md.push(
    'Every cell is a directory under `cells/`; a learning cell holds its training run (`run/config.json` records the resolved scenario, hyperparameters, seed, code version and fidelity provenance; `svec train --config` of that file regenerates the curve) and `result.json` its evaluation.',
    '',
  );
  md.push('Profile:', '', '```json', JSON.stringify(profile, null, 2), '```', '');
  md.push('Base scenario (cells override only the fields they sweep):', '', '```yaml', toYaml(input.baseScenario).trim(), '```', '');
  const hp = new Map<string, Record<string, unknown>>();
  for (const r of results.values()) if (r.episodes > 0 && Object.keys(r.hyperparameters).length > 0 && !hp.has(r.algo)) hp.set(r.algo, r.hyperparameters);
  if (hp.size > 0) md.push('Hyperparameters (first cell of each algorithm; Fig. 11 varies K):', '', '```yaml', toYaml(Object.fromEntries(hp)).trim(), '```', '');
  const missing = cells.filter((c) => !results.has(c.key));
  if (missing.length > 0) {
    md.push('## Missing cells', '');
    md.push(
      markdownTable(
        ['cell', 'algorithm', 'seed', 'overrides', 'error'],
        missing.map((c) => {
          const errorPath = join(outDir, 'cells', c.key, 'error.txt');
          return [c.key, c.algo, String(c.seed), JSON.stringify(c.scenario), existsSync(errorPath) ? readFileSync(errorPath, 'utf8').trim() : 'not run yet'];
        }),
        { align: 'left' },
      ),
      '',
    );
  }

  const markdown = `${md.join('\n')}\n`;
  const reportPath = join(outDir, 'report.md');
  writeFileAtomic(reportPath, markdown);
  writeFileAtomic(join(outDir, 'report.html'), renderHtml(markdown, outDir, `svec reproduction (${profile.name})`));
  writeFileAtomic(
    join(outDir, 'summary.json'),
    `${JSON.stringify(
      {
        profile: profile.name,
        experiments: input.experiments,
        cells: cells.length,
        finished,
        codeVersion: codeVersion(),
        fidelityProvenance: fidelity,
        claims,
        comparison: comparison.map(({ perSeed: _p, ...row }) => row),
        figures: figures.map((f) => ({
          experiment: f.experiment,
          name: f.name,
          svg: relative(outDir, f.paths.svg),
          png: relative(outDir, f.paths.png),
          csv: relative(outDir, f.paths.csv),
        })),
      },
      (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
      2,
    )}\n`,
  );
  return reportPath;
}

function figureMarkdown(outDir: string, figure: DrawnFigure): string {
  const svg = relative(outDir, figure.paths.svg);
  return `![${figure.title}](${svg})\n\n${figure.caption} Data: [${relative(outDir, figure.paths.csv)}](${relative(outDir, figure.paths.csv)}), PNG: [${relative(outDir, figure.paths.png)}](${relative(outDir, figure.paths.png)}).`;
}

/** Markdown to one HTML file: figures embedded as data URIs, so the file stands alone. */
export function renderHtml(markdown: string, baseDir: string, title: string): string {
  const marked = new Marked({ gfm: true });
  marked.use({
    renderer: {
      image({ href, title: imageTitle, text }) {
        const path = join(baseDir, href);
        const src = existsSync(path) && href.endsWith('.svg') ? `data:image/svg+xml;base64,${readFileSync(path).toString('base64')}` : href;
        return `<figure><img src="${src}" alt="${escapeHtml(text)}"${imageTitle ? ` title="${escapeHtml(imageTitle)}"` : ''}></figure>`;
      },
    },
  });
  const body = marked.parse(markdown, { async: false });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font-family: 'DejaVu Sans', system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #111; line-height: 1.45; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }
th { background: #f2f2f2; }
figure { margin: 1em 0; } img { max-width: 100%; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
blockquote { border-left: 4px solid #d55e00; margin: 1em 0; padding: 0.2em 1em; background: #fff6f0; }
</style></head><body>
${body}
</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
