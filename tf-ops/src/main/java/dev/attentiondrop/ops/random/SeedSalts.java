package dev.attentiondrop.ops.random;

/**
 * Every salt folded into a stateless seed ({@link Seeds#foldIn}{@code (seed, salt)}), in one place.
 * A salt only has to differ from its siblings (the salts folded into the same parent seed), so the
 * same number recurs at different levels. The values are part of the results: changing one changes
 * every random draw below it (the parity tests pin them).
 *
 * <table>
 *   <caption>Seed salts, by the seed they are folded into</caption>
 *   <tr><th>parent seed</th><th>salt</th><th>child seed of</th><th>used in</th></tr>
 *   <tr><td>a model call</td><td>{@value #PATCHES} / {@value #ENCODER} / {@value #HEAD}</td>
 *       <td>patch embedding / encoder / classification head</td><td>{@code Classifier}</td></tr>
 *   <tr><td>the encoder</td><td>{@value #ENCODER_BLOCK} + i</td><td>block i</td>
 *       <td>{@code Encoder}</td></tr>
 *   <tr><td>an encoder block</td><td>{@value #BLOCK_ATTENTION} / {@value #BLOCK_FEED_FORWARD}</td>
 *       <td>multi-head attention / feed-forward</td><td>{@code TransformerEncoderBlock}</td></tr>
 *   <tr><td>an encoder block</td>
 *       <td>{@value #BLOCK_ATTENTION_DROPOUT} / {@value #BLOCK_FEED_FORWARD_DROPOUT}</td>
 *       <td>dropout on the attention / feed-forward output</td>
 *       <td>{@code TransformerEncoderBlock}</td></tr>
 *   <tr><td>a feed-forward</td><td>{@value #FEED_FORWARD_UP} / {@value #FEED_FORWARD_DOWN}</td>
 *       <td>up / down projection</td><td>{@code FeedForward}</td></tr>
 *   <tr><td>a dense layer</td><td>{@value #DROP_CONNECT}</td><td>its DropConnect mask</td>
 *       <td>{@code Dense}</td></tr>
 *   <tr><td>a multi-head attention</td><td>{@value #ATTENTION_CORE}</td>
 *       <td>the attention core (its regularizer chain)</td><td>{@code MultiHeadAttention}</td></tr>
 *   <tr><td>an attention core</td><td>{@value #LOGITS_REGULARIZER} + i</td>
 *       <td>logits regularizer i of the chain</td><td>{@code RegularizerChain}</td></tr>
 *   <tr><td>an attention core</td><td>{@value #PROBABILITY_REGULARIZER} + i</td>
 *       <td>probability regularizer i of the chain</td><td>{@code RegularizerChain}</td></tr>
 *   <tr><td>a multi-pass step</td><td>{@value #PASS} + i</td>
 *       <td>pass i (sequential; the stacked passes share pass 0's)</td>
 *       <td>{@code MultiPass}</td></tr>
 * </table>
 */
public final class SeedSalts {
  private SeedSalts() {}

  /** Classifier: the patch embedding. */
  public static final long PATCHES = 1;

  /** Classifier: the encoder. */
  public static final long ENCODER = 2;

  /** Classifier: the classification head. */
  public static final long HEAD = 3;

  /** Encoder: the first block; block {@code i} gets {@code ENCODER_BLOCK + i}. */
  public static final long ENCODER_BLOCK = 100;

  /** Encoder block: its multi-head attention. */
  public static final long BLOCK_ATTENTION = 1;

  /** Encoder block: its feed-forward. */
  public static final long BLOCK_FEED_FORWARD = 2;

  /** Encoder block: the dropout on the attention output (residual branch). */
  public static final long BLOCK_ATTENTION_DROPOUT = 3;

  /** Encoder block: the dropout on the feed-forward output (residual branch). */
  public static final long BLOCK_FEED_FORWARD_DROPOUT = 4;

  /** Feed-forward: the up projection. */
  public static final long FEED_FORWARD_UP = 0;

  /** Feed-forward: the down projection. */
  public static final long FEED_FORWARD_DOWN = 1;

  /** Dense layer: the DropConnect mask of its kernel. */
  public static final long DROP_CONNECT = 0;

  /** Multi-head attention: the attention core and its regularizer chain. */
  public static final long ATTENTION_CORE = 7;

  /** Regularizer chain: the first logits regularizer; element {@code i} gets {@code 0 + i}. */
  public static final long LOGITS_REGULARIZER = 0;

  /**
   * Regularizer chain: the first probability regularizer; element {@code i} gets {@code 1000 + i},
   * apart from the logits regularizers' salts.
   */
  public static final long PROBABILITY_REGULARIZER = 1000;

  /** Multi-pass: the first pass; pass {@code i} gets {@code 0 + i}. */
  public static final long PASS = 0;

  /**
   * {@code base + index}: the salt of element {@code index} of an indexed family.
   *
   * @param base the family's first salt, e.g. {@link #ENCODER_BLOCK}
   * @param index the element, {@code >= 0}
   * @return the salt
   */
  public static long indexed(long base, int index) {
    if (index < 0) {
      throw new IllegalArgumentException(
          "salt index (index): " + index + " is negative, allowed: an integer in [0, 2^31)");
    }
    return base + index;
  }
}
