// CSV beside every figure: the data behind the plot, so numbers can be checked or re-plotted.
// Quoting follows RFC 4180 (fields with commas, quotes or line breaks are quoted, quotes doubled),
// done by csv-stringify / csv-parse (sync APIs, pure JavaScript, Node >= 14) rather than by hand.
import { readFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import { writeFileAtomic } from '../util/io.ts';

export type CsvRow = Record<string, unknown>;

/** Column names in order of first appearance across the rows. */
export function csvColumns(rows: readonly CsvRow[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/**
 * Rows of objects -> CSV text with a header line and '\n' line ends. Numbers are written in
 * JavaScript's shortest round-trip form (NaN and ±Infinity by name), booleans as true/false,
 * null and undefined as empty fields, other objects as JSON.
 */
export function toCsv(rows: readonly CsvRow[], columns: readonly string[] = csvColumns(rows)): string {
  if (columns.length === 0) return '';
  return stringify(rows as CsvRow[], {
    header: true,
    columns: [...columns],
    record_delimiter: 'unix',
    cast: {
      boolean: (value) => (value ? 'true' : 'false'),
      number: (value) => String(value),
      object: (value) => JSON.stringify(value),
      date: (value) => value.toISOString(),
    },
  });
}

export interface ParseCsvOptions {
  /** turn fields that are number literals (and NaN, Infinity, -Infinity) into numbers; default false */
  numbers?: boolean;
}

/** CSV text with a header line -> rows of objects (strings, or numbers with `numbers: true`). */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvRow[] {
  const rows = parse(text, { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
  if (!options.numbers) return rows;
  return rows.map((row) => {
    const out: CsvRow = {};
    for (const [key, value] of Object.entries(row)) out[key] = toNumberIfNumeric(value);
    return out;
  });
}

const NUMBER_LITERAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?Infinity$|^NaN$/;

function toNumberIfNumeric(value: string): string | number {
  return NUMBER_LITERAL.test(value) ? Number(value) : value;
}

/** Writes rows as CSV atomically (temporary file in the same folder, then rename). */
export function writeCsv(path: string, rows: readonly CsvRow[], columns?: readonly string[]): void {
  writeFileAtomic(path, toCsv(rows, columns));
}

/** Reads a CSV file written by writeCsv (or any CSV with a header line). */
export function readCsv(path: string, options: ParseCsvOptions = {}): CsvRow[] {
  return parseCsv(readFileSync(path, 'utf8'), options);
}
