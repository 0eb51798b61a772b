package dev.attentiondrop.ops.consistency;

/**
 * Which divergence compares two output distributions {@code P = softmax(z1)}, {@code Q =
 * softmax(z2)}.
 */
public enum Divergence {
  /** {@code KL(P || Q)}, as written in the AttentionDrop paper. */
  KL,
  /** {@code (KL(P || Q) + KL(Q || P)) / 2}, as in R-Drop. */
  SYMMETRIC_KL
}
