package dev.attentiondrop.ops.baselines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

@DisplayName("DropConnect and inverted dropout")
class DropConnectTest {
  static final int ROWS = 64, COLS = 64;

  @Test
  @DisplayName("keeps each weight with probability 1 - rate and rescales by 1 / (1 - rate)")
  void keepRateAndScaling() {
    double rate = 0.2;
    double[] w = Stats.gaussian(3, ROWS * COLS);
    try (TfRun r = TfRun.create()) {
      double[] y =
          r.eval(new DropConnect(rate).call(r.tf, r.f64(w, ROWS, COLS), Training.ON, r.seed(5, 6)));
      long kept = 0;
      for (int i = 0; i < w.length; i++) {
        if (y[i] != 0) {
          kept++;
          assertEquals(w[i] / (1 - rate), y[i], 1e-12, "kept weights are rescaled");
        }
      }
      Stats.assertBinomial("keep rate", kept, w.length, 1 - rate);
    }
  }

  @Test
  @DisplayName("is unbiased: E[W'] = W, averaged over 200 fresh masks (one per step seed)")
  void unbiasedOverSteps() {
    double rate = 0.3;
    int steps = 200;
    double[] w = new double[ROWS * COLS];
    Arrays.fill(w, 1.0);
    try (TfRun r = TfRun.create()) {
      Operand<TInt64> seed = r.seedPlaceholder();
      Operand<TFloat64> y =
          new DropConnect(rate).call(r.tf, r.f64(w, ROWS, COLS), Training.ON, seed);
      double[] sum = new double[w.length];
      double[] previous = null;
      for (int s = 0; s < steps; s++) {
        double[] ys = r.evalFeeding(Map.of(seed, new long[] {1, s}), y).get(0);
        if (previous != null) {
          assertNotEquals(
              Arrays.toString(previous), Arrays.toString(ys), "a fresh mask every step");
        }
        previous = ys;
        for (int i = 0; i < w.length; i++) {
          sum[i] += ys[i];
        }
      }
      double total = 0;
      for (double v : sum) {
        total += v;
      }
      // each element of W'/W is (1-rate)^-1 * Bernoulli(1-rate): sd = sqrt(rate / (1 - rate))
      Stats.assertMean(
          "mean of W'/W",
          total / ((double) steps * w.length),
          1.0,
          Math.sqrt(rate / (1 - rate)),
          (long) steps * w.length);
    }
  }

  @Test
  @DisplayName("outside training the weight itself is returned and no op is added")
  void inferenceIsIdentity() {
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> w = r.f64(new double[] {1, 2}, 1, 2);
      int before = r.countOps("");
      assertSame(w, new DropConnect(0.5).call(r.tf, w, Training.OFF, null));
      assertSame(w, new Dropout(0.5).call(r.tf, w, Training.OFF, null));
      assertEquals(before, r.countOps(""));
    }
  }

  @Test
  @DisplayName("attention dropout drops probabilities at its rate and keeps E[A'] = A")
  void attentionDropoutRate() {
    double rate = 0.1;
    int n = 8 * 4 * 16 * 16;
    double[] a = new double[n];
    Arrays.fill(a, 1.0 / 16);
    try (TfRun r = TfRun.create()) {
      var ctx = AttentionContext.training(r.seed(4, 4));
      double[] y = r.eval(new AttentionDropout(rate).apply(r.tf, r.f64(a, 8, 4, 16, 16), ctx));
      long kept = 0;
      double sum = 0;
      for (double v : y) {
        kept += v != 0 ? 1 : 0;
        sum += v;
      }
      Stats.assertBinomial("attention dropout keep rate", kept, n, 1 - rate);
      Stats.assertMean("mean of A'/A", sum * 16 / n, 1.0, Math.sqrt(rate / (1 - rate)), n);
    }
  }
}
