package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.consistency.MultiPass;
import dev.attentiondrop.ops.random.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * How a layer is called: training mode, the stateless seed of this call, and how many independent
 * stochastic passes are stacked along the batch (see {@code MultiPass}). Layers derive the seeds of
 * their parts with {@link #fork}.
 *
 * @param training training mode (a Java constant or a TBool tensor)
 * @param seed an int64[2] stateless seed; may be null when training is {@link Training#OFF}
 * @param noiseGroups passes stacked along the batch axis, 1 normally
 * @param tilePending the activations are not stacked yet: the first layer that draws noise (the
 *     first attention) tiles them {@code noiseGroups} times first ({@code
 *     MultiPass.Mode.SHARED_PREFIX}), so what precedes it runs once
 */
public record CallContext(
    Training training, Operand<TInt64> seed, int noiseGroups, boolean tilePending) {

  /** A context whose activations are already stacked (or that has one pass). */
  public CallContext(Training training, Operand<TInt64> seed, int noiseGroups) {
    this(training, seed, noiseGroups, false);
  }

  public CallContext {
    Checks.notNull("training", training);
    Checks.inRange("noiseGroups", noiseGroups, 1, Integer.MAX_VALUE);
    if (seed == null && !training.isOff()) {
      throw new IllegalArgumentException(
          "seed must be set (an int64[2] stateless seed) when training is not a Java false");
    }
  }

  /** Inference: no randomness at all. */
  public static CallContext inference() {
    return new CallContext(Training.OFF, null, 1);
  }

  /** Training with the given per-step seed. */
  public static CallContext training(Operand<TInt64> seed) {
    return new CallContext(Training.ON, seed, 1);
  }

  /** The context for a part of this call: an independent seed {@code foldIn(seed, salt)}. */
  public CallContext fork(Ops tf, long salt) {
    return seed == null
        ? this
        : new CallContext(training, Seeds.foldIn(tf, seed, salt), noiseGroups, tilePending);
  }

  public CallContext withNoiseGroups(int groups) {
    return new CallContext(training, seed, groups, tilePending);
  }

  public CallContext withSeed(Operand<TInt64> s) {
    return new CallContext(training, s, noiseGroups, tilePending);
  }

  /** The context after the tiling: the same seed and groups, nothing pending. */
  public CallContext tiled() {
    return tilePending ? new CallContext(training, seed, noiseGroups, false) : this;
  }

  /**
   * {@code x} stacked {@code noiseGroups} times along axis 0 when the tiling is pending; a tensor
   * whose static batch is 1 (a broadcast mask) and null stay as they are.
   */
  public <T extends TType> Operand<T> tileIfPending(Ops tf, Operand<T> x) {
    if (!tilePending
        || x == null
        || (!x.shape().isUnknown() && x.shape().numDimensions() > 0 && x.shape().get(0) == 1)) {
      return x;
    }
    return MultiPass.tile(tf, x, noiseGroups);
  }

  public boolean isOff() {
    return training.isOff();
  }
}
