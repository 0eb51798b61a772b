package dev.attentiondrop.ops.consistency;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.random.SeedSalts;
import dev.attentiondrop.ops.random.Seeds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * Runs a stochastic model function {@code K} times with independent noise.
 *
 * <ul>
 *   <li>{@link Mode#SEQUENTIAL}: {@code K} calls, call {@code i} with seed {@code foldIn(seed, i)}
 *       and {@code noiseGroups = 1}. Cost: {@code K} passes.
 *   <li>{@link Mode#BATCHED}: every input is tiled {@code K} times along the batch axis, the
 *       function is called once with {@code noiseGroups = K}, and the output is split back into
 *       {@code K} parts. Elementwise noise is independent across the copies because it is drawn for
 *       the whole tiled batch; noise a regularizer shares per batch (Blur's sigma) is drawn per
 *       group. Cost: one pass over a {@code K}-times larger batch. Noise shared across the batch
 *       that cannot be drawn per group (a DropConnect weight mask) is then shared by the copies;
 *       use SEQUENTIAL for those.
 *   <li>{@link Mode#SHARED_PREFIX}: as {@code BATCHED}, but the function gets the inputs untiled
 *       and tiles its own activations with {@link #tile} just before its first random op. What
 *       precedes that op is the same in every pass, so it runs once (and its gradient is the sum
 *       over the passes, as the tiling's gradient); the outputs equal {@code BATCHED}'s. Cost: the
 *       prefix once, the rest on a {@code K}-times larger batch.
 * </ul>
 */
public final class MultiPass {
  private MultiPass() {}

  /** How the passes are laid out. */
  public enum Mode {
    /** K separate calls, pass {@code i} with seed {@code foldIn(seed, i)}. */
    SEQUENTIAL,
    /** The passes stacked along the batch axis: one call on a K-times larger batch. */
    BATCHED,
    /**
     * Like {@link #BATCHED}, but the inputs are tiled by the function itself before its first
     * random op.
     */
    SHARED_PREFIX
  }

  /**
   * {@code K} copies of {@code x} stacked along axis 0: {@code [B, ...] -> [K B, ...]}, pass {@code
   * i} in rows {@code [i B, (i + 1) B)} (the layout {@link Mode#BATCHED} splits back).
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param x the tensor
   * @param passes the number of passes {@code K}
   * @return {@code K} copies of {@code x} stacked along axis 0
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <T extends TType> Operand<T> tile(Ops tf, Operand<T> x, int passes) {
    Checks.notNull("x", x);
    Checks.inRange("K (number of passes)", passes, 1, 64);
    if (passes == 1) {
      return x;
    }
    List copies = Collections.nCopies(passes, x);
    return tf.concat((List<Operand<T>>) copies, tf.constant(0));
  }

  /** A model function of its inputs and its stochastic pass settings. */
  @FunctionalInterface
  public interface PassFunction<T extends TType> {
    /**
     * @param inputs the inputs (tiled along axis 0 in batched mode; untiled in shared-prefix mode,
     *     where the function tiles with {@link #tile} before its first random op)
     * @param seed the stateless seed of this call
     * @param noiseGroups how many passes are stacked along the batch axis (1 or K)
     * @param tf the ops of the graph being built
     * @return the forward pass's output
     */
    Operand<T> apply(Ops tf, List<Operand<?>> inputs, Operand<TInt64> seed, int noiseGroups);
  }

  /**
   * The outputs of the {@code passes} passes, in order.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param fn the stochastic forward function
   * @param inputs the inputs of the forward function
   * @param passes the number of passes {@code K}
   * @param seed the step's {@code int64[2]} seed; pass {@code i} gets its own
   * @param mode how the computation is laid out
   * @return the outputs of the {@code passes} passes, in order
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <T extends TType> List<Operand<T>> run(
      Ops tf,
      PassFunction<T> fn,
      List<Operand<?>> inputs,
      int passes,
      Operand<TInt64> seed,
      Mode mode) {
    Checks.notNull("fn", fn);
    Checks.notNull("inputs", inputs);
    Checks.inRange("K (number of passes)", passes, 2, 64);
    Checks.notNull("seed", seed);
    Checks.notNull("mode", mode);
    List<Operand<T>> outputs = new ArrayList<>();
    if (mode == Mode.SEQUENTIAL) {
      for (int i = 0; i < passes; i++) {
        outputs.add(
            fn.apply(tf, inputs, Seeds.foldIn(tf, seed, SeedSalts.indexed(SeedSalts.PASS, i)), 1));
      }
      return outputs;
    }
    List<Operand<?>> tiled = new ArrayList<>();
    for (Operand<?> x : inputs) {
      tiled.add(mode == Mode.SHARED_PREFIX ? x : tile(tf, (Operand<TType>) x, passes));
    }
    Operand<T> stacked = fn.apply(tf, tiled, Seeds.foldIn(tf, seed, SeedSalts.PASS), passes);
    if (mode == Mode.SHARED_PREFIX) {
      checkTiled(inputs, stacked, passes);
    }
    var parts = tf.split(tf.constant(0), stacked, (long) passes);
    for (int i = 0; i < passes; i++) {
      outputs.add(parts.output().get(i));
    }
    return outputs;
  }

  /** Where both batch sizes are static: the output must hold {@code K} times the input's rows. */
  private static void checkTiled(List<Operand<?>> inputs, Operand<?> output, int passes) {
    if (inputs.isEmpty()
        || inputs.get(0).shape().isUnknown()
        || output.shape().isUnknown()
        || inputs.get(0).shape().numDimensions() == 0
        || output.shape().numDimensions() == 0) {
      return;
    }
    long in = inputs.get(0).shape().get(0);
    long out = output.shape().get(0);
    if (in >= 0 && out >= 0 && out != passes * in) {
      throw new IllegalArgumentException(
          "in SHARED_PREFIX mode the function must tile its activations with "
              + "MultiPass.tile(tf, x, K) before its first random op: its output has "
              + out
              + " rows, expected K * "
              + in
              + " = "
              + passes * in);
    }
  }
}
