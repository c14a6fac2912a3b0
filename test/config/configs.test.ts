import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generatedConfigs } from '../../scripts/gen-configs.ts';
import { loadScenario, loadConfig } from '../../src/config/load.ts';
import { defaultScenario } from '../../src/config/scenario.ts';
import { ALGORITHMS } from '../../src/agents/registry.ts';

test('configs/ is what the schemas generate (run `npm run configs` after changing a schema)', () => {
  for (const [path, text] of Object.entries(generatedConfigs())) {
    assert.equal(readFileSync(path, 'utf8'), text, `${path} is stale`);
  }
});

test('the committed configs load back to the defaults', () => {
  assert.deepEqual(loadScenario({ file: 'configs/scenarios/default.yaml' }), defaultScenario());
  for (const [name, spec] of Object.entries(ALGORITHMS)) {
    assert.deepEqual(loadConfig(spec.schema, name, { file: `configs/algos/${name}.yaml` }), spec.schema.parse({}));
  }
});

test('hyperparameter errors name the field', () => {
  assert.throws(() => loadConfig(ALGORITHMS.dmadrl!.schema, 'dmadrl hyperparameters', { overrides: ['denoisingSteps=0'] }), /dmadrl hyperparameters: denoisingSteps: .*>=1/);
  assert.throws(() => loadConfig(ALGORITHMS.dmadrl!.schema, 'dmadrl hyperparameters', { overrides: ['batchsize=3'] }), /unknown field\(s\) 'batchsize'/);
});

test('the CLI lists exactly the registered algorithms', async () => {
  const { ALGORITHM_NAMES } = await import('../../src/cli/main.ts');
  assert.deepEqual([...ALGORITHM_NAMES].sort(), Object.keys(ALGORITHMS).sort());
});
