// One optimizer step over stacked variables ([G, ...] per variable, one slice per agent), with
// the gradient norm clipped per group: each agent's gradient is scaled by
// min(1, clip / ||g_agent||), as if every agent had its own optimizer (Adam is per element, so
// a stacked Adam is exactly N independent Adams).
//
// With the native addon on the wasm backend and TF.js's Adam, the clip and the Adam step of all
// variables run natively in one pass per variable (src/nn/fusedOps.ts), on the optimizer's own
// state (so checkpoints are unchanged); otherwise composed TF.js ops and optimizer.applyGradients.
import * as tf from '@tensorflow/tfjs';
import { adamStepStacked, fusedOpsActive, isTfAdam } from './fusedOps.ts';

/** Minimizes `loss` over `variables`; returns the loss value. */
export function minimizeStacked(optimizer: tf.Optimizer, variables: tf.Variable[], groups: number, loss: () => tf.Scalar, clip: number): number {
  const { value, grads } = tf.variableGrads(loss, variables);
  if (fusedOpsActive() && isTfAdam(optimizer)) {
    // the variables in the order applyGradients would visit them (its moment slots are by position)
    const names = Object.keys(grads);
    const byName = new Map(variables.map((v) => [v.name, v]));
    adamStepStacked(
      optimizer,
      names.map((name) => byName.get(name)!),
      names.map((name) => grads[name]!),
      groups,
      clip,
    );
    tf.dispose(grads);
    const lossValue = value.dataSync()[0]!;
    value.dispose();
    return lossValue;
  }
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
