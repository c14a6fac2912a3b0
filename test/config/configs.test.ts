import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generatedConfigs } from '../../scripts/gen-configs.ts';
import { loadScenario, loadConfig } from '../../src/config/load.ts';
import { defaultScenario } from '../../src/config/scenario.ts';
import { allAlgorithms, loadAlgorithm } from '../../src/agents/catalog.ts';

test('configs/ is what the schemas generate (run `npm run configs` after changing a schema)', async () => {
  for (const [path, text] of Object.entries(await generatedConfigs())) {
    assert.equal(readFileSync(path, 'utf8'), text, `${path} is stale`);
  }
});

test('the committed configs load back to the defaults', async () => {
  assert.deepEqual(loadScenario({ file: 'configs/scenarios/default.yaml' }), defaultScenario());
  for (const entry of allAlgorithms()) {
    const { schema } = await entry.load();
    assert.deepEqual(loadConfig(schema, entry.name, { file: `configs/algos/${entry.name}.yaml` }), schema.parse({}));
  }
});

test('hyperparameter errors name the field, and a mistyped one the nearest name', async () => {
  const { schema } = await loadAlgorithm('dmadrl');
  assert.throws(() => loadConfig(schema, 'dmadrl hyperparameters', { overrides: ['denoisingSteps=0'] }), /dmadrl hyperparameters: denoisingSteps: .*>=1/);
  assert.throws(() => loadConfig(schema, 'dmadrl hyperparameters', { overrides: ['batchsize=3'] }), /unknown field\(s\) 'batchsize' \(did you mean 'batchSize'\?\)/);
  assert.throws(
    () => loadConfig(schema, 'dmadrl hyperparameters', { overrides: ['batchSize'], overrideOption: '--hp' }),
    /^Error: --hp batchSize: expected KEY=VALUE|--hp batchSize: expected KEY=VALUE/,
  );
  assert.throws(() => loadScenario({ overrides: ['road.lenghtM=5'] }), /'lenghtM' \(did you mean 'lengthM'\?\)/);
});

test('every algorithm shares the base hyperparameters with one default each', async () => {
  const { BaseHyperparametersSchema } = await import('../../src/agents/hyperparameters.ts');
  const base = BaseHyperparametersSchema.parse({});
  for (const entry of allAlgorithms()) {
    const defaults = (await entry.load()).schema.parse({}) as Record<string, unknown>;
    for (const field of Object.keys(base)) assert.ok(field in defaults, `${entry.name} lacks the shared field ${field}`);
    for (const field of Object.keys(base)) assert.notEqual(defaults[field], undefined, `${entry.name}.${field}`);
  }
});
