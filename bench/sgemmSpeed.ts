// The addon's sgemm speed at the stacked-layer shape of svec's networks at N = 20, H = 64
// ([20, 64, 64] x [20, 64, 64]), best of 30: the "measured BLAS speed" that arith_share and
// the profile's arithmetic time divide by.
import type { NativeBlas } from '../src/nn/nativeKernels.ts';

export function stackedSgemmGflops(native: Pick<NativeBlas, 'sgemmStrided'>): number {
  const a = new Float32Array(20 * 64 * 64).fill(0.5);
  const c = new Float32Array(20 * 64 * 64);
  let best = Infinity;
  for (let r = 0; r < 30; r++) {
    const start = performance.now();
    native.sgemmStrided(false, false, 20, 64, 64, 64, a, 0, 4096, a, 0, 4096, c, 0, 4096);
    best = Math.min(best, performance.now() - start);
  }
  return (2 * 20 * 64 ** 3) / (best * 1e6);
}
