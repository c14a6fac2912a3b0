// The version of svec that ran: the package version (from package.json, the one source) plus the
// git commit when running from a checkout.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The package version of package.json. */
export const SVEC_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let cachedCodeVersion: string | undefined;

/**
 * The code that ran: the package version plus the git commit ('+dirty' with uncommitted
 * changes), or the version alone outside a git checkout.
 */
export function codeVersion(): string {
  if (cachedCodeVersion === undefined) {
    try {
      const git = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
      const commit = git(['rev-parse', '--short=12', 'HEAD']);
      const dirty = git(['status', '--porcelain', '--untracked-files=no']).length > 0;
      cachedCodeVersion = `${SVEC_VERSION}+${commit}${dirty ? '-dirty' : ''}`;
    } catch {
      cachedCodeVersion = SVEC_VERSION;
    }
  }
  return cachedCodeVersion;
}
