import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadScenario } from '../../src/config/load.ts';
import { defaultScenario, type Scenario } from '../../src/config/scenario.ts';
import { largeScaleGain } from '../../src/sim/channel.ts';
import { SvecCore } from '../../src/sim/core.ts';
import { EpisodeAccumulator } from '../../src/sim/episodeStats.ts';
import { provisionalFidelityTable } from '../../src/sim/fidelity.ts';
import { FcdError, importFcd } from '../../src/sim/mobility/fcd.ts';
import { resolveTracePath } from '../../src/sim/mobility/index.ts';
import { TraceMobility } from '../../src/sim/mobility/trace.ts';
import { readTraceFile, type Trace } from '../../src/sim/mobility/traceFile.ts';
import { allocateSlotActions, SLOT_OUTPUT_FIELDS, type SlotActions } from '../../src/sim/slotModel.ts';

const fidelity = provisionalFidelityTable();

/** Deterministic, varied actions for slot t. */
function fillActions(actions: SlotActions, n: number, t: number): void {
  for (let i = 0; i < n; i++) {
    actions.rho[i] = (i + t) % 3 === 0 ? 0 : 1;
    actions.lambda[i] = 0.4 + 0.1 * ((i * 7 + t) % 7);
    actions.p[i] = 0.6 + 0.02 * ((i + 3 * t) % 10);
    actions.w[i] = 0.1 + 0.15 * ((2 * i + t) % 6);
  }
}

test('the road model is unchanged: a fixed-seed run hashes to the digest recorded before mobility became a model', () => {
  // Every position, speed, gain, fading draw, vehicle and task draw and slot output of two
  // 30-slot episodes (6 vehicles, provisional table), hashed. The digest was computed with the
  // code at commit ace2440, where the core moved the vehicles itself (and the reward was the
  // printed eq. 33, the output fields those of then: no 'drift').
  const scenario = { ...defaultScenario(), vehicles: 6, fidelityTable: 'provisional', slotsPerEpisode: 30, objective: 'eq33' as const };
  const core = new SvecCore(scenario, { fidelity: provisionalFidelityTable() });
  const hash = createHash('sha256');
  const add = (a: Float64Array | Uint8Array) => hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const actions = allocateSlotActions(6);
  for (const seed of [11, 12]) {
    core.reset(seed);
    let t = 0;
    while (!core.episodeDone) {
      fillActions(actions, 6, t);
      add(core.positionM);
      add(core.speedMps);
      add(core.lateralM);
      add(core.largeGain);
      add(core.fading);
      const v = core.vehicles;
      add(v.F);
      add(v.E_max);
      add(v.d);
      add(v.T_max);
      add(v.h);
      add(v.Q);
      add(v.modality);
      add(v.zeta);
      add(core.modalityMask);
      assert.ok(core.active.every((a) => a === 1));
      core.step(actions);
      assert.equal(core.mobility.lastEntries + core.mobility.lastExits, 0);
      for (const f of SLOT_OUTPUT_FIELDS) if (f !== 'drift') add(core.out[f]);
      t++;
    }
  }
  assert.equal(hash.digest('hex'), '234283683cc449b3bfe7382854882f41452c16f647ecf32eab12804e3f9e5199');
});

const TINY_FCD = `<?xml version="1.0" encoding="UTF-8"?>
<!-- generated on 2024-01-01 00:00:00 by Eclipse SUMO sumo Version 1.15.0
<configuration/>
-->
<fcd-export>
    <timestep time="0.00">
        <vehicle id="a" x="0.00" y="0.00" angle="90.00" speed="10.00"/>
    </timestep>
    <timestep time="1.00">
        <vehicle id="a" x="10.00" y="0.00" angle="90.00" speed="10.00"/>
        <vehicle id="b" x="100.00" y="5.00" angle="270.00" speed="20.00"/>
    </timestep>
    <timestep time="2.00">
        <vehicle id="a" x="20.00" y="0.00" angle="90.00" speed="12.00"/>
        <vehicle id="b" x="80.00" y="5.00" angle="270.00" speed="20.00"/>
        <person id="p" x="1.00" y="1.00" speed="1.00"/>
    </timestep>
    <timestep time="3.00">
        <vehicle id="b" x="60.00" y="5.00" angle="270.00" speed="20.00"/>
    </timestep>
</fcd-export>
`;

async function tinyTrace(): Promise<{ dir: string; path: string; trace: Trace }> {
  const dir = mkdtempSync(join(tmpdir(), 'svec-fcd-'));
  const fcd = join(dir, 'tiny.fcd.xml');
  writeFileSync(fcd, TINY_FCD);
  const path = join(dir, 'tiny.trace.gz');
  await importFcd({ fcd, out: path, command: 'test' });
  return { dir, path, trace: readTraceFile(path) };
}

test('a hand-made FCD file imports to the expected trace: counts, provenance, positions, interpolation', async () => {
  const { trace } = await tinyTrace();
  const h = trace.header;
  assert.equal(h.steps, 4);
  assert.equal(h.vehicles, 2);
  assert.equal(h.samples, 6); // the <person> is not a vehicle
  assert.deepEqual(h.ids, ['a', 'b']);
  assert.equal(h.provenance.sumoVersion, '1.15.0');
  assert.deepEqual(h.provenance.timeRangeS, [0, 3]);
  assert.equal(h.provenance.source.sha256, createHash('sha256').update(TINY_FCD).digest('hex'));
  assert.deepEqual({ x: h.rsu.xM, y: h.rsu.yM }, { x: 50, y: 2.5 }); // the bounding box's centre
  const s = trace.allocateSample();
  const at = (t: number) => {
    trace.sampleAt(t, s);
    return Object.fromEntries(Array.from(s.present.subarray(0, s.count), (v) => [h.ids[v]!, [s.x[v], s.y[v], s.speed[v]]]));
  };
  assert.deepEqual(at(0), { a: [0, 0, 10] });
  assert.deepEqual(at(0.5), { a: [5, 0, 10] }); // b has not departed yet
  assert.deepEqual(at(1.5), { a: [15, 0, 11], b: [90, 5, 20] });
  assert.deepEqual(at(1.75), { a: [17.5, 0, 11.5], b: [85, 5, 20] });
  assert.deepEqual(at(2), { a: [20, 0, 12], b: [80, 5, 20] });
  assert.deepEqual(at(2.5), { b: [70, 5, 20] }); // a has arrived
  assert.deepEqual(at(3.5), {});
});

test('trace slots: entry into an idle slot, exit when the vehicle leaves, idle slots left out of the statistics', async () => {
  const { path } = await tinyTrace();
  // 7 slots of 0.5 s span the trace's 3 s exactly, so the start time is 0 whatever the seed
  const scenario = loadScenario({
    overrides: [
      'vehicles=2',
      'slotS=0.5',
      'slotsPerEpisode=7',
      'mobility.model=trace',
      `mobility.trace=${path}`,
      'mobility.coverageM=60',
      'mobility.rsu={xM: 40, yM: 0}',
      'mobility.rsuHeightM=0',
      'fidelityTable=provisional',
    ],
  });
  const core = new SvecCore(scenario, { fidelity });
  const mobility = core.mobility as TraceMobility;
  const stats = new EpisodeAccumulator(2);
  const actions = allocateSlotActions(2);
  actions.rho.fill(1);
  actions.lambda.fill(0.7);
  actions.p.fill(0.7);
  actions.w.fill(1);
  core.reset(5);
  const seen: { t: number; slots: (string | null)[]; entries: number; exits: number }[] = [];
  let fBefore = Number.NaN;
  while (!core.episodeDone) {
    seen.push({ t: mobility.timeS, slots: [mobility.vehicleId(0), mobility.vehicleId(1)], entries: 0, exits: 0 });
    if (mobility.timeS === 1) fBefore = core.vehicles.F[1]!;
    stats.beforeStep(core);
    core.step(actions);
    stats.afterStep(core, actions);
    // an idle slot does not act: no bandwidth, no reward, nothing spent
    for (let i = 0; i < 2; i++) if (seen.at(-1)!.slots[i] === null) assert.deepEqual([core.out.b[i], core.out.reward[i], core.out.E[i]], [0, 0, 0]);
    if (!core.episodeDone) Object.assign(seen.at(-1)!, { entries: mobility.lastEntries, exits: mobility.lastExits });
    if (mobility.timeS === 1.5) {
      assert.equal(core.vehicles.Q[1], 0, 'the entering vehicle starts with an empty queue');
      assert.notEqual(core.vehicles.F[1], fBefore, 'the entering vehicle has its own CPU draw');
      // distance follows the trace: b at (90, 5), RSU at (40, 0), no height
      assert.ok(Math.abs(core.distanceM[1]! - Math.hypot(50, 5)) < 1e-9);
      assert.ok(Math.abs(core.largeGain[1]! - largeScaleGain(Math.hypot(50, 5))) < 1e-24);
    }
  }
  assert.deepEqual(
    seen.map((s) => [s.t, ...s.slots]),
    [
      [0, 'a', null],
      [0.5, 'a', null],
      [1, 'a', null], // b is at 60.2 m: outside the 60 m coverage
      [1.5, 'a', 'b'],
      [2, 'a', 'b'],
      [2.5, null, 'b'], // a arrived at t = 2 and left the trace
      [3, null, 'b'],
    ],
  );
  // events are counted at the advance that produced them
  assert.deepEqual(
    seen.map((s) => [s.entries, s.exits]),
    [
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 0],
    ],
  );
  const episode = stats.finish();
  assert.equal(episode.slotEntries, 1);
  assert.equal(episode.slotExits, 1);
  assert.ok(Math.abs(episode.idleSlotShare - 5 / 14) < 1e-12);
  assert.equal(episode.offloadFraction, 1); // every active vehicle-slot offloaded; idle ones do not count
});

test('a truncated or malformed FCD file fails with its line number and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'svec-fcd-bad-'));
  const cases: [string, string, RegExp][] = [
    ['truncated', TINY_FCD.split('\n').slice(0, 12).join('\n'), /truncated\.xml:12: not well-formed XML: unclosed tag/],
    ['broken', TINY_FCD.replace('<vehicle id="b" x="80.00"', '<vehicle id="b" x=80.00'), /broken\.xml:15: not well-formed XML/],
    ['nan', TINY_FCD.replace('x="20.00"', 'x="abc"'), /nan\.xml:14: <vehicle> x="abc" is not a finite number/],
    ['order', TINY_FCD.replace('time="2.00"', 'time="0.50"'), /order\.xml:13: timestep time="0.50" does not come after/],
    ['root', '<?xml version="1.0"?>\n<routes>\n</routes>\n', /root\.xml:2: not a SUMO FCD file/],
  ];
  for (const [name, text, message] of cases) {
    const fcd = join(dir, `${name}.xml`);
    writeFileSync(fcd, text);
    const out = join(dir, `${name}.trace.gz`);
    await assert.rejects(importFcd({ fcd, out, command: 'test' }), (err: unknown) => {
      assert.ok(err instanceof FcdError, String(err));
      assert.match(err.message, message);
      return true;
    });
    assert.equal(existsSync(out), false);
  }
  assert.deepEqual(
    readdirSync(dir).filter((f) => !f.endsWith('.xml')),
    [],
    'no trace and no temporary file left behind',
  );
});

test('svec mobility import: bad input is one line on stderr and exit status 2', async () => {
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'svec-fcd-cli-'));
  const fcd = join(dir, 'cut.xml');
  writeFileSync(fcd, TINY_FCD.slice(0, 400));
  const out = join(dir, 'cut.trace.gz');
  const r = spawnSync(process.execPath, ['bin/svec.mjs', 'mobility', 'import', '--fcd', fcd, '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^svec: .*cut\.xml:\d+: not well-formed XML/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(existsSync(out), false);
});

test('scenario validation: model trace without a file, a missing file and a malformed file name mobility.trace', () => {
  assert.throws(
    () => loadScenario({ overrides: ['mobility.model=trace'] }),
    (err: unknown) => err instanceof ConfigError && /mobility\.trace: required when mobility\.model is 'trace'/.test(err.message),
  );
  assert.throws(
    () => loadScenario({ overrides: ['mobility.model=bus'] }),
    (err: unknown) => err instanceof ConfigError && /mobility\.model/.test(err.message),
  );
  const missing = loadScenario({ overrides: ['mobility.model=trace', 'mobility.trace=/nonexistent/x.trace.gz'] });
  assert.throws(
    () => new SvecCore(missing, { fidelity }),
    (err: unknown) => err instanceof ConfigError && /mobility\.trace: \/nonexistent\/x\.trace\.gz: cannot read .*no such file/.test(err.message),
  );
  const dir = mkdtempSync(join(tmpdir(), 'svec-trace-bad-'));
  const garbage = join(dir, 'garbage.trace.gz');
  writeFileSync(garbage, 'this is not a trace\n');
  const bad = loadScenario({ overrides: ['mobility.model=trace', `mobility.trace=${garbage}`] });
  assert.throws(
    () => new SvecCore(bad, { fidelity }),
    (err: unknown) => err instanceof ConfigError && /mobility\.trace: .*garbage\.trace\.gz: the header line is not JSON/.test(err.message),
  );
  // a trace shorter than an episode
  const short = loadScenario({ overrides: ['mobility.model=trace', 'mobility.trace=traces/highway.trace.gz', 'slotsPerEpisode=5000'] });
  assert.throws(
    () => new SvecCore(short, { fidelity }),
    (err: unknown) => err instanceof ConfigError && /covers 300\.0 s, but an episode spans 499\.9 s/.test(err.message),
  );
});

/** Independent interpolation of vehicle v at time t, straight from the trace's arrays. */
function positionFromTrace(trace: Trace, v: number, t: number): [number, number] | null {
  const times = Array.from(trace.times);
  let k = times.findIndex((time) => time > t) - 1;
  if (k < 0) k = times.length - 1;
  const row = (step: number) => {
    for (let r = trace.offsets[step]!; r < trace.offsets[step + 1]!; r++) if (trace.vehicle[r] === v) return r;
    return -1;
  };
  const r0 = row(k);
  if (times[k] === t) return r0 < 0 ? null : [trace.x[r0]!, trace.y[r0]!];
  const r1 = row(k + 1);
  if (r0 < 0 || r1 < 0) return null;
  const f = (t - times[k]!) / (times[k + 1]! - times[k]!);
  return [trace.x[r0]! + f * (trace.x[r1]! - trace.x[r0]!), trace.y[r0]! + f * (trace.y[r1]! - trace.y[r0]!)];
}

function traceScenario(file: string, extra: string[] = []): Scenario {
  return loadScenario({ overrides: ['mobility.model=trace', `mobility.trace=${file}`, 'fidelityTable=provisional', ...extra] });
}

for (const file of ['traces/highway.trace.gz', 'traces/grid.trace.gz']) {
  test(`an episode on the committed ${file} has distances that follow the trace, and slots change only when a vehicle leaves`, () => {
    const scenario = traceScenario(file, ['vehicles=20']);
    const core = new SvecCore(scenario, { fidelity });
    const mobility = core.mobility as TraceMobility;
    const trace = mobility.trace;
    const rsu = trace.header.rsu;
    const actions = allocateSlotActions(20);
    let events = 0;
    for (const seed of [1, 2, 3]) {
      core.reset(seed);
      assert.ok(mobility.startS >= trace.startS && mobility.startS <= trace.endS - (scenario.slotsPerEpisode - 1) * scenario.slotS);
      let previous = Array.from(mobility.slotVehicle);
      while (!core.episodeDone) {
        const t = mobility.timeS;
        for (let i = 0; i < 20; i++) {
          const v = mobility.slotVehicle[i]!;
          if (v < 0) continue;
          const p = positionFromTrace(trace, v, t);
          assert.ok(p, `slot ${i}'s vehicle is in the trace at t = ${t}`);
          const ground = Math.hypot(p[0] - rsu.xM, p[1] - rsu.yM);
          assert.ok(ground <= scenario.mobility.coverageM + 1e-9, 'a slot vehicle is in coverage');
          const expected = Math.hypot(ground, scenario.mobility.rsuHeightM);
          assert.ok(Math.abs(core.distanceM[i]! - expected) < 1e-6, `distance ${core.distanceM[i]} vs ${expected}`);
          assert.ok(Math.abs(core.largeGain[i]! / largeScaleGain(expected) - 1) < 1e-9);
        }
        fillActions(actions, 20, core.slot);
        core.step(actions);
        if (core.episodeDone) break;
        events += mobility.lastEntries + mobility.lastExits;
        const now = Array.from(mobility.slotVehicle);
        for (let i = 0; i < 20; i++) {
          if (previous[i]! >= 0 && now[i] !== previous[i]) {
            // the old vehicle is gone from the trace or outside coverage now
            const p = positionFromTrace(trace, previous[i]!, mobility.timeS);
            assert.ok(p === null || Math.hypot(p[0] - rsu.xM, p[1] - rsu.yM) > scenario.mobility.coverageM, 'a vehicle keeps its slot while in coverage');
          }
        }
        previous = now;
      }
    }
    assert.ok(events > 0, 'vehicles entered and left during the episodes');
  });
}

test('checkpoint state round trip with trace mobility resumes the episode exactly', () => {
  const scenario = traceScenario('traces/highway.trace.gz', ['vehicles=20']);
  const a = new SvecCore(scenario, { fidelity });
  const b = new SvecCore(scenario, { fidelity });
  const actions = allocateSlotActions(20);
  a.reset(1); // seed 1: vehicles enter and leave at slots 27, 33, 34 and 45, after the checkpoint
  for (let t = 0; t < 20; t++) {
    fillActions(actions, 20, t);
    a.step(actions);
  }
  b.setState(JSON.parse(JSON.stringify(a.getState())));
  let events = 0;
  for (let t = 20; !a.episodeDone; t++) {
    fillActions(actions, 20, t);
    a.step(actions);
    b.step(actions);
    for (const f of SLOT_OUTPUT_FIELDS) assert.deepEqual(Array.from(b.out[f]), Array.from(a.out[f]), `${f} at slot ${t}`);
    assert.deepEqual(Array.from(b.distanceM), Array.from(a.distanceM));
    assert.deepEqual(Array.from((b.mobility as TraceMobility).slotVehicle), Array.from((a.mobility as TraceMobility).slotVehicle));
    assert.equal(b.mobility.lastEntries, a.mobility.lastEntries);
    events += a.mobility.lastEntries + a.mobility.lastExits;
  }
  assert.deepEqual(b.getState(), a.getState());
  assert.ok(events > 0, 'the resumed part of the episode had entries or exits (seed chosen so)');
  // the road's state has no mobility part, as before
  const road = new SvecCore({ ...defaultScenario(), vehicles: 3 }, { fidelity });
  road.reset(1);
  assert.equal(road.getState().mobility, undefined);
});

test('fidelity lookups outside the table grid are counted per slot and per episode', () => {
  const table = provisionalFidelityTable(); // grid: SNR -5..25 dB, lambda 0.4..1
  const before = { ...table.counters };
  table.fidelity(0, 0.7, 10);
  table.fidelity(0, 0.7, 30);
  table.fidelity(0, 0.7, -6);
  table.fidelity(0, 0.7, Number.NaN);
  assert.deepEqual({ lookups: table.counters.lookups - before.lookups, outside: table.counters.outsideGrid - before.outsideGrid }, { lookups: 4, outside: 3 });
  // an offload-all episode on the road: the share equals that of the slot SNRs outside -5..25 dB
  const core = new SvecCore({ ...defaultScenario(), vehicles: 8, fidelityTable: 'provisional' }, { fidelity: table });
  const stats = new EpisodeAccumulator(8);
  const actions = allocateSlotActions(8);
  actions.rho.fill(1);
  actions.lambda.fill(0.7);
  actions.p.fill(0.7);
  actions.w.fill(1);
  core.reset(2);
  let outside = 0;
  let lookups = 0;
  while (!core.episodeDone) {
    stats.beforeStep(core);
    core.step(actions);
    stats.afterStep(core, actions);
    for (let i = 0; i < 8; i++) {
      lookups++;
      if (core.out.snr_db[i]! > 25 || core.out.snr_db[i]! < -5) outside++;
    }
    assert.equal(core.slotFidelityLookups, 8);
  }
  const episode = stats.finish();
  assert.equal(episode.fidelityLookups, lookups);
  assert.ok(outside > 0 && outside < lookups);
  assert.equal(episode.fidelityOutsideGridShare, outside / lookups);
});

test('trace paths resolve against the repository root, like fidelity tables', () => {
  assert.ok(existsSync(resolveTracePath('traces/grid.trace.gz')));
  const header = readTraceFile(resolveTracePath('traces/grid.trace.gz')).header;
  assert.match(String(header.provenance.command), /^svec mobility sumo --net grid /);
  assert.equal(header.provenance.sumoVersion, '1.15.0');
  assert.ok(readFileSync(resolveTracePath('traces/grid.trace.gz')).length < 400_000);
});

test('svec mobility sumo without SUMO says so in one line, exit status 2', async () => {
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'svec-nosumo-'));
  const out = join(dir, 'x.trace.gz');
  const r = spawnSync(process.execPath, ['bin/svec.mjs', 'mobility', 'sumo', '--net', 'grid', '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, PATH: '/nonexistent', SUMO_HOME: '/nonexistent' },
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^svec: SUMO is not available \(missing: netgenerate, duarouter, sumo, python3, \/nonexistent\/tools\/randomTrips\.py\); install Debian's sumo/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(existsSync(out), false);
});

test('the trace figure: paths, snapshot and RSU, with the CSV behind it', async () => {
  const { drawTrace } = await import('../../src/report/traceFigure.ts');
  const { path, dir } = await tinyTrace();
  const scenario = loadScenario({
    overrides: ['vehicles=1', 'slotS=0.5', 'slotsPerEpisode=7', 'mobility.model=trace', `mobility.trace=${path}`, 'mobility.coverageM=60', 'fidelityTable=provisional'],
  });
  const files = await drawTrace(scenario, { seed: 1, maxPaths: 10, dir, name: 'tiny-map' });
  assert.ok(readFileSync(files.png).length > 1000);
  assert.match(readFileSync(files.svg, 'utf8'), /RSU/);
  const csv = readFileSync(files.csv, 'utf8').trim().split('\n');
  assert.equal(csv[0], 'layer,vehicle,t,x,y,status');
  assert.equal(csv.filter((l) => l.startsWith('path,')).length, 6); // every sample of the tiny trace
  assert.deepEqual(
    csv.filter((l) => l.startsWith('snapshot,')),
    ['snapshot,a,,0,0,in a slot'],
  ); // t = 0: only a, in the one slot
  assert.equal(csv.at(-1), 'rsu,,,50,2.5,coverage 60 m');
});
