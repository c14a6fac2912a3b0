// The policies that need neither learning nor search: random, local-only, offload-all.
import type { SvecCore } from '../sim/core.ts';
import type { SlotActions } from '../sim/slotModel.ts';
import type { RandomStream } from '../random/stream.ts';
import type { Policy } from './policy.ts';

/** Uniform over the hybrid action space: offload with probability 1/2, lambda, p, w uniform. */
export function randomPolicy(rng: RandomStream): Policy {
  return {
    name: 'random',
    label: 'random',
    act(core: SvecCore, out: SlotActions) {
      const s = core.scenario;
      for (let i = 0; i < core.n; i++) {
        out.rho[i] = rng.uniform() < 0.5 ? 1 : 0;
        out.lambda[i] = rng.uniformIn(s.lambda.min, s.lambda.max);
        out.p[i] = rng.uniformIn(s.powerW.min, s.powerW.max);
        out.w[i] = rng.uniformIn(s.bandwidthWeightMin, 1);
      }
    },
  };
}

/** Every task runs on its vehicle. */
export function localOnlyPolicy(): Policy {
  return {
    name: 'local-only',
    label: 'local-only',
    act(core: SvecCore, out: SlotActions) {
      const s = core.scenario;
      for (let i = 0; i < core.n; i++) {
        out.rho[i] = 0;
        out.lambda[i] = s.lambda.max;
        out.p[i] = s.powerW.min;
        out.w[i] = 1;
      }
    },
  };
}

/** Every task is offloaded at a fixed lambda, maximum power and equal bandwidth shares. */
export function offloadAllPolicy(lambda: number): Policy {
  return {
    name: 'offload-all',
    label: `offload-all (lambda ${lambda})`,
    act(core: SvecCore, out: SlotActions) {
      const s = core.scenario;
      if (lambda < s.lambda.min || lambda > s.lambda.max) {
        throw new Error(`offload-all: lambda ${lambda} is outside the scenario's range [${s.lambda.min}, ${s.lambda.max}]`);
      }
      for (let i = 0; i < core.n; i++) {
        out.rho[i] = 1;
        out.lambda[i] = lambda;
        out.p[i] = s.powerW.max;
        out.w[i] = 1;
      }
    },
  };
}
