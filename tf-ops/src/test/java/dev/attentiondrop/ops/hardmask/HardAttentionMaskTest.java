package dev.attentiondrop.ops.hardmask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat64;

@DisplayName("Hard Attention Masking: candidates and corner cases")
class HardAttentionMaskTest {

  @Test
  @DisplayName("k >= valid keys makes every valid key a candidate, masked keys never")
  void kAtLeastValidKeys() {
    boolean[] mask = {true, true, false, true, false, true};
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> x = r.f64(Stats.gaussian(1, 2 * 6), 1, 1, 2, 6);
      double[] c =
          r.eval(HardAttentionMask.of(100, 0.5).candidates(r.tf, x, r.bool(mask, 1, 1, 1, 6)));
      for (int i = 0; i < c.length; i++) {
        assertEquals(mask[i % 6] ? 1.0 : 0.0, c[i], "key " + i);
      }
    }
  }

  @Test
  @DisplayName("a fraction f of n valid keys gives ceil(f n) candidates per row")
  void fractionOfValidKeys() {
    double[] logits = {5, 4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 4};
    boolean[] mask = {true, true, true, true, true, true, true, true, true, false, false, false};
    try (TfRun r = TfRun.create()) {
      var x = r.f64(logits, 2, 1, 1, 6);
      var m = r.bool(mask, 2, 1, 1, 6);
      double[] c =
          r.eval(HardAttentionMask.builder().topKFraction(0.5).build().candidates(r.tf, x, m));
      // row 0: 6 valid -> 3 candidates {5,4,3}; row 1: 3 valid -> ceil(1.5) = 2 candidates {9,8}
      assertArrayEquals(new double[] {1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0}, c);
    }
  }

  @Test
  @DisplayName("ties with the k-th largest logit are all candidates (order-independent rule)")
  void tiesAreAllCandidates() {
    try (TfRun r = TfRun.create()) {
      double[] c =
          r.eval(
              HardAttentionMask.of(2, 0.5)
                  .candidates(r.tf, r.f64(new double[] {3, 1, 3, 3, 0}, 1, 1, 1, 5), null));
      assertArrayEquals(new double[] {1, 0, 1, 1, 0}, c);
    }
  }

  @Test
  @DisplayName("p = 0 is the identity and adds no op; p = 1 drops every candidate")
  void extremeProbabilities() {
    double[] logits = Stats.gaussian(2, 8);
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> x = r.f64(logits, 1, 1, 1, 8);
      var ctx = AttentionContext.training(r.seed(1, 1));
      int before = r.countOps("");
      assertSame(x, HardAttentionMask.of(3, 0).apply(r.tf, x, ctx));
      assertEquals(before, r.countOps(""));
      double[] y = r.eval(HardAttentionMask.of(3, 1).apply(r.tf, x, ctx));
      double[] sorted = logits.clone();
      Arrays.sort(sorted);
      for (int i = 0; i < 8; i++) {
        assertEquals(logits[i] >= sorted[5] ? 0.0 : logits[i], y[i], 0.0, "key " + i);
      }
    }
  }

  /** Candidates by definition, row by row: valid and at least the k-th largest valid logit. */
  static double[] candidatesByDefinition(double[] x, boolean[] valid, int n, int k) {
    double[] out = new double[x.length];
    for (int row = 0; row < x.length / n; row++) {
      int start = row * n;
      double[] v =
          IntStream.range(0, n)
              .filter(j -> valid[j])
              .mapToDouble(j -> x[start + j])
              .sorted()
              .toArray();
      double kth = v.length == 0 ? Double.POSITIVE_INFINITY : v[Math.max(0, v.length - k)];
      for (int j = 0; j < n; j++) {
        out[row * n + j] = valid[j] && x[row * n + j] >= kth ? 1 : 0;
      }
    }
    return out;
  }

  @Test
  @DisplayName(
      "long rows take the threshold from the top groups: the same candidates as the definition, ties and masks included")
  void groupedThresholdIsExact() {
    int b = 2, h = 2, q = 3;
    try (TfRun r = TfRun.create()) {
      assertEquals(
          false,
          HardAttentionMask.grouped(r.f64(new double[128], 1, 1, 1, 128), 8),
          "16 groups are too few for k = 8");
    }
    for (int n : new int[] {96, 256}) {
      for (int k : n == 96 ? new int[] {1, 3} : new int[] {1, 4, 8}) {
        double[] x = Stats.gaussian(n + k, b * h * q * n);
        for (int i = 0; i < x.length; i++) {
          x[i] = Math.round(2 * x[i]); // integers: many ties, also across groups
        }
        boolean[] all = new boolean[n];
        boolean[] some = new boolean[n];
        Arrays.fill(all, true);
        // (96 keys: 12 groups, enough for k <= 3; 256 keys: 32 groups, enough for k <= 8)
        for (int j = 0; j < n; j++) {
          some[j] = j % 3 != 1 && j < n - 5; // every third key and the last five masked
        }
        for (boolean[] valid : new boolean[][] {all, some}) {
          try (TfRun r = TfRun.create()) {
            var logits = r.f64(x, b, h, q, n);
            assertEquals(true, HardAttentionMask.grouped(logits, k), "the grouped path applies");
            var mask = valid == all ? null : r.bool(valid, 1, 1, 1, n);
            double[] got = r.eval(HardAttentionMask.of(k, 0.5).candidates(r.tf, logits, mask));
            double[] expected = candidatesByDefinition(x, valid, n, k);
            assertArrayEquals(
                expected, got, "n " + n + ", k " + k + (mask == null ? "" : ", masked"));
          }
        }
      }
    }
  }
}
