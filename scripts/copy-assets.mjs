#!/usr/bin/env node
// After tsc: copy what the compiled package needs beside the JavaScript and tsc does not emit:
// every worker entry file (*.mjs under src/) and the dashboard's page.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

for (const file of walk('src').filter((f) => f.endsWith('.mjs'))) cpSync(file, join('dist', relative('src', file)));
cpSync('src/interfaces/dashboard/assets', 'dist/interfaces/dashboard/assets', { recursive: true });
