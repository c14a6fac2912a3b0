// Small I/O helpers shared by commands.
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** Reads a file, or standard input when the path is '-'. */
export function readInput(path: string): string {
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}

/** Writes a file atomically: a temporary file in the same folder, then a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
