// `svec model step --input FILE|-` end to end (the spec's "one-slot evaluator"): the real CLI is
// spawned from the repository root. Expected numbers are computed here by hand from the spec
// (../shared/spec/system-model.md, "One slot"), as explicit expressions over the cases' literal
// inputs; the only code imported is the provisional fidelity placeholder (a documented stand-in
// for a table, not a formula of the model) and the shared test data of test/helpers/slotSpec.ts.
// Agreement: relative error <= 1e-9.
//
// Spawning costs about 0.8 s, so the spawns of a test run concurrently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { provisionalFidelity } from '../../src/sim/fidelity.ts';
import { closeTo, SLOT_FIELDS, SPEC_PARAMS } from '../helpers/slotSpec.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIELDS = SLOT_FIELDS;
/** A hand-computed row: `reward` under the default objective (drift), `rewardEq33` under the printed eq. 33. */
type Row = Record<(typeof FIELDS)[number], number> & { rewardEq33: number };

/**
 * Completes a row computed with the printed eq. 33 (`reward` = V U - Q (e - e_max)) with the
 * drift objective: drift = (Q_next^2 - Q^2) / 2, reward = V U - drift (V = 10 in every case).
 */
function withDrift(row: Omit<Row, 'drift' | 'rewardEq33'>, Q: number): Row {
  const drift = (row.Q_next ** 2 - Q ** 2) / 2;
  return { ...row, drift, reward: 10 * row.U - drift, rewardEq33: row.reward };
}

/** The rows as the eq33 objective gives them. */
function asEq33(rows: Row[]): Row[] {
  return rows.map((r) => ({ ...r, reward: r.rewardEq33 }));
}
type Output = { M: number; vehicles: Record<string, unknown>[] };
type Json = any; // hand-made cases, deliberately loosely typed so that malformed ones can be built

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/svec.mjs ...args` from the repository root, feeding `stdin`. */
function svec(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
    delete env.NODE_TEST_CONTEXT;
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['bin/svec.mjs', ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the CLI may exit before reading all of it
    child.stdin.end(stdin);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'svec-model-step-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function checkOutput(out: Output | undefined, M: number, rows: Row[], label: string): void {
  assert.ok(out && typeof out === 'object' && !Array.isArray(out), `${label}: one object`);
  assert.deepEqual(Object.keys(out).sort(), ['M', 'vehicles'], `${label}: keys`);
  assert.equal(out.M, M, `${label}: M`);
  assert.equal(out.vehicles.length, rows.length, `${label}: one result per vehicle`);
  rows.forEach((row, i) => {
    const v = out.vehicles[i]!;
    assert.deepEqual(Object.keys(v).sort(), [...FIELDS].sort(), `${label} vehicle ${i}: exactly the spec's fields`);
    for (const f of FIELDS) closeTo(v[f], row[f], `${label} vehicle ${i} ${f}`);
  });
}

/** Parses standard output: exactly one JSON document, then a newline. */
function parseStdout(run: Run, label: string): unknown {
  assert.equal(run.status, 0, `${label}: status ${run.status}, stderr: ${run.stderr}`);
  assert.equal(run.stderr, '', `${label}: nothing on standard error`);
  return JSON.parse(run.stdout);
}

// ---------------------------------------------------------------------------------------------
// Cases (all SI units). Parameters: the spec's example.
const PARAMS = SPEC_PARAMS;

/** The spec's example case, verbatim. */
const SPEC_CASE: Json = {
  mode: 'semantic',
  params: PARAMS,
  vehicles: [
    { modality: 'image', d: 2e6, T_max: 0.012, zeta: 1, F: 4e9, kappa: 1e-28, h: 1e-9, E_max: 0.03, Q: 0.5, fidelity: 0.83, action: { rho: 1, lambda: 0.6, p: 0.7, w: 0.5 } },
  ],
};

function specByHand(): Row {
  const b = (5e7 * 0.5) / 0.5; // alone: all of B_max
  const r = 5e7 * Math.log2(1 + (0.7 * 1e-9) / 8e-15); // snr = 87 500
  const t_veh = (2e6 * 2) / (4e9 * 0.6); // 1.6667 ms
  const t_trans = (0.6 * 2e6) / r; // 1.4619 ms
  const t_edge = (2e6 * 20 * 1 * 1) / 1e11; // 0.4 ms
  const t = t_veh + t_trans + t_edge;
  const E_veh = 1e-28 * t_veh * 4e9 ** 3 + 0.7 * t_trans;
  const E_edge = 1e-30 * t_edge * (1e11 / 1) ** 3; // 0.4 J
  const E = E_veh + E_edge;
  const e = E / 0.01;
  const P = Math.log2(1 + (0.012 - t) * 1000); // high priority, 8.47 ms early
  const U = 0.5 * P + 0.3 * 0.83 - 0.2 * e; // 0.83 >= 0.6: no penalty
  return withDrift(
    {
      b,
      r,
      snr_db: 10 * Math.log10(87500),
      t_veh,
      t_trans,
      t_edge,
      t,
      E_veh,
      E_edge,
      E,
      P,
      S: 0.83,
      U,
      Q_next: Math.max(0.5 + e - 3, 0),
      reward: 10 * U - 0.5 * (e - 3),
      cost: t + 10 * E,
    },
    0.5,
  );
}

/** Four vehicles: mixed local/offload, all modalities, both priorities, clipping, the S_min penalty. */
const MULTI_CASE: Json = {
  mode: 'semantic',
  params: PARAMS,
  vehicles: [
    // text, offloads, low priority, late; lambda 0.3 -> 0.4, p 0.9 -> 0.8
    { modality: 'text', d: 2.5e6, T_max: 0.006, zeta: 0, F: 3e9, kappa: 2e-28, h: 2e-10, E_max: 0.05, Q: 2, fidelity: 0.9, action: { rho: 1, lambda: 0.3, p: 0.9, w: 0.6 } },
    // image, local, high priority, on time; queue clips at 0
    { modality: 'image', d: 1e6, T_max: 0.008, zeta: 1, F: 5e9, kappa: 1e-29, h: 5e-10, E_max: 0.1, Q: 0.3, fidelity: 0.2, action: { rho: 0, lambda: 0.7, p: 0.65, w: 1 } },
    // speech, offloads, high priority, late, fidelity below S_min
    { modality: 'speech', d: 3e6, T_max: 0.005, zeta: 1, F: 4e9, kappa: 1e-28, h: 1e-11, E_max: 0.02, Q: 0, fidelity: 0.45, action: { rho: 1, lambda: 0.5, p: 0.6, w: 0.2 } },
    // image, offloads, low priority, on time
    { modality: 'image', d: 2.5e6, T_max: 0.02, zeta: 0, F: 3.5e9, kappa: 5e-29, h: 3e-9, E_max: 0.04, Q: 1.2, fidelity: 0.75, action: { rho: 1, lambda: 1.0, p: 0.75, w: 1.0 } },
  ],
};

function multiByHand(): Row[] {
  // M = 3; offloaders' weights: 0.6 + 0.2 + 1.0 = 1.8
  const b0 = (5e7 * 0.6) / 1.8;
  const r0 = b0 * Math.log2(1 + (0.8 * 2e-10) / 8e-15); // snr 20 000
  const t_veh0 = (2.5e6 * 1) / (3e9 * 0.4);
  const t_trans0 = (0.4 * 2.5e6) / r0;
  const t_edge0 = (2.5e6 * 10 * 1 * 3) / 1e11;
  const t0 = t_veh0 + t_trans0 + t_edge0; // 7.03 ms > 6 ms
  const E_veh0 = 2e-28 * t_veh0 * 3e9 ** 3 + 0.8 * t_trans0;
  const E_edge0 = 1e-30 * t_edge0 * (1e11 / 3) ** 3;
  const E0 = E_veh0 + E_edge0;
  const e0 = E0 / 0.01;
  const P0 = 5 / (1 - (0.006 - t0) * 1000); // low priority, late: C / (1 - slack)
  const U0 = 0.5 * P0 + 0.3 * 0.9 - 0.2 * e0;

  const t1 = (1e6 * 20) / 5e9; // local: 4 ms
  const E1 = 1e-29 * t1 * 5e9 ** 3; // 5 mJ
  const e1 = E1 / 0.01; // 0.5
  const P1 = Math.log2(1 + (0.008 - t1) * 1000); // log2(5)
  const U1 = 0.5 * P1 + 0.3 * 1 - 0.2 * e1; // S = 1 (its "fidelity" 0.2 plays no part)

  const b2 = (5e7 * 0.2) / 1.8;
  const r2 = b2 * Math.log2(1 + (0.6 * 1e-11) / 8e-15); // snr 750
  const t_veh2 = (3e6 * 1.5) / (4e9 * 0.5);
  const t_trans2 = (0.5 * 3e6) / r2;
  const t_edge2 = (3e6 * 15 * 1 * 3) / 1e11;
  const t2 = t_veh2 + t_trans2 + t_edge2; // 31.9 ms > 5 ms
  const E_veh2 = 1e-28 * t_veh2 * 4e9 ** 3 + 0.6 * t_trans2;
  const E_edge2 = 1e-30 * t_edge2 * (1e11 / 3) ** 3;
  const E2 = E_veh2 + E_edge2;
  const e2 = E2 / 0.01;
  const U2 = 0.5 * -5 + 0.3 * 0.45 - 0.2 * e2 - 0.3 * 5; // late high priority: -C; S < S_min: -psi_f C

  const b3 = (5e7 * 1.0) / 1.8;
  const r3 = b3 * Math.log2(1 + (0.75 * 3e-9) / 8e-15); // snr 281 250
  const t_veh3 = (2.5e6 * 2) / (3.5e9 * 1);
  const t_trans3 = (1 * 2.5e6) / r3;
  const t_edge3 = (2.5e6 * 20 * 1 * 3) / 1e11;
  const t3 = t_veh3 + t_trans3 + t_edge3; // 7.9 ms < 20 ms
  const E_veh3 = 5e-29 * t_veh3 * 3.5e9 ** 3 + 0.75 * t_trans3;
  const E_edge3 = 1e-30 * t_edge3 * (1e11 / 3) ** 3;
  const E3 = E_veh3 + E_edge3;
  const e3 = E3 / 0.01;
  const U3 = 0.5 * 5 + 0.3 * 0.75 - 0.2 * e3;

  return [
    withDrift(
      {
        b: b0,
        r: r0,
        snr_db: 10 * Math.log10(20000),
        t_veh: t_veh0,
        t_trans: t_trans0,
        t_edge: t_edge0,
        t: t0,
        E_veh: E_veh0,
        E_edge: E_edge0,
        E: E0,
        P: P0,
        S: 0.9,
        U: U0,
        Q_next: Math.max(2 + e0 - 5, 0),
        reward: 10 * U0 - 2 * (e0 - 5),
        cost: t0 + 10 * E0,
      },
      2,
    ),
    withDrift(
      {
        b: 0,
        r: 0,
        snr_db: 10 * Math.log10((0.65 * 5e-10) / 8e-15),
        t_veh: t1,
        t_trans: 0,
        t_edge: 0,
        t: t1,
        E_veh: E1,
        E_edge: 0,
        E: E1,
        P: P1,
        S: 1,
        U: U1,
        Q_next: Math.max(0.3 + e1 - 10, 0),
        reward: 10 * U1 - 0.3 * (e1 - 10),
        cost: t1 + 10 * E1,
      },
      0.3,
    ),
    withDrift(
      {
        b: b2,
        r: r2,
        snr_db: 10 * Math.log10(750),
        t_veh: t_veh2,
        t_trans: t_trans2,
        t_edge: t_edge2,
        t: t2,
        E_veh: E_veh2,
        E_edge: E_edge2,
        E: E2,
        P: -5,
        S: 0.45,
        U: U2,
        Q_next: Math.max(0 + e2 - 2, 0),
        reward: 10 * U2 - 0 * (e2 - 2),
        cost: t2 + 10 * E2,
      },
      0,
    ),
    withDrift(
      {
        b: b3,
        r: r3,
        snr_db: 10 * Math.log10(281250),
        t_veh: t_veh3,
        t_trans: t_trans3,
        t_edge: t_edge3,
        t: t3,
        E_veh: E_veh3,
        E_edge: E_edge3,
        E: E3,
        P: 5,
        S: 0.75,
        U: U3,
        Q_next: Math.max(1.2 + e3 - 4, 0),
        reward: 10 * U3 - 1.2 * (e3 - 4),
        cost: t3 + 10 * E3,
      },
      1.2,
    ),
  ];
}

/**
 * No "fidelity": the simulator's own (provisional) table gives S. lambda = 0.75 and SNR = 0 dB
 * lie on the table's grid (0.4..1 by 0.05, -5..25 dB by 1), so the table holds exactly the
 * placeholder's value there, about 0.467 < S_min: the penalty applies.
 */
const TABLE_CASE: Json = {
  mode: 'semantic',
  params: PARAMS,
  vehicles: [
    // snr = 0.8 * 1e-14 / 8e-15 = 1 (0 dB)
    { modality: 'image', d: 1e6, T_max: 0.02, zeta: 0, F: 4e9, kappa: 1e-28, h: 1e-14, E_max: 0.03, Q: 1, action: { rho: 1, lambda: 0.75, p: 0.8, w: 0.3 } },
  ],
};

function tableByHand(): Row {
  const snr_db = 10 * Math.log10((0.8 * 1e-14) / 8e-15); // 0 dB
  const S = provisionalFidelity('image', 0.75, snr_db);
  const b = (5e7 * 0.3) / 0.3;
  const r = 5e7 * Math.log2(1 + 1); // 5e7 bit/s
  const t_veh = (1e6 * 2) / (4e9 * 0.75); // 0.6667 ms
  const t_trans = (0.75 * 1e6) / r; // 15 ms
  const t_edge = (1e6 * 20 * 1 * 1) / 1e11; // 0.2 ms
  const t = t_veh + t_trans + t_edge; // 15.87 ms < 20 ms: P = C
  const E_veh = 1e-28 * t_veh * 4e9 ** 3 + 0.8 * t_trans; // 4.267 mJ + 12 mJ
  const E_edge = 1e-30 * t_edge * 1e33; // 0.2 J
  const E = E_veh + E_edge;
  const e = E / 0.01;
  const U = 0.5 * 5 + 0.3 * S - 0.2 * e - 0.3 * 5; // S < S_min: penalty
  return withDrift({ b, r, snr_db, t_veh, t_trans, t_edge, t, E_veh, E_edge, E, P: 5, S, U, Q_next: Math.max(1 + e - 3, 0), reward: 10 * U - 1 * (e - 3), cost: t + 10 * E }, 1);
}

// ---------------------------------------------------------------------------------------------
test('agreement with the hand-computed values, from a file and from standard input; arrays in order', async () => {
  const tableRow = tableByHand();
  assert.ok(tableRow.S > 0.4 && tableRow.S < 0.6, `the placeholder at (0.75, 0 dB) is below S_min: ${tableRow.S}`);
  const [spec, multi, array, reversed, table] = await Promise.all([
    svec(['model', 'step', '--input', file('spec.json', SPEC_CASE)]),
    svec(['model', 'step', '--input', '-'], JSON.stringify(MULTI_CASE)),
    svec(['model', 'step', '--input', file('array.json', [SPEC_CASE, MULTI_CASE, TABLE_CASE])]),
    svec(['model', 'step', '--input', '-'], JSON.stringify([TABLE_CASE, MULTI_CASE, SPEC_CASE, SPEC_CASE])),
    svec(['model', 'step', '--input', file('table.json', TABLE_CASE)]),
  ]);
  const specRows = [specByHand()];
  const multiRows = multiByHand();
  const tableRows = [tableRow];

  // (a) one case -> one object, then a newline
  assert.ok(spec.stdout.endsWith('\n') && spec.stdout.trim().split('\n').length === 1, 'one line of JSON');
  checkOutput(parseStdout(spec, 'spec example (file)') as Output, 1, specRows, 'spec example (file)');
  checkOutput(parseStdout(multi, 'four vehicles (stdin)') as Output, 3, multiRows, 'four vehicles (stdin)');
  checkOutput(parseStdout(table, 'provisional table (file)') as Output, 1, tableRows, 'provisional table (file)');

  // (b) an array of cases -> the array of their results, in order
  const arr = parseStdout(array, 'array (file)') as Output[];
  assert.ok(Array.isArray(arr) && arr.length === 3, 'an array of three results');
  checkOutput(arr[0], 1, specRows, 'array[0]');
  checkOutput(arr[1], 3, multiRows, 'array[1]');
  checkOutput(arr[2], 1, tableRows, 'array[2]');
  const rev = parseStdout(reversed, 'array (stdin)') as Output[];
  assert.ok(Array.isArray(rev) && rev.length === 4, 'an array of four results');
  checkOutput(rev[0], 1, tableRows, 'reversed[0]');
  checkOutput(rev[1], 3, multiRows, 'reversed[1]');
  checkOutput(rev[2], 1, specRows, 'reversed[2]');
  checkOutput(rev[3], 1, specRows, 'reversed[3]');
});

test('both objectives: params.objective eq33 gives the printed reward, drift (the default) the exact drift; they differ', async () => {
  const eq33 = (c: Json) => ({ ...c, params: { ...c.params, objective: 'eq33' } });
  const drift = (c: Json) => ({ ...c, params: { ...c.params, objective: 'drift' } });
  const [a, b, c] = await Promise.all([
    svec(['model', 'step', '--input', '-'], JSON.stringify([eq33(SPEC_CASE), eq33(MULTI_CASE), eq33(TABLE_CASE)])),
    svec(['model', 'step', '--input', '-'], JSON.stringify([drift(SPEC_CASE), drift(MULTI_CASE)])),
    svec(
      ['model', 'step', '--input', '-'],
      mutated(SPEC_CASE, (x) => (x.params.objective = 'lyapunov')),
    ),
  ]);
  const printed = parseStdout(a, 'eq33') as Output[];
  checkOutput(printed[0], 1, asEq33([specByHand()]), 'eq33 spec');
  checkOutput(printed[1], 3, asEq33(multiByHand()), 'eq33 four vehicles');
  checkOutput(printed[2], 1, asEq33([tableByHand()]), 'eq33 table');
  const exact = parseStdout(b, 'drift') as Output[];
  checkOutput(exact[0], 1, [specByHand()], 'drift spec');
  checkOutput(exact[1], 3, multiByHand(), 'drift four vehicles');
  // the readings differ wherever the queue moves
  assert.ok(Math.abs(specByHand().reward - specByHand().rewardEq33) > 1e-6);
  checkBad(c, 'unknown objective', ['params.objective', "'drift' or 'eq33'"]);
});

// ---------------------------------------------------------------------------------------------
function mutated(base: Json, change: (c: Json) => void): string {
  const c = structuredClone(base);
  change(c);
  return JSON.stringify(c);
}

const BAD: { name: string; input: string; names: string[]; not?: string[] }[] = [
  { name: 'missing field', input: mutated(SPEC_CASE, (c) => delete c.vehicles[0].T_max), names: ['vehicles[0].T_max'] },
  { name: 'missing action field', input: mutated(MULTI_CASE, (c) => delete c.vehicles[2].action.w), names: ['vehicles[2].action.w'] },
  { name: 'missing params field', input: mutated(SPEC_CASE, (c) => delete c.params.S_min), names: ['params.S_min'] },
  // a field that is present with the wrong type is named as such, not as missing
  {
    name: 'wrong type (string for a number)',
    input: mutated(SPEC_CASE, (c) => (c.vehicles[0].d = '2e6')),
    names: ['vehicles[0].d', 'expected a number', 'string'],
    not: ['missing'],
  },
  { name: 'wrong type (string h)', input: mutated(SPEC_CASE, (c) => (c.vehicles[0].h = '1e-9')), names: ['vehicles[0].h'], not: ['missing'] },
  { name: 'wrong type (boolean rho)', input: mutated(SPEC_CASE, (c) => (c.vehicles[0].action.rho = true)), names: ['vehicles[0].action.rho'] },
  { name: 'wrong type in params', input: mutated(SPEC_CASE, (c) => (c.params.c_loc.speech = null)), names: ['params.c_loc.speech', 'null'], not: ['missing'] },
  { name: 'negative d', input: mutated(MULTI_CASE, (c) => (c.vehicles[3].d = -2e6)), names: ['vehicles[3].d'] },
  { name: 'negative p', input: mutated(SPEC_CASE, (c) => (c.vehicles[0].action.p = -0.7)), names: ['vehicles[0].action.p'] },
  { name: 'rho = 2', input: mutated(SPEC_CASE, (c) => (c.vehicles[0].action.rho = 2)), names: ['vehicles[0].action.rho'] },
  { name: 'unknown modality', input: mutated(MULTI_CASE, (c) => (c.vehicles[1].modality = 'video')), names: ['vehicles[1].modality'] },
  { name: 'unknown extra field in a vehicle', input: mutated(SPEC_CASE, (c) => (c.vehicles[0].colour = 'red')), names: ['vehicles[0]', 'colour'] },
  { name: 'unknown extra field at the top', input: mutated(SPEC_CASE, (c) => (c.seed = 7)), names: ['seed'] },
  { name: 'empty vehicles array', input: mutated(SPEC_CASE, (c) => (c.vehicles = [])), names: ['vehicles'] },
  {
    name: 'bad second case of an array (no partial result)',
    input: JSON.stringify([SPEC_CASE, JSON.parse(mutated(SPEC_CASE, (c) => (c.vehicles[0].action.rho = 2)))]),
    names: ['[1].vehicles[0].action.rho'],
  },
  { name: 'invalid JSON', input: '{"mode": "semantic", "params": ', names: ['--input'] },
];

function checkBad(run: Run, name: string, names: string[], not: string[] = []): void {
  assert.equal(run.status, 2, `${name}: exit status ${run.status} (stderr: ${run.stderr})`);
  assert.equal(run.stdout, '', `${name}: printed ${JSON.stringify(run.stdout)} on standard output`);
  const lines = run.stderr.split('\n');
  assert.ok(run.stderr.endsWith('\n') && lines.length === 2 && lines[0]!.trim() !== '', `${name}: not exactly one line on standard error: ${JSON.stringify(run.stderr)}`);
  for (const field of names) assert.ok(lines[0]!.includes(field), `${name}: '${lines[0]}' does not name ${field}`);
  for (const word of not) assert.ok(!lines[0]!.includes(word), `${name}: '${lines[0]}' says '${word}'`);
}

test('malformed input on standard input: exit 2, one line on standard error naming the field, nothing on standard output', async () => {
  const runs = await Promise.all(BAD.map((bad) => svec(['model', 'step', '--input', '-'], bad.input)));
  runs.forEach((run, k) => checkBad(run, BAD[k]!.name, BAD[k]!.names, BAD[k]!.not));
});

test('malformed input from a file, invalid JSON in a file, and a missing file: the same behaviour', async () => {
  const missing = join(dir, 'no-such-case.json');
  const [badFile, notJson, absent] = await Promise.all([
    svec([
      'model',
      'step',
      '--input',
      file(
        'bad.json',
        mutated(SPEC_CASE, (c) => (c.vehicles[0].action.rho = 2)),
      ),
    ]),
    svec(['model', 'step', '--input', file('not-json.json', 'not json at all')]),
    svec(['model', 'step', '--input', missing]),
  ]);
  checkBad(badFile, 'rho = 2 in a file', ['vehicles[0].action.rho']);
  checkBad(notJson, 'invalid JSON in a file', ['--input']);
  checkBad(absent, 'missing file', ['--input', 'no-such-case.json']);
});
