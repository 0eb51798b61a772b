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

  Map<Operand<?>, Tensor> forBatch(int from, int to);
}
