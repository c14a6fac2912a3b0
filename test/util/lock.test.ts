import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderHolder, FolderLockedError, lockFolder } from '../../src/util/lock.ts';

test('a held lock keeps refreshing (its owner record does not disturb it); a second holder is refused by name; release frees it', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'svec-lock-')), 'run');
  const warnings: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (warnings.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const release = await lockFolder(dir, 'test holder', { staleMs: 5000, updateMs: 1000 });
    const first = statSync(join(dir, '.lock')).mtimeMs;
    await new Promise((r) => setTimeout(r, 3500)); // three refreshes
    assert.ok(statSync(join(dir, '.lock')).mtimeMs > first, 'the lock was refreshed');
    assert.equal(folderHolder(dir)?.pid, process.pid);
    await assert.rejects(lockFolder(dir, 'second'), (err: Error) => err instanceof FolderLockedError && new RegExp(`process ${process.pid} on .*test holder`).test(err.message));
    await release();
    assert.ok(!existsSync(join(dir, '.lock')) && folderHolder(dir) === undefined);
    await (
      await lockFolder(dir, 'again')
    )();
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(
    warnings.filter((w) => /could not be refreshed/.test(w)),
    [],
  );
});
