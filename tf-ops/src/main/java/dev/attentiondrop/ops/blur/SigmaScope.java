package dev.attentiondrop.ops.blur;

import java.util.Locale;

/** How many independent sigma values are drawn per step. */
public enum SigmaScope {
  /** One sigma for the whole batch (the paper). */
  PER_BATCH,
  /** One sigma per head, shared by the examples of the batch. */
  PER_HEAD,
  /** One sigma per example, shared by its heads. */
  PER_EXAMPLE;

  /**
   * The name of this constant in a regularizer configuration.
   *
   * @return the lower-case name, e.g. {@code "batch"}
   */
  public String configName() {
    return name().substring("PER_".length()).toLowerCase(Locale.ROOT);
  }
}
