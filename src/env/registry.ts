// Environments by name, and environments users bring: `--env NAME` or `--env-module FILE`, where
// FILE is an ES module (JavaScript, or TypeScript when svec runs from source) that exports
// `createEnv(options)` (or a default export of that function) returning an object that
// implements MultiAgentEnv (env/environment.ts). docs/validation.md documents the contract.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError, userErrorName } from '../util/errors.ts';
import { checkEnvironment, type EnvFactory, type MultiAgentEnv } from './environment.ts';
import { PendulumEnv } from './pendulum.ts';

export class EnvironmentError extends UserError {
  override name = userErrorName('EnvironmentError');
}

/** The built-in environments besides SVEC (which takes a scenario: train/run.ts). */
export const BUILTIN_ENVIRONMENTS: Record<string, () => MultiAgentEnv> = {
  pendulum: () => new PendulumEnv(),
};

/** Where an environment comes from: a built-in name, or a module file. */
export type EnvSource = { name: string } | { module: string; options?: Record<string, unknown> };

export function describeEnvSource(source: EnvSource): string {
  return 'name' in source ? source.name : `module ${source.module}`;
}

/**
 * A factory for the environment `source` names; the first environment is made (and checked)
 * here, so a broken module fails before any training starts.
 */
export async function environmentFactory(source: EnvSource): Promise<EnvFactory> {
  if ('name' in source) {
    const make = BUILTIN_ENVIRONMENTS[source.name];
    if (!make) throw new EnvironmentError(`--env: unknown environment '${source.name}' (built in: ${Object.keys(BUILTIN_ENVIRONMENTS).join(', ')}; or --env-module FILE)`);
    return make;
  }
  const path = resolve(source.module);
  if (!existsSync(path)) throw new EnvironmentError(`--env-module: ${source.module} does not exist`);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new EnvironmentError(`--env-module ${source.module}: cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  const create = (loaded.createEnv ?? loaded.default) as ((options?: Record<string, unknown>) => unknown) | undefined;
  if (typeof create !== 'function') throw new EnvironmentError(`--env-module ${source.module}: exports neither createEnv nor a default function`);
  const factory = () => {
    const env = create(source.options ?? {});
    try {
      checkEnvironment(env, `--env-module ${source.module}`);
    } catch (err) {
      throw new EnvironmentError((err as Error).message);
    }
    return env;
  };
  factory().close();
  return factory;
}
