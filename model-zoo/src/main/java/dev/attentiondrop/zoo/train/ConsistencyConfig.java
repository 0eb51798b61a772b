package dev.attentiondrop.zoo.train;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.consistency.ConsistencyLoss;
import dev.attentiondrop.ops.consistency.Divergence;
import dev.attentiondrop.ops.consistency.MultiPass;
import java.util.Locale;

/**
 * A consistency objective over {@code passes} stochastic passes: Consistency-Regularized
 * AttentionDrop ({@code divergence = kl}, with AttentionDrop regularizers in the model) or R-Drop
 * ({@code divergence = symmetric_kl}, with dropout). Loss: mean task loss of the passes + lambda *
 * mean divergence over pairs.
 *
 * @param lambda weight, {@code >= 0}
 * @param divergence {@code kl} or {@code symmetric_kl}
 * @param passes {@code K >= 2}
 * @param mode {@code batched} (one pass over K stacked copies; the model stacks them at its first
 *     attention, so the embedding, first LN and Q/K/V projections run once: {@link
 *     MultiPass.Mode#SHARED_PREFIX}) or {@code sequential}
 */
public record ConsistencyConfig(double lambda, String divergence, int passes, String mode) {

  public ConsistencyConfig {
    Checks.nonNegativeFinite("lambda", lambda);
    Checks.inRange("passes", passes, 2, 16);
    divergence = Checks.notNull("divergence", divergence).toLowerCase(Locale.ROOT);
    mode = Checks.notNull("mode", mode).toLowerCase(Locale.ROOT);
    if (!divergence.equals("kl") && !divergence.equals("symmetric_kl")) {
      throw new IllegalArgumentException(
          "divergence must be one of [kl, symmetric_kl], got '" + divergence + "'");
    }
    if (!mode.equals("batched") && !mode.equals("sequential")) {
      throw new IllegalArgumentException(
          "mode must be one of [batched, sequential], got '" + mode + "'");
    }
  }

  /** Consistency-Regularized AttentionDrop: KL(P1 || P2), two batched passes. */
  public static ConsistencyConfig attentionDrop(double lambda) {
    return new ConsistencyConfig(lambda, "kl", 2, "batched");
  }

  /** R-Drop: symmetric KL, two batched passes. */
  public static ConsistencyConfig rDrop(double alpha) {
    return new ConsistencyConfig(alpha, "symmetric_kl", 2, "batched");
  }

  public ConsistencyLoss loss() {
    return new ConsistencyLoss(
        lambda, divergence.equals("kl") ? Divergence.KL : Divergence.SYMMETRIC_KL);
  }

  public MultiPass.Mode passMode() {
    return mode.equals("batched") ? MultiPass.Mode.BATCHED : MultiPass.Mode.SEQUENTIAL;
  }

  /** Parses {@code lambda=1,divergence=kl,passes=2,mode=batched} (any subset). */
  public static ConsistencyConfig parse(String text) {
    double lambda = 1.0;
    String divergence = "kl";
    int passes = 2;
    String mode = "batched";
    for (String kv : text.split(",")) {
      if (kv.isBlank()) {
        continue;
      }
      String[] p = kv.split("=", 2);
      if (p.length != 2) {
        throw new IllegalArgumentException(
            "expected key=value in '" + text + "', got '" + kv + "'");
      }
      String v = p[1].trim();
      switch (p[0].trim()) {
        case "lambda" -> lambda = Double.parseDouble(v);
        case "divergence" -> divergence = v;
        case "passes" -> passes = Integer.parseInt(v);
        case "mode" -> mode = v;
        default ->
            throw new IllegalArgumentException(
                "unknown consistency parameter '"
                    + p[0].trim()
                    + "'; allowed: lambda, divergence, passes, mode");
      }
    }
    return new ConsistencyConfig(lambda, divergence, passes, mode);
  }
}
