package dev.attentiondrop.ops.xla;

/** How the attention core is handed to XLA. */
public enum XlaMode {
  /** Plain TensorFlow kernels; nothing is compiled. */
  NONE,

  /**
   * The attention core is a TensorFlow function called through a {@code PartitionedCall} node with
   * {@code _XlaMustCompile=true}: XLA compiles it (forward and, through its registered gradient
   * function, backward) on CPU and GPU, whatever the process settings. See {@link
   * CompiledAttention}.
   */
  COMPILED_FUNCTION,

  /**
   * Plain kernels, left to XLA's auto-clustering, which is a process-wide setting: see {@link
   * AutoClustering}. The graph is built with XLA-portable random kernels so that the noise can be
   * clustered too.
   */
  AUTO_CLUSTERING
}
