import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomStreams, deriveSeed } from '../../src/random/stream.ts';

test('one seed reproduces every stream exactly; different seeds differ', () => {
  const a = new RandomStreams(123);
  const b = new RandomStreams(123);
  const c = new RandomStreams(124);
  const draw = (s: RandomStreams) => [s.get('tasks').uniform(), s.get('channel').normal(), s.get('policy').exponential(), s.get('replay').int(1000)];
  assert.deepEqual(draw(a), draw(b));
  assert.notDeepEqual(draw(a), draw(c));
});

test('streams are independent: drawing from one does not shift another', () => {
  const a = new RandomStreams(7);
  const b = new RandomStreams(7);
  for (let i = 0; i < 1000; i++) a.get('tasks').uniform();
  assert.equal(a.get('channel').uniform(), b.get('channel').uniform());
  assert.notEqual(new RandomStreams(7).get('tasks').uniform(), new RandomStreams(7).get('channel').uniform());
});

test('state save and restore continues bit-exactly, including a cached normal', () => {
  const s = new RandomStreams(99);
  s.get('channel').normal(); // leaves the second Box–Muller value cached
  const saved = JSON.parse(JSON.stringify(s.getState()));
  const expected = [s.get('channel').normal(), s.get('channel').uniform(), s.get('tasks').uniform()];
  const restored = new RandomStreams(1);
  restored.setState(saved);
  assert.deepEqual([restored.get('channel').normal(), restored.get('channel').uniform(), restored.get('tasks').uniform()], expected);
});

test('distributions: uniform in [0, 1), normal and exponential moments', () => {
  const rng = new RandomStreams(5).get('tasks');
  const n = 200_000;
  let su = 0,
    sn = 0,
    sn2 = 0,
    se = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    su += u;
    const z = rng.normal();
    sn += z;
    sn2 += z * z;
    se += rng.exponential();
  }
  assert.ok(Math.abs(su / n - 0.5) < 0.005);
  assert.ok(Math.abs(sn / n) < 0.01);
  assert.ok(Math.abs(sn2 / n - 1) < 0.02);
  assert.ok(Math.abs(se / n - 1) < 0.01);
});

test('seeds are validated and derived seeds are deterministic and distinct', () => {
  assert.throws(() => new RandomStreams(-1), /seed must be an integer/);
  assert.throws(() => new RandomStreams(1.5), /seed must be an integer/);
  assert.equal(deriveSeed(1, 2), deriveSeed(1, 2));
  const seen = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(42, i)));
  assert.equal(seen.size, 1000);
});

test('fillNormal draws exactly what as many normal() calls draw, spare and later draws included', () => {
  for (const counts of [[5], [6], [1, 1, 1], [3, 4, 7], [0, 2, 9, 1]]) {
    const one = new RandomStreams(77).get('learner');
    const batched = new RandomStreams(77).get('learner');
    for (const count of counts) {
      const expected = Float32Array.from({ length: count }, () => one.normal());
      const got = new Float32Array(count + 2).fill(-9);
      batched.fillNormal(got, 1, 1 + count);
      assert.deepEqual(Array.from(got.subarray(1, 1 + count)), Array.from(expected), `counts ${counts}`);
      assert.equal(got[0], -9, 'outside [start, end) is untouched');
      assert.equal(got[count + 1], -9);
      assert.deepEqual(batched.getState(), one.getState(), 'the same state after, the cached spare included');
    }
    assert.equal(batched.normal(), one.normal());
    assert.equal(batched.uniform(), one.uniform());
  }
  // in double precision too (a Float64Array keeps every bit of the draw)
  const a = new RandomStreams(3).get('policy');
  const b = new RandomStreams(3).get('policy');
  const doubles = new Float64Array(11);
  b.fillNormal(doubles);
  assert.deepEqual(
    Array.from(doubles),
    Array.from({ length: 11 }, () => a.normal()),
  );
});
