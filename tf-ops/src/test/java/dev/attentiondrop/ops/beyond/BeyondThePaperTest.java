package dev.attentiondrop.ops.beyond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import java.util.Arrays;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("DropKey, DropHead, DropAttention, relaxed attention")
class BeyondThePaperTest {
  static final int B = 16, H = 4, Q = 8, K = 32;

  static double[] uniformRows() {
    double[] a = new double[B * H * Q * K];
    Arrays.fill(a, 1.0 / K);
    return a;
  }

  @Test
  @DisplayName("DropKey excludes each valid logit at the layer's scheduled rate, nothing else")
  void dropKeyFollowsItsSchedule() {
    var op = new DropKey(RateSchedule.linear(0.3, 0.1));
    double[] logits = Stats.gaussian(2, B * H * Q * K);
    for (int layer = 0; layer < 3; layer++) {
      double rate = op.schedule().rate(layer, 3);
      assertEquals(0.3 - 0.1 * layer, rate, 1e-12, "linear schedule");
      try (TfRun r = TfRun.create()) {
        var ctx = AttentionContext.training(r.seed(layer, 9)).withLayer(layer, 3);
        double[] y = r.eval(op.apply(r.tf, r.f64(logits, B, H, Q, K), ctx));
        long dropped = 0;
        for (int i = 0; i < y.length; i++) {
          if (y[i] != logits[i]) {
            assertEquals(-1e9, y[i], "excluded logit");
            dropped++;
          }
        }
        Stats.assertBinomial("DropKey rate at layer " + layer, dropped, y.length, rate);
      }
    }
  }

  @Test
  @DisplayName("DropHead drops whole heads per example and rescales the kept ones by H / kept")
  void dropHeadDropsWholeHeads() {
    double rate = 0.25;
    try (TfRun r = TfRun.create()) {
      double[] y =
          r.eval(
              new DropHead(rate)
                  .apply(
                      r.tf,
                      r.f64(uniformRows(), B, H, Q, K),
                      AttentionContext.training(r.seed(1, 2))));
      long droppedHeads = 0;
      int block = Q * K;
      for (int b = 0; b < B; b++) {
        int kept = 0;
        for (int h = 0; h < H; h++) {
          double first = y[(b * H + h) * block];
          for (int i = 0; i < block; i++) {
            assertEquals(first, y[(b * H + h) * block + i], 0.0, "a head is dropped or kept whole");
          }
          kept += first != 0 ? 1 : 0;
        }
        droppedHeads += H - kept;
        for (int h = 0; h < H; h++) {
          double v = y[(b * H + h) * block];
          if (v != 0) {
            assertEquals((1.0 / K) * H / kept, v, 1e-12, "rescaled by H / kept");
          }
        }
      }
      Stats.assertBinomial("DropHead rate", droppedHeads, (long) B * H, rate);
    }
  }

  @Test
  @DisplayName("DropAttention drops key columns for every query and renormalizes rows to 1")
  void dropAttentionColumns() {
    for (int window : new int[] {1, 3}) {
      double rate = 0.2;
      try (TfRun r = TfRun.create()) {
        double[] y =
            r.eval(
                new DropAttention(rate, window)
                    .apply(
                        r.tf,
                        r.f64(uniformRows(), B, H, Q, K),
                        AttentionContext.training(r.seed(3, window))));
        long droppedColumns = 0;
        for (int bh = 0; bh < B * H; bh++) {
          for (int j = 0; j < K; j++) {
            boolean dropped = y[bh * Q * K + j] == 0;
            for (int q = 0; q < Q; q++) {
              assertEquals(dropped, y[(bh * Q + q) * K + j] == 0, "column dropped for every query");
            }
            droppedColumns += dropped ? 1 : 0;
          }
          for (int q = 0; q < Q; q++) {
            double sum = 0;
            for (int j = 0; j < K; j++) {
              sum += y[(bh * Q + q) * K + j];
            }
            assertEquals(1.0, sum, 1e-12, "rows renormalized");
          }
        }
        // a column is dropped if a window starts in any of the `window` positions ending at it;
        // columns near the start see fewer positions.
        double expected = 0;
        for (int j = 0; j < K; j++) {
          expected += 1 - Math.pow(1 - rate / window, Math.min(window, j + 1));
        }
        Stats.assertBinomial(
            "DropAttention column rate, window " + window,
            droppedColumns,
            (long) B * H * K,
            expected / K);
      }
    }
  }

  @Test
  @DisplayName("a chain holding only deterministic relaxed attention needs no seed")
  void deterministicChainNeedsNoSeed() {
    try (TfRun r = TfRun.create()) {
      var chain = RegularizerChain.ofProbabilities(new RelaxedAttention(0.5));
      var ctx = AttentionContext.training(Training.ON, null);
      double[] y =
          r.eval(chain.applyToProbabilities(r.tf, r.f64(new double[] {1, 0}, 1, 1, 1, 2), ctx));
      Assertions.assertArrayEquals(new double[] {0.75, 0.25}, y, 1e-12);
    }
  }

  @Test
  @DisplayName("relaxed attention mixes with the uniform distribution over valid keys")
  void relaxedAttention() {
    double gamma = 0.2;
    double[] a = {0.7, 0.3, 0, 0, 1, 0, 0, 0};
    boolean[] valid = {true, true, false, false};
    try (TfRun r = TfRun.create()) {
      var ctx = AttentionContext.training(r.seed(0, 0)).withKeyMask(r.bool(valid, 1, 1, 1, 4));
      double[] y = r.eval(new RelaxedAttention(gamma).apply(r.tf, r.f64(a, 1, 1, 2, 4), ctx));
      double[] expected = {0.8 * 0.7 + 0.1, 0.8 * 0.3 + 0.1, 0, 0, 0.8 + 0.1, 0.1, 0, 0};
      for (int i = 0; i < a.length; i++) {
        assertEquals(expected[i], y[i], 1e-12, "entry " + i);
      }
      assertTrue(y[2] == 0 && y[3] == 0, "masked keys keep probability 0");
    }
  }
}
