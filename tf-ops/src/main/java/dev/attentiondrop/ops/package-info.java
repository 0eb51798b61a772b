/**
 * The shared vocabulary of every attention regularizer: what a regularizer is ({@link
 * dev.attentiondrop.ops.LogitsRegularizer}, {@link dev.attentiondrop.ops.ProbabilityRegularizer}),
 * what it is told about the attention it acts on ({@link dev.attentiondrop.ops.AttentionContext}:
 * key mask, training flag, stateless seed, layer position), and the conventions all of them keep.
 *
 * <h2>Conventions</h2>
 *
 * <ul>
 *   <li>Attention logits are {@code L = Q K^T / sqrt(d_k)} of shape {@code [batch, heads, queries,
 *       keys]}; a key mask is a {@code TBool} tensor broadcastable to that shape, {@code true}
 *       where a key may be attended to.
 *   <li>A regularizer never reads a masked logit and returns masked positions unchanged; the
 *       attention function applies the mask once, after the whole chain ({@link
 *       dev.attentiondrop.ops.Masking}).
 *   <li>With training a Java {@code false} a regularizer returns its input operand itself: no op,
 *       random or not, is added to the graph.
 *   <li>All randomness is stateless ({@code StatelessRandomUniform} and friends) and derived from
 *       the context's seed, so the same seed gives the same noise on any run and any runtime.
 *   <li>Parameters are validated when the regularizer is built; an out-of-range value throws {@link
 *       java.lang.IllegalArgumentException} naming the parameter, its value and the allowed range
 *       ({@link dev.attentiondrop.ops.Checks}).
 * </ul>
 */
package dev.attentiondrop.ops;
