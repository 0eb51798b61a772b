package dev.attentiondrop.ops.hardmask;

import java.util.Locale;

/** What a dropped logit becomes. */
public enum FillMode {
  /**
   * The paper's form: the logit is multiplied by 0 and becomes 0. A dropped negative logit
   * therefore gains weight; softmax renormalizes.
   */
  ZERO,
  /**
   * The key is excluded from softmax (DropKey-like): the logit becomes {@link
   * dev.attentiondrop.ops.Masking#dropFill}, a finite stand-in for -inf.
   */
  NEG_INF;

  /**
   * The name of this constant in a regularizer configuration.
   *
   * @return the lower-case name, e.g. {@code "neg_inf"}
   */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
