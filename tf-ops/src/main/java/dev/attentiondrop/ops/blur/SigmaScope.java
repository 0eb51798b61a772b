package dev.attentiondrop.ops.blur;

/** How many independent sigma values are drawn per step. */
public enum SigmaScope {
  /** One sigma for the whole batch (the paper). */
  PER_BATCH,
  /** One sigma per head, shared by the examples of the batch. */
  PER_HEAD,
  /** One sigma per example, shared by its heads. */
  PER_EXAMPLE
}
