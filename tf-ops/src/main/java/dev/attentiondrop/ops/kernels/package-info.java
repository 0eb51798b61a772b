/**
 * Fused CPU kernels for the memory-bound hot paths of the regularizers, as TensorFlow custom ops.
 *
 * <ul>
 *   <li>{@code AttentionDropHardMask}: the top-k candidate threshold and the drop of Hard Attention
 *       Masking in one pass per query row: {@code t_i} = the {@code k_i}-th largest valid logit,
 *       {@code S_i = {j : L_ij >= t_i}}, {@code L'_ij = fill} where {@code j in S_i} and {@code
 *       u_ij < p}. It replaces a {@code TopKV2}, a min and four elementwise passes.
 *   <li>{@code AttentionDropBlurKeys}: the {@code w}-tap Gaussian convolution along the keys of
 *       Blurred Attention Smoothing, {@code y_ij = sum_d G_d L_i,j+d} (zero outside the row), in
 *       one pass. It replaces a product with the {@code T x T} band matrix.
 * </ul>
 *
 * {@link dev.attentiondrop.ops.kernels.FusedKernels} loads the native library that the Maven build
 * compiles (Linux x86-64; {@code tf-ops/src/build/build-kernels.sh}) with {@code
 * TensorFlow.loadLibrary} and registers the gradients, both built from stock ops. Where the library
 * is absent, disabled ({@code -Dattentiondrop.kernels=stock}), the dtype is not float32 or float64,
 * or the graph is compiled by XLA, the regularizers build their stock-op form; the two forms agree
 * bit for bit (hard mask) or within float rounding (blur), forward and backward. Custom ops appear
 * only in training graphs: inference and every export use stock ops.
 */
package dev.attentiondrop.ops.kernels;
