/**
 * Keras-style layers that own their variables ({@code VariableV2}, so a SavedModel export saves
 * them) and expose {@code call(Ops, input, context)}: dense, layer normalization, embeddings,
 * multi-head attention with a regularizer chain, feed-forward, transformer encoder blocks and
 * stacks, classification heads. All layers compute in float32.
 */
package dev.attentiondrop.zoo.layers;
