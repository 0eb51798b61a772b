package dev.attentiondrop.ops.blur;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.LogitsRegularizer;
import dev.attentiondrop.ops.Masking;
import dev.attentiondrop.ops.Tensors;
import dev.attentiondrop.ops.random.Seeds;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Blurred Attention Smoothing.
 *
 * <p>Draw {@code sigma ~ U(0, sigma_max)} (once per batch in the paper; per head or per example
 * as options), form the normalized Gaussian kernel {@code G} of odd width {@code w} ({@link
 * GaussianKernel}), and convolve every logit row along the key axis:
 *
 * <pre>
 *   L''_ij = sum_{d=-r..r} G_d * V_{i,j+d} * L_{i,j+d}                    (Boundary.ZERO_PAD)
 *   L''_ij = sum_d G_d V_{i,j+d} L_{i,j+d} / sum_d G_d V_{i,j+d}          (Boundary.RENORMALIZED)
 * </pre>
 *
 * where {@code V} is the key mask (1 for a valid key, 0 for a masked or out-of-range one): a
 * masked key contributes nothing, so in a causal model no future logit leaks into an allowed
 * position. Masked positions are returned unchanged. The convolution is a sum of {@code w}
 * shifted copies (O(n w) per row, no convolution kernel, friendly to XLA).
 *
 * @param sigmaMax upper end of the sigma distribution, finite and {@code > 0}
 * @param width kernel width {@code w}, odd, in {@code [1, MAX_WIDTH]}
 * @param scope how many sigmas are drawn per step
 * @param boundary what happens where the kernel overhangs the valid keys
 */
public record BlurredAttentionSmoothing(
    double sigmaMax, int width, SigmaScope scope, Boundary boundary) implements LogitsRegularizer {

  /** Widest kernel accepted (the paper uses {@code w <= 9}). */
  public static final int MAX_WIDTH = 63;

  public BlurredAttentionSmoothing {
    Checks.positiveFinite("sigma_max", sigmaMax);
    Checks.oddInRange("w", width, 1, MAX_WIDTH);
    Checks.notNull("scope", scope);
    Checks.notNull("boundary", boundary);
  }

  /** The paper's form: one sigma per batch, zero padding. */
  public static BlurredAttentionSmoothing of(double sigmaMax, int width) {
    return new BlurredAttentionSmoothing(sigmaMax, width, SigmaScope.PER_BATCH, Boundary.ZERO_PAD);
  }

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
   */
  public <T extends TFloating> Operand<T> applyWithSigma(
      Ops tf, Operand<T> logits, Operand<TBool> keyMask, Operand<T> sigma) {
    Class<T> type = logits.type();
    List<Operand<T>> g = GaussianKernel.weights(tf, tf.stopGradient(sigma), width, type);
    int r = (width - 1) / 2;
    Operand<T> zero = Tensors.scalar(tf, 0, type);
    Operand<TBool> valid = keyMask == null ? null : Masking.fullMask(tf, keyMask, logits);
    Operand<T> x = valid == null ? logits : tf.select(valid, logits, zero);
    Operand<T> validF = valid == null ? null : tf.dtypes.cast(valid, type);

    List<Operand<T>> terms = new ArrayList<>();
    List<Operand<T>> mass = new ArrayList<>();
    Operand<T> ones = boundary == Boundary.RENORMALIZED && validF == null ? tf.fill(tf.shape(logits), Tensors.scalar(tf, 1, type)) : validF;
    for (int d = -r; d <= r; d++) {
      Operand<T> gd = g.get(d + r);
      terms.add(tf.math.mul(gd, Tensors.shiftLastAxis(tf, x, d, zero)));
      if (boundary == Boundary.RENORMALIZED) {
        mass.add(tf.math.mul(gd, Tensors.shiftLastAxis(tf, ones, d, zero)));
      }
    }
    Operand<T> out = tf.math.addN(terms);
    if (boundary == Boundary.RENORMALIZED) {
      // Valid positions hold at least the centre weight; the floor only guards masked ones.
      Operand<T> floor = Tensors.scalar(tf, Tensors.isHalf(type) ? 1e-4 : 1e-30, type);
      out = tf.math.div(out, tf.math.maximum(tf.math.addN(mass), floor));
    }
    return valid == null ? out : tf.select(valid, out, logits);
  }

  /** Eagerly validating builder; defaults: sigma_max 1.0, w 5, per batch, zero padding. */
  public static final class Builder {
    private double sigmaMax = 1.0;
    private int width = 5;
    private SigmaScope scope = SigmaScope.PER_BATCH;
    private Boundary boundary = Boundary.ZERO_PAD;

    public Builder sigmaMax(double v) {
      this.sigmaMax = Checks.positiveFinite("sigma_max", v);
      return this;
    }

    public Builder width(int w) {
      this.width = Checks.oddInRange("w", w, 1, MAX_WIDTH);
      return this;
    }

    public Builder scope(SigmaScope s) {
      this.scope = Checks.notNull("scope", s);
      return this;
    }

    public Builder boundary(Boundary b) {
      this.boundary = Checks.notNull("boundary", b);
      return this;
    }

    public BlurredAttentionSmoothing build() {
      return new BlurredAttentionSmoothing(sigmaMax, width, scope, boundary);
    }
  }
}
