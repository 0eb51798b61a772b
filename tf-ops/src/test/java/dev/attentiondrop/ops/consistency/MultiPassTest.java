package dev.attentiondrop.ops.consistency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import java.util.ArrayList;
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
    return model(false);
  }

  /**
   * The model with a deterministic prefix ({@code 2 x + 1}); with {@code tiles} it tiles after the
   * prefix, as {@link MultiPass.Mode#SHARED_PREFIX} wants.
   */
  static MultiPass.PassFunction<TFloat64> model(boolean tiles) {
    return (tf, inputs, seed, groups) -> {
      @SuppressWarnings("unchecked")
      Operand<TFloat64> in = (Operand<TFloat64>) inputs.get(0);
      Operand<TFloat64> x = tf.math.add(tf.math.mul(in, tf.constant(2.0)), tf.constant(1.0));
      if (tiles) {
        x = MultiPass.tile(tf, x, groups);
      }
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
      var outs =
          MultiPass.run(
              r.tf,
              model(mode == MultiPass.Mode.SHARED_PREFIX),
              List.of(r.f64(x, B, H, T, T)),
              k,
              r.seed(4, 2),
              mode);
      assertEquals(k, outs.size());
      var values = r.eval(outs.toArray(new Operand<?>[0]));
      for (int i = 0; i < k; i++) {
        assertArrayEquals(new long[] {B, H, T, T}, r.shapeOf(outs.get(i)), "pass " + i);
        for (int j = i + 1; j < k; j++) {
          assertFalse(
              Arrays.equals(values.get(i), values.get(j)),
              "passes " + i + " and " + j + " share noise");
        }
      }
    }
  }

  @Test
  @DisplayName(
      "shared prefix: the same passes as batched, values and gradients, with the prefix computed once")
  void sharedPrefixEqualsBatched() {
    int k = 3;
    double[] x = Stats.gaussian(9, B * H * T * T);
    try (TfRun r = TfRun.create()) {
      var in = r.f64(x, B, H, T, T);
      var batched =
          MultiPass.run(r.tf, model(false), List.of(in), k, r.seed(8, 1), MultiPass.Mode.BATCHED);
      var shared =
          MultiPass.run(
              r.tf, model(true), List.of(in), k, r.seed(8, 1), MultiPass.Mode.SHARED_PREFIX);
      List<Operand<?>> fetch = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        fetch.add(batched.get(i));
        fetch.add(shared.get(i));
      }
      // A loss that weighs the passes differently, so the prefix gradient sums distinct parts.
      Operand<TFloat64> lossB = r.tf.constant(0.0);
      Operand<TFloat64> lossS = r.tf.constant(0.0);
      for (int i = 0; i < k; i++) {
        Operand<TFloat64> w = r.tf.constant((double) (i + 1));
        lossB =
            r.tf.math.add(
                lossB,
                r.tf.math.mul(
                    w,
                    r.tf.reduceSum(
                        r.tf.math.square(batched.get(i)), r.tf.constant(new int[] {0, 1, 2, 3}))));
        lossS =
            r.tf.math.add(
                lossS,
                r.tf.math.mul(
                    w,
                    r.tf.reduceSum(
                        r.tf.math.square(shared.get(i)), r.tf.constant(new int[] {0, 1, 2, 3}))));
      }
      fetch.add(r.gradients(lossB, in).get(0));
      fetch.add(r.gradients(lossS, in).get(0));
      var v = r.eval(fetch.toArray(new Operand<?>[0]));
      for (int i = 0; i < k; i++) {
        assertArrayEquals(v.get(2 * i), v.get(2 * i + 1), 0.0, "pass " + i);
      }
      assertArrayEquals(
          v.get(2 * k), v.get(2 * k + 1), 1e-12, "gradient with respect to the input");
    }
  }

  @Test
  @DisplayName("shared prefix: a function that does not tile is named in a clear error")
  void sharedPrefixNeedsTiling() {
    try (TfRun r = TfRun.create()) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  MultiPass.run(
                      r.tf,
                      model(false),
                      List.of(r.f64(Stats.gaussian(1, B * H * T * T), B, H, T, T)),
                      2,
                      r.seed(1, 1),
                      MultiPass.Mode.SHARED_PREFIX));
      assertTrue(e.getMessage().contains("MultiPass.tile"), e.getMessage());
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
        (tf, inputs, seed, groups) ->
            BlurredAttentionSmoothing.of(2.0, 3)
                .apply(
                    tf,
                    (Operand<TFloat64>) inputs.get(0),
                    AttentionContext.training(seed).withNoiseGroups(groups));
    try (TfRun r = TfRun.create()) {
      var outs =
          MultiPass.run(
              r.tf,
              blurOnly,
              List.of(r.f64(delta, B, 1, 1, 3)),
              k,
              r.seed(5, 5),
              MultiPass.Mode.BATCHED);
      var values = r.eval(outs.toArray(new Operand<?>[0]));
      for (int i = 0; i < k; i++) {
        for (int b = 1; b < B; b++) {
          assertEquals(
              values.get(i)[1], values.get(i)[3 * b + 1], 0.0, "one sigma within pass " + i);
        }
        for (int j = i + 1; j < k; j++) {
          assertTrue(
              values.get(i)[1] != values.get(j)[1], "passes " + i + ", " + j + " share sigma");
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
      var v =
          r.eval(
              ConsistencyLoss.kl(1).call(r.tf, List.of(a, a)),
              ConsistencyLoss.kl(2).call(r.tf, List.of(a, b)),
              ConsistencyLoss.kl(1).call(r.tf, List.of(a, b)),
              ConsistencyLoss.kl(1).call(r.tf, List.of(b, a)),
              ConsistencyLoss.symmetric(1).call(r.tf, List.of(a, b)));
      assertEquals(0.0, v.get(0)[0], 1e-15);
      assertTrue(v.get(2)[0] > 0);
      assertEquals(2 * v.get(2)[0], v.get(1)[0], 1e-12, "lambda scales linearly");
      assertEquals(
          (v.get(2)[0] + v.get(3)[0]) / 2,
          v.get(4)[0],
          1e-12,
          "symmetric = mean of both directions");
    }
  }
}
