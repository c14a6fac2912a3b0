#!/usr/bin/env node
// The install step: builds native/ (the OpenBLAS matrix-product addon) with node-gyp.
// Never fails the installation: without OpenBLAS or a compiler, svec uses the pure
// WebAssembly kernels and says so (`svec doctor`, and the `nativeMatmul` field of benchmarks).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');

function findNodeGyp() {
  // npm ships node-gyp; prefer the one npm itself uses.
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  ].filter(Boolean);
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

function warn(message) {
  console.warn(`svec: native matrix products not built (${message}); using the WebAssembly kernels.`);
  process.exit(0);
}

if (process.env.SVEC_SKIP_NATIVE === '1') warn('SVEC_SKIP_NATIVE=1');
if (!existsSync('/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h') && !existsSync('/usr/include/openblas/cblas.h') && !existsSync('/usr/include/cblas.h')) {
  warn('OpenBLAS headers missing: apt-get install libopenblas-dev');
}
const nodeGyp = findNodeGyp();
if (!nodeGyp) warn('node-gyp not found');
const args = [nodeGyp, 'rebuild'];
// Build against the local Node headers (offline): npm sets npm_config_nodedir; Debian's are under /usr.
if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
const result = spawnSync(process.execPath, args, { cwd: nativeDir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (result.status !== 0) warn(`node-gyp failed: ${(result.stderr || '').split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' | ') || 'see node-gyp output'}`);
console.log('svec: built native/build/Release/svec_blas.node (OpenBLAS matrix products)');
