package dev.attentiondrop.ops.baselines;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.consistency.ConsistencyLoss;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * R-Drop (Liang et al. 2021): two passes with independent dropout, and
 *
 * <pre>
 *   L = (CE_1 + CE_2) / 2 + alpha * (KL(P_1 || P_2) + KL(P_2 || P_1)) / 2
 * </pre>
 *
 * The R-Drop paper sums the two cross-entropies; we average them so that the task term has the
 * scale of a single-pass loss (learning rates carry over). Its {@code alpha} is our {@code 2 *
 * alpha}.
 *
 * @param alpha weight of the symmetric KL term, finite and {@code >= 0}
 */
public record RDrop(double alpha) {

  public RDrop {
    Checks.nonNegativeFinite("alpha", alpha);
  }

  /** {@code alpha * symmetric KL} between the two passes' output logits. */
  public <T extends TFloating> Operand<T> consistency(Ops tf, Operand<T> z1, Operand<T> z2) {
    return ConsistencyLoss.symmetric(alpha).call(tf, List.of(z1, z2));
  }

  /** The whole R-Drop loss from the two passes' task losses and output logits. */
  public <T extends TFloating> Operand<T> total(
      Ops tf, Operand<T> task1, Operand<T> task2, Operand<T> z1, Operand<T> z2) {
    return ConsistencyLoss.symmetric(alpha).total(tf, List.of(task1, task2), List.of(z1, z2));
  }
}
