// Worker-thread entry for parallel training runs (piscina). In a checkout this file lies beside
// trainTask.ts: workers do not inherit the main thread's TypeScript loader registration, so it
// registers tsx and runs the TypeScript task. In the compiled package (dist/, where `npm run build`
// copies it) it lies beside trainTask.js and runs that on plain Node, without tsx.
import { existsSync } from 'node:fs';

const source = new URL('./trainTask.ts', import.meta.url);
const fromSource = existsSync(source);
if (fromSource) (await import('tsx/esm/api')).register();
const { runTrainingTask } = await import(fromSource ? source.href : new URL('./trainTask.js', import.meta.url).href);
export default runTrainingTask;
