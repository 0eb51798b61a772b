/**
 * Consistency-Regularized AttentionDrop: a divergence between the output distributions of
 * independent stochastic passes, added to the task loss ({@link
 * dev.attentiondrop.ops.consistency.ConsistencyLoss}), and the helper that runs a model function K
 * times with independent seeds, one after another or stacked in one batched pass ({@link
 * dev.attentiondrop.ops.consistency.MultiPass}).
 */
package dev.attentiondrop.ops.consistency;
