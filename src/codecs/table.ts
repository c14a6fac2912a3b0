// Measuring the trained codecs: `svec codec eval` (a summary per modality) and `svec codec table`
// (fidelity and the task metric on the lambda x SNR grid, the error-free bound and the
// conventional fixed-lambda baseline, written as the simulator's fidelity table JSON with its
// provenance, plus figures).
import { join } from 'node:path';
import { FidelityTable, type FidelityTableJson } from '../sim/fidelity.ts';
import type { ModalityName } from '../sim/modality.ts';
import { lineChartSpec, writeFigure } from '../report/plot.ts';
import type { CsvRow } from '../report/csv.ts';
import { writeFileAtomic } from '../util/io.ts';
import type { ChannelOptions } from './channel.ts';
import { CODEC_MODALITIES, dataProvenance, evaluateGrid, loadCodecData, type EvalSplit, type GridResult } from './codec.ts';
import { initCodecBackend, loadTrainedCodec, type CodecManifest } from './train.ts';

/** lambda 0.4..1.0 in steps of 0.1 */
export const TABLE_LAMBDAS = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
/**
 * SNR -5..25 dB in steps of 2.5 dB (the range the codecs train over, where fidelity bends), then
 * 30..80 dB in steps of 5 dB, where it is flat: together they cover the receive SNRs the default
 * road scenario and both committed traces produce (1st to 99th percentile about 7 to 76 dB;
 * `svec mobility snr`, docs/mobility.md), so lookups no longer clamp at 25 dB.
 */
export const TABLE_SNR_DB = [...Array.from({ length: 13 }, (_, j) => -5 + 2.5 * j), ...Array.from({ length: 11 }, (_, j) => 30 + 5 * j)];

export const TASK_METRIC: Record<ModalityName, string> = { text: 'BLEU-1', image: 'accuracy', speech: 'accuracy' };

export interface ModalityMeasurement {
  modality: ModalityName;
  manifest: CodecManifest;
  modelDir: string;
  test: GridResult;
  /** speech only: the real Asterisk recordings */
  real?: GridResult;
  /** text only: share of test tokens inside the capped vocabulary */
  textCoverage?: number;
}

async function measureModality(
  modality: ModalityName,
  modelsDir: string,
  cacheDir: string,
  items: number,
  seed: number,
  channel: ChannelOptions,
  lambdas: number[],
  snrDb: number[],
  onBatch?: (done: number, total: number) => void,
): Promise<ModalityMeasurement> {
  const modelDir = join(modelsDir, modality);
  const { codec, manifest } = loadTrainedCodec(modelDir);
  if (manifest.modality !== modality) throw new Error(`${modelDir} holds a ${manifest.modality} codec, not ${modality}`);
  const splits: EvalSplit[] = modality === 'speech' ? ['test', 'real'] : ['test'];
  const data = loadCodecData(modality, cacheDir, splits, manifest.config);
  const test = evaluateGrid(codec, data, 'test', { lambdas, snrDb, maxItems: items, seed, channel, onBatch });
  const out: ModalityMeasurement = { modality, manifest, modelDir, test };
  if (modality === 'speech') out.real = evaluateGrid(codec, data, 'real', { lambdas, snrDb, maxItems: items, seed: seed + 1, channel });
  if (data.kind === 'text') out.textCoverage = data.coverage;
  codec.params.list().forEach((v) => v.dispose());
  return out;
}

export interface EvaluateOptions {
  modalities: ModalityName[];
  modelsDir: string;
  cacheDir: string;
  items: number;
  seed: number;
  channel: ChannelOptions;
}

/** `svec codec eval`: the grid at a few points per modality. */
export async function evaluateCodecs(options: EvaluateOptions): Promise<ModalityMeasurement[]> {
  await initCodecBackend();
  const out: ModalityMeasurement[] = [];
  for (const m of options.modalities) {
    out.push(await measureModality(m, options.modelsDir, options.cacheDir, options.items, options.seed, options.channel, [0.4, 0.7, 1.0], [-5, 0, 5, 10, 15, 25]));
  }
  return out;
}

const pct = (v: number) => (100 * v).toFixed(1);

/** Markdown tables of an evaluation. */
export function formatEvaluation(results: ModalityMeasurement[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const g = r.test;
    const metric = TASK_METRIC[r.modality];
    lines.push(
      `## ${r.modality} (${g.items} test items; model ${r.manifest.weightsSha256.slice(0, 12)}, seed ${r.manifest.seed}, ${Math.round(r.manifest.training.seconds)} s of training)`,
      '',
    );
    const header = `| lambda | ${g.snrDb.map((s) => `${s} dB`).join(' | ')} | error-free |`;
    const rule = `|---|${g.snrDb.map(() => '---:').join('|')}|---:|`;
    const table = (title: string, grid: number[][], ef: number[], fmt: (v: number) => string) => {
      lines.push(`${title}`, '', header, rule);
      g.lambdas.forEach((l, i) => lines.push(`| ${l.toFixed(1)} | ${grid[i]!.map(fmt).join(' | ')} | ${fmt(ef[i]!)} |`));
      lines.push('');
    };
    table('Fidelity cos(P(e), P(e^)):', g.fidelity, g.errorFree.fidelity, (v) => v.toFixed(3));
    table(`${metric}${metric === 'accuracy' ? ' (%)' : ''}:`, g.task, g.errorFree.task, metric === 'accuracy' ? pct : (v) => v.toFixed(3));
    if (g.bleu4) table('BLEU-4:', g.bleu4, g.errorFree.bleu4!, (v) => v.toFixed(3));
    if (g.similarity) table('Sentence-embedding similarity (decoded sentence re-encoded vs original):', g.similarity, g.errorFree.similarity!, (v) => v.toFixed(3));
    if (r.real) table(`Real Asterisk recordings (${r.real.items} clips), accuracy (%):`, r.real.task, r.real.errorFree.task, pct);
    lines.push(
      `Task read from the vehicle's own embedding (no channel): ${metric === 'accuracy' ? `${pct(g.cleanTask)} %` : g.cleanTask.toFixed(3)}; fidelity of mismatched pairs (unrelated items): ${g.mismatchedFidelity.toFixed(3)}${r.textCoverage !== undefined ? `; test tokens inside the ${r.manifest.config.kind === 'text' ? r.manifest.config.vocab : ''}-token vocabulary: ${pct(r.textCoverage)} %` : ''}`,
      '',
    );
  }
  return lines.join('\n') + '\n';
}

export interface MeasuredTableJson extends FidelityTableJson {
  /** task metric per modality: name and values[lambdaIndex][snrIndex] */
  taskMetric: Record<ModalityName, { name: string; values: number[][] }>;
  /** error-free transmission (no channel noise), per lambda */
  errorFree: { fidelity: Record<ModalityName, number[]>; task: Record<ModalityName, number[]> };
  /** the conventional scheme: the same codec at one fixed lambda, not adapted, per SNR */
  conventional: { lambda: number; fidelity: Record<ModalityName, number[]>; task: Record<ModalityName, number[]> };
  text: { bleu4: number[][]; similarity: number[][]; errorFreeBleu4: number[]; vocabularyCoverage: number };
  speechReal: { items: number; accuracy: number[][]; errorFree: number[] };
  /** raw mean cosine (before clamping to [0, 1]), the task from the vehicle's own embedding, and the fidelity of mismatched pairs */
  reference: Record<ModalityName, { rawFidelity: number[][]; cleanTask: number; mismatchedFidelity: number; items: number }>;
}

export interface MeasureTableOptions {
  modelsDir: string;
  cacheDir: string;
  items: number;
  seed: number;
  channel: ChannelOptions;
  conventionalLambda: number;
  command: string;
  out: string;
  lambdas?: number[];
  snrDb?: number[];
  onProgress?: (fraction: number, what: string) => void;
}

/** Interpolates a [lambda][snr] grid's row at lambda (linear between rows). */
function rowAt(lambdas: number[], grid: number[][], lambda: number): number[] {
  const i = lambdas.findIndex((l) => Math.abs(l - lambda) < 1e-9);
  if (i >= 0) return grid[i]!.slice();
  let k = 0;
  while (k < lambdas.length - 2 && lambdas[k + 1]! < lambda) k++;
  const f = Math.min(1, Math.max(0, (lambda - lambdas[k]!) / (lambdas[k + 1]! - lambdas[k]!)));
  return grid[k]!.map((v, j) => (1 - f) * v + f * grid[k + 1]![j]!);
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** `svec codec table`: measures every modality and writes the table JSON atomically. */
export async function measureFidelityTable(options: MeasureTableOptions): Promise<MeasuredTableJson> {
  const lambdas = options.lambdas ?? TABLE_LAMBDAS;
  const snrDb = options.snrDb ?? TABLE_SNR_DB;
  const backend = await initCodecBackend();
  const results = {} as Record<ModalityName, ModalityMeasurement>;
  for (const [k, m] of CODEC_MODALITIES.entries()) {
    results[m] = await measureModality(m, options.modelsDir, options.cacheDir, options.items, options.seed, options.channel, lambdas, snrDb, (done, total) =>
      options.onProgress?.((k + done / total) / CODEC_MODALITIES.length, m),
    );
  }
  const per = <T>(f: (r: ModalityMeasurement) => T) => Object.fromEntries(CODEC_MODALITIES.map((m) => [m, f(results[m])])) as Record<ModalityName, T>;
  const text = results.text.test;
  const speechReal = results.speech.real!;
  const json: MeasuredTableJson = {
    kind: 'svec-fidelity-table',
    provenance: {
      provisional: false,
      source: 'measured from the trained semantic codecs in models/codecs (svec codec table; docs/codecs.md)',
      command: options.command,
      definition:
        'fidelity = mean over held-out test items of cos(P(e), P(e^)), clamped to [0, 1]; e: the vehicle encoder embedding, e^: the embedding the edge channel decoder recovered, P: the shared (siamese) projection',
      channel: options.channel.fading,
      noiseSeed: options.seed,
      models: per((r) => ({
        path: r.modelDir,
        weightsSha256: r.manifest.weightsSha256,
        seed: r.manifest.seed,
        command: r.manifest.command,
        // a run continued with --init counts the earlier run's time and steps too
        trainingSeconds: Math.round(r.manifest.training.seconds + (r.manifest.training.initializedFrom?.seconds ?? 0)),
        steps: r.manifest.training.steps + (r.manifest.training.initializedFrom?.steps ?? 0),
        parameters: r.manifest.parameters,
        ...(r.manifest.training.initializedFrom ? { continuedFrom: r.manifest.training.initializedFrom } : {}),
      })),
      data: per((r) => ({ fingerprint: dataProvenance(options.cacheDir, r.modality).fingerprint, counts: r.manifest.data.counts, testItems: r.test.items })),
      nativeMatmul: backend.nativeMatmul,
    },
    lambdas,
    snrDb,
    fidelity: per((r) => r.test.fidelity.map((row) => row.map(clamp01))),
    taskMetric: per((r) => ({ name: TASK_METRIC[r.modality], values: r.test.task })),
    errorFree: { fidelity: per((r) => r.test.errorFree.fidelity.map(clamp01)), task: per((r) => r.test.errorFree.task) },
    conventional: {
      lambda: options.conventionalLambda,
      fidelity: per((r) => rowAt(lambdas, r.test.fidelity, options.conventionalLambda).map(clamp01)),
      task: per((r) => rowAt(lambdas, r.test.task, options.conventionalLambda)),
    },
    text: { bleu4: text.bleu4!, similarity: text.similarity!, errorFreeBleu4: text.errorFree.bleu4!, vocabularyCoverage: results.text.textCoverage ?? 0 },
    speechReal: { items: speechReal.items, accuracy: speechReal.task, errorFree: speechReal.errorFree.task },
    reference: per((r) => ({ rawFidelity: r.test.fidelity, cleanTask: r.test.cleanTask, mismatchedFidelity: r.test.mismatchedFidelity, items: r.test.items })),
  };
  // the same hash the simulator computes when it loads the table
  json.provenance.hash = new FidelityTable(json).provenance.hash;
  writeFileAtomic(options.out, JSON.stringify(json, null, 1) + '\n');
  return json;
}

/** Fidelity and task metric versus SNR, one line per lambda (and error-free), per modality. */
export async function writeCodecPlots(table: MeasuredTableJson, dir: string): Promise<string[]> {
  const written: string[] = [];
  const show = [0.4, 0.6, 0.8, 1.0].filter((l) => table.lambdas.some((x) => Math.abs(x - l) < 1e-9));
  for (const m of CODEC_MODALITIES) {
    for (const kind of ['fidelity', 'task'] as const) {
      const rows: CsvRow[] = [];
      for (const l of show) {
        const i = table.lambdas.findIndex((x) => Math.abs(x - l) < 1e-9);
        const values = kind === 'fidelity' ? table.fidelity[m][i]! : table.taskMetric[m].values[i]!;
        const ef = kind === 'fidelity' ? table.errorFree.fidelity[m][i]! : table.errorFree.task[m][i]!;
        table.snrDb.forEach((snr, j) => rows.push({ series: `lambda = ${l.toFixed(1)}`, snr_db: snr, value: values[j]!, error_free: ef }));
      }
      const metric = kind === 'fidelity' ? 'Semantic fidelity' : table.taskMetric[m].name === 'accuracy' ? 'Accuracy' : table.taskMetric[m].name;
      const spec = lineChartSpec({
        data: rows,
        series: 'series',
        band: false,
        points: true,
        x: { field: 'snr_db', title: 'SNR', unit: 'dB' },
        y: { field: 'value', title: metric, domain: [0, 1] },
        title: `${m}: ${metric.toLowerCase()} versus SNR`,
        subtitle: `trained ${m} codec, ${table.reference[m].items} held-out items, ${String(table.provenance.channel)} channel`,
        legendTitle: 'extraction factor',
      });
      const name = `${m}-${kind}-vs-snr`;
      const paths = await writeFigure(dir, name, spec, rows);
      written.push(paths.svg, paths.png, paths.csv);
    }
  }
  return written;
}
