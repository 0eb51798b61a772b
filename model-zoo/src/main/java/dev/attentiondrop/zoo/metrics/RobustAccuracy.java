package dev.attentiondrop.zoo.metrics;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * Accuracy under attack for each radius; serializes with {@code dev.attentiondrop.zoo.config.Json}
 * to snake_case keys.
 *
 * @param attack {@code fgsm} or {@code pgd}
 * @param examples number of attacked examples
 * @param cleanAccuracy accuracy on the clean inputs
 * @param eps the radii, in the order given
 * @param accuracy the accuracy on the adversarial inputs at each radius
 */
@JsonPropertyOrder({"attack", "examples", "clean_accuracy", "eps", "accuracy"})
public record RobustAccuracy(
    String attack, int examples, double cleanAccuracy, List<Double> eps, List<Double> accuracy) {
  /**
   * Copies the lists and checks that they have one accuracy per radius.
   *
   * @param attack {@code fgsm} or {@code pgd}
   * @param examples number of attacked examples
   * @param cleanAccuracy accuracy on the clean inputs
   * @param eps the radii, in the order given (copied)
   * @param accuracy the accuracy on the adversarial inputs at each radius (copied)
   * @throws IllegalArgumentException if {@code eps} and {@code accuracy} differ in size
   */
  public RobustAccuracy {
    eps = List.copyOf(eps);
    accuracy = List.copyOf(accuracy);
    if (eps.size() != accuracy.size()) {
      throw new IllegalArgumentException(
          "eps has " + eps.size() + " entries but accuracy has " + accuracy.size());
    }
  }
}
