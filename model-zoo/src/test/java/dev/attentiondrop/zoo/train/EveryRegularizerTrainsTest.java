package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.config.RegularizerConfig;
import dev.attentiondrop.zoo.config.RegularizerRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Every registered regularizer and objective trains a few steps without NaN")
class EveryRegularizerTrainsTest {

  static Stream<Arguments> setups() {
    List<Arguments> out = new ArrayList<>();
    for (String name : RegularizerRegistry.names()) {
      out.add(Arguments.of(name, List.of(RegularizerConfig.of(name, Map.of())), null, 0.0));
    }
    var hardK = RegularizerConfig.of("hard_mask", Map.of("k", 3, "p", 0.3));
    var blur = RegularizerConfig.of("blur", Map.of("sigma_max", 1.0, "w", 5));
    out.add(
        Arguments.of(
            "hard mask, neg_inf, on layer 1 only",
            List.of(
                new RegularizerConfig("hard_mask", Map.of("k", 3, "fill", "neg_inf"), List.of(1))),
            null,
            0.0));
    out.add(
        Arguments.of(
            "blur + consistency (KL, batched)",
            List.of(blur),
            ConsistencyConfig.attentionDrop(1.0),
            0.0));
    out.add(
        Arguments.of(
            "hard mask + consistency (KL, 3 sequential passes)",
            List.of(hardK),
            ConsistencyConfig.builder()
                .lambda(0.5)
                .divergence(ConsistencyConfig.Divergence.KL)
                .passes(3)
                .mode(ConsistencyConfig.Mode.SEQUENTIAL)
                .build(),
            0.0));
    out.add(
        Arguments.of(
            "R-Drop (dropout + symmetric KL)",
            List.of(RegularizerConfig.of("dropout", Map.of("rate", 0.1))),
            ConsistencyConfig.rDrop(1.0),
            0.0));
    out.add(Arguments.of("DropConnect on the feed-forward kernels", List.of(), null, 0.2));
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void trainsWithoutNaN(
      String name,
      List<RegularizerConfig> regs,
      ConsistencyConfig consistency,
      double dropConnect,
      @TempDir Path dir)
      throws Exception {
    ModelConfig mc =
        ModelConfig.vit()
            .modelDim(16)
            .heads(2)
            .layers(2)
            .mlpDim(32)
            .dropConnect(dropConnect)
            .regularizers(regs)
            .build();
    TrainConfig tc =
        TrainConfig.builder()
            .dataset("fashion-mnist-mini")
            .epochs(1)
            .batchSize(32)
            .trainLimit(96)
            .consistency(consistency)
            .build();
    var r = TrainingRun.run(mc, tc, dir.resolve("run"), TrainingRun.Options.quiet());
    var m = r.last();
    assertTrue(Double.isFinite(m.trainLoss()) && Double.isFinite(m.testNll()), name + ": " + m);
    assertTrue(m.step() == 3, "3 updates");
  }
}
