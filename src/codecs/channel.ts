// The physical channel between a vehicle's channel encoder and the edge's channel decoder.
//
// A channel encoder emits L real symbols per item, ordered by importance. The semantic extraction
// factor lambda in (0, 1] keeps the first ceil(lambda L) of them; the rest are not sent (zeros at
// the receiver, which knows lambda). The transmitted symbols are normalized to unit average power,
// so the per-symbol SNR is the requested one:
//   AWGN:     y = x + n,            n ~ N(0, 10^(-snr/10))
//   Rayleigh: y = h x + n, h = |g|, g ~ CN(0, 1), one draw per item (block fading); the receiver
//             knows h and equalizes (zero forcing): x^ = y / h.
// Noise comes from a seeded RandomStream, so evaluations are reproducible.
import * as tf from '@tensorflow/tfjs';
import type { RandomStream } from '../random/stream.ts';

export type Fading = 'awgn' | 'rayleigh';

export interface ChannelOptions {
  fading: Fading;
}

/** Checks that lambda is a usable extraction factor. */
export function checkLambda(lambda: number): void {
  if (!(lambda > 0 && lambda <= 1)) throw new Error(`lambda must lie in (0, 1], got ${lambda}`);
}

/** ceil(lambda L): the number of symbols sent (at least 1). */
export function keptSymbols(length: number, lambda: number): number {
  checkLambda(lambda);
  if (!Number.isInteger(length) || length < 1) throw new Error(`symbol count must be a positive integer, got ${length}`);
  // the 1e-9 guards against 0.7 * 10 = 7.000000000000001 becoming 8
  return Math.min(length, Math.max(1, Math.ceil(lambda * length - 1e-9)));
}

/** A [B, L] 0/1 mask keeping the first ceil(lambda_b L) symbols of item b. */
export function prefixMask(length: number, lambdas: ArrayLike<number>): tf.Tensor2D {
  const batch = lambdas.length;
  const mask = new Float32Array(batch * length);
  for (let b = 0; b < batch; b++) mask.fill(1, b * length, b * length + keptSymbols(length, lambdas[b]!));
  return tf.tensor2d(mask, [batch, length]);
}

/**
 * Zeroes the symbols that are not sent and scales each item's sent symbols to unit average power:
 * x = z m / sqrt(sum(z^2 m) / sum(m)). `mask` is [B, L] (or any shape equal to z's).
 */
export function normalizePower(z: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const batch = z.shape[0]!;
    const flatZ = tf.reshape(tf.mul(z, mask), [batch, -1]);
    const count = tf.maximum(tf.sum(tf.reshape(mask, [batch, -1]), 1, true), 1);
    const power = tf.div(tf.sum(tf.square(flatZ), 1, true), count);
    return tf.reshape(tf.div(flatZ, tf.sqrt(tf.add(power, 1e-8))), z.shape);
  });
}

/** Noise standard deviation for a unit-power signal at `snrDb`. */
export function noiseStd(snrDb: number): number {
  if (!Number.isFinite(snrDb)) throw new Error(`SNR must be a finite number of dB, got ${snrDb}`);
  return Math.sqrt(Math.pow(10, -snrDb / 10));
}

/**
 * Sends normalized symbols x [B, ...] through the channel: item b at snrDb[b] (null: error-free,
 * no noise). Returns the equalized received symbols, zero where `mask` is 0.
 */
export function transmit(x: tf.Tensor, mask: tf.Tensor, snrDb: ArrayLike<number> | null, rng: RandomStream, options: ChannelOptions = { fading: 'awgn' }): tf.Tensor {
  if (snrDb === null) return tf.mul(x, mask);
  const batch = x.shape[0]!;
  if (snrDb.length !== batch) throw new Error(`transmit: ${snrDb.length} SNRs for a batch of ${batch}`);
  if (options.fading !== 'awgn' && options.fading !== 'rayleigh') throw new Error(`fading must be 'awgn' or 'rayleigh', got '${String(options.fading)}'`);
  const per = x.size / batch;
  const noise = new Float32Array(x.size);
  const gain = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const std = noiseStd(snrDb[b]!);
    // |g|^2 of g ~ CN(0, 1) is exponential with mean 1
    gain[b] = options.fading === 'rayleigh' ? Math.max(Math.sqrt(rng.exponential()), 1e-6) : 1;
    for (let k = b * per; k < (b + 1) * per; k++) noise[k] = std * rng.normal();
  }
  return tf.tidy(() => {
    const shape = [batch, ...x.shape.slice(1).map(() => 1)];
    const h = tf.tensor(gain, shape);
    const y = tf.add(tf.mul(x, h), tf.tensor(noise, x.shape));
    return tf.mul(tf.div(y, h), mask); // known-CSI equalization; unsent symbols stay zero
  });
}
