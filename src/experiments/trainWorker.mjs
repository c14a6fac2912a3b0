// Worker-thread entry for parallel training runs (piscina). Workers do not inherit the main
// thread's TypeScript loader registration, so register tsx here, then run the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const { runTrainingTask } = await import('./trainTask.ts');
export default runTrainingTask;
