package dev.attentiondrop.ops.baselines;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.Training;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * DropConnect (Wan et al. 2013) on a weight matrix: {@code W' = (M * W) / (1 - rate)} with {@code
 * M_ij ~ Bernoulli(1 - rate)}, a fresh mask every step (pass a per-step seed), so {@code E[W'] =
 * W}. A layer computes {@code a(x W')} in training and {@code a(x W)} in inference.
 *
 * @param rate probability of dropping a weight, in {@code [0, 1)}
 */
public record DropConnect(double rate) {

  public DropConnect {
    Checks.inClosedOpen("rate", rate, 0, 1);
  }

  /** The masked, rescaled weight in training; the weight itself otherwise. */
  public <T extends TFloating> Operand<T> call(
      Ops tf, Operand<T> weight, Training training, Operand<TInt64> seed) {
    return new Dropout(rate).call(tf, weight, training, seed);
  }
}
