package dev.attentiondrop.ops.hardmask;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.ConfigReader;
import dev.attentiondrop.ops.Configurable;
import dev.attentiondrop.ops.LogitsRegularizer;
import dev.attentiondrop.ops.Masking;
import dev.attentiondrop.ops.Tensors;
import dev.attentiondrop.ops.kernels.FusedKernels;
import dev.attentiondrop.ops.random.Seeds;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gather;
import org.tensorflow.op.core.ReduceMin;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Hard Attention Masking.
 *
 * <p>For each query row {@code i} of the logits {@code L}, let {@code S_i} be the candidates: the
 * valid keys whose logit is at least the k-th largest valid logit of the row (so every logit tied
 * with the k-th is a candidate too; the rule is deterministic and does not depend on key order).
 * For {@code j in S_i}: {@code M_ij ~ Bernoulli(1 - p)} and
 *
 * <pre>
 *   L'_ij = M_ij * L_ij           (FillMode.ZERO, the paper)
 *   L'_ij = L_ij if M_ij else -inf (FillMode.NEG_INF)
 * </pre>
 *
 * and {@code L'_ij = L_ij} outside {@code S_i}. No {@code 1 / (1 - p)} rescaling: softmax
 * renormalizes. Masked keys are never candidates; {@code k >= n_i} makes every valid key one.
 *
 * <p>The Bernoulli draw is {@code u_ij < p} with {@code u ~ U[0, 1)} from {@link Seeds#uniform};
 * {@link #applyWithNoise} takes {@code u} explicitly (the deterministic core).
 *
 * <p>Where {@link FusedKernels#usable} (the fused-kernel library is loaded, float32 or float64, not
 * in XLA-compiled code) the threshold and the drop run as one fused kernel per row; it computes the
 * same candidates and the same values bit for bit, and so does its gradient.
 *
 * @param k how many logits per row are candidates
 * @param p drop probability of each candidate, in {@code [0, 1]}
 * @param fill what a dropped logit becomes
 */
public record HardAttentionMask(TopK k, double p, FillMode fill)
    implements LogitsRegularizer, Configurable {

  /** The registered name. */
  public static final String NAME = "hard_mask";

  /** Default number of candidates per row, {@code k}. */
  public static final int DEFAULT_K = 8;

  /** Default drop probability {@code p}. */
  public static final double DEFAULT_P = 0.1;

  /** Default fill of a dropped logit: the paper's zero. */
  public static final FillMode DEFAULT_FILL = FillMode.ZERO;

  /**
   * The configuration keys: {@code k} (a count) or {@code k_fraction} (a fraction of the valid
   * keys), {@code p}, {@code fill} ({@code zero} or {@code neg_inf}).
   */
  public static final List<String> KEYS = List.of("k", "k_fraction", "p", "fill");

  /**
   * Validates the components.
   *
   * @param k how many logits per row are candidates
   * @param p drop probability of each candidate, in {@code [0, 1]}
   * @param fill what a dropped logit becomes
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public HardAttentionMask {
    Checks.notNull("k", k);
    Checks.inClosed("p", p, 0, 1);
    Checks.notNull("fill", fill);
  }

  /**
   * The paper's form: top-{@code k} logits, each zeroed with probability {@code p}.
   *
   * @param k how many logits per row are candidates
   * @param p the drop probability of each candidate, in {@code [0, 1]}
   * @return the regularizer
   */
  public static HardAttentionMask of(int k, double p) {
    return new HardAttentionMask(TopK.count(k), p, FillMode.ZERO);
  }

  /**
   * The regularizer a configuration describes; omitted keys take the defaults ({@code k = } {@value
   * #DEFAULT_K}, {@code p = } {@value #DEFAULT_P}, {@code fill = zero}).
   *
   * @param config keys among {@link #KEYS}; values as numbers or their text
   * @return the regularizer
   * @throws IllegalArgumentException for an unknown key, a malformed or out-of-range value, or both
   *     {@code k} and {@code k_fraction}
   */
  public static HardAttentionMask fromConfig(Map<String, ?> config) {
    ConfigReader c = ConfigReader.of(NAME, config, KEYS);
    if (c.has("k") && c.has("k_fraction")) {
      throw new IllegalArgumentException(
          "regularizer '" + NAME + "' takes k or k_fraction, not both");
    }
    TopK k =
        c.has("k_fraction")
            ? TopK.fraction(c.real("k_fraction", 1))
            : TopK.count(c.integer("k", DEFAULT_K));
    return new HardAttentionMask(
        k, c.real("p", DEFAULT_P), c.choice("fill", DEFAULT_FILL, FillMode::configName));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, Object> config() {
    return k instanceof TopK.Count c
        ? ConfigReader.entries("k", c.k(), "p", p, "fill", fill.configName())
        : ConfigReader.entries(
            "k_fraction", ((TopK.Fraction) k).f(), "p", p, "fill", fill.configName());
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
    if (p == 0) {
      return logits;
    }
    return context
        .training()
        .choose(
            tf,
            () ->
                applyWithNoise(
                    tf,
                    logits,
                    context.keyMask(),
                    Seeds.uniform(
                        tf, Tensors.shape(tf, logits), context.requireSeed(), logits.type())),
            logits);
  }

  /**
   * The deterministic core: drops candidate {@code (i, j)} where {@code u_ij < p}.
   *
   * @param u uniform noise on {@code [0, 1)}, the shape of {@code logits}
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param logits attention logits {@code L}, {@code [batch, heads, queries, keys]}
   * @param keyMask the key mask, broadcastable to the logits, {@code true} where a key may be
   *     attended to; {@code null} for every key
   * @return the logits {@code L'}
   */
  public <T extends TFloating> Operand<T> applyWithNoise(
      Ops tf, Operand<T> logits, Operand<TBool> keyMask, Operand<T> u) {
    Operand<T> filled =
        fill == FillMode.ZERO
            ? Tensors.scalarLike(tf, 0, logits)
            : Masking.dropFill(tf, logits.type());
    if (FusedKernels.usable(tf, logits.type())) {
      if (keyMask != null) {
        Masking.checkBroadcastable(keyMask, logits);
      }
      // One pass per row: the threshold, the candidates and the drop (the same values as below).
      return FusedKernels.hardMask(
              tf,
              logits,
              u,
              Tensors.scalarLike(tf, p, logits),
              filled,
              keyMask == null || keyMask.shape().numDimensions() == logits.shape().numDimensions()
                  ? keyMask
                  : Masking.fullMask(tf, keyMask, logits),
              k instanceof TopK.Count c ? c.k() : 0,
              k instanceof TopK.Fraction f ? f.f() : 0)
          .output();
    }
    Operand<TBool> drop =
        tf.math.logicalAnd(
            candidates(tf, logits, keyMask), tf.math.less(u, Tensors.scalarLike(tf, p, logits)));
    return tf.select(drop, filled, logits);
  }

  /**
   * The candidate set {@code S}: true at the top-k valid logits of each query row.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param logits attention logits {@code L}, {@code [batch, heads, queries, keys]}
   * @param keyMask the key mask, broadcastable to the logits, {@code true} where a key may be
   *     attended to; {@code null} for every key
   * @return the candidate set {@code S}, {@code true} at the top-k valid logits of each row
   */
  public <T extends TFloating> Operand<TBool> candidates(
      Ops tf, Operand<T> logits, Operand<TBool> keyMask) {
    // Without a key mask every key is valid: no full-size mask, select or and (three passes fewer).
    Operand<TBool> valid = keyMask == null ? null : Masking.fullMask(tf, keyMask, logits);
    Operand<T> ranked =
        tf.stopGradient(
            valid == null ? logits : tf.select(valid, logits, Masking.maskFill(tf, logits.type())));
    Operand<TInt32> numKeys = Tensors.dim(tf, logits, -1);
    Operand<T> threshold;
    Operand<TBool> rowHasCandidates = null;
    if (k instanceof TopK.Count c) {
      threshold =
          grouped(ranked, c.k())
              ? groupedKth(tf, ranked, c.k())
              : kth(tf, ranked, tf.math.minimum(tf.constant(c.k()), numKeys));
    } else {
      double f = ((TopK.Fraction) k).f();
      // k_i = ceil(f * n_i); the 1e-9 keeps f * n exact products (0.1 * 10) from rounding up.
      Operand<TFloat64> nValid =
          valid == null
              ? tf.reshape(
                  tf.dtypes.cast(numKeys, TFloat64.class), tf.constant(new int[] {1, 1, 1, 1}))
              : tf.reduceSum(
                  tf.dtypes.cast(valid, TFloat64.class),
                  Tensors.axis(tf, -1),
                  ReduceSum.keepDims(true));
      Operand<TInt32> kRow = ceilFraction(tf, f, nValid);
      Operand<TInt32> kMax =
          tf.math.maximum(
              ceilFraction(tf, f, tf.dtypes.cast(numKeys, TFloat64.class)), tf.constant(1));
      Operand<T> sortedTop =
          tf.nn.topK(ranked, kMax, TInt32.class, org.tensorflow.op.nn.TopK.sorted(true)).values();
      Operand<TInt32> index = tf.math.maximum(tf.math.sub(kRow, tf.constant(1)), tf.constant(0));
      Operand<T> pick =
          tf.oneHot(
              tf.squeeze(index, Squeeze.axis(List.of(-1L))),
              kMax,
              Tensors.scalarLike(tf, 1, logits),
              Tensors.scalarLike(tf, 0, logits));
      threshold =
          tf.reduceSum(
              tf.math.mul(sortedTop, pick), Tensors.axis(tf, -1), ReduceSum.keepDims(true));
      rowHasCandidates = tf.math.greater(kRow, tf.constant(0));
    }
    Operand<TBool> atLeastKth = tf.math.greaterEqual(ranked, threshold);
    Operand<TBool> selected = valid == null ? atLeastKth : tf.math.logicalAnd(valid, atLeastKth);
    return rowHasCandidates == null ? selected : tf.math.logicalAnd(selected, rowHasCandidates);
  }

  /** Keys per group of {@link #groupedKth}. */
  static final int GROUP = 8;

  /** The k-th largest of every row, {@code [..., 1]}: a top-k over the whole row, then its min. */
  private static <T extends TFloating> Operand<T> kth(Ops tf, Operand<T> x, Operand<TInt32> k) {
    Operand<T> top =
        tf.nn.topK(x, k, TInt32.class, org.tensorflow.op.nn.TopK.sorted(false)).values();
    return tf.reduceMin(top, Tensors.axis(tf, -1), ReduceMin.keepDims(true));
  }

  /**
   * Whether {@link #groupedKth} is used: a static key axis of at least {@code 4 k} groups, so the
   * picked groups hold at most a quarter of the row. Measured against the plain top-k (TF 2.21,
   * {@code [4, 4, n, n]}, k = 8, paired medians of 100): 1.09x at n = 128 (16 groups: slower),
   * 0.93x at 256, 0.73x at 512, 0.55x at 1024.
   */
  static boolean grouped(Operand<?> logits, int k) {
    long n = Tensors.staticDim(logits, -1);
    return n > 0 && n % GROUP == 0 && n / GROUP >= 4L * k;
  }

  /**
   * The same k-th largest as {@link #kth}, from a smaller top-k. Split each row into groups of
   * {@link #GROUP} keys and let {@code m_k} be the k-th largest group maximum. The row's k-th
   * largest {@code t} is at least {@code m_k} (the k top groups hold k values {@code >= m_k}), so
   * every value {@code >= t} lies in a group whose maximum is {@code >= m_k}: all of them are among
   * the k groups a top-k over the maxima picks (ties at {@code m_k} included, since then {@code t =
   * m_k} and the picked maxima already give k values {@code >= t}). The k-th largest of those
   * {@code k * GROUP} values is therefore exactly {@code t}. Cost: one max pass, a top-k over
   * {@code n / GROUP} maxima, a gather and a top-k over {@code k * GROUP} values, against a top-k
   * over {@code n}; see {@link #grouped} for when that pays.
   */
  private static <T extends TFloating> Operand<T> groupedKth(Ops tf, Operand<T> x, int k) {
    long n = Tensors.staticDim(x, -1);
    int groups = (int) (n / GROUP);
    Operand<TInt32> shape = tf.shape(x);
    Operand<TInt32> lead = tf.slice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {3}));
    Operand<T> byGroup =
        tf.reshape(
            x, tf.concat(List.of(lead, tf.constant(new int[] {groups, GROUP})), tf.constant(0)));
    Operand<T> maxima = tf.reduceMax(byGroup, Tensors.axis(tf, -1));
    Operand<TInt32> picked =
        tf.nn
            .topK(maxima, tf.constant(k), TInt32.class, org.tensorflow.op.nn.TopK.sorted(false))
            .indices();
    Operand<T> candidates = tf.gather(byGroup, picked, tf.constant(3), Gather.batchDims(3L));
    Operand<T> flat =
        tf.reshape(
            candidates,
            tf.concat(List.of(lead, tf.constant(new int[] {k * GROUP})), tf.constant(0)));
    return kth(tf, flat, tf.constant(k));
  }

  private static Operand<TInt32> ceilFraction(Ops tf, double f, Operand<TFloat64> n) {
    Operand<TFloat64> product = tf.math.sub(tf.math.mul(tf.constant(f), n), tf.constant(1e-9));
    return tf.dtypes.cast(tf.math.ceil(tf.math.maximum(product, tf.constant(0.0))), TInt32.class);
  }

  /**
   * Eagerly validating builder; defaults {@link #DEFAULT_K}, {@link #DEFAULT_P}, {@link
   * #DEFAULT_FILL}.
   */
  public static final class Builder {
    private TopK k = TopK.count(DEFAULT_K);
    private double p = DEFAULT_P;
    private FillMode fill = DEFAULT_FILL;

    /**
     * Sets a fixed number {@code k} of candidates per row.
     *
     * @param count {@code k}, at least 1
     * @return this builder
     */
    public Builder topK(int count) {
      this.k = TopK.count(count);
      return this;
    }

    /**
     * Sets the candidates per row to a fraction {@code f} of its valid keys.
     *
     * @param fraction {@code f}, in {@code (0, 1]}
     * @return this builder
     */
    public Builder topKFraction(double fraction) {
      this.k = TopK.fraction(fraction);
      return this;
    }

    /**
     * Sets the drop probability {@code p}.
     *
     * @param p in {@code [0, 1]}
     * @return this builder
     */
    public Builder dropProbability(double p) {
      this.p = Checks.inClosed("p", p, 0, 1);
      return this;
    }

    /**
     * Sets what a dropped logit becomes.
     *
     * @param fill the fill mode
     * @return this builder
     */
    public Builder fill(FillMode fill) {
      this.fill = Checks.notNull("fill", fill);
      return this;
    }

    /**
     * Builds the regularizer.
     *
     * @return the regularizer
     */
    public HardAttentionMask build() {
      return new HardAttentionMask(k, p, fill);
    }
  }
}
