// Cache plumbing for data preparation: atomic writes, content hashes and the manifest that lets a
// second run with the same options do nothing.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Marks temporary files so that a cleanup pass (and the tests) can find leftovers of a killed run. */
export const TEMP_MARK = '.partial-';

/** Writes a file atomically: a temporary name in the same folder, then a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `${TEMP_MARK}${process.pid}-${basename(path)}`);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Writes a JSON document atomically, pretty-printed with a trailing newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** A scratch folder inside the cache (same filesystem, so renames out of it are atomic). */
export function makeScratchDir(cacheDir: string, label: string): string {
  const root = resolve(cacheDir, 'tmp');
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, `${TEMP_MARK}${label}-`));
}

/** Removes the scratch root when no scratch folder is left in it. */
export function removeScratchRoot(cacheDir: string): void {
  const root = join(cacheDir, 'tmp');
  if (existsSync(root) && readdirSync(root).length === 0) rmSync(root, { recursive: true, force: true });
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Removes scratch folders and temporary files a killed run may have left behind; returns how many. */
export function cleanLeftovers(cacheDir: string): number {
  let removed = 0;
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith(TEMP_MARK)) {
        removeDir(path);
        removed++;
      } else if (entry.isDirectory()) walk(path);
    }
  };
  walk(cacheDir);
  removeDir(join(cacheDir, 'tmp'));
  return removed;
}

/** Paths under a folder whose names mark them as temporary (used by tests and checks). */
export function findLeftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.name.startsWith(TEMP_MARK)) found.push(path);
      else if (entry.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return found;
}

/**
 * Holds `<cacheDir>/.lock` while a preparation runs, so that two runs never write the same cache.
 * A lock left by a process that no longer exists is taken over.
 */
export function acquireLock(cacheDir: string): () => void {
  mkdirSync(cacheDir, { recursive: true });
  const lock = join(cacheDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch {
      const holder = Number(readFileSync(lock, 'utf8'));
      let alive = false;
      try {
        if (holder > 0 && holder !== process.pid) {
          process.kill(holder, 0);
          alive = true;
        }
      } catch {
        alive = false;
      }
      if (alive) throw new Error(`another data preparation (pid ${holder}) is using ${cacheDir}; wait for it or remove ${lock}`);
      rmSync(lock, { force: true });
    }
  }
  throw new Error(`could not lock ${cacheDir}`);
}

export function sha256Bytes(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file, read in chunks so that large feature files do not need one big buffer. */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 22);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** One artefact written by a preparation step, relative to the cache folder. */
export interface FileRecord {
  path: string;
  bytes: number;
  sha256: string;
}

export function recordFile(cacheDir: string, relativePath: string): FileRecord {
  const full = join(cacheDir, relativePath);
  return { path: relativePath, bytes: statSync(full).size, sha256: sha256File(full) };
}

/** True when every recorded file exists with the recorded size and hash. */
export function filesIntact(cacheDir: string, files: readonly FileRecord[]): boolean {
  for (const file of files) {
    const full = join(cacheDir, file.path);
    if (!existsSync(full)) return false;
    if (statSync(full).size !== file.bytes) return false;
    if (sha256File(full) !== file.sha256) return false;
  }
  return true;
}

export function readJsonIfExists<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null; // a corrupt manifest just means "prepare again"
  }
}

/** Canonical JSON (sorted keys) so that option fingerprints do not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Writes a typed array's bytes (little-endian on every platform Node supports here) atomically. */
export function writeTypedArrayAtomic(path: string, array: Float32Array | Uint8Array | Int16Array | Uint16Array): void {
  writeFileAtomic(path, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

/** Reads a binary file written by writeTypedArrayAtomic back as Float32 values. */
export function readFloat32File(path: string): Float32Array {
  const bytes = readFileSync(path);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes); // aligned copy: Buffer slices may start at an odd offset
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

export function readUint8File(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
