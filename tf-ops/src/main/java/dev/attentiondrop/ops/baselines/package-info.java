/**
 * The regularizers AttentionDrop is compared against: inverted dropout on attention probabilities
 * and on activations, DropConnect on weight matrices, and R-Drop's two-pass symmetric-KL loss.
 */
package dev.attentiondrop.ops.baselines;
