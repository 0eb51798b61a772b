package dev.attentiondrop.ops.consistency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat64;

@DisplayName("K stochastic passes and the consistency loss")
class MultiPassTest {
  static final int B = 3, H = 2, T = 5;

  /** A tiny "model": blur then hard-mask the input logits, return the first query's logits. */
  static MultiPass.PassFunction<TFloat64> model() {
    return (tf, inputs, seed, groups) -> {
      @SuppressWarnings("unchecked")
      Operand<TFloat64> x = (Operand<TFloat64>) inputs.get(0);
      var ctx = AttentionContext.training(seed).withNoiseGroups(groups);
      var blurred = BlurredAttentionSmoothing.of(2.0, 3).apply(tf, x, ctx.fork(tf, 0));
      return HardAttentionMask.of(2, 0.5).apply(tf, blurred, ctx.fork(tf, 1));
    };
  }

  @ParameterizedTest
  @EnumSource(MultiPass.Mode.class)
  @DisplayName("passes have the input's shape and independent noise")
  void passesDiffer(MultiPass.Mode mode) {
    int k = 3;
    double[] x = Stats.gaussian(1, B * H * T * T);
    try (TfRun r = TfRun.create()) {
      var outs = MultiPass.run(r.tf, model(), List.of(r.f64(x, B, H, T, T)), k, r.seed(4, 2), mode);
      assertEquals(k, outs.size());
      var values = r.eval(outs.toArray(new Operand<?>[0]));
      for (int i = 0; i < k; i++) {
        assertArrayEquals(new long[] {B, H, T, T}, r.shapeOf(outs.get(i)), "pass " + i);
        for (int j = i + 1; j < k; j++) {
          assertFalse(Arrays.equals(values.get(i), values.get(j)), "passes " + i + " and " + j + " share noise");
        }
      }
    }
  }

  @Test
  @DisplayName("batched mode draws the per-batch blur sigma once per pass, not once for all")
  void batchedModeDrawsPerGroupSigma() {
    int k = 4;
    double[] delta = new double[B * 3];
    for (int b = 0; b < B; b++) {
      delta[3 * b + 1] = 1;
    }
    MultiPass.PassFunction<TFloat64> blurOnly =
        (tf, inputs, seed, groups) -> BlurredAttentionSmoothing.of(2.0, 3).apply(tf, (Operand<TFloat64>) inputs.get(0),
            AttentionContext.training(seed).withNoiseGroups(groups));
    try (TfRun r = TfRun.create()) {
      var outs = MultiPass.run(r.tf, blurOnly, List.of(r.f64(delta, B, 1, 1, 3)), k, r.seed(5, 5), MultiPass.Mode.BATCHED);
      var values = r.eval(outs.toArray(new Operand<?>[0]));
      for (int i = 0; i < k; i++) {
        for (int b = 1; b < B; b++) {
          assertEquals(values.get(i)[1], values.get(i)[3 * b + 1], 0.0, "one sigma within pass " + i);
        }
        for (int j = i + 1; j < k; j++) {
          assertTrue(values.get(i)[1] != values.get(j)[1], "passes " + i + ", " + j + " share sigma");
        }
      }
    }
  }

  @Test
  @DisplayName("the consistency loss is zero for identical passes and positive otherwise")
  void consistencyLossBasics() {
    double[] z1 = Stats.gaussian(1, 4 * 5);
    double[] z2 = Stats.gaussian(2, 4 * 5);
    try (TfRun r = TfRun.create()) {
      var a = r.f64(z1, 4, 5);
      var b = r.f64(z2, 4, 5);
      var v = r.eval(
          ConsistencyLoss.kl(1).call(r.tf, List.of(a, a)),
          ConsistencyLoss.kl(2).call(r.tf, List.of(a, b)),
          ConsistencyLoss.kl(1).call(r.tf, List.of(a, b)),
          ConsistencyLoss.kl(1).call(r.tf, List.of(b, a)),
          ConsistencyLoss.symmetric(1).call(r.tf, List.of(a, b)));
      assertEquals(0.0, v.get(0)[0], 1e-15);
      assertTrue(v.get(2)[0] > 0);
      assertEquals(2 * v.get(2)[0], v.get(1)[0], 1e-12, "lambda scales linearly");
      assertEquals((v.get(2)[0] + v.get(3)[0]) / 2, v.get(4)[0], 1e-12, "symmetric = mean of both directions");
    }
  }
}
