package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.models.Classifier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

/** The memory estimate's parameter count against the variables of the model actually built. */
class MemoryEstimateTest {
  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of(ModelConfig.vit().build()),
        Arguments.of(
            ModelConfig.vit().modelDim(48).heads(3).layers(3).mlpDim(96).patchSize(4).build()),
        Arguments.of(ModelConfig.text().build()),
        Arguments.of(ModelConfig.text().vocabularySize(777).maxLength(40).numClasses(5).build()));
  }

  @ParameterizedTest
  @MethodSource("configs")
  @DisplayName("parameters = the element count of the built Classifier's variables")
  void parameterCountMatchesTheModel(ModelConfig config) {
    long built;
    try (Graph g = new Graph()) {
      built = new Classifier(Ops.create(g), config).parameterCount();
    }
    TrainConfig train = TrainConfig.builder().batchSize(8).build();
    MemoryEstimate e = MemoryEstimate.of(config, train);
    assertEquals(built, e.parameters());
    assertEquals(16 * built, e.parameterBytes());
  }

  @Test
  @DisplayName("activations grow with the batch and the consistency passes; huge sizes saturate")
  void activationsScale() {
    ModelConfig vit = ModelConfig.vit().build();
    long one = MemoryEstimate.of(vit, TrainConfig.builder().batchSize(8).build()).activationBytes();
    long two =
        MemoryEstimate.of(vit, TrainConfig.builder().batchSize(16).build()).activationBytes();
    long consistency =
        MemoryEstimate.of(
                vit,
                TrainConfig.builder()
                    .batchSize(8)
                    .consistency(ConsistencyConfig.parse("lambda=1,passes=3"))
                    .build())
            .activationBytes();
    assertEquals(2 * one, two, 1.0);
    assertEquals(3 * one, consistency, 1.0);
    ModelConfig huge = ModelConfig.vit().modelDim(65536).mlpDim(1 << 20).build();
    MemoryEstimate e = MemoryEstimate.of(huge, TrainConfig.builder().build());
    assertTrue(e.totalBytes() > (1L << 40), e.describe());
  }

  @Test
  @DisplayName("sizes parse in binary units; anything else is an error naming the parameter")
  void parseBytes() {
    assertEquals(512L << 20, MemoryEstimate.parseBytes("--max-memory", "512m"));
    assertEquals(16L << 30, MemoryEstimate.parseBytes("--max-memory", "16G"));
    assertEquals(3L << 29, MemoryEstimate.parseBytes("--max-memory", "1.5gib"));
    assertEquals(1000, MemoryEstimate.parseBytes("--max-memory", "1000"));
    for (String bad : new String[] {"", "0", "-1g", "NaN", "1e9", "lots", "1x", "99999999999t"}) {
      var ex =
          assertThrows(
              IllegalArgumentException.class, () -> MemoryEstimate.parseBytes("--max-memory", bad));
      assertTrue(ex.getMessage().startsWith("--max-memory must be a size"), ex.getMessage());
    }
    assertEquals("1.5 GiB", MemoryEstimate.bytes(3L << 29));
    assertEquals("12 B", MemoryEstimate.bytes(12));
  }
}
