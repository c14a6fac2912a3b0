#!/usr/bin/env node
// The `svec` command. Which code runs depends on what this copy of svec holds:
// - a checkout (src/ is here): the TypeScript sources, through tsx's loader, so what you read in
//   src/ is what runs, with no build step and no stale output, even when an old dist/ lies
//   around (`npm pack` rebuilds dist/ from scratch);
// - an installed package (no src/; `files` in package.json ships only dist/): the compiled
//   JavaScript in dist/, on plain Node, without tsx.
// SVEC_RUN=dist forces the compiled code in a checkout (after `npm run build`; to measure or check it).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const source = new URL('../src/cli/main.ts', import.meta.url);
const useSource = process.env.SVEC_RUN !== 'dist' && existsSync(source);

let main;
if (useSource) {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write("svec: this checkout's development dependencies are missing (tsx): run `npm ci`\n");
    process.exit(2);
  }
  register();
  ({ main } = await import(source.href));
} else if (existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  process.stderr.write(`svec: no compiled code at ${compiled.pathname}: run \`npm run build\`\n`);
  process.exit(2);
}
process.exitCode = await main(process.argv);
