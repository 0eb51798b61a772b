package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.baselines.Dropout;
import dev.attentiondrop.ops.random.SeedSalts;
import dev.attentiondrop.ops.xla.XlaMode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * A transformer encoder block, built with {@link #builder}.
 *
 * <pre>
 *   pre-LN (default):  x = x + drop(MHA(LN1(x)));  x = x + drop(FFN(LN2(x)))
 *   post-LN:           x = LN1(x + drop(MHA(x)));  x = LN2(x + drop(FFN(x)))
 * </pre>
 *
 * {@code drop} is inverted dropout on the residual branch (rate {@code residual_dropout}), {@code
 * MHA} a {@link MultiHeadAttention} with {@code num_heads} heads of width {@code key_dim} and
 * {@code FFN} a {@link FeedForward} of hidden width {@code mlp_dim}.
 */
public final class TransformerEncoderBlock extends Layer {
  private final boolean preNorm;
  private final LayerNormalization norm1;
  private final LayerNormalization norm2;
  private final MultiHeadAttention attention;
  private final FeedForward feedForward;
  private final Dropout residualDropout;

  private TransformerEncoderBlock(Ops tf, String name, Builder b) {
    super(name);
    int d = Checks.inRange("model_dim", b.modelDim, 1, 1 << 20);
    int h = Checks.inRange("num_heads", b.numHeads, 1, 1024);
    if (b.keyDim == null && d % h != 0) {
      throw new IllegalArgumentException(
          "num_heads must divide model_dim " + d + " when key_dim is not given, got " + h);
    }
    Checks.inRange("mlp_dim", b.mlpDim, 1, 1 << 20);
    Checks.inClosedOpen("residual_dropout", b.residualDropout, 0, 1);
    Checks.positiveFinite("layer_norm_epsilon", b.layerNormEpsilon);
    Initializers init = b.init != null ? b.init : new Initializers(name.hashCode());
    this.preNorm = b.preNorm;
    Ops scope = tf.withSubScope(name);
    this.norm1 = add(new LayerNormalization(scope, "norm1", d, b.layerNormEpsilon, init));
    this.attention =
        add(
            MultiHeadAttention.builder()
                .inputDim(d)
                .numHeads(h)
                .keyDim(b.keyDim != null ? b.keyDim : d / h)
                .dropout(b.attentionDropout)
                .useCausalMask(b.useCausalMask)
                .regularizers(b.chain)
                .xla(b.attentionXla)
                .layer(b.layerIndex, b.numLayers)
                .initializers(init)
                .build(scope, "attention"));
    this.norm2 = add(new LayerNormalization(scope, "norm2", d, b.layerNormEpsilon, init));
    this.feedForward = add(new FeedForward(scope, "mlp", d, b.mlpDim, b.dropConnect, init));
    this.residualDropout = new Dropout(b.residualDropout);
  }

  /**
   * A builder with the defaults: {@code key_dim = model_dim / num_heads}, pre-LN, no dropout or
   * DropConnect, epsilon {@code 1e-6}, no causal mask, no regularizers, plain kernels, layer 0 of
   * 1.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The block's attention layer.
   *
   * @return the MHA
   */
  public MultiHeadAttention attention() {
    return attention;
  }

  /**
   * The block over {@code x [B, T, d]}.
   *
   * @param tf ops
   * @param x the input {@code [B, T, d]}
   * @param keyMask the attention mask, in any layout {@link MultiHeadAttention#call(Ops, Operand,
   *     Operand, CallContext)} takes, or null
   * @param ctx training mode, seed and noise groups
   * @return the block output {@code [B, T, d]} and the attention probabilities of its MHA
   * @throws IllegalArgumentException at graph-build time for an input or mask of the wrong shape
   */
  public MultiHeadAttention.Output call(
      Ops tf, Operand<TFloat32> x, Operand<TBool> keyMask, CallContext ctx) {
    // The attention tiles a pending stack of passes; the residual follows, the rest sees it done.
    CallContext attnCtx = ctx.fork(tf, SeedSalts.BLOCK_ATTENTION);
    CallContext after = ctx.tiled();
    CallContext ffnCtx = after.fork(tf, SeedSalts.BLOCK_FEED_FORWARD);
    if (preNorm) {
      var a = attention.call(tf, norm1.call(tf, x), keyMask, attnCtx);
      Operand<TFloat32> h =
          tf.math.add(
              ctx.tileIfPending(tf, x),
              drop(tf, a.output(), after.fork(tf, SeedSalts.BLOCK_ATTENTION_DROPOUT)));
      Operand<TFloat32> f = feedForward.call(tf, norm2.call(tf, h), ffnCtx);
      return new MultiHeadAttention.Output(
          tf.math.add(h, drop(tf, f, after.fork(tf, SeedSalts.BLOCK_FEED_FORWARD_DROPOUT))),
          a.probabilities());
    }
    var a = attention.call(tf, x, keyMask, attnCtx);
    Operand<TFloat32> h =
        norm1.call(
            tf,
            tf.math.add(
                ctx.tileIfPending(tf, x),
                drop(tf, a.output(), after.fork(tf, SeedSalts.BLOCK_ATTENTION_DROPOUT))));
    Operand<TFloat32> f = feedForward.call(tf, h, ffnCtx);
    return new MultiHeadAttention.Output(
        norm2.call(
            tf, tf.math.add(h, drop(tf, f, after.fork(tf, SeedSalts.BLOCK_FEED_FORWARD_DROPOUT)))),
        a.probabilities());
  }

  private Operand<TFloat32> drop(Ops tf, Operand<TFloat32> x, CallContext ctx) {
    return residualDropout.call(tf, x, ctx.training(), ctx.seed());
  }

  /**
   * The block's hyper-parameters, with Keras' names where Keras has them. Setters only record;
   * {@link #build} validates, naming the parameter and its allowed range. {@link Encoder} builds
   * one block per layer from one builder, setting each block's chain and depth.
   */
  public static final class Builder {
    private int modelDim;
    private int numHeads;
    private Integer keyDim;
    private int mlpDim;
    private boolean preNorm = true;
    private double attentionDropout = 0;
    private double residualDropout = 0;
    private double dropConnect = 0;
    private double layerNormEpsilon = 1e-6;
    private boolean useCausalMask = false;
    private XlaMode attentionXla = XlaMode.NONE;
    private RegularizerChain chain = RegularizerChain.none();
    private int layerIndex = 0;
    private int numLayers = 1;
    private Initializers init;

    private Builder() {}

    /**
     * Sets the model width {@code d} (input and output). Required.
     *
     * @param v {@code d} in {@code [1, 2^20]}
     * @return this builder
     */
    public Builder modelDim(int v) {
      this.modelDim = v;
      return this;
    }

    /**
     * Sets the attention heads (Keras' {@code num_heads}). Required.
     *
     * @param v {@code H} in {@code [1, 1024]}
     * @return this builder
     */
    public Builder numHeads(int v) {
      this.numHeads = v;
      return this;
    }

    /**
     * Sets the head width (Keras' {@code key_dim}; default {@code model_dim / num_heads}).
     *
     * @param v width in {@code [1, 65536]}
     * @return this builder
     */
    public Builder keyDim(int v) {
      this.keyDim = v;
      return this;
    }

    /**
     * Sets the feed-forward hidden width (Keras' {@code intermediate_dim}). Required.
     *
     * @param v width in {@code [1, 2^20]}
     * @return this builder
     */
    public Builder mlpDim(int v) {
      this.mlpDim = v;
      return this;
    }

    /**
     * Chooses pre-LN (true, default; Keras' {@code normalize_first}) or post-LN.
     *
     * @param v whether layer normalization precedes each sub-layer
     * @return this builder
     */
    public Builder preNorm(boolean v) {
      this.preNorm = v;
      return this;
    }

    /**
     * Sets the attention-probability dropout (the MHA's {@code dropout}; default 0).
     *
     * @param v rate in {@code [0, 1)}
     * @return this builder
     */
    public Builder attentionDropout(double v) {
      this.attentionDropout = v;
      return this;
    }

    /**
     * Sets the residual-branch dropout (default 0).
     *
     * @param v rate in {@code [0, 1)}
     * @return this builder
     */
    public Builder residualDropout(double v) {
      this.residualDropout = v;
      return this;
    }

    /**
     * Sets the DropConnect rate of the feed-forward kernels (default 0).
     *
     * @param v rate in {@code [0, 1)}
     * @return this builder
     */
    public Builder dropConnect(double v) {
      this.dropConnect = v;
      return this;
    }

    /**
     * Sets the epsilon of both layer normalizations (default {@code 1e-6}).
     *
     * @param v epsilon, {@code > 0}
     * @return this builder
     */
    public Builder layerNormEpsilon(double v) {
      this.layerNormEpsilon = v;
      return this;
    }

    /**
     * Sets the MHA's {@code use_causal_mask} (default false).
     *
     * @param v whether queries attend only to keys at or before their position
     * @return this builder
     */
    public Builder useCausalMask(boolean v) {
      this.useCausalMask = v;
      return this;
    }

    /**
     * Sets how the attention core runs (default {@link XlaMode#NONE}).
     *
     * @param v the XLA mode
     * @return this builder
     */
    public Builder attentionXla(XlaMode v) {
      this.attentionXla = v;
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
     * Sets the block's depth, for depth-dependent regularizers (default 0 of 1).
     *
     * @param index {@code 0 <= index < count}
     * @param count blocks in the stack
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
     * Validates the parameters and creates the block's weights under {@code name}.
     *
     * @param tf ops
     * @param name the block's scope
     * @return the block
     * @throws IllegalArgumentException naming the first invalid parameter and its allowed range
     */
    public TransformerEncoderBlock build(Ops tf, String name) {
      return new TransformerEncoderBlock(tf, name, this);
    }
  }
}
