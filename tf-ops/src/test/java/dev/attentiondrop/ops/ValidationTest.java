package dev.attentiondrop.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.baselines.DropConnect;
import dev.attentiondrop.ops.baselines.Dropout;
import dev.attentiondrop.ops.baselines.RDrop;
import dev.attentiondrop.ops.beyond.DropAttention;
import dev.attentiondrop.ops.beyond.DropHead;
import dev.attentiondrop.ops.beyond.DropKey;
import dev.attentiondrop.ops.beyond.RateSchedule;
import dev.attentiondrop.ops.beyond.RelaxedAttention;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.consistency.ConsistencyLoss;
import dev.attentiondrop.ops.consistency.MultiPass;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.testing.TfRun;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Bad parameters are rejected when the op is built, naming parameter, value and range")
class ValidationTest {

  static Arguments bad(String what, Consumer<TfRun> build, String... messageParts) {
    return Arguments.of(what, build, messageParts);
  }

  static Stream<Arguments> badInputs() {
    double nan = Double.NaN;
    return Stream.of(
        bad("p below 0", r -> HardAttentionMask.of(4, -0.1), "p", "-0.1", "[0, 1]"),
        bad(
            "p above 1",
            r -> HardAttentionMask.builder().dropProbability(1.5),
            "p",
            "1.5",
            "[0, 1]"),
        bad("p NaN", r -> HardAttentionMask.of(4, nan), "p", "NaN", "[0, 1]"),
        bad("k zero", r -> HardAttentionMask.of(0, 0.1), "k", "0", "[1, "),
        bad("k negative", r -> HardAttentionMask.builder().topK(-3), "k", "-3"),
        bad(
            "k fraction zero",
            r -> HardAttentionMask.builder().topKFraction(0),
            "k fraction",
            "(0, 1]"),
        bad(
            "k fraction above 1",
            r -> HardAttentionMask.builder().topKFraction(1.5),
            "k fraction",
            "1.5"),
        bad(
            "sigma_max zero",
            r -> BlurredAttentionSmoothing.of(0, 5),
            "sigma_max",
            "0",
            "(0, +inf)"),
        bad(
            "sigma_max negative",
            r -> BlurredAttentionSmoothing.builder().sigmaMax(-1),
            "sigma_max",
            "-1"),
        bad(
            "sigma_max infinite",
            r -> BlurredAttentionSmoothing.of(Double.POSITIVE_INFINITY, 5),
            "sigma_max",
            "+inf"),
        bad("sigma_max NaN", r -> BlurredAttentionSmoothing.of(nan, 5), "sigma_max", "NaN"),
        bad("w even", r -> BlurredAttentionSmoothing.of(1, 4), "w", "odd", "4"),
        bad("w zero", r -> BlurredAttentionSmoothing.builder().width(0), "w", "0", "[1, 63]"),
        bad("w too wide", r -> BlurredAttentionSmoothing.of(1, 65), "w", "65", "[1, 63]"),
        bad("lambda negative", r -> ConsistencyLoss.kl(-1), "lambda", "-1", "[0, +inf)"),
        bad("lambda NaN", r -> ConsistencyLoss.symmetric(nan), "lambda", "NaN"),
        bad("lambda infinite", r -> ConsistencyLoss.kl(Double.POSITIVE_INFINITY), "lambda", "+inf"),
        bad("R-Drop alpha negative", r -> new RDrop(-0.5), "alpha", "-0.5"),
        bad("dropout rate 1", r -> new Dropout(1.0), "rate", "1", "[0, 1)"),
        bad("attention dropout negative", r -> new AttentionDropout(-0.1), "rate", "-0.1"),
        bad("DropConnect rate 1", r -> new DropConnect(1), "rate", "[0, 1)"),
        bad("DropKey schedule above 1", r -> DropKey.of(1.2), "rate (first layer)", "1.2"),
        bad(
            "DropKey last rate negative",
            r -> RateSchedule.linear(0.1, -0.1),
            "rate (last layer)",
            "-0.1"),
        bad("DropHead negative", r -> new DropHead(-0.5), "rate", "-0.5"),
        bad("DropAttention window 0", r -> new DropAttention(0.1, 0), "window", "0", "[1, 64]"),
        bad("relaxed gamma above 1", r -> new RelaxedAttention(1.1), "gamma", "1.1", "[0, 1]"),
        bad(
            "one pass only",
            r -> ConsistencyLoss.kl(1).call(r.tf, List.of(r.f64(new double[] {1, 2}, 1, 2))),
            "K (number of passes)",
            "1",
            "[2, "),
        bad(
            "MultiPass with one pass",
            r ->
                MultiPass.run(
                    r.tf,
                    (tf, in, s, g) -> r.f64(new double[] {1}, 1, 1),
                    List.of(),
                    1,
                    r.seed(1, 1),
                    MultiPass.Mode.BATCHED),
            "K (number of passes)",
            "1"),
        bad(
            "logits of rank 3",
            r ->
                HardAttentionMask.of(2, 0.1)
                    .apply(
                        r.tf,
                        r.f64(new double[8], 2, 2, 2),
                        AttentionContext.training(r.seed(1, 1))),
            "logits",
            "rank 4",
            "rank 3"),
        bad(
            "key mask of rank 2",
            r -> AttentionContext.training(r.seed(1, 1)).withKeyMask(r.bool(new boolean[4], 2, 2)),
            "keyMask",
            "rank 4",
            "rank 2"),
        bad(
            "layer beyond the stack",
            r -> AttentionContext.inference().withLayer(3, 3),
            "layer",
            "3",
            "[0, 2]"),
        bad(
            "training without a seed",
            r ->
                BlurredAttentionSmoothing.of(1, 3)
                    .apply(
                        r.tf,
                        r.f64(new double[8], 1, 1, 2, 4),
                        AttentionContext.training(Training.ON, null)),
            "seed",
            "must be set"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void rejected(String what, Consumer<TfRun> build, String[] messageParts) {
    try (TfRun r = TfRun.create()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> build.accept(r), what);
      for (String part : messageParts) {
        assertTrue(
            e.getMessage().contains(part),
            "message '" + e.getMessage() + "' should contain '" + part + "'");
      }
    }
  }
}
