// `svec model step` end to end: agreement with hand-computed values and bad-input behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionalFidelity } from '../../src/sim/fidelity.ts';
import { close, MULTI_CASE, multiCaseByHand, SPEC_CASE, specCaseByHand } from '../fixtures/handCases.ts';

function svec(args: string[], stdin?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/svec.mjs', ...args], { env: { ...process.env, CI: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const dir = mkdtempSync(join(tmpdir(), 'svec-step-'));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

test('an array of cases (file input) agrees with the hand-computed values to 1e-9, in order', async () => {
  const noTable = structuredClone(SPEC_CASE);
  delete (noTable.vehicles[0] as { fidelity?: number }).fidelity;
  const result = await svec(['model', 'step', '--input', file('cases.json', [SPEC_CASE, MULTI_CASE, noTable])]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '');
  const [single, multi, tableCase] = JSON.parse(result.stdout) as { M: number; vehicles: Record<string, number>[] }[];
  const spec = specCaseByHand();
  for (const [field, value] of Object.entries(spec)) if (field !== 'M') close(single!.vehicles[0]![field]!, value, `spec case ${field}`);
  const { rows } = multiCaseByHand();
  rows.forEach((row, i) => {
    for (const [field, value] of Object.entries(row)) if (field !== 'slack') close(multi!.vehicles[i]![field]!, value, `vehicle ${i} ${field}`);
  });
  // without "fidelity" the provisional table is used at (lambda, snr_db); off the grid it interpolates,
  // so compare with the table's own lookup at this point within interpolation error
  const S = tableCase!.vehicles[0]!.S!;
  assert.ok(Math.abs(S - provisionalFidelity('image', 0.6, spec.snr_db)) < 0.01, `S = ${S}`);
});

test('standard input with one case prints one object', async () => {
  const result = await svec(['model', 'step', '--input', '-'], JSON.stringify(SPEC_CASE));
  assert.equal(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout) as { M: number; vehicles: Record<string, number>[] };
  assert.equal(out.M, 1);
  close(out.vehicles[0]!.reward!, specCaseByHand().reward, 'reward');
});

function mutate(change: (c: Record<string, any>) => void): string {
  const c = structuredClone(SPEC_CASE) as unknown as Record<string, any>;
  change(c);
  return JSON.stringify(c);
}

const badInputs: { name: string; stdin: string; field: RegExp }[] = [
  { name: 'missing field', stdin: mutate((c) => delete c.vehicles[0].d), field: /vehicles\[0\]\.d/ },
  { name: 'wrong type', stdin: mutate((c) => (c.params.B_max = 'wide')), field: /params\.B_max/ },
  { name: 'negative size', stdin: mutate((c) => (c.vehicles[0].d = -1)), field: /vehicles\[0\]\.d/ },
  { name: 'negative power', stdin: mutate((c) => (c.vehicles[0].action.p = -0.5)), field: /vehicles\[0\]\.action\.p/ },
  { name: 'rho not 0 or 1', stdin: mutate((c) => (c.vehicles[0].action.rho = 2)), field: /vehicles\[0\]\.action\.rho/ },
  { name: 'unknown modality', stdin: mutate((c) => (c.vehicles[0].modality = 'video')), field: /vehicles\[0\]\.modality/ },
  { name: 'unknown field', stdin: mutate((c) => (c.vehicles[0].colour = 'red')), field: /vehicles\[0\].*colour/ },
  { name: 'empty vehicles', stdin: mutate((c) => (c.vehicles = [])), field: /vehicles/ },
  { name: 'second case of an array', stdin: JSON.stringify([SPEC_CASE, { ...SPEC_CASE, mode: 'psychic' }]), field: /\[1\]\.mode/ },
  { name: 'invalid JSON', stdin: '{"mode": ', field: /JSON/ },
];

test('malformed input: exit 2, one line on standard error naming the field, nothing on standard output', async () => {
  const results = await Promise.all(badInputs.map((bad) => svec(['model', 'step', '--input', '-'], bad.stdin)));
  results.forEach((result, k) => {
    const bad = badInputs[k]!;
    assert.equal(result.status, 2, `${bad.name}: status ${result.status}`);
    assert.equal(result.stdout, '', `${bad.name}: printed ${result.stdout}`);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${bad.name}: ${result.stderr}`);
    assert.match(lines[0]!, bad.field, bad.name);
  });
  const missing = await svec(['model', 'step', '--input', join(dir, 'nope.json')]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /cannot read/);
});
