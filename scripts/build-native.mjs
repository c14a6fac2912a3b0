#!/usr/bin/env node
// The install step (package.json "install"): builds native/ (the OpenBLAS matrix-product addon,
// native/build/Release/svec_blas.node) with the node-gyp that ships with npm.
// It never fails the installation: without OpenBLAS, a C compiler or Node's headers it prints one
// warning and exits 0, and svec runs on TF.js's pure WebAssembly kernels (src/nn/backend.ts
// reports `nativeMatmul: false` with the reason).
// SVEC_SKIP_NATIVE=1 skips the build; SVEC_NATIVE_VERBOSE=1 shows node-gyp's output.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const addonPath = join(nativeDir, 'build', 'Release', 'svec_blas.node');
const verbose = process.env.SVEC_NATIVE_VERBOSE === '1';

function skip(why) {
  console.warn(`svec: WARNING: native matrix products not built (${why}); svec will use TF.js's slower WebAssembly kernels.`);
  process.exit(0);
}

function commandWorks(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.status === 0;
}

function findNodeGyp() {
  // npm ships node-gyp and tells its scripts where (npm_config_node_gyp); otherwise look beside npm.
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  ].filter(Boolean);
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

function openBlasHeaderFound() {
  const multiarch = spawnSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).stdout?.trim() || 'x86_64-linux-gnu';
  const candidates = [`/usr/include/${multiarch}/openblas-pthread/cblas.h`, '/usr/include/openblas/cblas.h'];
  if (candidates.some((path) => existsSync(path))) return true;
  // other layouts (e.g. a source build): ask pkg-config
  return commandWorks('pkg-config', ['--exists', 'openblas']);
}

if (process.env.SVEC_SKIP_NATIVE === '1') skip('SVEC_SKIP_NATIVE=1');
if (process.platform !== 'linux') skip(`only Linux with Debian's OpenBLAS is supported, this is ${process.platform}`);
if (!openBlasHeaderFound()) skip('OpenBLAS headers missing: apt-get install -y libopenblas-dev');
if (!commandWorks('cc', ['--version']) || !commandWorks('make', ['--version'])) skip('no C compiler or make: apt-get install -y build-essential');
const nodeGyp = findNodeGyp();
if (!nodeGyp) skip('node-gyp not found (it ships with npm)');

const args = [nodeGyp, 'rebuild'];
// Build offline against the local Node headers: npm sets npm_config_nodedir when configured
// (`npm config get nodedir` is /usr here); otherwise node-gyp would try to download them.
if (!process.env.npm_config_nodedir) {
  const nodedir = join(dirname(process.execPath), '..');
  if (existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodedir}`);
  else skip(`Node's headers (node_api.h) not found under ${nodedir}/include/node`);
}
const build = spawnSync(process.execPath, args, {
  cwd: nativeDir,
  stdio: ['ignore', verbose ? 'inherit' : 'pipe', verbose ? 'inherit' : 'pipe'],
  encoding: 'utf8',
});
if (build.error) skip(`node-gyp could not run: ${build.error.message}`);
if (build.status !== 0) {
  const lines = `${build.stdout ?? ''}\n${build.stderr ?? ''}`
    .split('\n')
    .filter((line) => /error/i.test(line))
    .slice(0, 3);
  skip(`node-gyp failed: ${lines.join(' | ') || 'rerun with SVEC_NATIVE_VERBOSE=1 to see its output'}`);
}

// Load it once in a child process: a build that links but cannot load (e.g. libopenblas.so.0
// missing at run time) should be reported now, not at the first training run.
const smoke = spawnSync(
  process.execPath,
  [
    '-e',
    `const b = require(${JSON.stringify(addonPath)});
     const a = new Float32Array([1, 2, 3, 4]), c = new Float32Array(4);
     b.sgemmStrided(false, false, 1, 2, 2, 2, a, 0, 0, a, 0, 0, c, 0, 0);
     if (c.join() !== '7,10,15,22') throw new Error('wrong product ' + c.join());
     console.log(b.config());`,
  ],
  { encoding: 'utf8' },
);
if (smoke.status !== 0) skip(`built, but it does not load: ${(smoke.stderr || '').trim().split('\n').slice(0, 2).join(' | ')}`);
console.log(`svec: built ${addonPath} (${smoke.stdout.trim()})`);
