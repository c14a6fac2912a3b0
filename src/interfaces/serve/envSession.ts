// One environment behind the serve protocol: answers requests (protocol.ts) with what
// SvecParallelEnv gives, per agent. It holds no I/O, so tests call it directly; stdio.ts moves
// the lines.
import type { Scenario } from '../../config/scenario.ts';
import { SvecParallelEnv, type PerAgent } from '../../sim/parallelEnv.ts';
import { isUserError } from '../../util/errors.ts';
import { invalidRequest, paramsSchema, RequestSchema, type Method, type ProtocolAgentAction, type ProtocolError, type Response } from './protocol.ts';

class StateError extends Error {}

export class EnvSession {
  readonly env: SvecParallelEnv;
  readonly scenario: Scenario;
  private hasReset = false;
  /** set once `close` was answered: the server stops reading */
  closed = false;

  constructor(scenario: Scenario) {
    this.scenario = scenario;
    this.env = new SvecParallelEnv(scenario);
  }

  /** Answers one request line (never throws: every failure becomes an error response). */
  handleLine(line: string): Response {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      return { id: null, error: { type: 'ParseError', message: `request is not valid JSON: ${(err as Error).message}` } };
    }
    const envelope = RequestSchema.safeParse(json);
    const rawId = (json as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : null;
    if (!envelope.success) return { id, error: invalidRequest(envelope.error, RequestSchema, [], 'request') };
    const { method } = envelope.data;
    const schema = paramsSchema(method, this.env.possibleAgents);
    const params = schema.safeParse(envelope.data.params);
    if (!params.success) return { id, error: invalidRequest(params.error, schema, ['params'], method) };
    try {
      return { id, result: this.run(method, params.data) };
    } catch (err) {
      return { id, error: this.describe(err, method) };
    }
  }

  private run(method: Method, params: unknown): unknown {
    switch (method) {
      case 'spaces':
        return this.spaces();
      case 'reset': {
        const { seed } = (params ?? {}) as { seed?: number };
        const { observations, infos } = this.env.reset(seed);
        this.hasReset = true;
        return { observations: lists(observations), infos, agents: this.env.agents };
      }
      case 'step': {
        if (!this.hasReset) throw new StateError('call reset before the first step');
        if (this.env.agents.length === 0) throw new StateError('the episode is over (every agent is truncated or terminated): call reset');
        const { actions } = params as { actions: PerAgent<ProtocolAgentAction> };
        // The discrete choice as one-hot scores: the environment takes the argmax (eq. 31).
        const raw = Object.fromEntries(Object.entries(actions).map(([agent, a]) => [agent, { offloadLogits: a.offload === 1 ? [0, 1] : [1, 0], continuous: a.continuous }]));
        const step = this.env.step(raw);
        return {
          observations: lists(step.observations),
          rewards: step.rewards,
          terminations: step.terminations,
          truncations: step.truncations,
          infos: step.infos,
          agents: this.env.agents,
        };
      }
      case 'close':
        this.closed = true;
        return null;
    }
  }

  /** The agents and their spaces, from the environment's declared spec. */
  spaces(): unknown {
    const { spec } = this.env.env;
    const names = spec.action.names ?? [];
    const continuousNames = names.slice(spec.action.discrete.length);
    return {
      possibleAgents: this.env.possibleAgents,
      agents: this.hasReset ? this.env.agents : this.env.possibleAgents,
      observationSpace: {
        type: 'box',
        shape: [spec.observation.size],
        low: spec.observation.low,
        high: spec.observation.high,
        dtype: 'float32',
        names: spec.observation.names ?? null,
      },
      actionSpace: {
        type: 'dict',
        spaces: {
          offload: { type: 'discrete', n: spec.action.discrete[0] },
          continuous: {
            type: 'box',
            shape: [spec.action.continuous],
            low: new Array(spec.action.continuous).fill(-1),
            high: new Array(spec.action.continuous).fill(1),
            dtype: 'float32',
            names: continuousNames,
          },
        },
      },
      maxEpisodeSteps: spec.maxEpisodeSteps,
      scenario: this.scenario,
    };
  }

  private describe(err: unknown, method: Method): ProtocolError {
    if (err instanceof StateError) return { type: 'StateError', message: `${method}: ${err.message}` };
    if (isUserError(err)) return { type: 'SvecError', message: (err as Error).message };
    // A bug: the message goes back, the stack to standard error (never standard output).
    process.stderr.write(`svec serve: ${(err as Error).stack ?? String(err)}\n`);
    return { type: 'InternalError', message: `${method}: ${(err as Error).message ?? String(err)}` };
  }
}

/** Float32Array values as plain numbers (each exactly the float32 value, so nothing is rounded). */
function lists(perAgent: PerAgent<Float32Array>): PerAgent<number[]> {
  return Object.fromEntries(Object.entries(perAgent).map(([agent, values]) => [agent, Array.from(values)]));
}
