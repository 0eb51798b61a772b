package dev.attentiondrop.ops.hardmask;

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
  NEG_INF
}
