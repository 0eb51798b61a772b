package dev.attentiondrop.ops.attention;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.Masking;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.Tensors;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.family.TFloating;

/**
 * Scaled dot-product attention with a regularizer chain:
 *
 * <pre>
 *   L  = Q K^T / sqrt(d_k)                         [batch, heads, queries, keys]
 *   L' = logits chain (L)                          (training only)
 *   A  = softmax(L' with masked keys excluded) * mask
 *   A' = probability chain (A)                     (training only)
 *   O  = A' V                                      [batch, heads, queries, d_v]
 * </pre>
 *
 * Masked keys get probability exactly 0 and a fully masked row gives a zero output (see {@link
 * Masking}). The key mask is taken from the context.
 */
public final class ScaledDotProductAttention {
  private ScaledDotProductAttention() {}

  /** What the attention computed; {@code logits} are before regularization. */
  public record Result<T extends TFloating>(
      Operand<T> logits, Operand<T> probabilities, Operand<T> output) {}

  /**
   * Attention {@code O = A' V} with {@code A' = chain(softmax(chain(Q K^T / sqrt(d_k))))}.
   *
   * @param query {@code [batch, heads, queries, d_k]}
   * @param key {@code [batch, heads, keys, d_k]}
   * @param value {@code [batch, heads, keys, d_v]}
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param chain the regularizers of the logits and probability stages
   * @param context what the regularizer is told: key mask, training mode, seed, layer
   * @return the logits {@code L} (before regularization), probabilities {@code A'} and output
   *     {@code O}
   * @throws IllegalArgumentException for a wrong rank, a {@code d_k} mismatch, a mask that does not
   *     broadcast, or float16 without a float16 matmul kernel
   */
  public static <T extends TFloating> Result<T> compute(
      Ops tf,
      Operand<T> query,
      Operand<T> key,
      Operand<T> value,
      RegularizerChain chain,
      AttentionContext context) {
    Checks.rank("query", query, 4, "[batch, heads, queries, d_k]");
    Checks.rank("key", key, 4, "[batch, heads, keys, d_k]");
    Checks.rank("value", value, 4, "[batch, heads, keys, d_v]");
    Checks.notNull("chain", chain);
    Checks.notNull("context", context);
    Class<T> type = query.type();
    checkDepth(query, key);
    checkHalfPrecision(type);
    long dk = Tensors.staticDim(query, 3);
    Operand<T> scale =
        dk > 0
            ? Tensors.scalar(tf, 1 / Math.sqrt(dk), type)
            : tf.math.rsqrt(tf.dtypes.cast(Tensors.dim(tf, query, 3), type));
    Operand<T> logits =
        tf.math.mul(tf.train.batchMatMul(query, key, type, BatchMatMul.adjY(true)), scale);
    Masking.checkBroadcastable(context.keyMask(), logits);
    Operand<T> regularized = chain.applyToLogits(tf, logits, context);
    Operand<T> probabilities = Masking.maskedSoftmax(tf, regularized, context.keyMask());
    Operand<T> dropped = chain.applyToProbabilities(tf, probabilities, context);
    Operand<T> output = tf.train.batchMatMul(dropped, value, type);
    return new Result<>(logits, dropped, output);
  }

  /** The op of the two attention matmuls, which has no float16 kernel on CPU in TF 2.18. */
  static final String MATMUL_OP = "BatchMatMulV3";

  /** Query and key have the same static {@code d_k} where both are known. */
  static void checkDepth(Operand<?> query, Operand<?> key) {
    long dq = Tensors.staticDim(query, 3);
    long dk = Tensors.staticDim(key, 3);
    if (dq >= 0 && dk >= 0 && dq != dk) {
      throw new IllegalArgumentException(
          "key depth (key): d_k = "
              + dk
              + " differs from the query's d_k = "
              + dq
              + ", allowed: query [batch, heads, queries, d_k] and key [batch, heads, keys, d_k]"
              + " with the same d_k");
    }
  }

  /**
   * float16 attention needs a float16 {@value #MATMUL_OP} kernel: TensorFlow 2.18's CPU has none,
   * so it is refused when the loaded TensorFlow has no GPU kernel either.
   */
  static void checkHalfPrecision(Class<?> type) {
    if (type == TFloat16.class
        && !Kernels.registered(MATMUL_OP, "CPU", DataType.DT_HALF)
        && !Kernels.registered(MATMUL_OP, "GPU", DataType.DT_HALF)) {
      throw new IllegalArgumentException(
          "attention dtype (query): float16 needs a float16 "
              + MATMUL_OP
              + " kernel, which TensorFlow's CPU lacks and this TensorFlow has no GPU for, allowed:"
              + " float32, float64 or bfloat16 (or float16 with a GPU build of TensorFlow)");
    }
  }
}
