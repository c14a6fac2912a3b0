// The algorithm registry is the one list of algorithms: an algorithm added to it appears in the
// CLI's choices, compare's default, the experiment definitions, the claims' benchmarks and the
// figures' palette, with nothing else edited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { algorithmNames, benchmarkNames, registerAlgorithm, unregisterAlgorithm } from '../../src/agents/catalog.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { defaultComparison } from '../../src/experiments/compare.ts';
import { experimentAlgorithms, PROFILES, resolveCells } from '../../src/experiments/definitions.ts';
import { isAlgorithm } from '../../src/agents/catalog.ts';
import { legendOrder, styleFor } from '../../src/report/palette.ts';

test('a fake algorithm added to the registry appears in the CLI, compare, the definitions, claims and the palette', () => {
  registerAlgorithm({
    name: 'fake-td3',
    label: 'Fake TD3',
    description: 'a stand-in registered by a test',
    kind: 'off-policy',
    benchmark: true,
    color: '#123456',
    secondsPerStep: () => 0.001,
    load: async () => {
      throw new Error('not loaded in this test');
    },
  });
  try {
    assert.ok(algorithmNames().includes('fake-td3'));
    // the CLI's --algo choices
    const train = buildProgram().commands.find((c) => c.name() === 'train')!;
    const algo = train.options.find((o) => o.long === '--algo')!;
    assert.ok(algo.argChoices?.includes('fake-td3'), `train --algo choices: ${algo.argChoices}`);
    // compare's default and the definitions (every learner of fig4, fig5's cells)
    assert.ok(defaultComparison().includes('fake-td3'));
    assert.ok(experimentAlgorithms('fig4').includes('fake-td3'));
    assert.ok(resolveCells(['fig5'], PROFILES.demo, isAlgorithm).length > 0);
    assert.ok(resolveCells(['fig5'], { ...PROFILES.quick, algorithms: undefined }, isAlgorithm).some((c) => c.algo === 'fake-td3' && c.learning));
    // the claims' benchmarks and the palette
    assert.ok(benchmarkNames().includes('fake-td3'));
    assert.deepEqual(styleFor('fake-td3'), { color: '#123456', dash: [], label: 'Fake TD3' });
    assert.ok(legendOrder().indexOf('fake-td3') < legendOrder().indexOf('greedy'), 'learners come before the references');
  } finally {
    unregisterAlgorithm('fake-td3');
  }
  assert.ok(!algorithmNames().includes('fake-td3'));
});
