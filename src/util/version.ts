// The version of svec that ran: the package version (from package.json, the one source) plus the
// git commit when running from a checkout. This file is src/util/version.ts in a checkout and
// dist/util/version.js in the package: two levels below the package root either way.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
      // Only svec's own checkout: an installed package (node_modules/svec) has no .git of its
      // own, and git would report the commit of the project that installed it.
      if (!existsSync(join(root, '.git'))) throw new Error('not a git checkout');
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
