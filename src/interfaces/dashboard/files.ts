// Read-only access to the files under the dashboard's runs folder. Every read goes through
// resolveInside: a relative path is checked before and after symlinks are resolved, so nothing
// outside the folder can be named ('..', absolute paths, encoded forms once the router decoded
// them) or reached through a symlink. Files are opened O_RDONLY (with O_NOFOLLOW on the resolved
// path): the dashboard never creates, truncates or writes anything in a run folder.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

/** Why a path was refused: 403 for paths that try to leave the folder, 404 for missing ones. */
export class PathRefused extends Error {
  constructor(
    readonly status: 403 | 404,
    message: string,
  ) {
    super(message);
  }
}

const READ_ONLY = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

/** The real path of the runs folder, or a one-line reason why it cannot be served. */
export function realRunsRoot(dir: string): string {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    throw new Error(`--runs: no such folder '${dir}'`);
  }
  if (!statSync(real).isDirectory()) throw new Error(`--runs: '${dir}' is not a folder`);
  return real;
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The real path of ROOT/relative when it names something under ROOT (after symlinks are
 * resolved); throws PathRefused otherwise. `relative` uses '/' separators; empty means ROOT.
 * Dot-segments, absolute paths, NUL bytes and hidden names (.git, temporary files) are refused.
 */
export function resolveInside(root: string, relative: string): string {
  if (relative.includes('\0')) throw new PathRefused(403, 'path contains a NUL byte');
  if (isAbsolute(relative) || relative.startsWith('/') || relative.startsWith('\\')) throw new PathRefused(403, 'absolute paths are not served');
  const segments = relative.split(/[/\\]/).filter((s) => s !== '');
  for (const segment of segments) {
    if (segment === '..' || segment === '.') throw new PathRefused(403, 'dot segments are not served');
    if (segment.startsWith('.')) throw new PathRefused(404, 'hidden files are not served');
  }
  const candidate = resolve(root, ...segments);
  if (!inside(root, candidate)) throw new PathRefused(403, 'path leaves the runs folder');
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw new PathRefused(404, 'no such file');
  }
  if (!inside(root, real)) throw new PathRefused(403, 'path leads out of the runs folder through a symlink');
  return real;
}

/** Opens a file under ROOT read-only; the caller closes the descriptor. Throws PathRefused. */
export function openInside(root: string, relative: string): { fd: number; size: number; ino: number; mtimeMs: number; path: string } {
  const path = resolveInside(root, relative);
  let fd: number;
  try {
    fd = openSync(path, READ_ONLY);
  } catch {
    throw new PathRefused(404, 'cannot open the file');
  }
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    throw new PathRefused(404, 'not a file');
  }
  return { fd, size: stats.size, ino: stats.ino, mtimeMs: stats.mtimeMs, path };
}

/** Reads bytes [start, end) of an open file. */
export function readRange(fd: number, start: number, end: number): Buffer {
  const buffer = Buffer.alloc(Math.max(0, end - start));
  let done = 0;
  while (done < buffer.length) {
    const n = readSync(fd, buffer, done, buffer.length - done, start + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

/** Whole text of a file under ROOT, or undefined when it is missing or refused. */
export function readTextInside(root: string, relative: string, maxBytes = 32 * 1024 * 1024): string | undefined {
  let file: ReturnType<typeof openInside>;
  try {
    file = openInside(root, relative);
  } catch {
    return undefined;
  }
  try {
    return readRange(file.fd, 0, Math.min(file.size, maxBytes)).toString('utf8');
  } finally {
    closeSync(file.fd);
  }
}

/** Parsed JSON of a file under ROOT; undefined when missing, refused or not valid JSON. */
export function readJsonInside(root: string, relative: string): unknown {
  const text = readTextInside(root, relative);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whether ROOT/relative exists as a regular file (no symlink out, no hidden name). */
export function fileExistsInside(root: string, relative: string): boolean {
  try {
    return statSync(resolveInside(root, relative)).isFile();
  } catch {
    return false;
  }
}

/** Joins run-relative path parts with '/', the form ids and URLs use. */
export function joinRelative(...parts: string[]): string {
  const kept = parts.filter((p) => p !== '');
  if (kept.length === 0) return '';
  return join(...kept)
    .split(sep)
    .join('/');
}
