package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.random.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;

/**
 * How a layer is called: training mode, the stateless seed of this call, and how many independent
 * stochastic passes are stacked along the batch (see {@code MultiPass}). Layers derive the seeds
 * of their parts with {@link #fork}.
 *
 * @param training training mode (a Java constant or a TBool tensor)
 * @param seed an int64[2] stateless seed; may be null when training is {@link Training#OFF}
 * @param noiseGroups passes stacked along the batch axis, 1 normally
 */
public record CallContext(Training training, Operand<TInt64> seed, int noiseGroups) {

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
    return seed == null ? this : new CallContext(training, Seeds.foldIn(tf, seed, salt), noiseGroups);
  }

  public CallContext withNoiseGroups(int groups) {
    return new CallContext(training, seed, groups);
  }

  public CallContext withSeed(Operand<TInt64> s) {
    return new CallContext(training, s, noiseGroups);
  }

  public boolean isOff() {
    return training.isOff();
  }
}
