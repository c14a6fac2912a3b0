#!/usr/bin/env node
// The `svec` command. TypeScript sources run through tsx's loader, so there is no build step
// and no stale compiled output: what you read in src/ is what runs.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
