import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FidelityTable, provisionalFidelity, provisionalFidelityTable } from '../../src/sim/fidelity.ts';
import { MODALITIES, type Modality } from '../../src/sim/modality.ts';

test('the provisional table is labelled provisional, in [0, 1] and monotone in lambda and SNR', () => {
  const table = provisionalFidelityTable();
  assert.equal(table.provenance.provisional, true);
  assert.match(table.provenance.source, /placeholder/);
  for (let m = 0; m < 3; m++) {
    for (let l = 0.3; l <= 1.1; l += 0.013) {
      let previous = -1;
      for (let snr = -15; snr <= 40; snr += 0.37) {
        const s = table.fidelity(m as Modality, l, snr);
        assert.ok(s >= 0 && s <= 1);
        assert.ok(s >= previous - 1e-12, 'monotone in SNR');
        assert.ok(table.fidelity(m as Modality, l + 0.013, snr) >= s - 1e-12, 'monotone in lambda');
        previous = s;
      }
    }
  }
});

test('bilinear interpolation: exact at grid points, linear between, clamped outside', () => {
  const table = new FidelityTable({
    kind: 'svec-fidelity-table',
    provenance: { provisional: false, source: 'test' },
    lambdas: [0.4, 1],
    snrDb: [0, 10, 20],
    fidelity: {
      text: [
        [0.1, 0.3, 0.5],
        [0.2, 0.6, 1.0],
      ],
      image: [
        [0, 0, 0],
        [1, 1, 1],
      ],
      speech: [
        [0.5, 0.5, 0.5],
        [0.5, 0.5, 0.5],
      ],
    },
  });
  assert.equal(table.fidelity(0, 0.4, 10), 0.3);
  assert.equal(table.fidelity(0, 1, 20), 1.0);
  // halfway in both: mean of the four corners of the cell [0.4, 1] x [10, 20]
  assert.ok(Math.abs(table.fidelity(0, 0.7, 15) - (0.3 + 0.5 + 0.6 + 1.0) / 4) < 1e-12);
  assert.ok(Math.abs(table.fidelity(1, 0.55, 3) - 0.25) < 1e-12);
  assert.equal(table.fidelity(0, 0.1, -30), 0.1); // clamped at the low corner
  assert.equal(table.fidelity(0, 2, 99), 1.0); // clamped at the high corner
  assert.equal(table.fidelity(2, 0.8, 7), 0.5);
});

test('the provisional table matches its analytic formula at grid points and round-trips through JSON', () => {
  const table = provisionalFidelityTable();
  MODALITIES.forEach((name, m) => {
    assert.ok(Math.abs(table.fidelity(m as Modality, 0.6, 4) - provisionalFidelity(name, 0.6, 4)) < 1e-12);
  });
  const copy = new FidelityTable(JSON.parse(JSON.stringify(table.toJSON())));
  assert.equal(copy.provenance.hash, table.provenance.hash);
  assert.equal(copy.fidelity(1, 0.73, 6.4), table.fidelity(1, 0.73, 6.4));
});

test('malformed tables are rejected with a clear message', () => {
  const base = () => ({
    kind: 'svec-fidelity-table' as const,
    provenance: { provisional: false, source: 't' },
    lambdas: [0.4, 1],
    snrDb: [0, 10],
    fidelity: {
      text: [
        [0, 1],
        [0, 1],
      ],
      image: [
        [0, 1],
        [0, 1],
      ],
      speech: [
        [0, 1],
        [0, 1],
      ],
    },
  });
  assert.throws(() => new FidelityTable({ ...base(), lambdas: [1, 0.4] }), /strictly ascending/);
  assert.throws(() => new FidelityTable({ ...base(), fidelity: { ...base().fidelity, image: [[0, 1]] } }), /'image' must have 2 rows/);
  assert.throws(
    () =>
      new FidelityTable({
        ...base(),
        fidelity: {
          ...base().fidelity,
          text: [
            [0, 1.5],
            [0, 1],
          ],
        },
      }),
    /outside \[0, 1\]/,
  );
});
