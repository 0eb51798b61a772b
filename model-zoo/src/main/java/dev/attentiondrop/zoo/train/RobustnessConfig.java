package dev.attentiondrop.zoo.train;

import dev.attentiondrop.ops.Checks;
import java.util.List;

/**
 * Adversarial evaluation after training: FGSM and PGD (L-infinity, random start) at each radius, on
 * pixels in [0, 1] for images and on input embeddings for text.
 *
 * @param eps radii, each {@code >= 0}
 * @param pgdSteps PGD iterations, {@code >= 1}; step size {@code 2.5 eps / steps}
 * @param examples attack the first this many test examples, {@code >= 1}
 */
public record RobustnessConfig(List<Double> eps, int pgdSteps, int examples) {

  public RobustnessConfig {
    eps = List.copyOf(Checks.notNull("eps", eps));
    if (eps.isEmpty()) {
      throw new IllegalArgumentException("eps must list at least one radius, got none");
    }
    for (double e : eps) {
      Checks.nonNegativeFinite("eps", e);
    }
    Checks.inRange("pgd_steps", pgdSteps, 1, 10_000);
    Checks.inRange("attack examples", examples, 1, Integer.MAX_VALUE);
  }

  /** Parses {@code 0.01,0.03}. */
  public static RobustnessConfig parseEps(String text, int pgdSteps, int examples) {
    return new RobustnessConfig(
        java.util.Arrays.stream(text.split(",")).map(String::trim).map(Double::valueOf).toList(),
        pgdSteps,
        examples);
  }
}
