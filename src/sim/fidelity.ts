// Semantic fidelity S = fidelity(modality, lambda, snrDb) (eq. 15), looked up in a table measured
// on a grid of lambda x SNR and interpolated bilinearly, clamped at the grid's edges. The table
// counts its lookups and those that fell outside the grid (the core reports the share per episode).
//
// PROVISIONAL: until the trained semantic codecs exist (issue 5), `provisionalFidelityTable()`
// fills the grid from an analytic placeholder, monotone in lambda and SNR and in [0, 1].
// Its numbers are NOT measured; every run records which table it used (`provenance`).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODALITIES, type Modality, type ModalityName } from './modality.ts';
import { UserError, userErrorName } from '../util/errors.ts';

/** A fidelity table that cannot be used: missing, malformed, or edited after it was measured. */
export class FidelityTableError extends UserError {
  override name = userErrorName('FidelityTableError');
}

/** The interface the simulator sees. */
export interface FidelityModel {
  /** Semantic fidelity in [0, 1] of a task of `modality` sent at extraction factor `lambda` and SNR `snrDb`. */
  fidelity(modality: Modality, lambda: number, snrDb: number): number;
  /** Fidelity with no channel noise at all, when the table measured it (else callers use the highest SNR). */
  errorFree?(modality: Modality, lambda: number): number;
  /** Where the numbers come from (recorded in every run's config). */
  readonly provenance: FidelityProvenance;
  /** Running counts of fidelity() calls and of those whose (lambda, SNR) lay outside the grid (clamped to its edge). */
  readonly counters?: FidelityCounters;
}

/** Lookups so far; the simulator core reads their change over each slot it evaluates. */
export interface FidelityCounters {
  lookups: number;
  outsideGrid: number;
}

export interface FidelityProvenance {
  /** true for the analytic placeholder */
  provisional: boolean;
  /** a short description: 'analytic placeholder' or the codec models and data that produced it */
  source: string;
  /** a hash of the table's numbers, so two runs can tell whether they used the same table */
  hash: string;
  [key: string]: unknown;
}

/** The JSON form of a fidelity table (also what `svec codec table` writes). */
export interface FidelityTableJson {
  kind: 'svec-fidelity-table';
  provenance: Omit<FidelityProvenance, 'hash'> & { hash?: string };
  /** ascending grid of extraction factors */
  lambdas: number[];
  /** ascending grid of SNRs in dB */
  snrDb: number[];
  /** fidelity[modality][lambdaIndex][snrIndex] */
  fidelity: Record<ModalityName, number[][]>;
  /** measured tables: fidelity with no channel noise, errorFree.fidelity[modality][lambdaIndex] */
  errorFree?: { fidelity: Record<ModalityName, number[]> };
}

/** A bilinear table over an ascending lambda grid x ascending SNR grid, one per modality. */
export class FidelityTable implements FidelityModel {
  readonly provenance: FidelityProvenance;
  readonly counters: FidelityCounters = { lookups: 0, outsideGrid: 0 };
  private readonly lambdas: Float64Array;
  private readonly snrs: Float64Array;
  /** values[(modality * nLambda + i) * nSnr + j] */
  private readonly values: Float64Array;
  private readonly lambdaStep: number;
  private readonly snrStep: number;
  /** error-free fidelity per modality x lambda, when the table measured it */
  private readonly errorFreeValues: Float64Array | undefined;

  constructor(json: FidelityTableJson) {
    const { lambdas, snrDb } = json;
    checkAscending(lambdas, 'lambdas');
    checkAscending(snrDb, 'snrDb');
    this.lambdas = Float64Array.from(lambdas);
    this.snrs = Float64Array.from(snrDb);
    this.values = new Float64Array(MODALITIES.length * lambdas.length * snrDb.length);
    MODALITIES.forEach((name, m) => {
      const grid = json.fidelity[name];
      if (!grid || grid.length !== lambdas.length) throw new FidelityTableError(`fidelity table: '${name}' must have ${lambdas.length} rows (one per lambda)`);
      grid.forEach((row, i) => {
        if (row.length !== snrDb.length) throw new FidelityTableError(`fidelity table: '${name}' row ${i} must have ${snrDb.length} values (one per SNR)`);
        row.forEach((value, j) => {
          if (!(value >= 0 && value <= 1)) throw new FidelityTableError(`fidelity table: '${name}'[${i}][${j}] = ${value} is outside [0, 1]`);
          this.values[(m * lambdas.length + i) * snrDb.length + j] = value;
        });
      });
    });
    const errorFree = json.errorFree?.fidelity;
    if (errorFree) {
      this.errorFreeValues = new Float64Array(MODALITIES.length * lambdas.length);
      MODALITIES.forEach((name, m) => {
        const row = errorFree[name];
        if (!row || row.length !== lambdas.length) throw new FidelityTableError(`fidelity table: errorFree.fidelity.${name} must have ${lambdas.length} values (one per lambda)`);
        row.forEach((value, i) => {
          if (!(value >= 0 && value <= 1)) throw new FidelityTableError(`fidelity table: errorFree.fidelity.${name}[${i}] = ${value} is outside [0, 1]`);
          this.errorFreeValues![m * lambdas.length + i] = value;
        });
      });
    }
    this.lambdaStep = uniformStep(this.lambdas);
    if (this.errorFreeValues) {
      const values = this.errorFreeValues;
      const nl = this.lambdas.length;
      this.errorFree = (modality, lambda) => {
        const [i, fi] = locate(this.lambdas, this.lambdaStep, lambda);
        const i1 = i + 1 < nl ? i + 1 : i;
        return (1 - fi) * values[modality * nl + i]! + fi * values[modality * nl + i1]!;
      };
    }
    this.snrStep = uniformStep(this.snrs);
    const hash = hashNumbers(this.values);
    // a table records the hash of its numbers: one whose values were changed since is refused
    if (json.provenance?.hash !== undefined && json.provenance.hash !== hash) {
      throw new FidelityTableError(
        `fidelity table: its values do not match the hash it records (${json.provenance.hash}, computed ${hash}); it was edited after it was measured — measure it again with svec codec table`,
      );
    }
    this.provenance = { ...json.provenance, hash } as FidelityProvenance;
  }

  fidelity(modality: Modality, lambda: number, snrDb: number): number {
    const nl = this.lambdas.length;
    const ns = this.snrs.length;
    const [i, fi] = locate(this.lambdas, this.lambdaStep, lambda);
    const [j, fj] = locate(this.snrs, this.snrStep, snrDb);
    const base = modality * nl * ns;
    this.counters.lookups++;
    // outside the grid (or NaN): the lookup clamps at the edge
    if (!(lambda >= this.lambdas[0]! && lambda <= this.lambdas[nl - 1]! && snrDb >= this.snrs[0]! && snrDb <= this.snrs[ns - 1]!)) this.counters.outsideGrid++;
    const i1 = i + 1 < nl ? i + 1 : i;
    const j1 = j + 1 < ns ? j + 1 : j;
    const v00 = this.values[base + i * ns + j]!;
    const v01 = this.values[base + i * ns + j1]!;
    const v10 = this.values[base + i1 * ns + j]!;
    const v11 = this.values[base + i1 * ns + j1]!;
    return (1 - fi) * ((1 - fj) * v00 + fj * v01) + fi * ((1 - fj) * v10 + fj * v11);
  }

  /** Fidelity with no channel noise (linear in lambda between grid points); absent when not measured. */
  errorFree?(modality: Modality, lambda: number): number;

  toJSON(): FidelityTableJson {
    const fidelity = {} as Record<ModalityName, number[][]>;
    const nl = this.lambdas.length;
    const ns = this.snrs.length;
    MODALITIES.forEach((name, m) => {
      fidelity[name] = Array.from({ length: nl }, (_, i) => Array.from(this.values.subarray((m * nl + i) * ns, (m * nl + i + 1) * ns)));
    });
    return { kind: 'svec-fidelity-table', provenance: this.provenance, lambdas: Array.from(this.lambdas), snrDb: Array.from(this.snrs), fidelity };
  }
}

function checkAscending(values: number[], name: string): void {
  if (!Array.isArray(values) || values.length < 1) throw new FidelityTableError(`fidelity table: '${name}' must be a non-empty array`);
  for (let i = 1; i < values.length; i++) {
    if (!(values[i]! > values[i - 1]!)) throw new FidelityTableError(`fidelity table: '${name}' must be strictly ascending`);
  }
}

/** The common step of a uniform grid, or 0 when the grid is not uniform (then we search). */
function uniformStep(grid: Float64Array): number {
  if (grid.length < 2) return 0;
  const step = (grid[grid.length - 1]! - grid[0]!) / (grid.length - 1);
  for (let i = 1; i < grid.length; i++) if (Math.abs(grid[i]! - grid[i - 1]! - step) > 1e-9 * Math.abs(step)) return 0;
  return step;
}

/** Cell index and fractional position of x on the grid, clamped to its ends. */
function locate(grid: Float64Array, step: number, x: number): [number, number] {
  const n = grid.length;
  if (n === 1 || !(x > grid[0]!)) return [0, 0]; // also catches NaN
  if (x >= grid[n - 1]!) return [n - 1, 0];
  let i: number;
  if (step > 0) {
    i = Math.min(n - 2, Math.floor((x - grid[0]!) / step));
  } else {
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (grid[mid]! <= x) lo = mid;
      else hi = mid;
    }
    i = lo;
  }
  return [i, (x - grid[i]!) / (grid[i + 1]! - grid[i]!)];
}

/** FNV-1a over the bytes of the numbers: a short, stable fingerprint of a table. */
export function hashNumbers(values: Float64Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let h = 0x811c9dc5;
  for (let k = 0; k < bytes.length; k++) {
    h ^= bytes[k]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * PROVISIONAL analytic placeholder, per modality m:
 *   S(lambda, snr) = cap_m(lambda) / (1 + exp(-(snr - mid_m) / width_m)),
 *   cap_m(lambda) = 1 - loss_m * (1 - lambda)^1.2   (more kept symbols, more meaning kept)
 * Monotone non-decreasing in lambda and SNR, within [0, 1]. The constants are invented to be
 * plausible (about 0.75 at lambda = 0.4 and 0.98 at lambda = 1 at high SNR), not measured.
 */
export const PROVISIONAL_SHAPE: Record<ModalityName, { loss: number; midDb: number; widthDb: number }> = {
  text: { loss: 0.45, midDb: 3, widthDb: 3 },
  image: { loss: 0.35, midDb: 0, widthDb: 3 },
  speech: { loss: 0.4, midDb: 2, widthDb: 3.5 },
};

export function provisionalFidelity(modality: ModalityName, lambda: number, snrDb: number): number {
  const { loss, midDb, widthDb } = PROVISIONAL_SHAPE[modality];
  const cap = 1 - loss * Math.pow(Math.max(0, 1 - lambda), 1.2);
  return cap / (1 + Math.exp(-(snrDb - midDb) / widthDb));
}

/** The provisional table on the grid a measured table will use: lambda 0.4..1 (0.05), SNR -5..25 dB (1 dB). */
export function provisionalFidelityTable(): FidelityTable {
  const lambdas = Array.from({ length: 13 }, (_, i) => Math.round((0.4 + 0.05 * i) * 100) / 100);
  const snrDb = Array.from({ length: 31 }, (_, j) => -5 + j);
  const fidelity = {} as Record<ModalityName, number[][]>;
  for (const m of MODALITIES) fidelity[m] = lambdas.map((l) => snrDb.map((s) => provisionalFidelity(m, l, s)));
  return new FidelityTable({
    kind: 'svec-fidelity-table',
    provenance: { provisional: true, source: 'analytic placeholder (src/sim/fidelity.ts, PROVISIONAL_SHAPE); not measured' },
    lambdas,
    snrDb,
    fidelity,
  });
}

/** The package root: this file is src/sim/fidelity.ts in a checkout, dist/sim/fidelity.js when installed. */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where a table path points: absolute paths as they are; a relative path relative to the
 * working directory when the file is there, else relative to the repository root (so the default
 * `models/fidelity/measured.json` works from any directory).
 */
export function resolveFidelityTablePath(spec: string): string {
  if (isAbsolute(spec) || existsSync(spec)) return resolve(spec);
  return join(REPOSITORY_ROOT, spec);
}

/** Loads the table a scenario names: 'provisional' or the path of a table JSON. */
export function loadFidelityModel(spec: string): FidelityModel {
  if (spec === 'provisional') return provisionalFidelityTable();
  const path = resolveFidelityTablePath(spec);
  let json: FidelityTableJson;
  if (!existsSync(path))
    throw new FidelityTableError(
      `fidelityTable: ${spec} does not exist (looked in the working directory and at ${path}); use a table written by svec codec table, or 'provisional'`,
    );
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as FidelityTableJson;
  } catch (err) {
    throw new FidelityTableError(`fidelityTable: cannot read ${spec} as JSON: ${(err as Error).message}`);
  }
  if (!json || typeof json !== 'object' || json.kind !== 'svec-fidelity-table')
    throw new FidelityTableError(`fidelityTable: ${spec} is not an svec fidelity table (kind must be 'svec-fidelity-table')`);
  try {
    return new FidelityTable(json);
  } catch (err) {
    if (err instanceof FidelityTableError) throw new FidelityTableError(`fidelityTable ${spec}: ${err.message.replace(/^fidelity table: /, '')}`);
    throw new FidelityTableError(`fidelityTable ${spec}: malformed (${(err as Error).message})`);
  }
}
