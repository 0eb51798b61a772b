package dev.attentiondrop.ops.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Masking;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import dev.attentiondrop.ops.testing.Variants;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat64;

/**
 * With the seed fixed every regularizer is a deterministic function of its input, so its gradients
 * must match central finite differences. Checked with respect to the logits and to an upstream
 * query projection {@code W_q}, in float64.
 */
@DisplayName("Gradients match finite differences for every variant (noise fixed by the seed)")
class GradientTest {
  static final int B = 2, H = 2, T = 6, D = 4;
  static final double EPS = 1e-6;

  static Stream<Arguments> variants() {
    return Variants.arguments();
  }

  static boolean[] causalMask() {
    return Variants.causal(T);
  }

  /** Checks d loss / d param against central differences on 12 coordinates. */
  static void checkAgainstFiniteDifferences(
      String name, TfRun r, Operand<TFloat64> param, double[] value, Operand<TFloat64> loss) {
    Operand<?> grad = r.gradients(loss, param).get(0);
    double[] analytic = r.evalFeeding(Map.of(param, value), grad).get(0);
    Random pick = new Random(name.hashCode());
    for (double g : analytic) {
      assertTrue(Double.isFinite(g), name + ": non-finite gradient");
    }
    // (p = 0.999 with -inf fill drops every key, rows fall back to uniform: zero gradient there
    // is the right answer, and the differences below agree.)
    for (int c = 0; c < 12; c++) {
      int i = pick.nextInt(value.length);
      double[] plus = value.clone();
      double[] minus = value.clone();
      plus[i] += EPS;
      minus[i] -= EPS;
      double fPlus = r.evalFeeding(Map.of(param, plus), loss).get(0)[0];
      double fMinus = r.evalFeeding(Map.of(param, minus), loss).get(0)[0];
      double numeric = (fPlus - fMinus) / (2 * EPS);
      assertEquals(
          numeric, analytic[i], 1e-6 + 1e-5 * Math.abs(numeric), name + ": coordinate " + i);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName("with respect to the attention logits")
  void logitsGradient(String name, RegularizerChain chain) {
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> logits = r.placeholder(B, H, T, T);
      var ctx =
          AttentionContext.training(r.seed(6, 7))
              .withKeyMask(r.bool(causalMask(), 1, 1, T, T))
              .withLayer(0, 2);
      Operand<TFloat64> regularized = chain.applyToLogits(r.tf, logits, ctx);
      Operand<TFloat64> probs =
          chain.applyToProbabilities(
              r.tf, Masking.maskedSoftmax(r.tf, regularized, ctx.keyMask()), ctx);
      Operand<TFloat64> weights = r.f64(Stats.gaussian(9, B * H * T * T), B, H, T, T);
      Operand<TFloat64> loss =
          r.tf.reduceSum(r.tf.math.mul(probs, weights), r.tf.constant(new int[] {0, 1, 2, 3}));
      double[] value = Stats.gaussian(10, B * H * T * T);
      checkAgainstFiniteDifferences(name, r, logits, value, loss);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName("with respect to an upstream query projection W_q")
  void upstreamWeightGradient(String name, RegularizerChain chain) {
    try (TfRun r = TfRun.create()) {
      var tf = r.tf;
      Operand<TFloat64> wq = r.placeholder(D, H * D);
      Operand<TFloat64> x = r.f64(Stats.gaussian(11, B * T * D), B * T, D);
      Operand<TFloat64> wk = r.f64(Stats.gaussian(12, D * H * D), D, H * D);
      Operand<TFloat64> wv = r.f64(Stats.gaussian(13, D * H * D), D, H * D);
      var q = heads(r, tf.linalg.matMul(x, wq));
      var k = heads(r, tf.linalg.matMul(x, wk));
      var v = heads(r, tf.linalg.matMul(x, wv));
      var ctx =
          AttentionContext.training(r.seed(1, 2))
              .withKeyMask(r.bool(causalMask(), 1, 1, T, T))
              .withLayer(1, 2);
      var out = ScaledDotProductAttention.compute(tf, q, k, v, chain, ctx).output();
      Operand<TFloat64> weights = r.f64(Stats.gaussian(14, B * H * T * D), B, H, T, D);
      Operand<TFloat64> loss =
          tf.reduceSum(tf.math.mul(out, weights), tf.constant(new int[] {0, 1, 2, 3}));
      double[] value = Stats.gaussian(15, D * H * D);
      for (int i = 0; i < value.length; i++) {
        value[i] *= 0.5;
      }
      checkAgainstFiniteDifferences(name, r, wq, value, loss);
    }
  }

  /** [B*T, H*D] -> [B, H, T, D]. */
  static Operand<TFloat64> heads(TfRun r, Operand<TFloat64> x) {
    var tf = r.tf;
    return tf.linalg.transpose(
        tf.reshape(x, tf.constant(new int[] {B, T, H, D})), tf.constant(new int[] {0, 2, 1, 3}));
  }
}
