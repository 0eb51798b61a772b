package dev.attentiondrop.ops.blur;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/**
 * The normalized 1-D Gaussian kernel of odd width {@code w}: with {@code r = (w - 1) / 2} and
 * offsets {@code d = -r..r} (the paper's {@code j - mu}, {@code mu = (w + 1) / 2}),
 *
 * <pre>
 *   G_d = exp(-d^2 / (2 sigma^2)) / sum_e exp(-e^2 / (2 sigma^2))
 * </pre>
 *
 * As {@code sigma -> 0} the kernel tends to the identity {@code (0, .., 1, .., 0)}; sigma is
 * clamped below at {@link #MIN_SIGMA}, where every off-centre weight is exactly 0 in float32, so
 * {@code sigma = 0} gives the identity and never 0/0.
 */
public final class GaussianKernel {
  /** Sigma is clamped to at least this value before the kernel is formed. */
  public static final double MIN_SIGMA = 1e-3;

  private GaussianKernel() {}

  /**
   * The kernel for a Java sigma, in double precision (reference and documentation).
   *
   * @param sigma the kernel's {@code sigma} (clamped to at least {@link #MIN_SIGMA})
   * @param width the kernel width {@code w}, odd
   * @return the kernel for a Java sigma, in double precision (reference and documentation)
   */
  public static double[] weights(double sigma, int width) {
    Checks.oddInRange("w", width, 1, BlurredAttentionSmoothing.MAX_WIDTH);
    double s = Math.max(sigma, MIN_SIGMA);
    int r = (width - 1) / 2;
    double[] g = new double[width];
    double sum = 0;
    for (int d = -r; d <= r; d++) {
      g[d + r] = Math.exp(-(double) d * d / (2 * s * s));
      sum += g[d + r];
    }
    for (int i = 0; i < width; i++) {
      g[i] /= sum;
    }
    return g;
  }

  /**
   * The kernel weights for a sigma tensor: element {@code d + r} of the returned list is {@code
   * G_d}, of the shape of {@code sigma}. Computed in float64 for float64 inputs and in float32
   * otherwise (half precision would underflow {@code sigma^2}), then cast to {@code type}.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param sigma the kernel's {@code sigma} (clamped to at least {@link #MIN_SIGMA})
   * @param width the kernel width {@code w}, odd
   * @param type the type of the returned weights
   * @return the kernel weights for a sigma tensor
   */
  public static <T extends TFloating> List<Operand<T>> weights(
      Ops tf, Operand<T> sigma, int width, Class<T> type) {
    if (type == TFloat64.class) {
      return castAll(tf, weightsIn(tf, tf.dtypes.cast(sigma, TFloat64.class), width), type);
    }
    return castAll(tf, weightsIn(tf, tf.dtypes.cast(sigma, TFloat32.class), width), type);
  }

  private static <U extends TFloating> List<Operand<U>> weightsIn(
      Ops tf, Operand<U> sigma, int width) {
    int r = (width - 1) / 2;
    Operand<U> s = tf.math.maximum(sigma, Tensors.scalarLike(tf, MIN_SIGMA, sigma));
    Operand<U> twoSigmaSq = tf.math.mul(Tensors.scalarLike(tf, 2, sigma), tf.math.square(s));
    List<Operand<U>> raw = new ArrayList<>();
    for (int d = -r; d <= r; d++) {
      raw.add(
          tf.math.exp(
              tf.math.neg(tf.math.div(Tensors.scalarLike(tf, (double) d * d, sigma), twoSigmaSq))));
    }
    Operand<U> sum = raw.size() == 1 ? raw.get(0) : tf.math.addN(raw);
    List<Operand<U>> out = new ArrayList<>();
    for (Operand<U> g : raw) {
      out.add(tf.math.div(g, sum));
    }
    return out;
  }

  private static <U extends TFloating, T extends TFloating> List<Operand<T>> castAll(
      Ops tf, List<Operand<U>> in, Class<T> type) {
    List<Operand<T>> out = new ArrayList<>();
    for (Operand<U> x : in) {
      out.add(tf.dtypes.cast(x, type));
    }
    return out;
  }
}
