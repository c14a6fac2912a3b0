// A Markdown table padded to align on a terminal: first column left-aligned, the rest right-aligned
// (numbers), or every column left-aligned with `align: 'left'` (prose, e.g. the claims table).
export function markdownTable(headers: string[], body: string[][], options: { align?: 'numeric' | 'left' } = {}): string {
  const left = (k: number) => k === 0 || options.align === 'left';
  // a '|' inside a cell would end the cell
  const rows = body.map((row) => row.map((cell) => cell.replace(/\|/g, '\\|')));
  const widths = headers.map((h, k) => Math.max(h.length, 3, ...rows.map((row) => row[k]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, k) => (left(k) ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join(' | ')} |`;
  const separator = `|${widths.map((w, k) => (left(k) ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(headers), separator, ...rows.map(line)].join('\n');
}
