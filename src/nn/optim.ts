// One optimizer step over stacked variables ([G, ...] per variable, one slice per agent), with
// the gradient norm clipped per group: each agent's gradient is scaled by
// min(1, clip / ||g_agent||), as if every agent had its own optimizer (Adam is per element, so
// a stacked Adam is exactly N independent Adams).
import * as tf from '@tensorflow/tfjs';

/** Minimizes `loss` over `variables`; returns the loss value. */
export function minimizeStacked(optimizer: tf.Optimizer, variables: tf.Variable[], groups: number, loss: () => tf.Scalar, clip: number): number {
  const { value, grads } = tf.variableGrads(loss, variables);
  let gradients: tf.NamedTensorMap = grads;
  if (clip > 0) {
    gradients = tf.tidy(() => {
      const names = Object.keys(grads);
      // squared norm of each group's gradient, summed over every variable: [G]
      const squares = names.map((name) => {
        const g = grads[name]!;
        return tf.sum(tf.reshape(tf.square(g), [groups, -1]), 1);
      });
      const norms = tf.sqrt(tf.addN(squares));
      const scales = tf.minimum(1, tf.div(clip, tf.add(norms, 1e-12)));
      return Object.fromEntries(
        names.map((name) => {
          const g = grads[name]!;
          const shape = [groups, ...new Array<number>(g.rank - 1).fill(1)];
          return [name, tf.mul(g, tf.reshape(scales, shape))];
        }),
      );
    });
    tf.dispose(grads);
  }
  optimizer.applyGradients(gradients);
  tf.dispose(gradients);
  const lossValue = value.dataSync()[0]!;
  value.dispose();
  return lossValue;
}
