package dev.attentiondrop.zoo.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.layers.CallContext;
import dev.attentiondrop.zoo.models.Classifier;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

@DisplayName("Model configs: JSON round trip, identical graphs, clear errors")
class ModelConfigTest {

  static ModelConfig rich() {
    return ModelConfig.vit()
        .patchSize(4)
        .modelDim(32)
        .heads(4)
        .layers(3)
        .mlpDim(48)
        .preNorm(false)
        .residualDropout(0.1)
        .dropConnect(0.05)
        .seed(7)
        .regularizer("blur", Map.of("sigma_max", 0.5, "w", 3, "boundary", "renormalized"))
        .regularizer("hard_mask", Map.of("k_fraction", 0.25, "p", 0.2, "fill", "neg_inf"))
        .regularizers(
            List.of(
                RegularizerConfig.of(
                    "blur", Map.of("sigma_max", 0.5, "w", 3, "boundary", "renormalized")),
                new RegularizerConfig(
                    "dropkey", Map.of("rate", 0.2, "rate_last", 0.0), List.of(1, 2)),
                RegularizerConfig.of("dropout", Map.of("rate", "0.1"))))
        .build();
  }

  @Test
  @DisplayName("config -> JSON -> config -> model -> config is the identical value and JSON")
  void roundTrip() {
    ModelConfig config = rich();
    String json = Json.write(config);
    ModelConfig parsed = Json.read(json, ModelConfig.class);
    assertEquals(config, parsed);
    try (Graph g = new Graph()) {
      ModelConfig fromModel = new Classifier(Ops.create(g), parsed).config();
      assertEquals(config, fromModel);
      assertEquals(json, Json.write(fromModel));
    }
    assertTrue(json.contains("\"regularizers\""), json);
    assertTrue(json.contains("\"rate_last\" : 0.0"), "defaults and values are explicit: " + json);
  }

  @Test
  @DisplayName("the same config builds the identical graph; another seed changes only constants")
  void identicalGraph() {
    // GraphDef messages compare node by node (protobuf map order in the bytes is unspecified)
    var a = graphDef(rich());
    var b = graphDef(Json.read(Json.write(rich()), ModelConfig.class));
    assertEquals(a, b);
    assertTrue(
        !a.equals(graphDef(rich().toBuilder().seed(8).build())),
        "the weight seed is part of the graph");
  }

  static GraphDef graphDef(ModelConfig c) {
    try (Graph g = new Graph()) {
      new Classifier(Ops.create(g), c)
          .call(
              Ops.create(g),
              Ops.create(g).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28))),
              CallContext.inference());
      return g.toGraphDef();
    }
  }

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        Arguments.of(
            "unknown regularizer",
            "{\"name\": \"hardmask\"}",
            "unknown regularizer 'hardmask'",
            "hard_mask, blur"),
        Arguments.of(
            "unknown parameter",
            "{\"name\": \"blur\", \"params\": {\"sigma\": 1}}",
            "unknown parameter 'sigma'",
            "sigma_max, w, scope, boundary"),
        Arguments.of(
            "bad choice",
            "{\"name\": \"blur\", \"params\": {\"scope\": \"row\"}}",
            "scope of regularizer 'blur' must be one of [batch, head, example]",
            "'row'"),
        Arguments.of(
            "not a number",
            "{\"name\": \"hard_mask\", \"params\": {\"p\": \"high\"}}",
            "p of regularizer 'hard_mask' must be a number",
            "'high'"),
        Arguments.of(
            "out of range",
            "{\"name\": \"hard_mask\", \"params\": {\"p\": 1.5}}",
            "p must be in [0, 1]",
            "1.5"),
        Arguments.of(
            "even kernel",
            "{\"name\": \"blur\", \"params\": {\"w\": 4}}",
            "w must be an odd integer",
            "4"),
        Arguments.of(
            "k and fraction",
            "{\"name\": \"hard_mask\", \"params\": {\"k\": 4, \"k_fraction\": 0.5}}",
            "k or k_fraction, not both",
            ""),
        Arguments.of(
            "layer out of range",
            "{\"name\": \"dropkey\", \"layers\": [5]}",
            "layer index of regularizer 'dropkey'",
            "[0, 1]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  void badRegularizersAreRejected(String what, String regularizerJson, String part1, String part2) {
    String json =
        Json.write(ModelConfig.vit().build())
            .replace("\"regularizers\" : [ ]", "\"regularizers\" : [ " + regularizerJson + " ]");
    var e = assertThrows(IllegalArgumentException.class, () -> Json.read(json, ModelConfig.class));
    assertTrue(
        e.getMessage().contains(part1) && e.getMessage().contains(part2),
        what + ": " + e.getMessage());
  }

  @Test
  @DisplayName("architecture errors name the field and the allowed values")
  void badArchitecture() {
    var heads =
        assertThrows(
            IllegalArgumentException.class, () -> ModelConfig.vit().modelDim(30).heads(4).build());
    assertTrue(heads.getMessage().contains("heads must divide model_dim 30"), heads.getMessage());
    var patch =
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.vit().patchSize(5).build());
    assertTrue(
        patch.getMessage().contains("patch_size must divide image_size 28, got 5"),
        patch.getMessage());
    var kind =
        assertThrows(
            IllegalArgumentException.class,
            () -> Json.read("{\"kind\": \"cnn\"}", ModelConfig.class));
    assertTrue(kind.getMessage().contains("kind must be one of [vit, text]"), kind.getMessage());
    var unknown =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Json.read(
                    Json.write(ModelConfig.vit().build()).replace("\"heads\"", "\"heds\""),
                    ModelConfig.class));
    assertTrue(
        unknown.getMessage().contains("unknown key 'heds' in ModelConfig; allowed:"),
        unknown.getMessage());
    var nested =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Json.read(
                    Json.write(rich()).replaceFirst("\"params\"", "\"parameters\""),
                    ModelConfig.class));
    assertTrue(
        nested.getMessage().contains("unknown key 'parameters' in ModelConfig.regularizers[0]"),
        nested.getMessage());
  }
}
