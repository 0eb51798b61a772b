package dev.attentiondrop.zoo.metrics;

import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;

/**
 * Extra placeholders an {@link AdversarialModel} reads besides its input, fed per batch (for
 * example the padding mask of a text model): given the examples {@code [from, to)} of the current
 * batch, the tensors to feed. {@link Attacks} closes them after the run.
 */
@FunctionalInterface
public interface SideFeeds {
  /** No extra feeds. */
  SideFeeds NONE = (from, to) -> Map.of();

  /**
   * The tensors to feed for one batch; {@link Attacks} closes them after the run.
   *
   * @param from index of the batch's first example
   * @param to index after the batch's last example ({@code to - from} is the batch size)
   * @return a new tensor for each extra placeholder, sized for examples {@code [from, to)}
   */
  Map<Operand<?>, Tensor> forBatch(int from, int to);
}
