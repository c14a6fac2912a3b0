// Built-in policies by name. 'offload-all:0.4' fixes lambda at 0.4 (default 1).
import type { SvecCore } from '../sim/core.ts';
import type { RandomStream } from '../random/stream.ts';
import { greedyPolicy } from './greedy.ts';
import { oraclePolicy } from './oracle.ts';
import type { Policy } from './policy.ts';
import { localOnlyPolicy, offloadAllPolicy, randomPolicy } from './simple.ts';

export const BUILTIN_POLICY_NAMES = ['random', 'local-only', 'offload-all', 'greedy', 'oracle'] as const;

/** The policies `svec simulate` compares by default. */
export const DEFAULT_COMPARISON = ['random', 'local-only', 'offload-all:1', 'offload-all:0.4', 'greedy', 'oracle'];

export function createBuiltinPolicy(spec: string, rng: RandomStream, core: SvecCore): Policy {
  const [name, arg, ...rest] = spec.split(':');
  const unknown = () => new Error(`unknown policy '${spec}' (built-in policies: ${BUILTIN_POLICY_NAMES.join(', ')}; offload-all takes a lambda, e.g. offload-all:0.4)`);
  if (rest.length > 0) throw unknown();
  switch (name) {
    case 'random':
      if (arg !== undefined) throw unknown();
      return randomPolicy(rng);
    case 'local-only':
      if (arg !== undefined) throw unknown();
      return localOnlyPolicy();
    case 'offload-all': {
      const lambda = arg === undefined ? core.scenario.lambda.max : Number(arg);
      if (!Number.isFinite(lambda)) throw new Error(`policy '${spec}': '${arg}' is not a number`);
      return offloadAllPolicy(lambda);
    }
    case 'greedy':
      if (arg !== undefined) throw unknown();
      return greedyPolicy(rng);
    case 'oracle':
      if (arg !== undefined) throw unknown();
      return oraclePolicy();
    default:
      throw unknown();
  }
}
