// svec doctor: what this installation runs on: Node, TF.js's backend, whether the native
// OpenBLAS addon loaded, and which OpenBLAS kernels were chosen (src/nn/blasSelect.ts).
import type { Command } from 'commander';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('print the kernels in use (OpenBLAS core type, who chose it, its load-time check), the backend, Node and the native addon')
    .option('--json', 'one JSON object instead of lines')
    .action(async (options: { json?: boolean }) => {
      // as given, before choosing the kernels rewrites OPENBLAS_CORETYPE for child processes
      const env = Object.fromEntries(
        ['SVEC_NATIVE', 'SVEC_BLAS_CORETYPE', 'OPENBLAS_CORETYPE', 'SVEC_BLAS_THREADS'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]),
      );
      const tf = await import('@tensorflow/tfjs');
      const { blasInfo, initNeuralBackend } = await import('../nn/backend.ts');
      const { nativeAddonPath } = await import('../nn/nativeKernels.ts');
      const { nativeNormalFillActive } = await import('../random/normals.ts');
      const backend = await initNeuralBackend();
      const blas = blasInfo();
      const report = {
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        tfjs: tf.version_core,
        backend: tf.getBackend(),
        nativeAddon: { path: nativeAddonPath(), loaded: blas.library !== null, ...(blas.library === null ? { reason: blas.reason } : {}) },
        matmul: backend.nativeMatmul ? 'OpenBLAS (native addon)' : `TF.js wasm kernels (${backend.reason ?? 'native off'})`,
        // DMADRL's noise: the same bits either way (src/random/normals.ts)
        normals: nativeNormalFillActive() ? 'C (native addon)' : 'JavaScript',
        blas,
        wasmSimd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
        env,
      };
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const lines = [
        `node:          ${report.node} (${report.platform})`,
        `tfjs:          ${report.tfjs}, backend ${report.backend}${report.wasmSimd ? ' (WebAssembly SIMD)' : ''}`,
        `native addon:  ${blas.library !== null ? `loaded (${report.nativeAddon.path})` : `not loaded: ${blas.reason}`}`,
        `matmul:        ${report.matmul}`,
        `normals:       ${report.normals} (DMADRL's noise; the same bits either way)`,
      ];
      if (blas.library !== null) {
        lines.push(
          `BLAS:          ${blas.library}, ${blas.libraryPath ?? ''}`,
          `kernels:       ${blas.coreType} (chosen by ${blas.selectedBy}${blas.inherited ? ', inherited from the parent process' : ''}${blas.baseline && blas.baseline !== blas.coreType ? `; OpenBLAS alone: ${blas.baseline}` : ''})`,
          `check:         ${blas.verified ? 'passed' : 'FAILED'} (sgemm vs double precision, worst error ${blas.checkError?.toExponential(2)} of sum |a b|)${blas.gflops !== undefined ? `; sgemm 256^3: ${blas.gflops} GFLOP/s` : ''}`,
        );
      }
      for (const note of blas.notes) lines.push(`note:          ${note}`);
      for (const [key, value] of Object.entries(report.env)) lines.push(`env:           ${key}=${value}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
