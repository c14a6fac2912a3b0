// Worker-thread entry for the cells of a sweep (piscina). Workers do not inherit the main
// thread's TypeScript loader registration, so register tsx here, then run the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const { runCell } = await import('./cellTask.ts');
export default runCell;
