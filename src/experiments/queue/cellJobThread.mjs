// Worker-thread entry for the cells of queue workers (piscina): the same runCell as a local
// sweep, but a failure comes back as a value. An error thrown across a thread boundary loses its
// class and name (a FolderLockedError arrives as a plain Error), and the queue worker needs the
// name to tell "locked elsewhere, try later" from a failed attempt.
// Like ../trainWorker.mjs: tsx and the TypeScript source in a checkout, the compiled task in the package.
import { existsSync } from 'node:fs';

const source = new URL('../cellTask.ts', import.meta.url);
const fromSource = existsSync(source);
if (fromSource) (await import('tsx/esm/api')).register();
const { runCell } = await import(fromSource ? source.href : new URL('../cellTask.js', import.meta.url).href);

export default async function runCellJob(task) {
  try {
    await runCell(task);
    return { ok: true };
  } catch (error) {
    return { ok: false, name: error?.name ?? 'Error', message: error?.message ?? String(error) };
  }
}
