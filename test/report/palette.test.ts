import { test } from 'node:test';
import assert from 'node:assert/strict';
import { algorithmNames } from '../../src/agents/catalog.ts';
import { colorFor, displayName, FALLBACK_COLORS, legendOrder, seriesStyles, sortByLegendOrder, styleFor } from '../../src/report/palette.ts';

const ALL = [...algorithmNames(), 'greedy', 'random', 'local-only', 'offload-all', 'oracle', 'conventional', 'error-free'];

test('every known name has its own colour, the same in every call and every figure', () => {
  assert.deepEqual(legendOrder(), ALL);
  const colors = ALL.map(colorFor);
  assert.equal(new Set(colors).size, ALL.length, 'colours are distinct');
  for (const c of colors) assert.match(c, /^#[0-9A-F]{6}$/);
  assert.equal(colorFor('dmadrl'), '#D55E00');
  // the colour of a name does not depend on which other series share the figure
  const few = seriesStyles(['oracle', 'dmadrl']);
  const many = seriesStyles([...ALL].reverse());
  assert.equal(few.find((s) => s.name === 'dmadrl')!.color, many.find((s) => s.name === 'dmadrl')!.color);
  assert.equal(few.find((s) => s.name === 'oracle')!.color, colorFor('oracle'));
  assert.deepEqual(styleFor('greedy').dash.length > 0, true); // references are dashed
  assert.deepEqual(styleFor('dmadrl').dash, []);
});

test('unknown names get deterministic fallback colours, distinct within a figure', () => {
  assert.equal(colorFor('my-new-algo'), colorFor('my-new-algo'));
  assert.ok(FALLBACK_COLORS.includes(colorFor('my-new-algo')));
  assert.ok(!ALL.map(colorFor).includes(colorFor('my-new-algo')));
  const styles = seriesStyles(['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'dmadrl']);
  assert.equal(new Set(styles.map((s) => s.color)).size, 7);
  assert.deepEqual(seriesStyles(['u3', 'u1']), seriesStyles(['u1', 'u3']));
  assert.equal(displayName('my-new-algo'), 'my-new-algo');
});

test('legend order is fixed; variants follow their base name and get their own shade', () => {
  assert.deepEqual(sortByLegendOrder(['zeta', 'oracle', 'random', 'dmadrl', 'alpha', 'sac', 'dmadrl']), ['dmadrl', 'sac', 'random', 'oracle', 'alpha', 'zeta']);
  assert.deepEqual(sortByLegendOrder(['offload-all:1', 'oracle', 'offload-all:0.4', 'local-only']), ['local-only', 'offload-all:0.4', 'offload-all:1', 'oracle']);
  const styles = seriesStyles(['offload-all:1', 'offload-all:0.4']);
  assert.equal(styles[0]!.color, colorFor('offload-all'));
  assert.notEqual(styles[1]!.color, styles[0]!.color);
  assert.equal(styles[0]!.label, 'Offload all (λ = 0.4)');
  assert.equal(displayName('maddpg-ra'), 'MADDPG-RA');
  assert.equal(displayName('error-free'), 'Error-free');
  const oracles = seriesStyles(['oracle:a', 'oracle:b']);
  assert.notEqual(oracles[0]!.color, oracles[1]!.color); // black has no darker shade
});
