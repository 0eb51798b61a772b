package dev.attentiondrop.ops.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.baselines.Dropout;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.random.Seeds;
import dev.attentiondrop.ops.testing.TfRun;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.tensorflow.Operand;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

@DisplayName("Misuse is reported in the library's words when the graph is built")
class MisuseMessagesTest {

  static void assertMessage(Executable build, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + part + "' missing in: " + e.getMessage());
    }
  }

  @Test
  @DisplayName("a key mask that does not broadcast to [B, H, T, S], in attention and regularizers")
  void maskNotBroadcastable() {
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> q = r.f64(new double[2 * 2 * 5 * 4], 2, 2, 5, 4);
      var ctx =
          AttentionContext.training(r.seed(1, 2)).withKeyMask(r.bool(new boolean[30], 1, 1, 5, 6));
      assertMessage(
          () -> ScaledDotProductAttention.compute(r.tf, q, q, q, RegularizerChain.none(), ctx),
          "attention mask (keyMask)",
          "[1, 1, 5, 6]",
          "[2, 2, 5, 5]",
          "allowed",
          "either 1 or");
      Operand<TFloat64> logits = r.f64(new double[2 * 2 * 5 * 5], 2, 2, 5, 5);
      var three =
          AttentionContext.training(r.seed(1, 2))
              .withKeyMask(r.bool(new boolean[3 * 5], 3, 1, 1, 5));
      assertMessage(
          () -> HardAttentionMask.of(2, 0.5).apply(r.tf, logits, three),
          "attention mask (keyMask)",
          "[3, 1, 1, 5]");
      assertMessage(
          () -> BlurredAttentionSmoothing.of(1, 3).apply(r.tf, logits, three),
          "attention mask (keyMask)");
      // A broadcastable mask passes: [2, 1, 1, 5] and [1, 1, 5, 5].
      var ok =
          AttentionContext.training(r.seed(1, 2)).withKeyMask(r.bool(new boolean[10], 2, 1, 1, 5));
      assertEquals(4, HardAttentionMask.of(2, 0.5).apply(r.tf, logits, ok).shape().numDimensions());
    }
  }

  @Test
  @DisplayName("query and key with different d_k")
  void depthMismatch() {
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> q = r.f64(new double[2 * 2 * 5 * 4], 2, 2, 5, 4);
      Operand<TFloat64> k = r.f64(new double[2 * 2 * 5 * 8], 2, 2, 5, 8);
      assertMessage(
          () ->
              ScaledDotProductAttention.compute(
                  r.tf, q, k, k, RegularizerChain.none(), AttentionContext.inference()),
          "key depth (key)",
          "d_k = 8",
          "query's d_k = 4",
          "allowed",
          "same d_k");
    }
  }

  @Test
  @DisplayName("a seed that is not int64 of shape [2]")
  @SuppressWarnings({"unchecked", "rawtypes"})
  void badSeeds() {
    try (TfRun r = TfRun.create()) {
      assertMessage(
          () -> AttentionContext.training(r.tf.constant(new long[] {1, 2, 3})),
          "stateless seed (seed)",
          "shape [3] is not [2]",
          "allowed: an int64 tensor of shape [2]");
      assertMessage(
          () -> AttentionContext.training(r.tf.constant(new long[][] {{1, 2}})),
          "stateless seed (seed)",
          "[1, 2]",
          "shape [2]");
      Operand<TInt32> int32 = r.tf.constant(new int[] {1, 2});
      Operand raw = int32;
      assertMessage(
          () -> AttentionContext.training((Operand<TInt64>) raw),
          "stateless seed (seed)",
          "dtype TInt32 is not int64");
      Operand<TFloat64> x = r.f64(new double[4], 4);
      assertMessage(
          () -> new Dropout(0.5).call(r.tf, x, Training.ON, r.tf.constant(new long[] {7})),
          "stateless seed (seed)",
          "[1]");
      assertMessage(
          () -> new Dropout(0.5).call(r.tf, x, Training.ON, null), "stateless seed", "missing");
      // A seed of unknown length passes the build (TensorFlow checks it at run time).
      Operand<TInt64> fed = r.tf.placeholder(TInt64.class);
      assertEquals(2, Seeds.check("seed", Seeds.foldIn(r.tf, fed, 1)).shape().size(0));
    }
  }

  @Test
  @DisplayName("TensorFlow's CPU has BatchMatMulV3 kernels for float32, not for float16")
  void cpuKernels() {
    String op = ScaledDotProductAttention.MATMUL_OP;
    assertTrue(Kernels.registered(op, "CPU", DataType.DT_FLOAT));
    assertTrue(Kernels.registered(op, "CPU", DataType.DT_BFLOAT16));
    assertFalse(Kernels.registered(op, "CPU", DataType.DT_HALF));
    assertFalse(Kernels.registered("NoSuchOp", "CPU", DataType.DT_FLOAT));
  }

  @Test
  @DisplayName("float16 attention without a GPU names the missing BatchMatMulV3 kernel")
  void float16WithoutGpu() {
    assumeFalse(
        Kernels.registered(ScaledDotProductAttention.MATMUL_OP, "GPU", DataType.DT_HALF),
        "this TensorFlow has a GPU float16 kernel");
    try (TfRun r = TfRun.create()) {
      Operand<TFloat16> x =
          r.tf.dtypes.cast(r.f64(new double[2 * 2 * 3 * 4], 2, 2, 3, 4), TFloat16.class);
      assertMessage(
          () ->
              ScaledDotProductAttention.compute(
                  r.tf, x, x, x, RegularizerChain.none(), AttentionContext.inference()),
          "attention dtype (query)",
          "float16",
          "BatchMatMulV3",
          "allowed: float32, float64 or bfloat16");
    }
  }
}
