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
 * A transformer encoder block.
 *
 * <pre>
 *   pre-LN (default):  x = x + drop(MHA(LN1(x)));  x = x + drop(FFN(LN2(x)))
 *   post-LN:           x = LN1(x + drop(MHA(x)));  x = LN2(x + drop(FFN(x)))
 * </pre>
 *
 * {@code drop} is inverted dropout on the residual branch (rate {@code residual_dropout}).
 */
public final class TransformerEncoderBlock extends Layer {
  /** The block's hyper-parameters; {@code attentionXla} says how its attention core runs. */
  public record Spec(
      int modelDim,
      int heads,
      int mlpDim,
      boolean preNorm,
      double attentionDropout,
      double residualDropout,
      double dropConnect,
      double layerNormEpsilon,
      XlaMode attentionXla) {

    public Spec {
      Checks.notNull("attention_xla", attentionXla);
    }

    /** A block whose attention runs on plain kernels ({@link XlaMode#NONE}). */
    public Spec(
        int modelDim,
        int heads,
        int mlpDim,
        boolean preNorm,
        double attentionDropout,
        double residualDropout,
        double dropConnect,
        double layerNormEpsilon) {
      this(
          modelDim,
          heads,
          mlpDim,
          preNorm,
          attentionDropout,
          residualDropout,
          dropConnect,
          layerNormEpsilon,
          XlaMode.NONE);
    }
  }

  private final Spec spec;
  private final LayerNormalization norm1;
  private final LayerNormalization norm2;
  private final MultiHeadAttention attention;
  private final FeedForward feedForward;
  private final Dropout residualDropout;

  public TransformerEncoderBlock(
      Ops tf,
      String name,
      Spec spec,
      RegularizerChain chain,
      int layerIndex,
      int numLayers,
      Initializers init) {
    super(name);
    this.spec = spec;
    Ops scope = tf.withSubScope(name);
    this.norm1 =
        add(new LayerNormalization(scope, "norm1", spec.modelDim(), spec.layerNormEpsilon(), init));
    this.attention =
        add(
            new MultiHeadAttention(
                scope,
                "attention",
                spec.modelDim(),
                spec.heads(),
                spec.modelDim() / spec.heads(),
                spec.attentionDropout(),
                chain,
                spec.attentionXla(),
                layerIndex,
                numLayers,
                init));
    this.norm2 =
        add(new LayerNormalization(scope, "norm2", spec.modelDim(), spec.layerNormEpsilon(), init));
    this.feedForward =
        add(
            new FeedForward(
                scope, "mlp", spec.modelDim(), spec.mlpDim(), spec.dropConnect(), init));
    this.residualDropout = new Dropout(spec.residualDropout());
  }

  public MultiHeadAttention attention() {
    return attention;
  }

  /** The block output and the attention probabilities of its MHA. */
  public MultiHeadAttention.Output call(
      Ops tf, Operand<TFloat32> x, Operand<TBool> keyMask, CallContext ctx) {
    // The attention tiles a pending stack of passes; the residual follows, the rest sees it done.
    CallContext attnCtx = ctx.fork(tf, SeedSalts.BLOCK_ATTENTION);
    CallContext after = ctx.tiled();
    CallContext ffnCtx = after.fork(tf, SeedSalts.BLOCK_FEED_FORWARD);
    if (spec.preNorm()) {
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
}
