package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.random.SeedSalts;
import dev.attentiondrop.ops.xla.CompiledAttention;
import dev.attentiondrop.ops.xla.XlaMode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Multi-head attention as {@code keras.layers.MultiHeadAttention}: projections {@code W_q, W_k,
 * W_v} of shape {@code [d_model, heads * key_dim]} (Keras' {@code [d_model, heads, key_dim]}
 * flattened), scaled dot-product attention per head with the regularizer chain and the key mask,
 * and the output projection {@code W_o [heads * key_dim, d_model]}. The attention-probability
 * dropout (Keras' {@code dropout}) is appended to the chain's probability stage.
 */
public final class MultiHeadAttention extends Layer {
  private final int heads;
  private final int keyDim;
  private final Dense query;
  private final Dense key;
  private final Dense value;
  private final Dense output;
  private final RegularizerChain chain;
  private final CompiledAttention core;
  private final int layerIndex;
  private final int numLayers;

  /** The result of a call: the output and the attention probabilities (for visualization). */
  public record Output(Operand<TFloat32> output, Operand<TFloat32> probabilities) {}

  public MultiHeadAttention(
      Ops tf,
      String name,
      int modelDim,
      int heads,
      int keyDim,
      double attentionDropout,
      RegularizerChain chain,
      int layerIndex,
      int numLayers,
      Initializers init) {
    this(
        tf,
        name,
        modelDim,
        heads,
        keyDim,
        attentionDropout,
        chain,
        XlaMode.NONE,
        layerIndex,
        numLayers,
        init);
  }

  /**
   * @param xla how the attention core ({@code Q K^T} scaling, the chain, softmax, times {@code V})
   *     runs: plain kernels or an XLA-compiled function ({@link CompiledAttention})
   */
  public MultiHeadAttention(
      Ops tf,
      String name,
      int modelDim,
      int heads,
      int keyDim,
      double attentionDropout,
      RegularizerChain chain,
      XlaMode xla,
      int layerIndex,
      int numLayers,
      Initializers init) {
    super(name);
    this.heads = Checks.inRange("heads", heads, 1, 1024);
    this.keyDim = Checks.inRange("key_dim", keyDim, 1, 1 << 16);
    Checks.inClosedOpen("attention_dropout", attentionDropout, 0, 1);
    Ops scope = tf.withSubScope(name);
    int inner = heads * keyDim;
    this.query = add(new Dense(scope, "query", modelDim, inner, init));
    this.key = add(new Dense(scope, "key", modelDim, inner, init));
    this.value = add(new Dense(scope, "value", modelDim, inner, init));
    this.output = add(new Dense(scope, "attention_output", inner, modelDim, init));
    RegularizerChain c = Checks.notNull("chain", chain);
    this.chain =
        attentionDropout > 0 ? c.thenProbabilities(new AttentionDropout(attentionDropout)) : c;
    this.core = CompiledAttention.of(this.chain, Checks.notNull("xla", xla)).returning(true, false);
    this.layerIndex = layerIndex;
    this.numLayers = numLayers;
  }

  public Dense query() {
    return query;
  }

  public Dense key() {
    return key;
  }

  public Dense value() {
    return value;
  }

  public Dense output() {
    return output;
  }

  public RegularizerChain chain() {
    return chain;
  }

  public XlaMode xla() {
    return core.mode();
  }

  /**
   * Self-attention over {@code x [batch, length, d_model]}.
   *
   * @param keyMask TBool broadcastable to {@code [batch, heads, length, length]}, or null
   */
  public Output call(Ops tf, Operand<TFloat32> x, Operand<TBool> keyMask, CallContext ctx) {
    return call(tf, x, x, keyMask, ctx);
  }

  /** Attention of {@code queries} over {@code keysValues}. */
  public Output call(
      Ops tf,
      Operand<TFloat32> queries,
      Operand<TFloat32> keysValues,
      Operand<TBool> keyMask,
      CallContext ctx) {
    // With a pending tiling (shared-prefix passes) the projections run once, then the passes stack.
    Operand<TFloat32> q = ctx.tileIfPending(tf, splitHeads(tf, query.call(tf, queries, ctx)));
    Operand<TFloat32> k = ctx.tileIfPending(tf, splitHeads(tf, key.call(tf, keysValues, ctx)));
    Operand<TFloat32> v = ctx.tileIfPending(tf, splitHeads(tf, value.call(tf, keysValues, ctx)));
    keyMask = ctx.tileIfPending(tf, keyMask);
    AttentionContext actx =
        (ctx.isOff()
                ? AttentionContext.inference()
                : AttentionContext.training(
                    ctx.training(), ctx.fork(tf, SeedSalts.ATTENTION_CORE).seed()))
            .withKeyMask(keyMask)
            .withLayer(layerIndex, numLayers)
            .withNoiseGroups(ctx.noiseGroups());
    var result = core.compute(tf, q, k, v, actx);
    return new Output(
        output.call(tf, mergeHeads(tf, result.output()), ctx), result.probabilities());
  }

  /** {@code [B, T, H * d] -> [B, H, T, d]}. */
  private Operand<TFloat32> splitHeads(Ops tf, Operand<TFloat32> x) {
    long t = x.shape().get(1);
    Operand<TFloat32> r = tf.reshape(x, tf.constant(new int[] {-1, (int) t, heads, keyDim}));
    return tf.linalg.transpose(r, tf.constant(new int[] {0, 2, 1, 3}));
  }

  /** {@code [B, H, T, d] -> [B, T, H * d]}. */
  private Operand<TFloat32> mergeHeads(Ops tf, Operand<TFloat32> x) {
    long t = x.shape().get(2);
    Operand<TFloat32> r = tf.linalg.transpose(x, tf.constant(new int[] {0, 2, 1, 3}));
    return tf.reshape(r, tf.constant(new int[] {-1, (int) t, heads * keyDim}));
  }
}
