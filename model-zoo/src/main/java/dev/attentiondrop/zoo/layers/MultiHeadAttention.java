package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.random.SeedSalts;
import dev.attentiondrop.ops.xla.CompiledAttention;
import dev.attentiondrop.ops.xla.XlaMode;
import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Multi-head attention as {@code keras.layers.MultiHeadAttention}, built with {@link #builder} and
 * Keras' parameter names. For queries {@code x_q [B, T, d]} and keys/values {@code x_kv [B, S, d]},
 * with {@code H = num_heads}, {@code k = key_dim}, {@code v = value_dim}:
 *
 * <pre>
 *   Q = x_q W_q + b_q   [B, H, T, k]      K = x_kv W_k + b_k   [B, H, S, k]
 *   V = x_kv W_v + b_v  [B, H, S, v]
 *   A = softmax(chain(Q K^T / sqrt(k), mask))       [B, H, T, S]
 *   out = concat_h(A V) W_o + b_o                   [B, T, output_shape]
 * </pre>
 *
 * The projections {@code W_q, W_k} of shape {@code [d, H k]}, {@code W_v [d, H v]} and {@code W_o
 * [H v, output_shape]} are Keras' {@code [d, H, k]} and {@code [H, v, output_shape]} kernels
 * flattened; the biases exist iff {@code use_bias}. The attention-probability dropout (Keras'
 * {@code dropout}) is appended to the chain's probability stage. Masked keys ({@code false}) get
 * probability 0.
 */
public final class MultiHeadAttention extends Layer {
  private final int inputDim;
  private final int heads;
  private final int keyDim;
  private final int valueDim;
  private final Dense query;
  private final Dense key;
  private final Dense value;
  private final Dense output;
  private final RegularizerChain chain;
  private final CompiledAttention core;
  private final boolean useCausalMask;
  private final int layerIndex;
  private final int numLayers;

  /**
   * The result of a call.
   *
   * @param output the attention output {@code [B, T, output_shape]}
   * @param probabilities the attention probabilities {@code [B, H, T, S]} (for visualization)
   */
  public record Output(Operand<TFloat32> output, Operand<TFloat32> probabilities) {}

  private MultiHeadAttention(Ops tf, String name, Builder b) {
    super(name);
    this.inputDim = Checks.inRange("input_dim", b.inputDim, 1, 1 << 20);
    this.heads = Checks.inRange("num_heads", b.numHeads, 1, 1024);
    this.keyDim = Checks.inRange("key_dim", b.keyDim, 1, 1 << 16);
    this.valueDim =
        Checks.inRange("value_dim", b.valueDim != null ? b.valueDim : keyDim, 1, 1 << 16);
    int out =
        Checks.inRange(
            "output_shape", b.outputShape != null ? b.outputShape : inputDim, 1, 1 << 20);
    Checks.inClosedOpen("dropout", b.dropout, 0, 1);
    Checks.notNull("regularizers", b.chain);
    Checks.notNull("xla", b.xla);
    Initializers init = b.init != null ? b.init : new Initializers(name.hashCode());
    Checks.inRange("num_layers", b.numLayers, 1, 1024);
    Checks.inRange("layer_index", b.layerIndex, 0, b.numLayers - 1);
    Ops scope = tf.withSubScope(name);
    this.query = add(new Dense(scope, "query", inputDim, heads * keyDim, b.useBias, 0, init));
    this.key = add(new Dense(scope, "key", inputDim, heads * keyDim, b.useBias, 0, init));
    this.value = add(new Dense(scope, "value", inputDim, heads * valueDim, b.useBias, 0, init));
    this.output =
        add(new Dense(scope, "attention_output", heads * valueDim, out, b.useBias, 0, init));
    this.chain =
        b.dropout > 0 ? b.chain.thenProbabilities(new AttentionDropout(b.dropout)) : b.chain;
    this.core = CompiledAttention.of(this.chain, b.xla).returning(true, false);
    this.useCausalMask = b.useCausalMask;
    this.layerIndex = b.layerIndex;
    this.numLayers = b.numLayers;
  }

  /**
   * A builder with Keras' defaults: {@code value_dim = key_dim}, {@code dropout 0}, {@code use_bias
   * true}, {@code output_shape = input_dim}, no causal mask; no regularizers, plain kernels, layer
   * 0 of 1.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The query projection.
   *
   * @return {@code W_q [d, H k]} and {@code b_q}
   */
  public Dense query() {
    return query;
  }

  /**
   * The key projection.
   *
   * @return {@code W_k [d, H k]} and {@code b_k}
   */
  public Dense key() {
    return key;
  }

  /**
   * The value projection.
   *
   * @return {@code W_v [d, H v]} and {@code b_v}
   */
  public Dense value() {
    return value;
  }

  /**
   * The output projection.
   *
   * @return {@code W_o [H v, output_shape]} and {@code b_o}
   */
  public Dense output() {
    return output;
  }

  /**
   * The attention chain, with the probability dropout appended when {@code dropout > 0}.
   *
   * @return the chain applied to every call
   */
  public RegularizerChain chain() {
    return chain;
  }

  /**
   * How the attention core runs.
   *
   * @return the XLA mode
   */
  public XlaMode xla() {
    return core.mode();
  }

  /**
   * Self-attention over {@code x [B, T, d]}.
   *
   * @param tf ops
   * @param x queries, keys and values {@code [B, T, d]}
   * @param mask TBool, {@code true} = may attend: a padding mask {@code [B, S]}, an attention mask
   *     {@code [B, T, S]} (Keras' {@code attention_mask}), or {@code [B, H, T, S]}; a dimension may
   *     be 1 to broadcast (not {@code S}); null for none. And'ed with the causal mask when {@code
   *     use_causal_mask}.
   * @param ctx training mode, seed and noise groups
   * @return the output and the probabilities
   * @throws IllegalArgumentException at graph-build time for an input or mask of the wrong rank or
   *     size, naming the argument, the expected and the actual shape
   */
  public Output call(Ops tf, Operand<TFloat32> x, Operand<TBool> mask, CallContext ctx) {
    return call(tf, x, x, mask, ctx);
  }

  /**
   * Attention of {@code queries [B, T, d]} over {@code keysValues [B, S, d]} (Keras' {@code query}
   * and {@code value}, with {@code key = value}).
   *
   * @param tf ops
   * @param queries {@code [B, T, d]}
   * @param keysValues {@code [B, S, d]}
   * @param mask as in {@link #call(Ops, Operand, Operand, CallContext)}
   * @param ctx training mode, seed and noise groups
   * @return the output and the probabilities
   * @throws IllegalArgumentException at graph-build time for an input or mask of the wrong rank or
   *     size, naming the argument, the expected and the actual shape
   */
  public Output call(
      Ops tf,
      Operand<TFloat32> queries,
      Operand<TFloat32> keysValues,
      Operand<TBool> mask,
      CallContext ctx) {
    Shape qs = queries.shape();
    Shape ks = keysValues.shape();
    requireShape("query", qs, new long[] {-1, -1, inputDim}, "[batch, T, " + inputDim + "]");
    requireShape("key/value", ks, new long[] {-1, -1, inputDim}, "[batch, S, " + inputDim + "]");
    long batch = qs.get(0);
    if (batch >= 0 && ks.get(0) >= 0 && ks.get(0) != batch) {
      throw new IllegalArgumentException(
          "key/value must have the batch of query " + qs + ", got " + ks);
    }
    long t = qs.get(1);
    long s = ks.get(1);
    Operand<TBool> keyMask = mask == null ? null : rank4(tf, mask, batch, t, s);
    // With a pending tiling (shared-prefix passes) the projections run once, then the passes stack.
    Operand<TFloat32> q =
        ctx.tileIfPending(tf, splitHeads(tf, query.call(tf, queries, ctx), keyDim));
    Operand<TFloat32> k =
        ctx.tileIfPending(tf, splitHeads(tf, key.call(tf, keysValues, ctx), keyDim));
    Operand<TFloat32> v =
        ctx.tileIfPending(tf, splitHeads(tf, value.call(tf, keysValues, ctx), valueDim));
    keyMask = ctx.tileIfPending(tf, keyMask);
    if (useCausalMask) {
      Operand<TBool> causal = causalMask(tf, t, s);
      keyMask = keyMask == null ? causal : tf.math.logicalAnd(keyMask, causal);
    }
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

  /**
   * Keras' causal mask {@code [1, 1, T, S]}: query {@code i} may attend to key {@code j} iff {@code
   * j <= i} (Keras' {@code use_causal_mask}, {@code tril(ones(T, S))}).
   */
  private static Operand<TBool> causalMask(Ops tf, long t, long s) {
    if (t < 0 || s < 0) {
      throw new IllegalArgumentException(
          "use_causal_mask needs static query and key lengths, got T = " + t + ", S = " + s);
    }
    boolean[] allowed = new boolean[(int) (t * s)];
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < s && j <= i; j++) {
        allowed[(int) (i * s + j)] = true;
      }
    }
    return tf.constant(Shape.of(1, 1, t, s), DataBuffers.of(allowed, true, false));
  }

  /** {@code [B, S]}, {@code [B, T, S]} or {@code [B, H, T, S]} as a rank-4 mask. */
  private Operand<TBool> rank4(Ops tf, Operand<TBool> mask, long batch, long t, long s) {
    Shape m = mask.shape();
    String layouts =
        "[B, S] = ["
            + batch
            + ", "
            + s
            + "], [B, T, S] = ["
            + batch
            + ", "
            + t
            + ", "
            + s
            + "] or [B, H, T, S] = ["
            + batch
            + ", "
            + heads
            + ", "
            + t
            + ", "
            + s
            + "] (B, H, T may be 1)";
    if (m.isUnknown() || m.numDimensions() < 2 || m.numDimensions() > 4) {
      throw new IllegalArgumentException("mask must have shape " + layouts + ", got " + m);
    }
    long[] expected =
        switch (m.numDimensions()) {
          case 2 -> new long[] {batch, s};
          case 3 -> new long[] {batch, t, s};
          default -> new long[] {batch, heads, t, s};
        };
    for (int i = 0; i < expected.length; i++) {
      long got = m.get(i);
      boolean last = i == expected.length - 1;
      if (got >= 0 && expected[i] >= 0 && got != expected[i] && (last || got != 1)) {
        throw new IllegalArgumentException("mask must have shape " + layouts + ", got " + m);
      }
    }
    return switch (m.numDimensions()) {
      case 2 -> tf.expandDims(tf.expandDims(mask, tf.constant(1)), tf.constant(1));
      case 3 -> tf.expandDims(mask, tf.constant(1));
      default -> mask;
    };
  }

  private static void requireShape(String argument, Shape shape, long[] dims, String layout) {
    boolean ok = !shape.isUnknown() && shape.numDimensions() == dims.length;
    for (int i = 0; ok && i < dims.length; i++) {
      ok = dims[i] < 0 || shape.get(i) == dims[i];
    }
    if (!ok) {
      throw new IllegalArgumentException(
          argument
              + " must have shape "
              + layout
              + ", got "
              + (shape.isUnknown() ? "unknown" : Arrays.toString(shape.asArray())));
    }
  }

  /** {@code [B, T, H * d] -> [B, H, T, d]}. */
  private Operand<TFloat32> splitHeads(Ops tf, Operand<TFloat32> x, int d) {
    long t = x.shape().get(1);
    Operand<TFloat32> r = tf.reshape(x, tf.constant(new int[] {-1, (int) t, heads, d}));
    return tf.linalg.transpose(r, tf.constant(new int[] {0, 2, 1, 3}));
  }

  /** {@code [B, H, T, v] -> [B, T, H * v]}. */
  private Operand<TFloat32> mergeHeads(Ops tf, Operand<TFloat32> x) {
    long t = x.shape().get(2);
    Operand<TFloat32> r = tf.linalg.transpose(x, tf.constant(new int[] {0, 2, 1, 3}));
    return tf.reshape(r, tf.constant(new int[] {-1, (int) t, heads * valueDim}));
  }

  /**
   * Keras' parameters plus this project's chain, XLA mode and depth. Setters only record; {@link
   * #build} validates, naming the parameter and its allowed range.
   */
  public static final class Builder {
    private int inputDim;
    private int numHeads;
    private int keyDim;
    private Integer valueDim;
    private double dropout = 0;
    private boolean useBias = true;
    private Integer outputShape;
    private boolean useCausalMask = false;
    private RegularizerChain chain = RegularizerChain.none();
    private XlaMode xla = XlaMode.NONE;
    private int layerIndex = 0;
    private int numLayers = 1;
    private Initializers init;

    private Builder() {}

    /**
     * Sets the last dimension {@code d} of the query, key and value inputs (Keras infers it at the
     * first call; here the weights are created when built). Required.
     *
     * @param v {@code d} in {@code [1, 2^20]}
     * @return this builder
     */
    public Builder inputDim(int v) {
      this.inputDim = v;
      return this;
    }

    /**
     * Sets Keras' {@code num_heads}. Required.
     *
     * @param v {@code H} in {@code [1, 1024]}
     * @return this builder
     */
    public Builder numHeads(int v) {
      this.numHeads = v;
      return this;
    }

    /**
     * Sets Keras' {@code key_dim}, the width of each query and key head. Required.
     *
     * @param v {@code k} in {@code [1, 65536]}
     * @return this builder
     */
    public Builder keyDim(int v) {
      this.keyDim = v;
      return this;
    }

    /**
     * Sets Keras' {@code value_dim}, the width of each value head (default {@code key_dim}).
     *
     * @param v {@code v} in {@code [1, 65536]}
     * @return this builder
     */
    public Builder valueDim(int v) {
      this.valueDim = v;
      return this;
    }

    /**
     * Sets Keras' {@code dropout} on the attention probabilities (default 0).
     *
     * @param v rate in {@code [0, 1)}
     * @return this builder
     */
    public Builder dropout(double v) {
      this.dropout = v;
      return this;
    }

    /**
     * Sets Keras' {@code use_bias} of the four projections (default true).
     *
     * @param v whether the projections have biases
     * @return this builder
     */
    public Builder useBias(boolean v) {
      this.useBias = v;
      return this;
    }

    /**
     * Sets Keras' {@code output_shape}, the last dimension of the output (default {@code
     * input_dim}).
     *
     * @param v width in {@code [1, 2^20]}
     * @return this builder
     */
    public Builder outputShape(int v) {
      this.outputShape = v;
      return this;
    }

    /**
     * Sets Keras' {@code use_causal_mask} (default false): every call and's its mask with {@code j
     * <= i} (query {@code i}, key {@code j}).
     *
     * @param v whether queries attend only to keys at or before their position
     * @return this builder
     */
    public Builder useCausalMask(boolean v) {
      this.useCausalMask = v;
      return this;
    }

    /**
     * Sets the attention-logit regularizer chain (default none).
     *
     * @param v the chain
     * @return this builder
     */
    public Builder regularizers(RegularizerChain v) {
      this.chain = v;
      return this;
    }

    /**
     * Sets how the attention core runs (default {@link XlaMode#NONE}).
     *
     * @param v plain kernels or an XLA-compiled function ({@link CompiledAttention})
     * @return this builder
     */
    public Builder xla(XlaMode v) {
      this.xla = v;
      return this;
    }

    /**
     * Sets the layer's depth, for depth-dependent regularizers (default 0 of 1).
     *
     * @param index {@code 0 <= index < count}
     * @param count layers in the stack, {@code >= 1}
     * @return this builder
     */
    public Builder layer(int index, int count) {
      this.layerIndex = index;
      this.numLayers = count;
      return this;
    }

    /**
     * Sets the initializers of the weights. Default: {@code new Initializers(name.hashCode())} for
     * the {@code name} given to {@code build}: layers of different names draw different weights,
     * the same ones on every build.
     *
     * @param v initializers
     * @return this builder
     */
    public Builder initializers(Initializers v) {
      this.init = v;
      return this;
    }

    /**
     * Validates the parameters and creates the layer's weights under {@code name}.
     *
     * @param tf ops
     * @param name the layer's scope
     * @return the layer
     * @throws IllegalArgumentException naming the first invalid parameter and its allowed range
     */
    public MultiHeadAttention build(Ops tf, String name) {
      return new MultiHeadAttention(tf, name, this);
    }
  }
}
