package dev.attentiondrop.ops.hardmask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

@DisplayName("Hard Attention Masking, sampled over many seeds")
class HardAttentionMaskStatisticsTest {
  static final int B = 4, H = 2, Q = 8, K = 16, SEEDS = 60;
  static final double P = 0.3;

  /** Valid keys: example b has its last 2*b keys padded out. */
  static boolean[] paddingMask() {
    boolean[] m = new boolean[B * K];
    for (int b = 0; b < B; b++) {
      for (int j = 0; j < K; j++) {
        m[b * K + j] = j < K - 2 * b;
      }
    }
    return m;
  }

  /** Independent candidate rule: the valid logits >= the k-th largest valid logit of the row. */
  static boolean[] expectedCandidates(double[] logits, boolean[] mask, int k) {
    boolean[] c = new boolean[logits.length];
    for (int row = 0; row < B * H * Q; row++) {
      int b = row / (H * Q);
      List<Double> valid = new ArrayList<>();
      for (int j = 0; j < K; j++) {
        if (mask[b * K + j]) {
          valid.add(logits[row * K + j]);
        }
      }
      valid.sort((x, y) -> Double.compare(y, x));
      double threshold = valid.get(Math.min(k, valid.size()) - 1);
      for (int j = 0; j < K; j++) {
        c[row * K + j] = mask[b * K + j] && logits[row * K + j] >= threshold;
      }
    }
    return c;
  }

  record Samples(double[] logits, boolean[] candidates, List<double[]> outputs) {}

  static Samples sample(HardAttentionMask op, int k) {
    double[] logits = Stats.gaussian(11, B * H * Q * K);
    boolean[] mask = paddingMask();
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> x = r.f64(logits, B, H, Q, K);
      Operand<TBool> m = r.bool(mask, B, 1, 1, K);
      Operand<TInt64> seed = r.seedPlaceholder();
      Operand<TFloat64> y = op.apply(r.tf, x, AttentionContext.training(seed).withKeyMask(m));
      List<double[]> outs = new ArrayList<>();
      for (int s = 0; s < SEEDS; s++) {
        outs.add(r.evalFeeding(Map.of(seed, new long[] {2024, s}), y).get(0));
      }
      double[] again = r.evalFeeding(Map.of(seed, new long[] {2024, 0}), y).get(0);
      assertArrayEquals(outs.get(0), again, 0.0, "same seed, same noise");
      return new Samples(logits, expectedCandidates(logits, mask, k), outs);
    }
  }

  /**
   * Over all sampled outputs: {candidates, dropped}. Asserts that a changed candidate holds {@code
   * fill} and that no entry outside the top-k ever changes.
   */
  static long[] dropCounts(Samples s, double fill, String fillMessage) {
    long candidates = 0;
    long dropped = 0;
    for (double[] out : s.outputs()) {
      for (int i = 0; i < out.length; i++) {
        if (s.candidates()[i]) {
          candidates++;
          if (out[i] != s.logits()[i]) {
            assertEquals(fill, out[i], fillMessage);
            dropped++;
          }
        } else {
          assertEquals(s.logits()[i], out[i], "entry " + i + " outside the top-k changed");
        }
      }
    }
    return new long[] {candidates, dropped};
  }

  @Test
  @DisplayName("each top-k logit is zeroed with probability p; nothing else ever changes")
  void dropFrequencyMatchesPInsideTopKOnly() {
    int k = 5;
    Samples s = sample(HardAttentionMask.of(k, P), k);
    long[] counts = dropCounts(s, 0.0, "a dropped logit becomes exactly 0 (FillMode.ZERO)");
    long perRun = 0;
    for (boolean c : s.candidates()) {
      perRun += c ? 1 : 0;
    }
    // every row of the padded examples still has >= k valid keys, so exactly k candidates per row
    assertEquals((long) B * H * Q * k, perRun, "candidates per run");
    Stats.assertBinomial("drop rate inside top-k", counts[1], counts[0], P);
  }

  @Test
  @DisplayName("different seeds give independent masks: P(dropped under both) = p^2")
  void differentSeedsAreIndependent() {
    int k = 5;
    Samples s = sample(HardAttentionMask.of(k, P), k);
    long pairs = 0;
    long both = 0;
    for (int a = 0; a + 1 < SEEDS; a += 2) {
      double[] x = s.outputs().get(a);
      double[] y = s.outputs().get(a + 1);
      for (int i = 0; i < x.length; i++) {
        if (s.candidates()[i]) {
          pairs++;
          if (x[i] != s.logits()[i] && y[i] != s.logits()[i]) {
            both++;
          }
        }
      }
    }
    Stats.assertBinomial("joint drop rate of two seeds", both, pairs, P * P);
    assertTrue(
        !Arrays.equals(s.outputs().get(0), s.outputs().get(1)), "seeds differ, masks differ");
  }

  @Test
  @DisplayName("NEG_INF fill excludes the dropped logits instead of zeroing them")
  void negInfFillUsesDropValue() {
    int k = 3;
    Samples s = sample(new HardAttentionMask(TopK.count(k), P, FillMode.NEG_INF), k);
    long[] counts = dropCounts(s, -1e9, "dropped logit");
    Stats.assertBinomial("drop rate (NEG_INF)", counts[1], counts[0], P);
  }
}
