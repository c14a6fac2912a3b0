// The image and speech codecs: a CNN semantic encoder on the vehicle, a channel encoder to L
// ordered symbols, the channel, a channel decoder that recovers the semantic embedding at the
// edge, and the edge's task (sign class / spoken word) read from the recovered embedding.
//
//   vehicle:  x -> CNN -> e (D) -> dense -> z (L symbols) -> keep ceil(lambda L), unit power
//   channel:  AWGN or Rayleigh block fading at the SNR
//   edge:     [y, sent-mask] (2L) -> dense -> relu -> dense -> e^ (D) -> P -> head -> class
// P (dense + tanh) is the shared, siamese projection: fidelity (eq. 15) = cos(P(e), P(e^)).
// Training: cross-entropy on head(P(e^)) and (weight 0.5) on head(P(e)), plus 1 - cos(P(e), P(e^)),
// with lambda ~ U(0.4, 1) and SNR ~ U(-5, 25) dB drawn per item, so one model serves every lambda.
import * as tf from '@tensorflow/tfjs';
import type { RandomStream } from '../random/stream.ts';
import { normalizePower, prefixMask, transmit, type ChannelOptions } from './channel.ts';
import { conv, cosine, dense, type Dense, ParamStore } from './params.ts';

export interface ClassifierConfig {
  kind: 'image' | 'speech';
  /** input height x width x channels */
  input: [number, number, number];
  classes: number;
  /** conv layers: [channels, stride] each, 3x3 kernels */
  convs: [number, number][];
  /** semantic embedding size D */
  embedding: number;
  /** channel symbols L */
  symbols: number;
  /** channel decoder hidden width */
  hidden: number;
  /** speech: pool over time (mean and max) before the embedding; image: flatten */
  poolTime: boolean;
}

export interface CodecOutputs {
  /** P(e): the vehicle side through the siamese projection [B, D] */
  pe: tf.Tensor2D;
  /** P(e^): the edge side [B, D] */
  pr: tf.Tensor2D;
  /** head(P(e^)) logits [B, C] */
  logits: tf.Tensor2D;
  /** head(P(e)) logits [B, C] */
  logitsClean: tf.Tensor2D;
}

export class ClassifierCodec {
  readonly params: ParamStore;
  private readonly convLayers: Dense[];
  private readonly toEmbedding: Dense;
  private readonly channelEncoder: Dense;
  private readonly decoderHidden: Dense;
  private readonly decoderOut: Dense;
  private readonly projection: Dense;
  private readonly head: Dense;

  constructor(
    readonly config: ClassifierConfig,
    rng: RandomStream,
  ) {
    this.params = new ParamStore(rng);
    const p = this.params;
    let [h, w, c] = config.input;
    this.convLayers = config.convs.map(([channels, stride], i) => {
      const layer = conv(p, `enc.conv${i}`, 3, c, channels, stride);
      h = Math.ceil(h / stride);
      w = Math.ceil(w / stride);
      c = channels;
      return layer;
    });
    const flat = config.poolTime ? 2 * w * c : h * w * c;
    this.toEmbedding = dense(p, 'enc.embed', flat, config.embedding, 1);
    this.channelEncoder = dense(p, 'chan.enc', config.embedding, config.symbols, 1);
    this.decoderHidden = dense(p, 'chan.dec1', 2 * config.symbols, config.hidden);
    this.decoderOut = dense(p, 'chan.dec2', config.hidden, config.embedding, 1);
    this.projection = dense(p, 'siamese', config.embedding, config.embedding, 1);
    this.head = dense(p, 'head', config.embedding, config.classes, 1);
  }

  /** Semantic encoder: inputs [B, H, W, C] -> e [B, D]. */
  encode(x: tf.Tensor4D): tf.Tensor2D {
    let y: tf.Tensor = x;
    for (const layer of this.convLayers) y = tf.relu(layer(y));
    if (this.config.poolTime) {
      // [B, T, F, C]: mean and max over time T, keep the frequency layout
      const [b, , f, c] = y.shape as [number, number, number, number];
      y = tf.concat([tf.reshape(tf.mean(y, 1), [b, f * c]), tf.reshape(tf.max(y, 1), [b, f * c])], 1);
    } else {
      y = tf.reshape(y, [y.shape[0]!, -1]);
    }
    return this.toEmbedding(y) as tf.Tensor2D;
  }

  /** Channel encoder output z [B, L] (before truncation and power normalization). */
  symbolsOf(e: tf.Tensor2D): tf.Tensor2D {
    return this.channelEncoder(e) as tf.Tensor2D;
  }

  /** Edge side: received symbols and the sent-mask -> e^ [B, D]. */
  decode(received: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
    return this.decoderOut(tf.relu(this.decoderHidden(tf.concat([received, mask], 1)))) as tf.Tensor2D;
  }

  project(e: tf.Tensor2D): tf.Tensor2D {
    return tf.tanh(this.projection(e)) as tf.Tensor2D;
  }

  classify(projected: tf.Tensor2D): tf.Tensor2D {
    return this.head(projected) as tf.Tensor2D;
  }

  /** The whole chain for a batch; snrDb null: error-free. */
  forward(x: tf.Tensor4D, lambdas: ArrayLike<number>, snrDb: ArrayLike<number> | null, rng: RandomStream, channel: ChannelOptions): CodecOutputs {
    const e = this.encode(x);
    return this.fromEmbedding(e, lambdas, snrDb, rng, channel);
  }

  fromEmbedding(e: tf.Tensor2D, lambdas: ArrayLike<number>, snrDb: ArrayLike<number> | null, rng: RandomStream, channel: ChannelOptions): CodecOutputs {
    const mask = prefixMask(this.config.symbols, lambdas);
    const sent = normalizePower(this.symbolsOf(e), mask);
    const received = transmit(sent, mask, snrDb, rng, channel) as tf.Tensor2D;
    const recovered = this.decode(received, mask);
    const pe = this.project(e);
    const pr = this.project(recovered);
    return { pe, pr, logits: this.classify(pr), logitsClean: this.classify(pe) };
  }

  /** Training loss (scalar). */
  loss(x: tf.Tensor4D, labels: Int32Array, lambdas: ArrayLike<number>, snrDb: ArrayLike<number>, rng: RandomStream, channel: ChannelOptions): tf.Scalar {
    const out = this.forward(x, lambdas, snrDb, rng, channel);
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), this.config.classes);
    const ce = tf.losses.softmaxCrossEntropy(onehot, out.logits);
    const ceClean = tf.losses.softmaxCrossEntropy(onehot, out.logitsClean);
    const fid = tf.mean(cosine(out.pe, out.pr));
    return tf.add(tf.add(ce, tf.mul(ceClean, 0.5)), tf.sub(1, fid)) as tf.Scalar;
  }
}
