// Worker-thread entry for `svec validate` seeds (piscina); see trainWorker.mjs for why it
// registers tsx in a checkout and runs the compiled task in the package.
import { existsSync } from 'node:fs';

const source = new URL('./validate.ts', import.meta.url);
const fromSource = existsSync(source);
if (fromSource) (await import('tsx/esm/api')).register();
const { runValidateSeed } = await import(fromSource ? source.href : new URL('./validate.js', import.meta.url).href);
export default runValidateSeed;
