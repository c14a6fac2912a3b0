// The line-delimited JSON protocol of `svec serve env` (docs/python.md): one request per line on
// standard input, one response per line on standard output, in order.
//   request   {"id": 1, "method": "reset" | "step" | "spaces" | "close", "params": {...}}
//   response  {"id": 1, "result": ...}  or  {"id": 1, "error": {"type", "message", "field"?}}
// Every request is validated by the zod schemas below before anything runs; a malformed one is
// answered with an error whose `field` is the JSON path of the first problem (e.g.
// `params.actions.vehicle_1.continuous`) and whose message names it too.
import { z } from 'zod';
import { formatZodError } from '../../config/load.ts';

export const METHODS = ['reset', 'step', 'spaces', 'close'] as const;
export type Method = (typeof METHODS)[number];

/** The envelope of every request; `params` is checked by the method's own schema. */
export const RequestSchema = z.strictObject({
  id: z.union([z.string(), z.number()], { error: 'expected a string or a number (echoed in the response)' }),
  method: z.enum(METHODS, { error: `expected one of ${METHODS.join(', ')}` }),
  params: z.unknown().optional(),
});

const NoParamsSchema = z.strictObject({}).optional();

export const ResetParamsSchema = z
  .strictObject({
    seed: z
      .number({ error: 'expected an integer in [0, 2^32)' })
      .int({ error: 'expected an integer in [0, 2^32)' })
      .min(0, { error: 'expected an integer in [0, 2^32)' })
      .max(0xffffffff, { error: 'expected an integer in [0, 2^32)' })
      .optional(),
  })
  .optional();

/**
 * One agent's action: the discrete choice (offload or not) and the three continuous components
 * (lambda, power, bandwidth weight), each in [-1, 1] and mapped affinely onto its physical range
 * (eq. 31; values outside are clipped).
 */
export const AgentActionSchema = z.strictObject(
  {
    offload: z.literal([0, 1], { error: 'expected 0 (compute locally) or 1 (offload)' }),
    continuous: z
      .array(z.number({ error: 'expected a finite number' }), { error: 'expected an array of 3 numbers [lambda, power, bandwidth]' })
      .length(3, { error: 'expected 3 numbers [lambda, power, bandwidth]' }),
  },
  { error: (issue) => (issue.input === undefined ? 'missing: every agent needs an action' : 'expected {"offload": 0 | 1, "continuous": [3 numbers]}') },
);
export type ProtocolAgentAction = z.infer<typeof AgentActionSchema>;

/** The params of `step` for these agents: exactly one action per agent. */
export function stepParamsSchema(agents: readonly string[]) {
  const actions = z.strictObject(Object.fromEntries(agents.map((agent) => [agent, AgentActionSchema])), {
    error: 'expected an object with one action per agent',
  });
  return z.strictObject({ actions }, { error: 'expected {"actions": {agent: action, ...}}' });
}

export function paramsSchema(method: Method, agents: readonly string[]): z.ZodType {
  switch (method) {
    case 'reset':
      return ResetParamsSchema;
    case 'step':
      return stepParamsSchema(agents);
    case 'spaces':
    case 'close':
      return NoParamsSchema;
  }
}

export type ErrorType = 'ParseError' | 'InvalidRequest' | 'StateError' | 'SvecError' | 'InternalError';

export interface ProtocolError {
  type: ErrorType;
  message: string;
  /** JSON path of the first problem in the request, for InvalidRequest */
  field?: string;
}

export type Response = { id: string | number | null; result: unknown } | { id: string | number | null; error: ProtocolError };

/** The first problem of a failed validation as a protocol error (field path prefixed with `prefix`). */
export function invalidRequest(error: z.ZodError, schema: z.ZodType, prefix: readonly string[], where: string): ProtocolError {
  const issue = error.issues[0]!;
  const path = [...prefix, ...issue.path.map(String)];
  // an unknown key is named itself (`params.actions.vehicle_9`), not the object holding it
  if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) path.push(issue.keys[0]!);
  const field = path.join('.');
  // formatZodError words it as the config loader does (unknown keys with the nearest known name)
  const problem = formatZodError(new z.ZodError([issue]), '', schema).replace(/^: [^:]*: /, '');
  return { type: 'InvalidRequest', field: field || '(top level)', message: `${where}: ${field || '(top level)'}: ${problem}` };
}
