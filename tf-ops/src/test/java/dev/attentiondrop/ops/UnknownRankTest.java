package dev.attentiondrop.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.attention.ScaledDotProductAttention;
import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.beyond.DropAttention;
import dev.attentiondrop.ops.beyond.DropHead;
import dev.attentiondrop.ops.beyond.DropKey;
import dev.attentiondrop.ops.beyond.RateSchedule;
import dev.attentiondrop.ops.beyond.RelaxedAttention;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.blur.Boundary;
import dev.attentiondrop.ops.blur.SigmaScope;
import dev.attentiondrop.ops.hardmask.FillMode;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.hardmask.TopK;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import dev.attentiondrop.ops.testing.Variants;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat64;

@DisplayName(
    "Every regularizer gives the same values for logits of unknown rank as for static ones")
class UnknownRankTest {
  static final int B = 2;
  static final int H = 3;
  static final int T = 5;
  static final int S = 64; // 64 keys: hard masking with k = 2 takes its grouped path when static

  static Stream<Arguments> regularizers() {
    return Stream.of(
        Arguments.of("hard mask", RegularizerChain.ofLogits(HardAttentionMask.of(2, 0.5))),
        Arguments.of(
            "hard mask, -inf",
            RegularizerChain.ofLogits(new HardAttentionMask(TopK.count(3), 0.5, FillMode.NEG_INF))),
        Arguments.of(
            "hard mask, fraction",
            RegularizerChain.ofLogits(
                new HardAttentionMask(TopK.fraction(0.25), 0.5, FillMode.ZERO))),
        Arguments.of("blur", RegularizerChain.ofLogits(BlurredAttentionSmoothing.of(2.0, 5))),
        Arguments.of(
            "blur, renormalized, per head",
            RegularizerChain.ofLogits(
                new BlurredAttentionSmoothing(2.0, 9, SigmaScope.PER_HEAD, Boundary.RENORMALIZED))),
        Arguments.of(
            "blur, per example",
            RegularizerChain.ofLogits(
                new BlurredAttentionSmoothing(1.5, 3, SigmaScope.PER_EXAMPLE, Boundary.ZERO_PAD))),
        Arguments.of("dropkey", RegularizerChain.ofLogits(new DropKey(RateSchedule.constant(0.3)))),
        Arguments.of(
            "attention dropout", RegularizerChain.ofProbabilities(new AttentionDropout(0.3))),
        Arguments.of("drophead", RegularizerChain.ofProbabilities(new DropHead(0.5))),
        Arguments.of("dropattention", RegularizerChain.ofProbabilities(new DropAttention(0.3, 2))),
        Arguments.of("relaxed", RegularizerChain.ofProbabilities(new RelaxedAttention(0.2))));
  }

  /** The chain's logits and probability stages around the masked softmax. */
  static Operand<TFloat64> regularize(
      TfRun r, RegularizerChain chain, Operand<TFloat64> logits, AttentionContext ctx) {
    Operand<TFloat64> l = chain.applyToLogits(r.tf, logits, ctx);
    if (chain.probabilities().isEmpty()) {
      return l;
    }
    return chain.applyToProbabilities(r.tf, Masking.maskedSoftmax(r.tf, l, ctx.keyMask()), ctx);
  }

  static Operand<TFloat64> unknownRank(TfRun r) {
    Operand<TFloat64> p = r.tf.placeholder(TFloat64.class);
    assertTrue(p.shape().isUnknown(), "the placeholder has no static rank");
    return p;
  }

  static TFloat64 tensor(double[] values) {
    return TFloat64.tensorOf(Shape.of(B, H, T, S), DataBuffers.of(values, true, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("regularizers")
  @DisplayName("a regularizer alone, without and with a causal key mask")
  void regularizer(String name, RegularizerChain chain) {
    for (boolean masked : new boolean[] {false, true}) {
      try (TfRun r = TfRun.create();
          TFloat64 values = tensor(Stats.gaussian(11, B * H * T * S))) {
        Operand<TBool> mask = masked ? r.bool(causalRectangle(), 1, 1, T, S) : null;
        var ctx = AttentionContext.training(r.seed(5, 9)).withKeyMask(mask);
        Operand<TFloat64> dynamic = unknownRank(r);
        Operand<TFloat64> fixed = r.placeholder(B, H, T, S);
        var out =
            r.evalFeeding(
                Map.of(dynamic, values, fixed, values),
                regularize(r, chain, dynamic, ctx),
                regularize(r, chain, fixed, ctx));
        assertSameValues(name + (masked ? ", masked" : ""), out.get(1), out.get(0), values);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.attentiondrop.ops.testing.Variants#arguments")
  @DisplayName("scaled dot-product attention with query, key and value of unknown rank")
  void attention(String name, RegularizerChain chain) {
    try (TfRun r = TfRun.create();
        TFloat64 q =
            TFloat64.tensorOf(
                Shape.of(B, H, T, 4),
                DataBuffers.of(Stats.gaussian(1, B * H * T * 4), true, false));
        TFloat64 kv =
            TFloat64.tensorOf(
                Shape.of(B, H, T, 4),
                DataBuffers.of(Stats.gaussian(2, B * H * T * 4), true, false))) {
      var ctx =
          AttentionContext.training(r.seed(3, 4))
              .withKeyMask(r.bool(Variants.causal(T), 1, 1, T, T));
      Operand<TFloat64> qd = unknownRank(r);
      Operand<TFloat64> kd = unknownRank(r);
      Operand<TFloat64> qs = r.placeholder(B, H, T, 4);
      Operand<TFloat64> ks = r.placeholder(B, H, T, 4);
      var dyn = ScaledDotProductAttention.compute(r.tf, qd, kd, kd, chain, ctx);
      var fix = ScaledDotProductAttention.compute(r.tf, qs, ks, ks, chain, ctx);
      var out =
          r.evalFeeding(
              Map.of(qd, q, kd, kv, qs, q, ks, kv),
              dyn.probabilities(),
              fix.probabilities(),
              dyn.output(),
              fix.output());
      assertArrayEquals(out.get(1), out.get(0), 1e-12, name + ": probabilities");
      assertArrayEquals(out.get(3), out.get(2), 1e-12, name + ": output");
    }
  }

  /** Query {@code i} (the last {@code T} of {@code S} positions) sees keys {@code 0..S-T+i}. */
  static boolean[] causalRectangle() {
    boolean[] m = new boolean[T * S];
    for (int q = 0; q < T; q++) {
      for (int k = 0; k <= S - T + q; k++) {
        m[q * S + k] = true;
      }
    }
    return m;
  }

  /**
   * Equal values, and not the input itself: the regularizer did act (training on, fixed seed), so
   * the comparison is between two real transformations.
   */
  static void assertSameValues(String what, double[] expected, double[] actual, TFloat64 input) {
    assertArrayEquals(expected, actual, 1e-12, what);
    double[] in = new double[B * H * T * S];
    input.copyTo(DataBuffers.of(in, false, false));
    assertNotEquals(Arrays.toString(in), Arrays.toString(actual), what + ": left unchanged");
  }
}
