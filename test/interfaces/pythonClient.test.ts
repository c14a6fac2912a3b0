// The Python client's own tests (python/tests/test_client.py), run with Debian's python3 so that
// `npm test` (and CI, .ci/run) covers them: an episode through the client with the rewards of the
// TypeScript environment, malformed actions raising exceptions that name the field, the example.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

// Debian's interpreter (with python3-numpy, which scripts/setup.sh installs), else python3 on PATH
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

test('the Python client passes its tests (python/tests, unittest)', () => {
  const numpy = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
  assert.equal(numpy.status, 0, `${PYTHON} with numpy is needed (scripts/setup.sh installs python3-numpy): ${numpy.error?.message ?? numpy.stderr}`);
  const run = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', 'python/tests', '-v'], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: 'python', SVEC_COMMAND: '' },
    timeout: 300_000,
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, /Ran \d+ tests/);
  assert.match(run.stderr, /\nOK\n/);
});
