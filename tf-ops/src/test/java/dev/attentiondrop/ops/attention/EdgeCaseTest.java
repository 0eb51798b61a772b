package dev.attentiondrop.ops.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import dev.attentiondrop.ops.testing.Variants;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

@DisplayName("Edge cases: every variant stays finite, forward and backward")
class EdgeCaseTest {

  static Stream<Arguments> variants() {
    return Variants.arguments();
  }

  /** Runs attention on q = k = v = x, returns [probabilities, output, dq]. */
  static <T extends TFloating> List<double[]> run(
      TfRun r, Operand<T> x, Operand<TBool> mask, RegularizerChain chain) {
    var ctx = AttentionContext.training(r.seed(3, 4)).withKeyMask(mask).withLayer(1, 3);
    var res = ScaledDotProductAttention.compute(r.tf, x, x, x, chain, ctx);
    Operand<T> loss =
        r.tf.reduceSum(r.tf.math.square(res.output()), r.tf.constant(new int[] {0, 1, 2, 3}));
    Operand<?> grad = r.gradients(loss, x).get(0);
    return r.eval(res.probabilities(), res.output(), grad);
  }

  static void assertFinite(String what, List<double[]> values) {
    String[] names = {"probabilities", "output", "gradient"};
    for (int i = 0; i < values.size(); i++) {
      for (double v : values.get(i)) {
        assertTrue(Double.isFinite(v), what + ": non-finite " + names[i] + " " + v);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName("a single key")
  void oneKey(String name, RegularizerChain chain) {
    try (TfRun r = TfRun.create()) {
      var out = run(r, r.f64(Stats.gaussian(1, 2 * 2 * 1 * 3), 2, 2, 1, 3), null, chain);
      assertFinite(name, out);
      for (double p : out.get(0)) {
        assertTrue(p >= 0, "probability " + p);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName("fully masked rows give zero probabilities and no NaN anywhere")
  void fullyMaskedRows(String name, RegularizerChain chain) {
    int b = 2, h = 2, t = 6;
    boolean[] mask = new boolean[b * t * t];
    for (int q = 0; q < t; q++) {
      for (int k = 0; k < t; k++) {
        mask[q * t + k] = k <= q; // example 0: causal
        mask[t * t + q * t + k] = q >= 3 && k < 2; // example 1: rows 0..2 fully masked
      }
    }
    try (TfRun r = TfRun.create()) {
      var out =
          run(
              r,
              r.f64(Stats.gaussian(2, b * h * t * 4), b, h, t, 4),
              r.bool(mask, b, 1, t, t),
              chain);
      assertFinite(name, out);
      double[] probs = out.get(0);
      for (int hh = 0; hh < h; hh++) {
        for (int q = 0; q < 3; q++) {
          for (int k = 0; k < t; k++) {
            assertEquals(
                0.0, probs[((h + hh) * t + q) * t + k], 0.0, "fully masked row of example 1");
          }
        }
      }
      for (int i = 0; i < probs.length; i++) {
        int e = i / (h * t * t);
        int q = (i / t) % t;
        int k = i % t;
        if (!mask[e * t * t + q * t + k]) {
          assertEquals(0.0, probs[i], 0.0, "masked key (" + e + "," + q + "," + k + ")");
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName("logits of +-1e4 in float32 and float64")
  void hugeLogits(String name, RegularizerChain chain) {
    int b = 2, h = 2, t = 5, d = 4;
    double[] x = Stats.gaussian(3, b * h * t * d);
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.signum(x[i]) * 50; // q.k / sqrt(4) = +-1e4 at most
    }
    boolean[] causal = new boolean[t * t];
    for (int q = 0; q < t; q++) {
      for (int k = 0; k <= q; k++) {
        causal[q * t + k] = true;
      }
    }
    try (TfRun r = TfRun.create()) {
      Operand<TBool> mask = r.bool(causal, 1, 1, t, t);
      assertFinite(name + " f64", run(r, r.f64(x, b, h, t, d), mask, chain));
      Operand<TFloat32> x32 = r.f32(x, b, h, t, d);
      assertFinite(name + " f32", run(r, x32, mask, chain));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName("inference mode adds no random op and equals plain attention exactly")
  void inferenceIsPlainAttention(String name, RegularizerChain chain) {
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> x = r.f64(Stats.gaussian(4, 2 * 2 * 5 * 3), 2, 2, 5, 3);
      var ctx = AttentionContext.inference().withKeyMask(AttentionMasks.causal(r.tf, 5));
      var regularized = ScaledDotProductAttention.compute(r.tf, x, x, x, chain, ctx);
      var plain = ScaledDotProductAttention.compute(r.tf, x, x, x, RegularizerChain.none(), ctx);
      assertEquals(0, r.countOps("Stateless"), "random ops in an inference graph");
      var out = r.eval(regularized.output(), plain.output());
      Assertions.assertArrayEquals(out.get(1), out.get(0), 0.0);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName("a boolean training tensor: false is exactly inference, true is exactly training")
  void trainingTensor(String name, RegularizerChain chain) {
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> x = r.f64(Stats.gaussian(5, 2 * 2 * 5 * 3), 2, 2, 5, 3);
      Operand<TBool> flag = r.tf.placeholderWithDefault(r.tf.constant(false), Shape.scalar());
      var base =
          AttentionContext.training(r.seed(8, 8)).withKeyMask(AttentionMasks.causal(r.tf, 5));
      var switched =
          ScaledDotProductAttention.compute(
              r.tf, x, x, x, chain, base.withTraining(Training.of(flag)));
      var on = ScaledDotProductAttention.compute(r.tf, x, x, x, chain, base);
      var off =
          ScaledDotProductAttention.compute(r.tf, x, x, x, chain, base.withTraining(Training.OFF));
      var asInference = r.eval(switched.output(), off.output());
      Assertions.assertArrayEquals(asInference.get(1), asInference.get(0), 0.0, "flag false");
      var asTraining = r.evalFeeding(Map.of(flag, true), switched.output(), on.output());
      Assertions.assertArrayEquals(asTraining.get(1), asTraining.get(0), 0.0, "flag true");
    }
  }
}
