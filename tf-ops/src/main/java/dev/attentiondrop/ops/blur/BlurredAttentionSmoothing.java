package dev.attentiondrop.ops.blur;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.ConfigReader;
import dev.attentiondrop.ops.Configurable;
import dev.attentiondrop.ops.LogitsRegularizer;
import dev.attentiondrop.ops.Masking;
import dev.attentiondrop.ops.Tensors;
import dev.attentiondrop.ops.kernels.FusedKernels;
import dev.attentiondrop.ops.random.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Blurred Attention Smoothing.
 *
 * <p>Draw {@code sigma ~ U(0, sigma_max)} (once per batch in the paper; per head or per example as
 * options), form the normalized Gaussian kernel {@code G} of odd width {@code w} ({@link
 * GaussianKernel}), and convolve every logit row along the key axis:
 *
 * <pre>
 *   L''_ij = sum_{d=-r..r} G_d * V_{i,j+d} * L_{i,j+d}                    (Boundary.ZERO_PAD)
 *   L''_ij = sum_d G_d V_{i,j+d} L_{i,j+d} / sum_d G_d V_{i,j+d}          (Boundary.RENORMALIZED)
 * </pre>
 *
 * where {@code V} is the key mask (1 for a valid key, 0 for a masked or out-of-range one): a masked
 * key contributes nothing, so in a causal model no future logit leaks into an allowed position.
 * Masked positions are returned unchanged. The convolution is one product with the Toeplitz band
 * matrix of {@code G} ({@link #banded}: a single pass over the logits forward and backward, with
 * and without XLA), or a sum of {@code w} shifted copies for float16 and very long key axes.
 *
 * @param sigmaMax upper end of the sigma distribution, finite and {@code > 0}
 * @param width kernel width {@code w}, odd, in {@code [1, MAX_WIDTH]}
 * @param scope how many sigmas are drawn per step
 * @param boundary what happens where the kernel overhangs the valid keys
 */
public record BlurredAttentionSmoothing(
    double sigmaMax, int width, SigmaScope scope, Boundary boundary)
    implements LogitsRegularizer, Configurable {

  /** The registered name. */
  public static final String NAME = "blur";

  /** Default upper end {@code sigma_max} of the sigma distribution. */
  public static final double DEFAULT_SIGMA_MAX = 1.0;

  /** Default kernel width {@code w}. */
  public static final int DEFAULT_WIDTH = 5;

  /** Default sigma scope: one per batch (the paper). */
  public static final SigmaScope DEFAULT_SCOPE = SigmaScope.PER_BATCH;

  /** Default boundary: zero padding (the paper). */
  public static final Boundary DEFAULT_BOUNDARY = Boundary.ZERO_PAD;

  /**
   * The configuration keys: {@code sigma_max}, {@code w}, {@code scope} ({@code batch}, {@code
   * head}, {@code example}), {@code boundary} ({@code zero_pad}, {@code renormalized}).
   */
  public static final List<String> KEYS = List.of("sigma_max", "w", "scope", "boundary");

  /** Widest kernel accepted (the paper uses {@code w <= 9}). */
  public static final int MAX_WIDTH = 63;

  /**
   * Validates the components.
   *
   * @param sigmaMax upper end of the sigma distribution, finite and {@code > 0}
   * @param width kernel width {@code w}, odd, in {@code [1, MAX_WIDTH]}
   * @param scope how many sigmas are drawn per step
   * @param boundary what happens where the kernel overhangs the valid keys
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public BlurredAttentionSmoothing {
    Checks.positiveFinite("sigma_max", sigmaMax);
    Checks.oddInRange("w", width, 1, MAX_WIDTH);
    Checks.notNull("scope", scope);
    Checks.notNull("boundary", boundary);
  }

  /**
   * The paper's form: one sigma per batch, zero padding.
   *
   * @param sigmaMax the upper end {@code sigma_max} of the sigma distribution
   * @param width the kernel width {@code w}
   * @return the regularizer
   */
  public static BlurredAttentionSmoothing of(double sigmaMax, int width) {
    return new BlurredAttentionSmoothing(sigmaMax, width, SigmaScope.PER_BATCH, Boundary.ZERO_PAD);
  }

  /**
   * The regularizer a configuration describes; omitted keys take the defaults.
   *
   * @param config keys among {@link #KEYS}; values as numbers or their text
   * @return the regularizer
   * @throws IllegalArgumentException for an unknown key or a malformed or out-of-range value
   */
  public static BlurredAttentionSmoothing fromConfig(Map<String, ?> config) {
    ConfigReader c = ConfigReader.of(NAME, config, KEYS);
    return new BlurredAttentionSmoothing(
        c.real("sigma_max", DEFAULT_SIGMA_MAX),
        c.integer("w", DEFAULT_WIDTH),
        c.choice("scope", DEFAULT_SCOPE, SigmaScope::configName),
        c.choice("boundary", DEFAULT_BOUNDARY, Boundary::configName));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, Object> config() {
    return ConfigReader.entries(
        "sigma_max",
        sigmaMax,
        "w",
        width,
        "scope",
        scope.configName(),
        "boundary",
        boundary.configName());
  }

  /**
   * A builder starting from the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public <T extends TFloating> Operand<T> apply(
      Ops tf, Operand<T> logits, AttentionContext context) {
    Checks.rank("logits", logits, 4, "[batch, heads, queries, keys]");
    if (width == 1) {
      return logits; // a width-1 kernel is the identity whatever sigma is
    }
    return context
        .training()
        .choose(
            tf,
            () -> applyWithSigma(tf, logits, context.keyMask(), sampleSigma(tf, logits, context)),
            logits);
  }

  /**
   * Draws sigma ~ U(0, sigma_max) with a shape that broadcasts against the logits: {@code
   * [1,1,1,1]} per batch, {@code [1,H,1,1]} per head, {@code [B,1,1,1]} per example; with {@code
   * noiseGroups > 1}, "per batch" and "per head" are per group of stacked passes.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param logits attention logits {@code L}, {@code [batch, heads, queries, keys]}
   * @param context what the regularizer is told: key mask, training mode, seed, layer
   * @return {@code sigma ~ U(0, sigma_max)}, broadcastable against the logits
   */
  public <T extends TFloating> Operand<T> sampleSigma(
      Ops tf, Operand<T> logits, AttentionContext context) {
    Operand<TInt32> batch = Tensors.dim(tf, logits, 0);
    Operand<TInt32> heads = Tensors.dim(tf, logits, 1);
    Operand<TInt32> one = tf.constant(1);
    int groups = context.noiseGroups();
    Operand<TInt32> shape =
        switch (scope) {
          case PER_BATCH -> tf.stack(List.of(tf.constant(groups), one, one, one));
          case PER_HEAD -> tf.stack(List.of(tf.constant(groups), heads, one, one));
          case PER_EXAMPLE -> tf.stack(List.of(batch, one, one, one));
        };
    Operand<T> u = Seeds.uniform(tf, shape, context.requireSeed(), logits.type());
    Operand<T> sigma = tf.math.mul(u, Tensors.scalarLike(tf, sigmaMax, logits));
    if (scope != SigmaScope.PER_EXAMPLE && groups > 1) {
      sigma = context.perGroupToPerExample(tf, sigma, batch);
    }
    return sigma;
  }

  /**
   * The deterministic core: the blur for a given sigma.
   *
   * @param sigma broadcastable to {@code [batch, heads, 1, 1]}
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param logits attention logits {@code L}, {@code [batch, heads, queries, keys]}
   * @param keyMask the key mask, broadcastable to the logits, {@code true} where a key may be
   *     attended to; {@code null} for every key
   * @return the blurred logits {@code L''}
   */
  public <T extends TFloating> Operand<T> applyWithSigma(
      Ops tf, Operand<T> logits, Operand<TBool> keyMask, Operand<T> sigma) {
    return applyWithSigma(tf, logits, keyMask, sigma, form(tf, logits, sigma));
  }

  /** How the convolution along the keys is computed. */
  enum Form {
    /** The fused kernel {@code AttentionDropBlurKeys}: one pass of {@code w} taps. */
    FUSED,
    /** A product with the {@code T x T} Toeplitz band matrix of the taps. */
    BANDED,
    /** A sum of {@code w} shifted copies of the logits. */
    SHIFTED
  }

  /**
   * The form {@link #applyWithSigma} uses: the fused kernel where {@link FusedKernels#usable} and
   * sigma has rank 4, else the banded product where {@link #banded}, else the shifted copies.
   */
  static Form form(Ops tf, Operand<?> logits, Operand<?> sigma) {
    @SuppressWarnings("unchecked")
    Class<? extends TFloating> type = (Class<? extends TFloating>) logits.type();
    org.tensorflow.ndarray.Shape shape = sigma.shape();
    if (shape.numDimensions() == 4
        && shape.size(2) == 1
        && shape.size(3) == 1
        && FusedKernels.usable(tf, type)) {
      return Form.FUSED;
    }
    return banded(logits) ? Form.BANDED : Form.SHIFTED;
  }

  /** {@link #applyWithSigma} in the chosen form. */
  <T extends TFloating> Operand<T> applyWithSigma(
      Ops tf, Operand<T> logits, Operand<TBool> keyMask, Operand<T> sigma, Form form) {
    Class<T> type = logits.type();
    List<Operand<T>> g = GaussianKernel.weights(tf, tf.stopGradient(sigma), width, type);
    Operand<T> zero = Tensors.scalar(tf, 0, type);
    Operand<TBool> valid = keyMask == null ? null : Masking.fullMask(tf, keyMask, logits);
    Operand<T> x = valid == null ? logits : tf.select(valid, logits, zero);
    Operand<T> validF = valid == null ? null : tf.dtypes.cast(valid, type);
    // FUSED: the taps as [1 or batch, 1 or heads, 1, w]; BANDED: the band matrix.
    Operand<T> taps =
        form != Form.FUSED ? null : g.size() == 1 ? g.get(0) : tf.concat(g, tf.constant(3));
    Operand<T> band =
        form == Form.BANDED ? bandMatrix(tf, g, Tensors.dim(tf, logits, -1), type) : null;
    UnaryOperator<Operand<T>> blur =
        switch (form) {
          case FUSED -> in -> FusedKernels.blurKeys(tf, in, taps);
          case BANDED -> in -> tf.train.batchMatMul(in, band, type);
          case SHIFTED -> in -> shiftedSum(tf, g, in);
        };

    Operand<T> out = blur.apply(x);
    if (boundary == Boundary.RENORMALIZED) {
      // The kernel mass over valid keys: V K, or, with no mask, the column sums of K.
      Operand<T> mass;
      if (validF != null) {
        mass = blur.apply(validF);
      } else if (form == Form.BANDED) {
        mass = tf.reduceSum(band, Tensors.axis(tf, -2), ReduceSum.keepDims(true));
      } else {
        // One row of ones per batch and head the taps vary over: [1 or b, 1 or h, 1, keys].
        Operand<TInt32> rowShape =
            form == Form.FUSED
                ? tf.concat(
                    List.of(
                        tf.slice(
                            tf.shape(taps), tf.constant(new int[] {0}), tf.constant(new int[] {3})),
                        tf.reshape(Tensors.dim(tf, logits, -1), tf.constant(new int[] {1}))),
                    tf.constant(0))
                : tf.shape(logits);
        mass = blur.apply(tf.fill(rowShape, Tensors.scalar(tf, 1, type)));
      }
      // Valid positions hold at least the centre weight; the floor only guards masked ones.
      Operand<T> floor = Tensors.scalar(tf, Tensors.isHalf(type) ? 1e-4 : 1e-30, type);
      out = tf.math.div(out, tf.math.maximum(mass, floor));
    }
    return valid == null ? out : tf.select(valid, out, logits);
  }

  /** Longest key axis for which the blur is a banded matmul (see {@link #banded}). */
  public static final long MAX_BANDED_KEYS = 2048;

  /**
   * Whether the convolution runs as a banded matrix product {@code L K} rather than as a sum of
   * {@code w} shifted copies. The product costs {@code 2 n} multiply-adds per logit against {@code
   * w}, but one matmul streams the logits once forward and once backward, where the shifted copies
   * stream them about {@code 2 w} times; it measured 2-3x faster for {@code n} from 64 to 1024
   * (docs/performance.md). Shifted copies remain for float16 (no CPU matmul kernel) and for key
   * axes longer than {@link #MAX_BANDED_KEYS}.
   */
  static boolean banded(Operand<?> logits) {
    long keys = Tensors.staticDim(logits, -1);
    return !Tensors.isHalf(logits.type()) && keys <= MAX_BANDED_KEYS;
  }

  /**
   * The Toeplitz band matrix {@code K[j', j] = G_{j'-j}} for {@code |j' - j| <= r}, else 0, so that
   * {@code (L K)_ij = sum_d G_d L_{i,j+d}} with zero padding; shaped {@code [b, h, n, n]} like the
   * weights (which broadcast as {@code [b, h, 1, 1]}). Built with a chain of adds (no {@code AddN},
   * which Grappler's memory optimizer may rewrite into ops XLA cannot compile).
   */
  private <T extends TFloating> Operand<T> bandMatrix(
      Ops tf, List<Operand<T>> g, Operand<TInt32> n, Class<T> type) {
    int r = (width - 1) / 2;
    Operand<TInt32> positions = tf.range(tf.constant(0), n, tf.constant(1));
    Operand<TInt32> offset =
        tf.math.sub(
            tf.expandDims(positions, tf.constant(1)), tf.expandDims(positions, tf.constant(0)));
    Operand<T> band = null;
    for (int d = -r; d <= r; d++) {
      Operand<T> diagonal = tf.dtypes.cast(tf.math.equal(offset, tf.constant(d)), type);
      Operand<T> term = tf.math.mul(g.get(d + r), diagonal);
      band = band == null ? term : tf.math.add(band, term);
    }
    return band;
  }

  /** {@code sum_d G_d shift(x, d)} with zero fill: the convolution as shifted copies. */
  private <T extends TFloating> Operand<T> shiftedSum(Ops tf, List<Operand<T>> g, Operand<T> x) {
    int r = (width - 1) / 2;
    Operand<T> zero = Tensors.scalar(tf, 0, x.type());
    List<Operand<T>> terms = new ArrayList<>();
    for (int d = -r; d <= r; d++) {
      terms.add(tf.math.mul(g.get(d + r), Tensors.shiftLastAxis(tf, x, d, zero)));
    }
    return tf.math.addN(terms);
  }

  /** Eagerly validating builder, starting from the defaults ({@link #DEFAULT_SIGMA_MAX} etc.). */
  public static final class Builder {
    private double sigmaMax = DEFAULT_SIGMA_MAX;
    private int width = DEFAULT_WIDTH;
    private SigmaScope scope = DEFAULT_SCOPE;
    private Boundary boundary = DEFAULT_BOUNDARY;

    /**
     * Sets {@code sigma_max}.
     *
     * @param v finite and {@code > 0}
     * @return this builder
     */
    public Builder sigmaMax(double v) {
      this.sigmaMax = Checks.positiveFinite("sigma_max", v);
      return this;
    }

    /**
     * Sets the kernel width {@code w}.
     *
     * @param w odd, in {@code [1, MAX_WIDTH]}
     * @return this builder
     */
    public Builder width(int w) {
      this.width = Checks.oddInRange("w", w, 1, MAX_WIDTH);
      return this;
    }

    /**
     * Sets how many sigmas are drawn per step.
     *
     * @param s the scope
     * @return this builder
     */
    public Builder scope(SigmaScope s) {
      this.scope = Checks.notNull("scope", s);
      return this;
    }

    /**
     * Sets the boundary treatment.
     *
     * @param b the boundary
     * @return this builder
     */
    public Builder boundary(Boundary b) {
      this.boundary = Checks.notNull("boundary", b);
      return this;
    }

    /**
     * Builds the regularizer.
     *
     * @return the regularizer
     */
    public BlurredAttentionSmoothing build() {
      return new BlurredAttentionSmoothing(sigmaMax, width, scope, boundary);
    }
  }
}
