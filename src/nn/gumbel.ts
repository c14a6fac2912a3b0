// Gumbel-softmax with the straight-through estimator (Jang et al. 2017), for the discrete
// offloading choice (Section V.B): the forward value is the one-hot argmax of
// softmax((logits + g) / temperature), the gradient is that of the soft sample.
import * as tf from '@tensorflow/tfjs';
import type { RandomStream } from '../random/stream.ts';

/** Standard Gumbel noise -log(-log u) from a seeded stream. */
export function gumbelNoise(rng: RandomStream, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let k = 0; k < size; k++) {
    let u = rng.uniform();
    while (u === 0) u = rng.uniform();
    out[k] = -Math.log(-Math.log(u));
  }
  return out;
}

/** Identity forward to `hard`, identity gradient to `soft` (the straight-through trick). */
const straightThrough = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const hard = args[1] as tf.Tensor;
  return { value: tf.clone(hard), gradFunc: (dy: tf.Tensor) => [dy, tf.zerosLike(hard)] };
}) as Parameters<typeof tf.customGrad>[0]) as unknown as (soft: tf.Tensor, hard: tf.Tensor) => tf.Tensor;

/** logits [..., C] plus Gumbel noise [..., C] -> one-hot [..., C] with straight-through gradients. */
export function gumbelSoftmaxStraightThrough(logits: tf.Tensor, noise: tf.Tensor, temperature: number): tf.Tensor {
  const soft = tf.softmax(tf.div(tf.add(logits, noise), temperature));
  const classes = logits.shape[logits.shape.length - 1]!;
  const hard = tf.oneHot(tf.argMax(soft, -1), classes).toFloat();
  return straightThrough(soft, hard);
}

/** One-hot of the argmax (greedy offloading decision, no gradient). */
export function argmaxOneHot(logits: tf.Tensor): tf.Tensor {
  const classes = logits.shape[logits.shape.length - 1]!;
  return tf.oneHot(tf.argMax(logits, -1), classes).toFloat();
}
