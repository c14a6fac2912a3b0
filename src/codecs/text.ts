// The text codec (DeepSC-style): a small Transformer encoder over the tokens of a sentence (capped
// vocabulary), k channel symbols per token, the channel, a channel decoder and a Transformer
// decoder that recovers every token's embedding and reads the tokens back non-autoregressively.
//
//   vehicle:  tokens -> embedding + position -> Transformer (layers) -> e_t (D per token)
//             -> dense -> z_t (k symbols per token); the n k symbols of a sentence are ordered
//             dimension-major (symbol j of every token before symbol j + 1), and the first
//             ceil(lambda n k) are sent, at unit average power
//   edge:     [y_t, mask_t] (2k) -> dense -> relu -> dense -> Transformer (layers) -> e^_t
//             -> P -> tied output embedding -> token
// Sentence fidelity (eq. 15) = cos(mean_t P(e_t), mean_t P(e^_t)); P (dense + tanh) is shared.
import * as tf from '@tensorflow/tfjs';
import type { RandomStream } from '../random/stream.ts';
import { checkLambda, normalizePower, transmit, type ChannelOptions } from './channel.ts';
import { cosine, dense, layerNorm, type Dense, ParamStore } from './params.ts';

export interface TextConfig {
  kind: 'text';
  /** vocabulary size incl. <pad> <bos> <eos> <unk> */
  vocab: number;
  maxTokens: number;
  dModel: number;
  heads: number;
  ff: number;
  encoderLayers: number;
  decoderLayers: number;
  /** channel symbols per token k */
  symbolsPerToken: number;
}

export const PAD = 0;
export const UNK = 3;

/** A batch of sentences as padded ids [B, T] (T = the longest in the batch) and their lengths. */
export interface TokenBatch {
  ids: Int32Array;
  lengths: Int32Array;
  batch: number;
  tokens: number;
}

export function makeTokenBatch(sentences: readonly Int32Array[]): TokenBatch {
  const tokens = Math.max(1, ...sentences.map((s) => s.length));
  const ids = new Int32Array(sentences.length * tokens); // PAD = 0
  const lengths = new Int32Array(sentences.length);
  sentences.forEach((s, b) => {
    ids.set(s, b * tokens);
    lengths[b] = s.length;
  });
  return { ids, lengths, batch: sentences.length, tokens };
}

/**
 * The sent-symbol mask [B, T, k] of a batch: sentence b has L_b = n_b k symbols, ordered
 * dimension-major (flat index j n_b + t), of which the first ceil(lambda_b L_b) are sent.
 */
export function textSymbolMask(lengths: Int32Array, tokens: number, k: number, lambdas: ArrayLike<number>): Float32Array {
  const mask = new Float32Array(lengths.length * tokens * k);
  for (let b = 0; b < lengths.length; b++) {
    const n = lengths[b]!;
    if (n === 0) continue;
    checkLambda(lambdas[b]!);
    const kept = Math.min(n * k, Math.max(1, Math.ceil(lambdas[b]! * n * k - 1e-9)));
    for (let t = 0; t < n; t++) for (let j = 0; j < k; j++) if (j * n + t < kept) mask[(b * tokens + t) * k + j] = 1;
  }
  return mask;
}

interface Block {
  ln1: Dense;
  q: Dense;
  k: Dense;
  v: Dense;
  out: Dense;
  ln2: Dense;
  ff1: Dense;
  ff2: Dense;
}

export interface TextOutputs {
  /** sentence embeddings through P: vehicle side [B, D], edge side [B, D] */
  pe: tf.Tensor2D;
  pr: tf.Tensor2D;
  /** P(e^) per token [B, T, D] */
  projected?: tf.Tensor3D;
  /** token logits from e^ [B, T, V] and from e (vehicle side) */
  logits: tf.Tensor3D;
  logitsClean: tf.Tensor3D;
}

export class TextCodec {
  readonly params: ParamStore;
  private readonly embedding: tf.Variable;
  private readonly position: tf.Variable;
  private readonly encoderBlocks: Block[];
  private readonly encoderNorm: Dense;
  private readonly channelEncoder: Dense;
  private readonly decoderIn1: Dense;
  private readonly decoderIn2: Dense;
  private readonly decoderBlocks: Block[];
  private readonly decoderNorm: Dense;
  private readonly projection: Dense;
  private readonly outputBias: tf.Variable;

  constructor(
    readonly config: TextConfig,
    rng: RandomStream,
  ) {
    const p = (this.params = new ParamStore(rng));
    const d = config.dModel;
    if (d % config.heads !== 0) throw new Error(`text codec: dModel ${d} must be a multiple of heads ${config.heads}`);
    this.embedding = p.add('emb.tokens', [config.vocab, d], 1 / Math.sqrt(d));
    this.position = p.add('emb.position', [config.maxTokens, d], 0.02);
    const block = (name: string): Block => ({
      ln1: layerNorm(p, `${name}.ln1`, d),
      q: dense(p, `${name}.q`, d, d, 1),
      k: dense(p, `${name}.k`, d, d, 1),
      v: dense(p, `${name}.v`, d, d, 1),
      out: dense(p, `${name}.out`, d, d, 1),
      ln2: layerNorm(p, `${name}.ln2`, d),
      ff1: dense(p, `${name}.ff1`, d, config.ff),
      ff2: dense(p, `${name}.ff2`, config.ff, d, 1),
    });
    this.encoderBlocks = Array.from({ length: config.encoderLayers }, (_, i) => block(`enc.block${i}`));
    this.encoderNorm = layerNorm(p, 'enc.norm', d);
    this.channelEncoder = dense(p, 'chan.enc', d, config.symbolsPerToken, 1);
    this.decoderIn1 = dense(p, 'chan.dec1', 2 * config.symbolsPerToken, d);
    this.decoderIn2 = dense(p, 'chan.dec2', d, d, 1);
    this.decoderBlocks = Array.from({ length: config.decoderLayers }, (_, i) => block(`dec.block${i}`));
    this.decoderNorm = layerNorm(p, 'dec.norm', d);
    this.projection = dense(p, 'siamese', d, d, 1);
    this.outputBias = p.add('out.bias', [config.vocab], 0);
  }

  private attention(block: Block, x: tf.Tensor3D, maskBias: tf.Tensor): tf.Tensor3D {
    const [b, t, d] = x.shape;
    const h = this.config.heads;
    const dh = d / h;
    const normed = block.ln1(x);
    const heads = (layer: Dense) => tf.transpose(tf.reshape(layer(normed), [b, t, h, dh]), [0, 2, 1, 3]);
    const q = heads(block.q);
    const k = heads(block.k);
    const v = heads(block.v);
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), maskBias);
    const att = tf.matMul(tf.softmax(scores), v); // [b, h, t, dh]
    const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [b, t, d]);
    const y = tf.add(x, block.out(merged)) as tf.Tensor3D;
    return tf.add(y, block.ff2(tf.relu(block.ff1(block.ln2(y))))) as tf.Tensor3D;
  }

  /** -1e9 on padded key positions: [B, 1, 1, T]. */
  private keyMask(lengths: Int32Array, tokens: number): tf.Tensor {
    const bias = new Float32Array(lengths.length * tokens);
    for (let b = 0; b < lengths.length; b++) bias.fill(-1e9, b * tokens + lengths[b]!, (b + 1) * tokens);
    return tf.tensor4d(bias, [lengths.length, 1, 1, tokens]);
  }

  /** [B, T, 1] with 1 on real tokens. */
  tokenMask(lengths: Int32Array, tokens: number): tf.Tensor3D {
    const m = new Float32Array(lengths.length * tokens);
    for (let b = 0; b < lengths.length; b++) m.fill(1, b * tokens, b * tokens + lengths[b]!);
    return tf.tensor3d(m, [lengths.length, tokens, 1]);
  }

  /** Semantic encoder: e [B, T, D]. */
  encode(batch: TokenBatch): tf.Tensor3D {
    const { batch: b, tokens: t } = batch;
    if (t > this.config.maxTokens) throw new Error(`text codec: a sentence of ${t} tokens exceeds maxTokens ${this.config.maxTokens}`);
    const ids = tf.tensor2d(batch.ids, [b, t], 'int32');
    let x = tf.add(tf.gather(this.embedding, ids), tf.slice(this.position, [0, 0], [t, this.config.dModel])) as tf.Tensor3D;
    const maskBias = this.keyMask(batch.lengths, t);
    for (const block of this.encoderBlocks) x = this.attention(block, x, maskBias);
    return this.encoderNorm(x) as tf.Tensor3D;
  }

  /** Edge side: received [B, T, k] and mask -> e^ [B, T, D]. */
  decode(received: tf.Tensor3D, mask: tf.Tensor3D, batch: TokenBatch): tf.Tensor3D {
    let x = this.decoderIn2(tf.relu(this.decoderIn1(tf.concat([received, mask], 2)))) as tf.Tensor3D;
    x = tf.add(x, tf.slice(this.position, [0, 0], [batch.tokens, this.config.dModel])) as tf.Tensor3D;
    const maskBias = this.keyMask(batch.lengths, batch.tokens);
    for (const block of this.decoderBlocks) x = this.attention(block, x, maskBias);
    return this.decoderNorm(x) as tf.Tensor3D;
  }

  project(e: tf.Tensor3D): tf.Tensor3D {
    return tf.tanh(this.projection(e)) as tf.Tensor3D;
  }

  /** Mean over real tokens of P(.) [B, D]. */
  sentenceEmbedding(projected: tf.Tensor3D, tokenMask: tf.Tensor3D, lengths: Int32Array): tf.Tensor2D {
    const sum = tf.sum(tf.mul(projected, tokenMask), 1);
    return tf.div(
      sum,
      tf.tensor2d(
        Float32Array.from(lengths, (n) => Math.max(1, n)),
        [lengths.length, 1],
      ),
    ) as tf.Tensor2D;
  }

  /** Token logits from projected embeddings: P(.) E^T + b, [B, T, V]. */
  logits(projected: tf.Tensor3D): tf.Tensor3D {
    const [b, t, d] = projected.shape;
    const flat = tf.reshape(projected, [b * t, d]) as tf.Tensor2D;
    return tf.reshape(tf.add(tf.matMul(flat, this.embedding as tf.Tensor2D, false, true), this.outputBias), [b, t, this.config.vocab]) as tf.Tensor3D;
  }

  forwardFromEmbedding(
    e: tf.Tensor3D,
    batch: TokenBatch,
    lambdas: ArrayLike<number>,
    snrDb: ArrayLike<number> | null,
    rng: RandomStream,
    channel: ChannelOptions,
    withClean = true,
    projectedOnly = false,
  ): TextOutputs {
    const k = this.config.symbolsPerToken;
    const mask = tf.tensor3d(textSymbolMask(batch.lengths, batch.tokens, k, lambdas), [batch.batch, batch.tokens, k]);
    const sent = normalizePower(this.channelEncoder(e), mask);
    const received = transmit(sent, mask, snrDb, rng, channel) as tf.Tensor3D;
    const recovered = this.decode(received, mask, batch);
    const tokenMask = this.tokenMask(batch.lengths, batch.tokens);
    const projectedClean = this.project(e);
    const projected = this.project(recovered);
    return {
      pe: this.sentenceEmbedding(projectedClean, tokenMask, batch.lengths),
      pr: this.sentenceEmbedding(projected, tokenMask, batch.lengths),
      projected,
      logits: projectedOnly ? (tf.zeros([0, 0, 0]) as tf.Tensor3D) : this.logits(projected),
      logitsClean: withClean ? this.logits(projectedClean) : (tf.zeros([0, 0, 0]) as tf.Tensor3D),
    };
  }

  /**
   * Training loss: mean cross-entropy of the tokens read from e^ (real tokens only: the padded
   * positions are dropped before the output layer) plus 1 - cos(P(e), P(e^)) of the sentences.
   */
  loss(batch: TokenBatch, lambdas: ArrayLike<number>, snrDb: ArrayLike<number>, rng: RandomStream, channel: ChannelOptions): tf.Scalar {
    const e = this.encode(batch);
    const out = this.forwardFromEmbedding(e, batch, lambdas, snrDb, rng, channel, false, true);
    const positions: number[] = [];
    const targets: number[] = [];
    for (let b = 0; b < batch.batch; b++) {
      for (let t = 0; t < batch.lengths[b]!; t++) {
        positions.push(b * batch.tokens + t);
        targets.push(batch.ids[b * batch.tokens + t]!);
      }
    }
    const projected = tf.gather(tf.reshape(out.projected!, [-1, this.config.dModel]), tf.tensor1d(positions, 'int32'));
    const logits = tf.add(tf.matMul(projected as tf.Tensor2D, this.embedding as tf.Tensor2D, false, true), this.outputBias);
    const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(targets, 'int32'), this.config.vocab), logits);
    const fid = tf.mean(cosine(out.pe, out.pr));
    return tf.add(ce, tf.sub(1, fid)) as tf.Scalar;
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary and BLEU.

/** Maps sentences to ids over the first `size` vocabulary entries (the rest become <unk>). */
export class Vocabulary {
  private readonly index = new Map<string, number>();
  constructor(readonly words: readonly string[]) {
    words.forEach((w, i) => this.index.set(w, i));
  }
  encode(sentence: string, maxTokens: number): Int32Array {
    const tokens = sentence.split(' ').filter(Boolean).slice(0, maxTokens);
    return Int32Array.from(tokens, (w) => this.index.get(w) ?? UNK);
  }
  decode(ids: ArrayLike<number>): string {
    return Array.from(ids, (i) => this.words[i] ?? '<unk>').join(' ');
  }
}

function ngramCounts(ids: ArrayLike<number>, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= ids.length; i++) {
    const key = Array.prototype.slice.call(ids, i, i + n).join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Sentence BLEU-N (uniform weights up to N) of a candidate against one reference, with the
 * brevity penalty and Chen & Cherry's smoothing 1 (a zero match count becomes 0.1).
 */
export function sentenceBleu(candidate: ArrayLike<number>, reference: ArrayLike<number>, maxN: number): number {
  if (candidate.length === 0) return 0;
  let logSum = 0;
  for (let n = 1; n <= maxN; n++) {
    const cand = ngramCounts(candidate, n);
    const ref = ngramCounts(reference, n);
    let total = 0;
    let matches = 0;
    for (const [key, count] of cand) {
      total += count;
      matches += Math.min(count, ref.get(key) ?? 0);
    }
    if (total === 0) return 0; // candidate shorter than n
    logSum += Math.log((matches === 0 ? 0.1 : matches) / total);
  }
  const bp = candidate.length >= reference.length ? 1 : Math.exp(1 - reference.length / candidate.length);
  return bp * Math.exp(logSum / maxN);
}
