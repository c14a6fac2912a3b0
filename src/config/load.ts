// Loading any zod-schema'd config from YAML or JSON files plus `--set key.path=value` overrides.
// Errors name the file, the field path and the rule that was broken, and are raised at load time.
import { readFileSync } from 'node:fs';
import { distance as levenshtein } from 'fastest-levenshtein';
import YAML from 'yaml';
import { z } from 'zod';
import { ScenarioSchema, type Scenario } from './scenario.ts';
import { UserError, userErrorName } from '../util/errors.ts';

/** A configuration problem the user can fix; the message names the field and the rule. */
export class ConfigError extends UserError {
  override name = userErrorName('ConfigError');
}

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a YAML or JSON file (JSON is YAML) into a plain object. */
export function readConfigFile(path: string): PlainObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlainObject(parsed)) throw new ConfigError(`${path}: the top level must be a mapping of field names to values`);
  return parsed;
}

/**
 * Applies `key.path=value` overrides to a plain object (in place). The value is read as a YAML
 * scalar or flow collection, so `vehicles=30`, `mode=non-semantic`, `lambda={min: 0.5, max: 1}`
 * all work.
 */
export function applyOverrides(target: PlainObject, overrides: readonly string[], option = '--set'): PlainObject {
  for (const override of overrides) {
    const eq = override.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${option} ${override}: expected KEY=VALUE (for example ${option === '--set' ? '--set vehicles=30' : `${option} batchSize=128`})`);
    const path = override.slice(0, eq).trim().split('.');
    if (path.some((p) => p.length === 0)) throw new ConfigError(`${option} ${override}: empty field name in '${override.slice(0, eq)}'`);
    let value: unknown;
    try {
      value = YAML.parse(override.slice(eq + 1));
    } catch (err) {
      throw new ConfigError(`${option} ${override}: cannot read the value: ${(err as Error).message.split('\n')[0]}`);
    }
    let node = target;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === undefined) node[key] = {};
      else if (!isPlainObject(next)) throw new ConfigError(`${option} ${override}: '${key}' is not a group of fields`);
      node = node[key] as PlainObject;
    }
    node[path[path.length - 1]!] = value;
  }
  return target;
}

/** The field names of the object schema at `path` inside `schema` (through defaults and optionals). */
function fieldsAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  const unwrap = (n: unknown): unknown => {
    let current = n as { _zod?: { def?: { innerType?: unknown; type?: string } } } | undefined;
    while (current?._zod?.def?.innerType) current = current._zod.def.innerType as typeof current;
    return current;
  };
  for (const key of path) {
    const shape = (unwrap(node) as { shape?: Record<string, unknown> } | undefined)?.shape;
    node = shape?.[String(key)];
  }
  const shape = (unwrap(node) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

/** The known name closest to a mistyped one, when it is close enough to be a typo. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Formats zod issues as `where: field.path: message` lines (unknown fields with the nearest known name). */
export function formatZodError(error: z.ZodError, where: string, schema?: z.ZodType): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') {
        const known = fieldsAt(schema, issue.path);
        message = `unknown field(s) ${issue.keys
          .map((k) => {
            const near = nearestName(k, known);
            return near ? `'${k}' (did you mean '${near}'?)` : `'${k}'`;
          })
          .join(', ')}`;
      }
      return `${where}: ${field}: ${message}`;
    })
    .join('\n');
}

/** Validates a plain object against a schema, raising a ConfigError that names every bad field. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(formatZodError(result.error, where, schema));
  return result.data;
}

export interface LoadOptions {
  /** YAML or JSON file with any subset of the fields. */
  file?: string;
  /** `key.path=value` overrides applied after the file. */
  overrides?: readonly string[];
  /** An in-memory base (applied before the file). */
  base?: PlainObject;
  /** the option the overrides came from, for error messages (default --set) */
  overrideOption?: string;
}

/** Loads a scenario (see loadConfig). */
export function loadScenario(options: LoadOptions = {}): Scenario {
  return loadConfig(ScenarioSchema, 'scenario', options);
}

/**
 * Loads any config: the schema's defaults, then `base`, then `file`, then `overrides`, merged
 * field by field (so `--set lambda.min=0.5` keeps the default max) and validated at once.
 */
export function loadConfig<S extends z.ZodType>(schema: S, what: string, options: LoadOptions = {}): z.output<S> {
  const merged = parseConfig(schema, {}, what) as PlainObject;
  if (options.base) deepMerge(merged, options.base);
  if (options.file) deepMerge(merged, readConfigFile(options.file));
  applyOverrides(merged, options.overrides ?? [], options.overrideOption);
  return parseConfig(schema, merged, options.file ? `${what} ${options.file}` : what);
}

/** Merges `source` into `target` recursively (objects merge, everything else replaces). */
export function deepMerge(target: PlainObject, source: PlainObject): PlainObject {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isPlainObject(existing) && isPlainObject(value)) deepMerge(existing, value);
    else target[key] = structuredClone(value);
  }
  return target;
}
