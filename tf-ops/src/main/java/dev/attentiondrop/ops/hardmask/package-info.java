/**
 * Hard Attention Masking (AttentionDrop, section "Hard Attention Masking"): per query row, each of
 * the top-k attention logits is dropped independently with probability p before softmax.
 */
package dev.attentiondrop.ops.hardmask;
