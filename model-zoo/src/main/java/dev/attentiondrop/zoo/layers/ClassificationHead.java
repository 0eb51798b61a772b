package dev.attentiondrop.zoo.layers;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Pools a sequence {@code [batch, length, d]} to {@code [batch, d]} (the first, CLS, token; or the
 * mean over valid positions), normalizes it, and projects to class logits.
 */
public final class ClassificationHead extends Layer {
  /** How a sequence is pooled. */
  public enum Pooling {
    CLS,
    MEAN
  }

  private final Pooling pooling;
  private final LayerNormalization norm;
  private final Dense classifier;

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
   * @param valid TBool {@code [batch, length]} of valid positions for mean pooling, or null
   */
  public Operand<TFloat32> call(
      Ops tf, Operand<TFloat32> x, Operand<TBool> valid, CallContext ctx) {
    Operand<TFloat32> pooled;
    if (pooling == Pooling.CLS) {
      pooled =
          tf.squeeze(
              tf.slice(x, tf.constant(new int[] {0, 0, 0}), tf.constant(new int[] {-1, 1, -1})),
              org.tensorflow.op.core.Squeeze.axis(java.util.List.of(1L)));
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
