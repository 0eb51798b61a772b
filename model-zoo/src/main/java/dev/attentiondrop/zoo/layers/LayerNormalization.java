package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.math.Mean;
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

  /**
   * Creates {@code gamma} (ones) and {@code beta} (zeros), both {@code [dim]}, under {@code name}.
   *
   * @param tf the ops of the parent's scope
   * @param name the layer's scope
   * @param dim the size of the normalized last axis
   * @param epsilon added to the variance, {@code > 0}, finite
   * @param init initializers of the weights
   * @throws IllegalArgumentException for {@code dim < 1} or an {@code epsilon} that is not positive
   *     and finite
   */
  public LayerNormalization(Ops tf, String name, int dim, double epsilon, Initializers init) {
    super(name);
    this.dim = Checks.inRange("dim", dim, 1, Integer.MAX_VALUE);
    this.epsilon = (float) Checks.positiveFinite("epsilon", epsilon);
    Ops scope = tf.withSubScope(name);
    this.gamma = addWeight(scope, "gamma", init.ones(scope, dim));
    this.beta = addWeight(scope, "beta", init.zeros(scope, dim));
  }

  /**
   * The scale.
   *
   * @return {@code gamma [dim]}
   */
  public Variable<TFloat32> gamma() {
    return gamma;
  }

  /**
   * The offset.
   *
   * @return {@code beta [dim]}
   */
  public Variable<TFloat32> beta() {
    return beta;
  }

  /**
   * Normalizes over the last axis: {@code mean = mean(x)}, {@code var = mean((x - mean)^2)}
   * (biased), {@code y = (x - mean) rsqrt(var + epsilon) gamma + beta}.
   *
   * @param tf the ops of the graph being built
   * @param x input {@code [..., dim]}
   * @return {@code y}, of the shape of {@code x}
   */
  public Operand<TFloat32> call(Ops tf, Operand<TFloat32> x) {
    var axis = tf.constant(new int[] {-1});
    Operand<TFloat32> mean = tf.math.mean(x, axis, Mean.keepDims(true));
    Operand<TFloat32> centred = tf.math.sub(x, mean);
    Operand<TFloat32> variance = tf.math.mean(tf.math.square(centred), axis, Mean.keepDims(true));
    Operand<TFloat32> normed =
        tf.math.mul(centred, tf.math.rsqrt(tf.math.add(variance, tf.constant(epsilon))));
    return tf.math.add(tf.math.mul(normed, gamma), beta);
  }
}
