package dev.attentiondrop.ops.attention;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Masking;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import dev.attentiondrop.ops.testing.Variants;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat16;

/**
 * What works in 16-bit floats on CPU (TensorFlow 2.18 kernels, as TF Java 1.1.0 ships them):
 * bfloat16 runs everything, forward and backward; float16 runs every regularizer and the masked
 * softmax, but the CPU has no float16 {@code BatchMatMulV3} kernel, so full attention in float16
 * must run on a GPU (or cast to float32 around the matmuls).
 */
@DisplayName("16-bit floats on CPU")
class HalfPrecisionTest {

  static Stream<Arguments> variants() {
    return Variants.arguments();
  }

  static boolean[] causal(int t) {
    return Variants.causal(t);
  }

  static void assertFinite(String what, List<double[]> values) {
    for (double[] v : values) {
      for (double x : v) {
        assertTrue(Double.isFinite(x), what + ": " + x);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName("bfloat16: full attention forward and backward")
  void bfloat16Attention(String name, RegularizerChain chain) {
    try (TfRun r = TfRun.create()) {
      Operand<TBfloat16> x =
          r.tf.dtypes.cast(r.f64(Stats.gaussian(1, 2 * 2 * 5 * 4), 2, 2, 5, 4), TBfloat16.class);
      var ctx = AttentionContext.training(r.seed(1, 1)).withKeyMask(r.bool(causal(5), 1, 1, 5, 5));
      var out = ScaledDotProductAttention.compute(r.tf, x, x, x, chain, ctx).output();
      var loss = r.tf.reduceSum(out, r.tf.constant(new int[] {0, 1, 2, 3}));
      assertFinite(name, r.eval(out, r.gradients(loss, x).get(0)));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName("float16: the regularizers and masked softmax, forward and backward")
  void float16Regularizers(String name, RegularizerChain chain) {
    try (TfRun r = TfRun.create()) {
      Operand<TFloat16> logits =
          r.tf.dtypes.cast(r.f64(Stats.gaussian(2, 2 * 2 * 5 * 5), 2, 2, 5, 5), TFloat16.class);
      var ctx = AttentionContext.training(r.seed(2, 2)).withKeyMask(r.bool(causal(5), 1, 1, 5, 5));
      Operand<TFloat16> probs =
          chain.applyToProbabilities(
              r.tf,
              Masking.maskedSoftmax(r.tf, chain.applyToLogits(r.tf, logits, ctx), ctx.keyMask()),
              ctx);
      var loss = r.tf.reduceSum(r.tf.math.square(probs), r.tf.constant(new int[] {0, 1, 2, 3}));
      assertFinite(name, r.eval(probs, r.gradients(loss, logits).get(0)));
    }
  }

  @Test
  @DisplayName("float16: full attention is refused on CPU when built, naming BatchMatMulV3")
  void float16AttentionNeedsAGpu() {
    try (TfRun r = TfRun.create()) {
      Operand<TFloat16> x =
          r.tf.dtypes.cast(r.f64(new double[2 * 2 * 3 * 4], 2, 2, 3, 4), TFloat16.class);
      RuntimeException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  ScaledDotProductAttention.compute(
                      r.tf, x, x, x, RegularizerChain.none(), AttentionContext.inference()));
      assertTrue(e.getMessage().contains("BatchMatMulV3"), e.getMessage());
    }
  }
}
