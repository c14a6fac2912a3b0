// A Markdown table padded to align on a terminal: first column left-aligned, the rest right-aligned.
export function markdownTable(headers: string[], body: string[][]): string {
  const widths = headers.map((h, k) => Math.max(h.length, ...body.map((row) => row[k]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join(' | ')} |`;
  const separator = `|${widths.map((w, k) => (k === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(headers), separator, ...body.map(line)].join('\n');
}
