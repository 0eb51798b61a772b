package dev.attentiondrop.zoo.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Pools a sequence {@code [batch, length, d]} to {@code [batch, d]} (the first, CLS, token; or the
 * mean over valid positions), normalizes it, and projects to class logits.
 */
public final class ClassificationHead extends Layer {
  /** How a sequence is pooled. */
  public enum Pooling {
    /** The first token: {@code x[:, 0, :]}. */
    CLS,
    /**
     * The mean over the valid positions: {@code sum_t v_t x_t / max(1, sum_t v_t)} with {@code v_t}
     * 1 for a valid position and 0 for padding (all positions when no mask is given).
     */
    MEAN
  }

  private final Pooling pooling;
  private final LayerNormalization norm;
  private final Dense classifier;

  /**
   * Creates the normalization and the classifier under {@code name}.
   *
   * @param tf the ops of the parent's scope
   * @param name the layer's scope
   * @param dim the model width {@code d}
   * @param classes the number of classes
   * @param pooling how the sequence is pooled
   * @param epsilon the layer normalization's epsilon, {@code > 0}
   * @param init initializers of the weights
   * @throws IllegalArgumentException for a dimension below 1 or a non-positive {@code epsilon}
   */
  public ClassificationHead(
      Ops tf,
      String name,
      int dim,
      int classes,
      Pooling pooling,
      double epsilon,
      Initializers init) {
    super(name);
    this.pooling = pooling;
    Ops scope = tf.withSubScope(name);
    this.norm = add(new LayerNormalization(scope, "norm", dim, epsilon, init));
    this.classifier = add(new Dense(scope, "classifier", dim, classes, init));
  }

  /**
   * Class logits {@code Dense(LayerNorm(pool(x)))}.
   *
   * @param tf the ops of the graph being built
   * @param x the encoded sequence {@code [batch, length, d]}
   * @param valid TBool {@code [batch, length]} of valid positions for mean pooling, or null (all
   *     valid); unused with {@link Pooling#CLS}
   * @param ctx the call context, passed on to the classifier (which has no DropConnect)
   * @return logits {@code [batch, classes]}
   */
  public Operand<TFloat32> call(
      Ops tf, Operand<TFloat32> x, Operand<TBool> valid, CallContext ctx) {
    Operand<TFloat32> pooled;
    if (pooling == Pooling.CLS) {
      pooled =
          tf.squeeze(
              tf.slice(x, tf.constant(new int[] {0, 0, 0}), tf.constant(new int[] {-1, 1, -1})),
              Squeeze.axis(List.of(1L)));
    } else if (valid == null) {
      pooled = tf.math.mean(x, tf.constant(1));
    } else {
      Operand<TFloat32> w = tf.expandDims(tf.dtypes.cast(valid, TFloat32.class), tf.constant(-1));
      Operand<TFloat32> sum = tf.reduceSum(tf.math.mul(x, w), tf.constant(1));
      Operand<TFloat32> count = tf.math.maximum(tf.reduceSum(w, tf.constant(1)), tf.constant(1f));
      pooled = tf.math.div(sum, count);
    }
    return classifier.call(tf, norm.call(tf, pooled), ctx);
  }
}
