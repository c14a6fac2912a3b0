// The one-slot evaluator's public input and output (spec, last section): a hand-made case in SI
// units is validated, evaluated with exactly the simulator's slot formulas, and returned as JSON.
import { z } from 'zod';
import { provisionalFidelityTable, type FidelityModel } from './fidelity.ts';
import { MODALITIES, modalityIndex } from './modality.ts';
import { allocateSlotActions, allocateSlotOutputs, allocateSlotVehicles, evaluateSlot, SLOT_OUTPUT_FIELDS, type SlotParams } from './slotModel.ts';
import { UserError, userErrorName } from '../util/errors.ts';

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
const perModality = z.strictObject({ text: positive, image: positive, speech: positive });
const zeroOrOne = z.union([z.literal(0), z.literal(1)], { error: 'must be 0 or 1' });

export const SlotCaseParamsSchema = z
  .strictObject({
    B_max: positive,
    F_e: positive,
    sigma2: positive,
    eta: positive,
    kappa_e: nonNegative,
    C: positive,
    psi_e: nonNegative,
    psi_t: nonNegative,
    psi_f: nonNegative,
    S_min: z.number().min(0).max(1),
    V: positive,
    E_unit: positive,
    lambda_min: z.number().gt(0).lte(1),
    lambda_max: z.number().gt(0).lte(1),
    p_min: positive,
    p_max: positive,
    c_loc: perModality,
    c_ext: perModality,
    objective: z.enum(['drift', 'eq33'], { error: "must be 'drift' or 'eq33'" }).optional(),
  })
  .refine((p) => p.lambda_min <= p.lambda_max, { message: 'lambda_min must not exceed lambda_max', path: ['lambda_min'] })
  .refine((p) => p.p_min <= p.p_max, { message: 'p_min must not exceed p_max', path: ['p_min'] });

export const SlotCaseVehicleSchema = z.strictObject({
  modality: z.enum(MODALITIES, { error: `must be one of ${MODALITIES.join(', ')}` }),
  d: nonNegative,
  T_max: positive,
  zeta: zeroOrOne,
  F: positive,
  kappa: nonNegative,
  h: positive,
  E_max: nonNegative,
  Q: nonNegative,
  fidelity: z.number().min(0).max(1).optional(),
  action: z.strictObject({
    rho: zeroOrOne,
    lambda: z.number(),
    p: nonNegative,
    w: z.number().gt(0).lte(1),
  }),
});

export const SlotCaseSchema = z.strictObject({
  mode: z.enum(['semantic', 'non-semantic']),
  params: SlotCaseParamsSchema,
  vehicles: z.array(SlotCaseVehicleSchema).min(1),
});

export type SlotCase = z.infer<typeof SlotCaseSchema>;
export type SlotCaseOutput = { M: number; vehicles: Record<(typeof SLOT_OUTPUT_FIELDS)[number], number>[] };

/** A malformed case: `field` is the JSON path of the first problem. */
export class SlotCaseError extends UserError {
  override name = userErrorName('SlotCaseError');
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** The value at `path` inside `input`, and whether it is there at all. */
function lookUp(input: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let node: unknown = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, key)) return { found: false };
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: node };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  return `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`;
}

function pathToString(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : text === '' ? String(key) : `.${String(key)}`;
  return text === '' ? '(input)' : text;
}

/** Validates one case or an array of cases; throws SlotCaseError naming the first bad field. */
export function parseSlotCases(input: unknown): { cases: SlotCase[]; isArray: boolean } {
  const isArray = Array.isArray(input);
  const schema = isArray ? z.array(SlotCaseSchema).min(1) : SlotCaseSchema;
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    let problem = issue.message;
    if (issue.code === 'unrecognized_keys') problem = `unknown field(s) ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_type') {
      // zod does not say whether the field was absent or of the wrong type: look at the input
      const present = lookUp(input, issue.path);
      problem = present.found ? `expected ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}, got ${describe(present.value)}` : 'missing';
    }
    throw new SlotCaseError(pathToString(issue.path), problem);
  }
  return { cases: isArray ? (result.data as SlotCase[]) : [result.data as SlotCase], isArray };
}

/** Evaluates one validated case with the simulator's slot formulas. */
export function evaluateSlotCase(slotCase: SlotCase, table: FidelityModel = provisionalFidelityTable()): SlotCaseOutput {
  const p = slotCase.params;
  const params: SlotParams = {
    semantic: slotCase.mode === 'semantic',
    B_max: p.B_max,
    F_e: p.F_e,
    sigma2: p.sigma2,
    eta: p.eta,
    kappa_e: p.kappa_e,
    C: p.C,
    psi_e: p.psi_e,
    psi_t: p.psi_t,
    psi_f: p.psi_f,
    S_min: p.S_min,
    V: p.V,
    E_unit: p.E_unit,
    lambda_min: p.lambda_min,
    lambda_max: p.lambda_max,
    p_min: p.p_min,
    p_max: p.p_max,
    c_loc: Float64Array.from(MODALITIES.map((m) => p.c_loc[m])),
    c_ext: Float64Array.from(MODALITIES.map((m) => p.c_ext[m])),
    objective: p.objective ?? 'drift',
  };
  const n = slotCase.vehicles.length;
  const veh = allocateSlotVehicles(n);
  veh.fidelityOverride = new Float64Array(n).fill(Number.NaN);
  const act = allocateSlotActions(n);
  slotCase.vehicles.forEach((v, i) => {
    veh.modality[i] = modalityIndex(v.modality);
    veh.d[i] = v.d;
    veh.T_max[i] = v.T_max;
    veh.zeta[i] = v.zeta;
    veh.F[i] = v.F;
    veh.kappa[i] = v.kappa;
    veh.h[i] = v.h;
    veh.E_max[i] = v.E_max;
    veh.Q[i] = v.Q;
    if (v.fidelity !== undefined) veh.fidelityOverride![i] = v.fidelity;
    act.rho[i] = v.action.rho;
    act.lambda[i] = v.action.lambda;
    act.p[i] = v.action.p;
    act.w[i] = v.action.w;
  });
  const out = allocateSlotOutputs(n);
  const M = evaluateSlot(params, veh, act, table, out);
  const vehicles = Array.from({ length: n }, (_, i) => {
    const row = {} as Record<(typeof SLOT_OUTPUT_FIELDS)[number], number>;
    for (const field of SLOT_OUTPUT_FIELDS) row[field] = out[field][i]!;
    return row;
  });
  return { M, vehicles };
}
