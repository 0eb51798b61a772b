package dev.attentiondrop.ops.blur;

import java.util.Locale;

/** How the kernel is treated where it overhangs the valid keys of a row. */
public enum Boundary {
  /**
   * Zero padding ("same" convolution, the paper's implied choice): missing neighbours count as a
   * logit of 0, so rows shrink toward 0 near their ends.
   */
  ZERO_PAD,
  /**
   * Divide by the kernel mass that falls on valid keys: a weighted mean of the valid neighbours, so
   * a constant row stays constant up to the boundary.
   */
  RENORMALIZED;

  /**
   * The name of this constant in a regularizer configuration.
   *
   * @return the lower-case name, e.g. {@code "zero_pad"}
   */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
