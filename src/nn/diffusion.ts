// The DDPM reverse process used as a policy (paper Section IV.C–D, eqs. 20–27).
//
// VP schedule (Section IV.C, with beta_min / K where the paper prints beta_min / k):
//   beta_k = 1 - exp(-beta_min / K - (2k - 1) / (2 K^2) (beta_max - beta_min)),  k = 1..K
//   alpha_k = 1 - beta_k,  abar_k = prod_{z <= k} alpha_z,  abar_0 = 1.
// Reverse step (eqs. 23, 26, with the standard posterior variance; the printed eq. 27 is garbled):
//   x_{k-1} = 1/sqrt(alpha_k) (x_k - beta_k / sqrt(1 - abar_k) eps(x_k, k, o)) + sigma_k z,
//   sigma_k^2 = beta_k (1 - abar_{k-1}) / (1 - abar_k)   (so sigma_1 = 0),   z ~ N(0, I).
// Sampling starts from x_K ~ N(0, I). Gradients flow through every step (reparameterization).
import * as tf from '@tensorflow/tfjs';
import { fusedOpsActive, reverseStep, type ReverseStepCoefficients } from './fusedOps.ts';

export interface DiffusionSchedule {
  K: number;
  betas: number[];
  alphas: number[];
  alphaBars: number[];
  /** sigma_k^2 = beta_k (1 - abar_{k-1}) / (1 - abar_k) */
  posteriorVariances: number[];
  /** 1 / sqrt(alpha_k) */
  meanScale: number[];
  /** beta_k / sqrt(1 - abar_k) */
  noiseScale: number[];
  /** sigma_k */
  sigmas: number[];
}

/** Index k-1 of every array holds step k. */
export function vpSchedule(K: number, betaMin = 0.1, betaMax = 10): DiffusionSchedule {
  if (!Number.isInteger(K) || K < 1) throw new Error(`denoising steps K must be a positive integer, got ${K}`);
  const betas: number[] = [];
  for (let k = 1; k <= K; k++) betas.push(1 - Math.exp(-betaMin / K - ((2 * k - 1) / (2 * K * K)) * (betaMax - betaMin)));
  const alphas = betas.map((b) => 1 - b);
  const alphaBars: number[] = [];
  let product = 1;
  for (const a of alphas) {
    product *= a;
    alphaBars.push(product);
  }
  const posteriorVariances = betas.map((b, i) => (b * (1 - (i === 0 ? 1 : alphaBars[i - 1]!))) / (1 - alphaBars[i]!));
  return {
    K,
    betas,
    alphas,
    alphaBars,
    posteriorVariances,
    meanScale: alphas.map((a) => 1 / Math.sqrt(a)),
    noiseScale: betas.map((b, i) => b / Math.sqrt(1 - alphaBars[i]!)),
    sigmas: posteriorVariances.map(Math.sqrt),
  };
}

/** Fixed sinusoidal embedding of the step index: row k-1 is step k (dim must be even, >= 4). */
export function sinusoidalTable(K: number, dim: number): Float32Array {
  const half = dim / 2;
  const table = new Float32Array(K * dim);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < half; i++) {
      const freq = Math.exp((-Math.log(10000) * i) / (half - 1));
      table[k * dim + i] = Math.sin(k * freq);
      table[k * dim + half + i] = Math.cos(k * freq);
    }
  }
  return table;
}

/** The noise-prediction network: eps(x_k, k, o) for all groups at once, [G, B, A] -> [G, B, A]. */
export type NoiseNetwork = (xk: tf.Tensor3D, k: number) => tf.Tensor3D;

/**
 * Runs the reverse chain from x_K down to x_0. `noise[j]` is the z of step k = K - j for
 * j = 0..K-2 (step 1 adds none), each shaped like x_K. Differentiable end to end.
 *
 * bound = 'none': the noise form of the mean (eq. 26),
 *   mu = 1/sqrt(alpha_k) (x_k - beta_k / sqrt(1 - abar_k) eps).
 * bound = 'clip' (Diffusion-QL's choice) or 'tanh': the same mean written through the predicted
 * x_0 (eqs. 24–25), with x_0 bounded to [-1, 1] at every step, which keeps chains bounded:
 *   x0 = (x_k - sqrt(1 - abar_k) eps) / sqrt(abar_k),  clipped (or squashed by tanh),
 *   mu = sqrt(abar_{k-1}) beta_k / (1 - abar_k) x0 + sqrt(alpha_k) (1 - abar_{k-1}) / (1 - abar_k) x_k.
 * Without a bound both forms are the same function. At k = 1 the mean is x0 itself, so the chain
 * ends in [-1, 1]; a clip passes no gradient where it is active, tanh passes it everywhere.
 * (A boolean is read as 'clip' for true and 'none' for false.)
 * With the native addon on the wasm backend each step after eps is one fused op (forward and
 * gradient, src/nn/fusedOps.ts) computing exactly these operations; otherwise composed ops.
 */
export type DenoisedBound = 'none' | 'clip' | 'tanh';

function boundOf(bound: DenoisedBound | boolean): DenoisedBound {
  return bound === true ? 'clip' : bound === false ? 'none' : bound;
}

export function reverseChain(
  schedule: DiffusionSchedule,
  epsNet: NoiseNetwork,
  xK: tf.Tensor3D,
  noise: tf.Tensor3D[],
  denoisedBound: DenoisedBound | boolean = 'none',
): tf.Tensor3D {
  const bound = boundOf(denoisedBound);
  let x = xK;
  const fused = fusedOpsActive() !== null;
  for (let k = schedule.K; k >= 1; k--) {
    const i = k - 1;
    const eps = epsNet(x, k);
    if (fused && x.dtype === 'float32' && eps.dtype === 'float32') {
      x = reverseStep(x, eps, k > 1 ? noise[schedule.K - k]! : null, stepCoefficients(schedule, i, bound)) as tf.Tensor3D;
      continue;
    }
    let mean: tf.Tensor;
    if (bound !== 'none') {
      const abar = schedule.alphaBars[i]!;
      const abarPrev = i === 0 ? 1 : schedule.alphaBars[i - 1]!;
      const beta = schedule.betas[i]!;
      const scaled = tf.mul(tf.sub(x, tf.mul(eps, Math.sqrt(1 - abar))), 1 / Math.sqrt(abar));
      const x0 = bound === 'clip' ? tf.clipByValue(scaled, -1, 1) : tf.tanh(scaled);
      mean = tf.add(tf.mul(x0, (Math.sqrt(abarPrev) * beta) / (1 - abar)), tf.mul(x, (Math.sqrt(schedule.alphas[i]!) * (1 - abarPrev)) / (1 - abar)));
    } else {
      mean = tf.mul(tf.sub(x, tf.mul(eps, schedule.noiseScale[i]!)), schedule.meanScale[i]!);
    }
    x = (k > 1 ? tf.add(mean, tf.mul(noise[schedule.K - k]!, schedule.sigmas[i]!)) : mean) as tf.Tensor3D;
  }
  return x;
}

/** The scalars of step k = i + 1, as the composed ops of reverseChain write them. */
function stepCoefficients(schedule: DiffusionSchedule, i: number, bound: DenoisedBound): ReverseStepCoefficients {
  const sigma = schedule.sigmas[i]!;
  if (bound === 'none') return { bound: 0, c0: schedule.noiseScale[i]!, inv: schedule.meanScale[i]!, cx0: 0, cx: 0, sigma };
  const abar = schedule.alphaBars[i]!;
  const abarPrev = i === 0 ? 1 : schedule.alphaBars[i - 1]!;
  const beta = schedule.betas[i]!;
  return {
    bound: bound === 'clip' ? 1 : 2,
    c0: Math.sqrt(1 - abar),
    inv: 1 / Math.sqrt(abar),
    cx0: (Math.sqrt(abarPrev) * beta) / (1 - abar),
    cx: (Math.sqrt(schedule.alphas[i]!) * (1 - abarPrev)) / (1 - abar),
    sigma,
  };
}

/**
 * The same reverse chain on plain arrays (inference only; see nn/inference.ts for why).
 * x holds x_K on entry and x_0 (unclipped) on return; noise[j] as in reverseChain (null: no
 * noise, the deterministic mean path). onStep, when given, sees each step's x_k and predicted
 * noise before the step is taken (diagnostics).
 */
export function reverseChainArrays(
  schedule: DiffusionSchedule,
  epsNet: (x: Float32Array, k: number) => Float32Array,
  x: Float32Array,
  noise: (Float32Array | null)[],
  denoisedBound: DenoisedBound | boolean = 'none',
  onStep?: (k: number, x: Float32Array, eps: Float32Array) => void,
): Float32Array {
  const bound = boundOf(denoisedBound);
  for (let k = schedule.K; k >= 1; k--) {
    const i = k - 1;
    const eps = epsNet(x, k);
    onStep?.(k, x, eps);
    const sigma = schedule.sigmas[i]!;
    const z = k > 1 ? (noise[schedule.K - k] ?? null) : null;
    if (bound !== 'none') {
      const abar = schedule.alphaBars[i]!;
      const abarPrev = i === 0 ? 1 : schedule.alphaBars[i - 1]!;
      const beta = schedule.betas[i]!;
      const c0 = Math.sqrt(1 - abar);
      const inv = 1 / Math.sqrt(abar);
      const cx0 = (Math.sqrt(abarPrev) * beta) / (1 - abar);
      const cx = (Math.sqrt(schedule.alphas[i]!) * (1 - abarPrev)) / (1 - abar);
      for (let j = 0; j < x.length; j++) {
        let x0 = Math.fround(Math.fround(x[j]! - Math.fround(eps[j]! * c0)) * inv);
        x0 = bound === 'clip' ? (x0 < -1 ? -1 : x0 > 1 ? 1 : x0) : Math.fround(Math.tanh(x0));
        const mean = Math.fround(x0 * cx0) + Math.fround(x[j]! * cx);
        x[j] = z ? Math.fround(mean) + Math.fround(z[j]! * sigma) : mean;
      }
    } else {
      const ns = schedule.noiseScale[i]!;
      const ms = schedule.meanScale[i]!;
      for (let j = 0; j < x.length; j++) {
        const mean = Math.fround(Math.fround(x[j]! - Math.fround(eps[j]! * ns)) * ms);
        x[j] = z ? mean + Math.fround(z[j]! * sigma) : mean;
      }
    }
  }
  return x;
}
