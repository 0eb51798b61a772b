package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.xla.XlaCalls;
import dev.attentiondrop.ops.xla.XlaMode;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.layers.CallContext;
import dev.attentiondrop.zoo.models.Classifier;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

@DisplayName(
    "attention_xla = COMPILED_FUNCTION: the model's attention runs as XLA-compiled functions")
class CompiledAttentionTrainingTest {

  static ModelConfig vit(XlaMode xla) {
    return ModelConfig.vit()
        .modelDim(32)
        .heads(2)
        .layers(2)
        .mlpDim(64)
        .regularizer("blur", Map.of("sigma_max", 1.5, "w", 5))
        .regularizer("hard_mask", Map.of("k", 4, "p", 0.1))
        .attentionXla(xla)
        .build();
  }

  @Test
  @DisplayName(
      "every layer's attention is one _XlaMustCompile call node, in training and inference graphs with a dynamic batch")
  void callNodesPerLayer() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var model = new Classifier(tf, vit(XlaMode.COMPILED_FUNCTION));
      var images = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
      model.call(tf, images, CallContext.training(tf.constant(new long[] {1, 2})));
      model.call(tf, images, CallContext.inference());
      long calls = 0;
      for (var it = g.operations(); it.hasNext(); ) {
        GraphOperation op = (GraphOperation) it.next();
        if (op.type().equals("PartitionedCall")) {
          assertTrue(op.attributes().getAttrBool(XlaCalls.MUST_COMPILE), op.name());
          calls++;
        }
      }
      assertEquals(4, calls, "2 layers x (training, inference)");
    }
  }

  @Test
  @DisplayName(
      "training with compiled attention follows the plain run: same losses to 1e-3, accuracies within 2 test images")
  void trainsLikePlain(@TempDir Path dir) throws Exception {
    TrainConfig tc =
        TrainConfig.builder()
            .dataset("fashion-mnist-mini")
            .epochs(2)
            .batchSize(50)
            .seed(3)
            .trainLimit(300)
            .optimizer(OptimizerConfig.adamw(2e-3, 0.01))
            .build();
    var plain =
        TrainingRun.run(vit(XlaMode.NONE), tc, dir.resolve("plain"), TrainingRun.Options.quiet());
    var compiled =
        TrainingRun.run(
            vit(XlaMode.COMPILED_FUNCTION), tc, dir.resolve("xla"), TrainingRun.Options.quiet());
    int testImages = 250;
    for (int e = 0; e < 2; e++) {
      var a = plain.epochs().get(e);
      var b = compiled.epochs().get(e);
      // XLA reorders float32 sums (about 1e-7 relative per op); twelve Adam steps keep that far
      // below 1e-3.
      assertEquals(
          a.trainLoss(), b.trainLoss(), 1e-3 * a.trainLoss(), "train loss, epoch " + (e + 1));
      assertEquals(a.testNll(), b.testNll(), 1e-3 * a.testNll(), "test NLL, epoch " + (e + 1));
      assertEquals(
          a.testAccuracy(),
          b.testAccuracy(),
          2.0 / testImages + 1e-12,
          "test accuracy, epoch " + (e + 1));
    }
  }

  @Test
  @DisplayName(
      "config: attention_xla round-trips through JSON, defaults to NONE, and rejects AUTO_CLUSTERING by name")
  void config() throws Exception {
    ModelConfig c = vit(XlaMode.COMPILED_FUNCTION);
    assertEquals(c, Json.read(Json.write(c), ModelConfig.class));
    assertTrue(Json.write(c).contains("COMPILED_FUNCTION"), Json.write(c));
    ModelConfig old =
        Json.read(
            Json.write(vit(XlaMode.NONE)).replace(",\"attention_xla\":\"NONE\"", ""),
            ModelConfig.class);
    assertEquals(XlaMode.NONE, old.attentionXla(), "configs written before the field existed");
    var e = assertThrows(IllegalArgumentException.class, () -> vit(XlaMode.AUTO_CLUSTERING));
    assertTrue(
        e.getMessage().contains("attention_xla") && e.getMessage().contains("COMPILED_FUNCTION"),
        e.getMessage());
  }
}
