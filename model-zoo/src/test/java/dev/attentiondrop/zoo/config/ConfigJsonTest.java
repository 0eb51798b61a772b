package dev.attentiondrop.zoo.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attentiondrop.ops.xla.XlaMode;
import dev.attentiondrop.zoo.layers.ClassificationHead.Pooling;
import dev.attentiondrop.zoo.train.ConsistencyConfig;
import dev.attentiondrop.zoo.train.OptimizerConfig;
import dev.attentiondrop.zoo.train.RobustnessConfig;
import dev.attentiondrop.zoo.train.TrainConfig;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Configs in JSON: omitted keys take the builder's defaults, round trips are identity")
class ConfigJsonTest {

  /** A ViT config whose every field differs from {@code ModelConfig.vit().build()}. */
  static ModelConfig richVit() {
    return ModelConfig.vit()
        .imageSize(56)
        .patchSize(4)
        .numClasses(5)
        .modelDim(96)
        .heads(8)
        .layers(3)
        .mlpDim(40)
        .preNorm(false)
        .pooling(Pooling.MEAN)
        .residualDropout(0.1)
        .dropConnect(0.05)
        .layerNormEpsilon(1e-5)
        .regularizers(
            List.of(
                new RegularizerConfig("hard_mask", Map.of("k", 4, "p", 0.2), List.of(1)),
                RegularizerConfig.of("blur", Map.of("sigma_max", 0.5))))
        .seed(7)
        .attentionXla(XlaMode.COMPILED_FUNCTION)
        .build();
  }

  /** A text config whose every field differs from {@code ModelConfig.text().build()}. */
  static ModelConfig richText() {
    return ModelConfig.text()
        .vocabularySize(500)
        .maxLength(64)
        .numClasses(3)
        .modelDim(96)
        .heads(8)
        .layers(3)
        .mlpDim(40)
        .preNorm(false)
        .pooling(Pooling.CLS)
        .residualDropout(0.1)
        .dropConnect(0.05)
        .layerNormEpsilon(1e-5)
        .regularizers(List.of(RegularizerConfig.of("dropkey", Map.of("rate", 0.2))))
        .seed(7)
        .attentionXla(XlaMode.COMPILED_FUNCTION)
        .build();
  }

  /** A train config whose every field differs from {@code TrainConfig.builder().build()}. */
  static TrainConfig richTrain() {
    return TrainConfig.builder()
        .dataset("digits")
        .epochs(5)
        .batchSize(32)
        .seed(9)
        .optimizer(OptimizerConfig.adam(2e-3))
        .warmupFraction(0.2)
        .minLrRatio(0.1)
        .clipNorm(0.5)
        .consistency(ConsistencyConfig.rDrop(0.5))
        .eceBins(10)
        .trainLimit(100)
        .robustness(RobustnessConfig.builder().eps(List.of(0.1)).build())
        .evaluation(TrainConfig.Evaluation.VALIDATION)
        .build();
  }

  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("ModelConfig vit", ModelConfig.class, richVit(), ModelConfig.vit().build()),
        Arguments.of("ModelConfig text", ModelConfig.class, richText(), ModelConfig.text().build()),
        Arguments.of("TrainConfig", TrainConfig.class, richTrain(), TrainConfig.builder().build()),
        Arguments.of(
            "OptimizerConfig adamw",
            OptimizerConfig.class,
            OptimizerConfig.builder()
                .learningRate(0.01)
                .beta1(0.8)
                .beta2(0.99)
                .epsilon(1e-7)
                .weightDecay(0.1)
                .build(),
            OptimizerConfig.builder().build()),
        Arguments.of(
            "ConsistencyConfig",
            ConsistencyConfig.class,
            ConsistencyConfig.builder()
                .lambda(0.3)
                .divergence(ConsistencyConfig.Divergence.SYMMETRIC_KL)
                .passes(3)
                .mode(ConsistencyConfig.Mode.SEQUENTIAL)
                .build(),
            ConsistencyConfig.builder().build()),
        Arguments.of(
            "RobustnessConfig",
            RobustnessConfig.class,
            RobustnessConfig.builder().eps(List.of(0.2)).pgdSteps(3).examples(40).build(),
            RobustnessConfig.builder().build()));
  }

  /**
   * Discriminators that choose the other fields' defaults: ModelConfig's kind (required) and the
   * optimizer's kind (the rich AdamW keeps it, as only AdamW takes a weight decay to vary).
   */
  static final List<String> REQUIRED = List.of("ModelConfig.kind", "OptimizerConfig.kind");

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  @DisplayName("for every key: the JSON without it reads as the rich value with that field default")
  <T extends Record> void omittedKeyTakesDefault(String what, Class<T> type, T rich, T defaults)
      throws Exception {
    ObjectNode tree = Json.mapper().valueToTree(rich);
    int checked = 0;
    for (RecordComponent c : type.getRecordComponents()) {
      String key = PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE.translate(c.getName());
      Object richValue = c.getAccessor().invoke(rich);
      Object defaultValue = c.getAccessor().invoke(defaults);
      if (richValue == null && defaultValue == null) {
        assertFalse(tree.has(key), what + ": null " + key + " is not written");
        continue; // e.g. vocabulary_size of a vit: neither written nor defaulted
      }
      if (REQUIRED.contains(type.getSimpleName() + "." + key)) {
        assertEquals(richValue, defaultValue, what + ": " + key + " selects the defaults");
        continue;
      }
      assertNotEquals(defaultValue, richValue, what + ": the rich " + key + " is not the default");
      ObjectNode without = tree.deepCopy();
      assertTrue(without.remove(key) != null, what + ": " + key + " is written");
      T read = Json.read(Json.write(without), type);
      for (RecordComponent d : type.getRecordComponents()) {
        Object expected = d.getName().equals(c.getName()) ? defaults : rich;
        assertEquals(
            d.getAccessor().invoke(expected),
            d.getAccessor().invoke(read),
            what + " without " + key + ": " + d.getName());
      }
      checked++;
    }
    assertTrue(checked >= 3, what + ": checked " + checked + " keys");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  @DisplayName("config -> JSON -> config is the identity, for the rich and the default value")
  <T extends Record> void roundTrip(String what, Class<T> type, T rich, T defaults) {
    assertEquals(rich, Json.read(Json.write(rich), type), what);
    assertEquals(defaults, Json.read(Json.write(defaults), type), what);
    assertEquals(Json.write(rich), Json.write(Json.read(Json.write(rich), type)), what);
  }

  @Test
  @DisplayName("minimal JSON builds the builder's defaults")
  void minimalJson() {
    assertEquals(ModelConfig.vit().build(), Json.read("{\"kind\": \"vit\"}", ModelConfig.class));
    assertEquals(
        ModelConfig.vit().numClasses(3).build(),
        Json.read("{\"kind\": \"vit\", \"num_classes\": 3}", ModelConfig.class));
    ModelConfig text = Json.read("{\"kind\": \"text\"}", ModelConfig.class);
    assertEquals(ModelConfig.text().build(), text);
    assertEquals(
        List.of(4000, 128, 2), List.of(text.vocabularySize(), text.maxLength(), text.numClasses()));
    assertEquals(Pooling.MEAN, text.pooling());
    TrainConfig train = Json.read("{}", TrainConfig.class);
    assertEquals(TrainConfig.builder().build(), train);
    assertEquals(null, train.dataset());
    assertEquals(0.01, train.optimizer().weightDecay());
    assertEquals(
        0.0,
        Json.read("{\"optimizer\": {\"kind\": \"adam\"}}", TrainConfig.class)
            .optimizer()
            .weightDecay(),
        "adam's default decay is none");
  }

  @Test
  @DisplayName("a JSON without pre_norm is pre-LN, as the builder (it used to build post-LN)")
  void preNormDefault() {
    ModelConfig c = Json.read("{\"kind\": \"vit\", \"heads\": 2}", ModelConfig.class);
    assertTrue(c.preNorm());
    assertEquals(1e-6, c.layerNormEpsilon());
    assertEquals(Pooling.CLS, c.pooling());
    assertEquals(2, c.heads());
  }

  @Test
  @DisplayName("a config in the committed format (experiments/*.json) reads to the same values")
  void committedFormat() {
    String model =
        """
        {"kind": "text", "vocabulary_size": 4000, "max_length": 96, "num_classes": 2,
         "model_dim": 32, "heads": 2, "layers": 2, "mlp_dim": 64, "pre_norm": true,
         "pooling": "MEAN", "residual_dropout": 0.0, "drop_connect": 0.0,
         "layer_norm_epsilon": 1e-06, "regularizers": [], "seed": 0}
        """;
    assertEquals(
        ModelConfig.text().maxLength(96).modelDim(32).heads(2).mlpDim(64).build(),
        Json.read(model, ModelConfig.class));
    String train =
        """
        {"dataset": "fashion-mnist", "epochs": 3, "batch_size": 64, "seed": 0,
         "optimizer": {"kind": "adamw", "learning_rate": 0.002, "beta1": 0.9, "beta2": 0.999,
                       "epsilon": 1e-08, "weight_decay": 0.01},
         "warmup_fraction": 0.1, "min_lr_ratio": 0.0, "clip_norm": 1.0, "ece_bins": 15,
         "train_limit": 6000, "evaluation": "test",
         "consistency": {"lambda": 1.0, "divergence": "symmetric_kl", "passes": 2,
                         "mode": "batched"}}
        """;
    assertEquals(
        TrainConfig.builder()
            .dataset("fashion-mnist")
            .optimizer(OptimizerConfig.adamw(0.002, 0.01))
            .trainLimit(6000)
            .consistency(ConsistencyConfig.rDrop(1.0))
            .build(),
        Json.read(train, TrainConfig.class));
  }

  static Stream<Arguments> badJson() {
    return Stream.of(
        Arguments.of(ModelConfig.class, "{\"kind\": \"cnn\"}", "kind must be one of [vit, text]"),
        Arguments.of(ModelConfig.class, "{\"heads\": 2}", "kind must not be null"),
        Arguments.of(
            ModelConfig.class,
            "{\"kind\": \"vit\", \"heds\": 2}",
            "unknown key 'heds' in ModelConfig; allowed:"),
        Arguments.of(
            TrainConfig.class,
            "{\"evaluation\": \"val\"}",
            "evaluation must be one of [test, validation], got 'val'"),
        Arguments.of(
            TrainConfig.class,
            "{\"optimizer\": {\"kind\": \"sgd\"}}",
            "optimizer must be one of [adam, adamw], got 'sgd'"),
        Arguments.of(
            TrainConfig.class,
            "{\"optimizer\": {\"lr\": 0.1}}",
            "unknown key 'lr' in TrainConfig.optimizer; allowed: kind, learning_rate"),
        Arguments.of(
            TrainConfig.class,
            "{\"consistency\": {\"divergence\": \"js\"}}",
            "divergence must be one of [kl, symmetric_kl], got 'js'"),
        Arguments.of(
            TrainConfig.class,
            "{\"epochs\": 0}",
            "epochs must be an integer in [1, 100000], got 0"),
        Arguments.of(RobustnessConfig.class, "{\"eps\": []}", "eps must list at least one radius"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badJson")
  @DisplayName("bad JSON is rejected naming the key and the allowed values")
  void badJsonIsRejected(Class<?> type, String json, String message) {
    var e = assertThrows(IllegalArgumentException.class, () -> Json.read(json, type));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  @DisplayName("enums are written as their lowercase JSON names")
  void enumNames() {
    String json = Json.write(richTrain());
    assertTrue(json.contains("\"evaluation\" : \"validation\""), json);
    assertTrue(json.contains("\"kind\" : \"adam\""), json);
    assertTrue(json.contains("\"divergence\" : \"symmetric_kl\""), json);
    assertTrue(Json.write(richText()).contains("\"kind\" : \"text\""));
    assertEquals("vit", Objects.toString(ModelConfig.Kind.VIT));
  }
}
