package dev.attentiondrop.ops.blur;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.attention.AttentionMasks;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

@DisplayName("Blurred Attention Smoothing")
class BlurredAttentionSmoothingTest {

  /**
   * A row {@code (0, 1, 0)} blurred with w = 3 gives {@code G_1 = e / (1 + 2 e)} left of the
   * centre, {@code e = exp(-1 / (2 sigma^2))}: the op's sigma can be read off its output.
   */
  static double sigmaFromLeftNeighbour(double left) {
    double e = left / (1 - 2 * left);
    return e <= 0 ? 0 : Math.sqrt(-1 / (2 * Math.log(e)));
  }

  static double[] deltaRows(int n) {
    double[] x = new double[n * 3];
    for (int i = 0; i < n; i++) {
      x[3 * i + 1] = 1;
    }
    return x;
  }

  @Test
  @DisplayName("sigma is uniform on (0, sigma_max): KS test over 4000 per-example draws")
  void sigmaIsUniformPerExample() {
    int n = 4000;
    double sigmaMax = 2.0;
    var op =
        BlurredAttentionSmoothing.builder()
            .sigmaMax(sigmaMax)
            .width(3)
            .scope(SigmaScope.PER_EXAMPLE)
            .build();
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> x = r.f64(deltaRows(n), n, 1, 1, 3);
      var ctx = AttentionContext.training(r.seed(7, 1));
      var both = r.eval(op.sampleSigma(r.tf, x, ctx), op.apply(r.tf, x, ctx));
      double[] sigma = both.get(0);
      double[] y = both.get(1);
      Stats.assertUniform("per-example sigma", sigma, 0, sigmaMax);
      for (int i = 0; i < n; i++) {
        if (sigma[i] > 0.1) { // below that exp(-1/(2 sigma^2)) underflows the read-back
          assertEquals(
              sigma[i],
              sigmaFromLeftNeighbour(y[3 * i]),
              1e-9 * sigma[i] + 1e-12,
              "the blur used the sampled sigma (example " + i + ")");
        }
      }
    }
  }

  @Test
  @DisplayName("per batch (the paper): one sigma shared by the batch, uniform across 400 seeds")
  void sigmaIsSharedPerBatchAndUniformAcrossSeeds() {
    int seeds = 400;
    double sigmaMax = 1.5;
    var op = BlurredAttentionSmoothing.of(sigmaMax, 3);
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> x = r.f64(deltaRows(4), 4, 1, 1, 3);
      Operand<TInt64> seed = r.seedPlaceholder();
      var ctx = AttentionContext.training(seed);
      Operand<TFloat64> sampled = op.sampleSigma(r.tf, x, ctx);
      Operand<TFloat64> y = op.apply(r.tf, x, ctx);
      double[] sigma = new double[seeds];
      for (int s = 0; s < seeds; s++) {
        var out = r.evalFeeding(Map.of(seed, new long[] {99, s}), sampled, y);
        assertEquals(1, out.get(0).length, "a single sigma per batch");
        for (int b = 1; b < 4; b++) {
          assertEquals(out.get(1)[0], out.get(1)[3 * b], 0.0, "every example blurred alike");
        }
        sigma[s] = out.get(0)[0];
      }
      Stats.assertUniform("per-batch sigma across seeds", sigma, 0, sigmaMax);
    }
  }

  @Test
  @DisplayName("per head: examples share a head's sigma, heads differ")
  void perHeadScope() {
    var op =
        BlurredAttentionSmoothing.builder().sigmaMax(1).width(3).scope(SigmaScope.PER_HEAD).build();
    try (TfRun r = TfRun.create()) {
      double[] y =
          r.eval(
              op.apply(
                  r.tf, r.f64(deltaRows(6), 2, 3, 1, 3), AttentionContext.training(r.seed(3, 3))));
      for (int h = 0; h < 3; h++) {
        assertEquals(y[3 * h + 1], y[3 * (3 + h) + 1], 0.0, "head " + h + " across examples");
      }
      assertTrue(y[1] != y[4] && y[4] != y[7], "heads draw their own sigma");
    }
  }

  @Test
  @DisplayName("sigma -> 0 degenerates to the identity, without NaN")
  void zeroSigmaIsIdentity() {
    double[] logits = Stats.gaussian(5, 2 * 2 * 3 * 9);
    for (Boundary boundary : Boundary.values()) {
      var op = new BlurredAttentionSmoothing(1, 9, SigmaScope.PER_BATCH, boundary);
      try (TfRun r = TfRun.create()) {
        Operand<TFloat64> x = r.f64(logits, 2, 2, 3, 9);
        for (double s : new double[] {0, 1e-12, 1e-4}) {
          double[] y =
              r.eval(op.applyWithSigma(r.tf, x, null, r.f64(new double[] {s}, 1, 1, 1, 1)));
          assertArrayEquals(logits, y, 1e-12, boundary + ", sigma " + s);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Boundary.class)
  @DisplayName("causal mask: a future key's logit never leaks into an allowed position")
  void causalBlurDoesNotLeakTheFuture(Boundary boundary) {
    int t = 7;
    double[] logits = Stats.gaussian(8, t * t);
    double[] perturbed = logits.clone();
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        perturbed[i * t + j] += 1000 * (j + 1); // change every future (masked) logit
      }
    }
    var op = new BlurredAttentionSmoothing(3, 9, SigmaScope.PER_BATCH, boundary);
    try (TfRun r = TfRun.create()) {
      var ctx = AttentionContext.training(r.seed(1, 1)).withKeyMask(AttentionMasks.causal(r.tf, t));
      Operand<TFloat64> x = r.placeholder(1, 1, t, t);
      Operand<TFloat64> y = op.apply(r.tf, x, ctx);
      double[] a = r.evalFeeding(Map.of(x, logits), y).get(0);
      double[] b = r.evalFeeding(Map.of(x, perturbed), y).get(0);
      for (int i = 0; i < t; i++) {
        for (int j = 0; j <= i; j++) {
          assertEquals(a[i * t + j], b[i * t + j], 0.0, "allowed (" + i + "," + j + ") moved");
        }
        for (int j = i + 1; j < t; j++) {
          assertEquals(
              perturbed[i * t + j], b[i * t + j], 0.0, "masked positions are returned unchanged");
        }
      }
      assertTrue(a[t * t - 1] != logits[t * t - 1], "the blur did act on allowed positions");
    }
  }

  @Test
  @DisplayName("renormalized boundary keeps a constant row constant; zero padding shrinks its ends")
  void boundaryModes() {
    double[] ones = new double[8];
    Arrays.fill(ones, 1.0);
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> x = r.f64(ones, 1, 1, 1, 8);
      Operand<TFloat64> sigma = r.f64(new double[] {1.0}, 1, 1, 1, 1);
      double[] renorm =
          r.eval(
              new BlurredAttentionSmoothing(1, 5, SigmaScope.PER_BATCH, Boundary.RENORMALIZED)
                  .applyWithSigma(r.tf, x, null, sigma));
      double[] zero =
          r.eval(BlurredAttentionSmoothing.of(1, 5).applyWithSigma(r.tf, x, null, sigma));
      assertArrayEquals(ones, renorm, 1e-12);
      double[] g = GaussianKernel.weights(1.0, 5);
      assertEquals(g[2] + g[3] + g[4], zero[0], 1e-12, "first key keeps the centre and right half");
      assertEquals(1.0, zero[4], 1e-12, "interior keys see the whole kernel");
    }
  }

  @ParameterizedTest
  @EnumSource(Boundary.class)
  @DisplayName(
      "the banded product and the shifted copies are the same convolution: values and gradients, with and without a mask")
  void bandedProductEqualsShiftedCopies(Boundary boundary) {
    int b = 2, h = 3, t = 11;
    double[] logits = Stats.gaussian(21, b * h * t * t);
    double[] sigmas = {0.4, 1.3, 2.9}; // one per head
    var op = new BlurredAttentionSmoothing(3, 7, SigmaScope.PER_HEAD, boundary);
    for (boolean masked : new boolean[] {false, true}) {
      try (TfRun r = TfRun.create()) {
        Operand<TFloat64> x = r.f64(logits, b, h, t, t);
        Operand<TFloat64> sigma = r.f64(sigmas, 1, h, 1, 1);
        var mask = masked ? AttentionMasks.causal(r.tf, t) : null;
        Operand<TFloat64> banded =
            op.applyWithSigma(r.tf, x, mask, sigma, BlurredAttentionSmoothing.Form.BANDED);
        Operand<TFloat64> shifted =
            op.applyWithSigma(r.tf, x, mask, sigma, BlurredAttentionSmoothing.Form.SHIFTED);
        // A weighted sum, so the gradients see every output position.
        Operand<TFloat64> w = r.f64(Stats.gaussian(22, b * h * t * t), b, h, t, t);
        var gBanded = r.gradients(r.tf.math.mul(banded, w), x).get(0);
        var gShifted = r.gradients(r.tf.math.mul(shifted, w), x).get(0);
        var out = r.eval(banded, shifted, gBanded, gShifted);
        String what = boundary + (masked ? ", causal mask" : ", no mask");
        assertArrayEquals(out.get(1), out.get(0), 1e-12, "values, " + what);
        assertArrayEquals(out.get(3), out.get(2), 1e-12, "gradients, " + what);
        assertTrue(r.countOps("BatchMatMul") > 0, "the banded form is a matmul");
      }
    }
  }

  @Test
  @DisplayName(
      "the banded product serves unknown and moderate key axes; float16 and very long axes use shifted copies")
  void formChoice() {
    try (TfRun r = TfRun.create()) {
      var tf = r.tf;
      assertTrue(BlurredAttentionSmoothing.banded(r.placeholder(2, 4, 16, 16)));
      assertTrue(
          BlurredAttentionSmoothing.banded(
              tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1, 4, -1, -1)))));
      assertTrue(
          !BlurredAttentionSmoothing.banded(
              r.placeholder(1, 1, 1, BlurredAttentionSmoothing.MAX_BANDED_KEYS + 1)));
      assertTrue(
          !BlurredAttentionSmoothing.banded(
              tf.placeholder(TFloat16.class, Placeholder.shape(Shape.of(1, 1, 4, 4)))));
    }
  }

  @Test
  @DisplayName("an unknown key axis (fed at run time) blurs like the static one")
  void dynamicKeyAxis() {
    int t = 9;
    double[] logits = Stats.gaussian(31, 2 * t * t);
    var op = BlurredAttentionSmoothing.of(2, 5);
    try (TfRun r = TfRun.create()) {
      var tf = r.tf;
      Operand<TFloat64> sigma = r.f64(new double[] {0.8}, 1, 1, 1, 1);
      Operand<TFloat64> fixed = r.f64(logits, 2, 1, t, t);
      Operand<TFloat64> dynamic =
          tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1, 1, -1, -1)));
      double[] expected = r.eval(op.applyWithSigma(tf, fixed, null, sigma));
      try (TFloat64 fed =
          TFloat64.tensorOf(Shape.of(2, 1, t, t), DataBuffers.of(logits, true, false))) {
        double[] actual =
            r.evalFeeding(Map.of(dynamic, fed), op.applyWithSigma(tf, dynamic, null, sigma)).get(0);
        assertArrayEquals(expected, actual, 1e-12);
      }
    }
  }
}
