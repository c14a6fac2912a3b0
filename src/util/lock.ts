// One writer per folder: a run directory, a reproduce cell. The lock is proper-lockfile's
// (a `.lock` directory whose mtime is refreshed while held), plus an owner record inside it so
// that a second process can say who holds the folder, and so that a lock left by a process that
// was killed on this host is recognized at once (its pid is gone) instead of after the stale time.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { UserError, userErrorName } from './errors.ts';
import { ensureDir } from './io.ts';

/** The folder is held by another process; the message names it. */
export class FolderLockedError extends UserError {
  override name = userErrorName('FolderLockedError');
}

interface Owner {
  pid: number;
  host: string;
  purpose: string;
  since: string;
}

/** A held lock is refreshed every UPDATE_MS; one not refreshed for STALE_MS is abandoned. */
const STALE_MS = 5 * 60_000;
const UPDATE_MS = 15_000;

function lockPath(dir: string): string {
  return join(dir, '.lock');
}

/**
 * The owner record lies beside the lock folder, not inside it: writing into the folder would
 * change the mtime proper-lockfile checks, and its next refresh would take the lock as compromised.
 */
function ownerPath(dir: string): string {
  return join(dir, '.lock-owner.json');
}

function readOwner(dir: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(ownerPath(dir), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds `dir`, or undefined when nobody does (or the holder died on this host). */
export function folderHolder(dir: string): Owner | undefined {
  if (!existsSync(lockPath(dir))) return undefined;
  const owner = readOwner(dir);
  if (owner && owner.host === hostname() && !alive(owner.pid)) return undefined;
  return owner;
}

/**
 * Takes the lock on `dir` (created when missing) for `purpose` (e.g. 'svec train'); returns the
 * function that releases it. Throws FolderLockedError naming the holder when another live
 * process holds it. Threads of one process take separate locks on separate folders.
 */
export async function lockFolder(dir: string, purpose: string, timing: { staleMs?: number; updateMs?: number } = {}): Promise<() => Promise<void>> {
  ensureDir(dir);
  const options = {
    lockfilePath: lockPath(dir),
    realpath: false,
    stale: timing.staleMs ?? STALE_MS,
    update: timing.updateMs ?? UPDATE_MS,
    // a lock we could not refresh in time: say so, the work goes on (the owner record still
    // protects the folder on this host)
    onCompromised: (err: Error) => process.stderr.write(`svec: warning: the lock on ${dir} could not be refreshed (${err.message})\n`),
  };
  const attempt = () => lockfile.lock(dir, options);
  let release: () => Promise<void>;
  try {
    release = await attempt();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const owner = readOwner(dir);
    if (owner && owner.host === hostname() && !alive(owner.pid)) {
      // left by a process that was killed: take it over
      rmSync(lockPath(dir), { recursive: true, force: true });
      rmSync(ownerPath(dir), { force: true });
      release = await attempt();
    } else {
      const who = owner ? `process ${owner.pid} on ${owner.host} (${owner.purpose}, since ${owner.since})` : 'another process';
      throw new FolderLockedError(`${dir} is in use by ${who}; wait for it to finish or stop it first`);
    }
  }
  const owner: Owner = { pid: process.pid, host: hostname(), purpose, since: new Date().toISOString() };
  writeFileSync(ownerPath(dir), JSON.stringify(owner));
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    rmSync(ownerPath(dir), { force: true });
    try {
      await release();
    } catch {
      rmSync(lockPath(dir), { recursive: true, force: true });
    }
  };
}
