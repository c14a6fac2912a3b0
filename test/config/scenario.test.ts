import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadScenario } from '../../src/config/load.ts';
import { defaultScenario } from '../../src/config/scenario.ts';

test('defaults are the spec table (Table II plus the spec defaults)', () => {
  const s = defaultScenario();
  assert.equal(s.vehicles, 20);
  assert.equal(s.bandwidthHz, 50e6);
  assert.deepEqual(s.vehicleCpuHz, { min: 3e9, max: 5e9 });
  assert.deepEqual(s.powerW, { min: 0.6, max: 0.8 });
  assert.equal(s.edgeCpuHz, 100e9);
  assert.equal(s.noisePowerW, 8e-15);
  assert.deepEqual(s.taskSizeBits, { min: 1e6, max: 3e6 });
  assert.deepEqual(s.lambda, { min: 0.4, max: 1.0 });
  assert.deepEqual(s.deadlineS, { min: 0.005, max: 0.025 });
  assert.deepEqual(s.modalitiesPerVehicle, { min: 1, max: 3 });
  assert.equal(s.prioritySplitS, 0.015);
  assert.equal(s.edgeCompensation, 1);
  assert.equal(s.penaltyC, 5);
  assert.deepEqual(s.preferences, { energy: 0.2, latency: 0.5, fidelity: 0.3 });
  assert.equal(s.minFidelity, 0.6);
  assert.equal(s.slotS, 0.1);
  assert.equal(s.energyUnitJ, 0.01);
  assert.equal(s.mode, 'semantic');
  assert.equal(s.observation, 'paper');
});

test('YAML and JSON files and --set overrides merge field by field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svec-cfg-'));
  const yamlFile = join(dir, 's.yaml');
  writeFileSync(yamlFile, 'vehicles: 10\nlambda:\n  min: 0.5\nroad:\n  lanes: 2\n');
  const s = loadScenario({ file: yamlFile, overrides: ['vehicles=30', 'mode=non-semantic', 'powerW.max=0.9'] });
  assert.equal(s.vehicles, 30); // the override wins over the file
  assert.deepEqual(s.lambda, { min: 0.5, max: 1.0 }); // the default max is kept
  assert.equal(s.road.lanes, 2);
  assert.equal(s.road.lengthM, defaultScenario().road.lengthM);
  assert.equal(s.mode, 'non-semantic');
  assert.deepEqual(s.powerW, { min: 0.6, max: 0.9 });
  const jsonFile = join(dir, 's.json');
  writeFileSync(jsonFile, JSON.stringify({ vehicles: 7, preferences: { energy: 0.1, latency: 0.6, fidelity: 0.3 } }));
  const j = loadScenario({ file: jsonFile });
  assert.equal(j.vehicles, 7);
  assert.equal(j.preferences.latency, 0.6);
});

function loadError(overrides: string[]): string {
  try {
    loadScenario({ overrides });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`no error for ${overrides.join(' ')}`);
}

test('bad values fail at load time naming the field and the rule', () => {
  assert.match(loadError(['bandwidthHz=-5']), /bandwidthHz: .*>0/);
  assert.match(loadError(['lambda.min=0']), /lambda\.min: .*>0/);
  assert.match(loadError(['lambda.max=1.2']), /lambda\.max: .*<=1/);
  assert.match(loadError(['lambda={min: 0.9, max: 0.5}']), /lambda: min must not exceed max/);
  assert.match(loadError(['vehicle=30']), /unknown field\(s\) 'vehicle'/);
  assert.match(loadError(['road.lane=3']), /road: unknown field\(s\) 'lane'/);
  assert.match(loadError(['vehicles=abc']), /vehicles: .*expected number, received string/);
  assert.match(loadError(['vehicles=2.5']), /vehicles: .*int/i);
  assert.match(loadError(['mode=telepathic']), /mode: /);
  assert.match(loadError(['preferences.energy=0.5']), /preferences: energy \+ latency \+ fidelity must sum to 1/);
  assert.match(loadError(['modalitiesPerVehicle.max=4']), /modalitiesPerVehicle\.max: .*<=3/);
  assert.match(loadError(['noisePowerW=0']), /noisePowerW: .*>0/);
  assert.match(loadError(['novalue']), /expected KEY=VALUE/);
});

test('a broken file names the file and the line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svec-cfg-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'vehicles: 10\nlambda: {min: 0.5\n');
  assert.throws(
    () => loadScenario({ file: bad }),
    (err: Error) => err instanceof ConfigError && err.message.includes(bad) && /line/i.test(err.message),
  );
  assert.throws(() => loadScenario({ file: join(dir, 'missing.yaml') }), /cannot read config file/);
  const list = join(dir, 'list.yaml');
  writeFileSync(list, '- 1\n- 2\n');
  assert.throws(() => loadScenario({ file: list }), /top level must be a mapping/);
});
