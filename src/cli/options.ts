// Option parsers and shared options of the command line. Every parser rejects what it cannot
// read with a UsageError naming the option and the value, so a typo never runs anything.
import { InvalidArgumentError, type Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError, userErrorName } from '../util/errors.ts';

/** A usage problem: printed as one line, exit status 2. */
export class UsageError extends UserError {
  override name = userErrorName('UsageError');
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** An integer option >= min (and <= max): for commander's option parsers. */
export function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer${max < Number.MAX_SAFE_INTEGER ? ` in [${min}, ${max}]` : ` >= ${min}`}, got '${value}'`);
    }
    return n;
  };
}

/** A positive finite number option. */
export function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`${name} must be a positive number, got '${value}'`);
    return n;
  };
}

/** A comma-separated list with no empty items (`a,,b`, `''` and `,` are refused). */
export function parseList(text: string, option: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s.length === 0)) throw new UsageError(`${option}: empty item in '${text}' (a comma-separated list, e.g. a,b)`);
  const duplicate = items.find((s, k) => items.indexOf(s) !== k);
  if (duplicate !== undefined) throw new UsageError(`${option}: '${duplicate}' is listed twice`);
  return items;
}

export const MAX_SEED = 0xffffffff;

/** A list of distinct seeds, e.g. `1,2,3`. */
export function parseSeedList(text: string, option = '--seeds'): number[] {
  return parseList(text, option).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n > MAX_SEED) throw new UsageError(`${option}: '${s}' is not a seed (an integer in [0, 2^32))`);
    return n;
  });
}

/** `N` (the seeds 1..N) or a list of seeds. */
export function parseSeedCountOrList(text: string, option = '--seeds'): number[] {
  if (!text.includes(',')) {
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < 1 || n > 1000)
      throw new UsageError(`${option}: expected a number of seeds (1 to 1000) or a list like 3,5,8, got '${text}'`);
    return Array.from({ length: n }, (_, k) => k + 1);
  }
  return parseSeedList(text, option);
}

/** --scenario FILE and --set key=value. */
export function scenarioOptions(command: Command): Command {
  return command
    .option('--scenario <file>', 'scenario YAML or JSON file (any subset of fields; see `svec config fields`)')
    .option('--set <key=value>', 'override a scenario field, e.g. --set vehicles=30 --set lambda.min=0.5 (repeatable)', collect, []);
}

/**
 * Checks that an output FILE can be written: not a directory, and its folder (or the nearest
 * existing ancestor) a directory.
 */
export function checkOutputFile(path: string, option: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${option} ${path} is a directory, not a file`);
  let parent = dirname(resolve(path));
  while (!existsSync(parent) && parent !== dirname(parent)) parent = dirname(parent);
  if (!statSync(parent).isDirectory()) throw new UsageError(`${option} ${path}: ${parent} is a file, not a directory`);
}

/** Checks that an output FOLDER can be used: not an existing file, nor under a file. */
export function checkOutputFolder(path: string, option: string): void {
  if (existsSync(path) && !statSync(path).isDirectory()) throw new UsageError(`${option} ${path} exists and is not a directory`);
  let parent = dirname(resolve(path));
  while (!existsSync(parent) && parent !== dirname(parent)) parent = dirname(parent);
  if (!statSync(parent).isDirectory()) throw new UsageError(`${option} ${path}: ${parent} is a file, not a directory`);
}
