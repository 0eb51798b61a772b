/**
 * Scaled dot-product attention with a pluggable regularizer chain and key/causal masks: the
 * attention core that the layers of {@code model-zoo} build on.
 */
package dev.attentiondrop.ops.attention;
