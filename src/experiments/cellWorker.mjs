// Worker-thread entry for the cells of a sweep (piscina). In a checkout this file lies beside
// cellTask.ts: workers do not inherit the main thread's TypeScript loader registration, so it
// registers tsx and runs the TypeScript task. In the compiled package (dist/, where `npm run build`
// copies it) it lies beside cellTask.js and runs that on plain Node, without tsx.
import { existsSync } from 'node:fs';

const source = new URL('./cellTask.ts', import.meta.url);
const fromSource = existsSync(source);
if (fromSource) (await import('tsx/esm/api')).register();
const { runCell } = await import(fromSource ? source.href : new URL('./cellTask.js', import.meta.url).href);
export default runCell;
