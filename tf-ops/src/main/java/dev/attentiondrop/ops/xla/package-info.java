/**
 * XLA for the attention core.
 *
 * <ul>
 *   <li>{@link dev.attentiondrop.ops.xla.XlaMode} chooses: no compilation, a compiled function
 *       ({@link dev.attentiondrop.ops.xla.CompiledAttention}), or whole-graph auto-clustering
 *       ({@link dev.attentiondrop.ops.xla.AutoClustering}, process-wide).
 *   <li>{@link dev.attentiondrop.ops.xla.XlaCalls} calls a function through a {@code
 *       PartitionedCall} node with {@code _XlaMustCompile=true} and registers a gradient function
 *       for it, so that {@code Graph.addGradients} goes through the call and the backward pass is
 *       compiled too.
 *   <li>Random draws inside compiled code use the XLA-portable kernels of {@link
 *       dev.attentiondrop.ops.random.Seeds}: the same seed gives the same noise compiled or not.
 * </ul>
 *
 * Proof that XLA compiles: with {@code XLA_FLAGS=--xla_dump_to=DIR} TensorFlow writes one {@code
 * module_*} file set per compiled computation into {@code DIR} (see the tests).
 */
package dev.attentiondrop.ops.xla;
