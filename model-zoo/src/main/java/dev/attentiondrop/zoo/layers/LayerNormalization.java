package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Layer normalization over the last axis: {@code y = (x - mean) / sqrt(var + epsilon) * gamma +
 * beta} with the biased variance, as {@code keras.layers.LayerNormalization}.
 */
public final class LayerNormalization extends Layer {
  private final Variable<TFloat32> gamma;
  private final Variable<TFloat32> beta;
  private final float epsilon;
  private final int dim;

  public LayerNormalization(Ops tf, String name, int dim, double epsilon, Initializers init) {
    super(name);
    this.dim = Checks.inRange("dim", dim, 1, Integer.MAX_VALUE);
    this.epsilon = (float) Checks.positiveFinite("epsilon", epsilon);
    Ops scope = tf.withSubScope(name);
    this.gamma = addWeight(scope, "gamma", init.ones(scope, dim));
    this.beta = addWeight(scope, "beta", init.zeros(scope, dim));
  }

  public Variable<TFloat32> gamma() {
    return gamma;
  }

  public Variable<TFloat32> beta() {
    return beta;
  }

  public Operand<TFloat32> call(Ops tf, Operand<TFloat32> x) {
    var axis = tf.constant(new int[] {-1});
    Operand<TFloat32> mean = tf.math.mean(x, axis, org.tensorflow.op.math.Mean.keepDims(true));
    Operand<TFloat32> centred = tf.math.sub(x, mean);
    Operand<TFloat32> variance =
        tf.math.mean(tf.math.square(centred), axis, org.tensorflow.op.math.Mean.keepDims(true));
    Operand<TFloat32> normed =
        tf.math.mul(centred, tf.math.rsqrt(tf.math.add(variance, tf.constant(epsilon))));
    return tf.math.add(tf.math.mul(normed, gamma), beta);
  }
}
