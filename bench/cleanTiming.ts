// Timing that tolerates a shared machine, by the same rule as the PyTorch reference
// (../shared/bench/ref_dmadrl_torch.py, bench()): a repeat is clean when the thread doing the
// work waited on the run queue (/proc/self/task/PID/schedstat, field 2) for at most 3% of its
// wall time (+20 us), i.e. no other process took our CPU; the median of the clean repeats counts.
// Up to 5x the repeats (or a time cap) are run to collect them. Without /proc every repeat
// counts. (The main thread only: svec's work, TF.js and its one OpenBLAS thread, runs there; V8's
// helper threads also queue on a busy machine without holding it up. The reference counts all
// of its threads, which are Python's and idle OpenBLAS ones.)
import { readFileSync } from 'node:fs';

function waitedNs(): number | null {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    return null;
  }
}

export interface CleanTiming {
  median_ms: number;
  min_ms: number;
  /** clean repeats / all repeats */
  clean: number;
  total: number;
  median_all_ms: number;
}

export function timeClean(fn: () => void, repeats: number, options: { timeCapS?: number; stealTolerance?: number; maxFactor?: number } = {}): CleanTiming {
  const tolerance = options.stealTolerance ?? 0.03;
  const maxRuns = (options.maxFactor ?? 5) * repeats;
  const all: number[] = [];
  const clean: number[] = [];
  const start = performance.now();
  while (clean.length < repeats && all.length < maxRuns) {
    const w0 = waitedNs();
    const t0 = performance.now();
    fn();
    const ms = performance.now() - t0;
    const w1 = waitedNs();
    all.push(ms);
    if (w0 === null || w1 === null || (w1 - w0) / 1e6 <= tolerance * ms + 0.02) clean.push(ms);
    if (options.timeCapS !== undefined && all.length >= 3 && (performance.now() - start) / 1e3 > options.timeCapS) break;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const use = clean.length > 0 ? clean : all;
  return { median_ms: median(use), min_ms: Math.min(...use), clean: clean.length, total: all.length, median_all_ms: median(all) };
}
