/**
 * Attention regularizers from outside the AttentionDrop paper, for comparison: DropKey, DropHead,
 * DropAttention and relaxed attention.
 */
package dev.attentiondrop.ops.beyond;
