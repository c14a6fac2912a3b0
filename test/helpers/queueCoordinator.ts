// A queue coordinator in its own process, so that a test can kill it (SIGKILL) mid-sweep:
//   node --import tsx test/helpers/queueCoordinator.ts '{"profile": ..., "outDir": ..., "url": ...}'
// The Redis password comes from SVEC_REDIS_PASSWORD. Stages go to standard error.
import { parseQueueUrl } from '../../src/experiments/queue/connection.ts';
import { reproduceOnQueue } from '../../src/experiments/queue/coordinator.ts';

const args = JSON.parse(process.argv[2]!);
const summary = await reproduceOnQueue({
  profile: args.profile,
  outDir: args.outDir,
  baseScenario: args.baseScenario,
  evalSeed: args.evalSeed,
  retry: args.retry,
  pollMs: 500,
  connection: parseQueueUrl(args.url),
  onStage: (stage) => process.stderr.write(`coordinator: ${stage}\n`),
});
process.stdout.write(`${JSON.stringify(summary)}\n`);
