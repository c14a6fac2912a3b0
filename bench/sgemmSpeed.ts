// The addon's sgemm speed on one call, best of a number of repeats on the same (warm) operands.
// stackedSgemmGflops is the speed at the stacked-layer shape of svec's networks at N = 20, H = 64
// ([20, 64, 64] x [20, 64, 64]), best of 30: the "measured BLAS speed" that arith_share and the
// profile's arithmetic time divide by. bench/update-profile.ts also times each of a round's
// product shapes alone with sgemmGflops.
import type { NativeBlas } from '../src/nn/nativeKernels.ts';

/** A row-major product: `batch` times op(A) [M, K] x op(B) [K, N], each operand's matrices contiguous. */
export interface SgemmShape {
  transA: boolean;
  transB: boolean;
  batch: number;
  M: number;
  N: number;
  K: number;
}

/** GFLOP/s of the best of `repeats` calls of sgemmStrided on a (batch M K), b (batch K N), into c (batch M N). */
export function sgemmGflops(native: Pick<NativeBlas, 'sgemmStrided'>, shape: SgemmShape, a: Float32Array, b: Float32Array, c: Float32Array, repeats: number): number {
  const { transA, transB, batch, M, N, K } = shape;
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    native.sgemmStrided(transA, transB, batch, M, N, K, a, 0, M * K, b, 0, K * N, c, 0, M * N);
    best = Math.min(best, performance.now() - start);
  }
  return (2 * batch * M * N * K) / (best * 1e6);
}

export function stackedSgemmGflops(native: Pick<NativeBlas, 'sgemmStrided'>): number {
  const a = new Float32Array(20 * 64 * 64).fill(0.5);
  const c = new Float32Array(20 * 64 * 64);
  return sgemmGflops(native, { transA: false, transB: false, batch: 20, M: 64, N: 64, K: 64 }, a, a, c, 30);
}
