package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attentiondrop.ops.testing.PythonReference;
import dev.attentiondrop.ops.xla.XlaCalls;
import dev.attentiondrop.savedmodels.GoldenTensors;
import dev.attentiondrop.savedmodels.Predictor;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.data.Datasets;
import dev.attentiondrop.zoo.data.ImageIdx;
import dev.attentiondrop.zoo.data.TextDataset;
import dev.attentiondrop.zoo.models.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Every export, loaded in Python TensorFlow ({@code savedmodels/python/crosscheck.py}), gives what
 * Java gives: Java writes golden inputs and its {@link Predictor}'s outputs (and the attention
 * signature's) as TensorProto files, Python runs the signatures on the same inputs.
 */
class PythonCrossCheckTest {
  static final String SCRIPT = "savedmodels/python/crosscheck.py";

  /** Writes the goldens of {@code inputs}: Predictor outputs and the attention signature's. */
  static Path writeGoldens(Path export, String name, Map<String, Tensor> inputs) throws Exception {
    Path golden = TrainedModels.fresh(name);
    for (var e : inputs.entrySet()) {
      GoldenTensors.write(golden.resolve("inputs"), e.getKey(), e.getValue());
    }
    int n = (int) inputs.values().iterator().next().shape().get(0);
    try (Predictor predictor = Predictor.load(export)) {
      Predictor.Prediction p = predictor.run(inputs);
      int c = predictor.numClasses();
      GoldenTensors.write(
          golden.resolve("outputs"), "probabilities", flatten(p.probabilities()), n, c);
      GoldenTensors.write(golden.resolve("outputs"), "logits", flatten(p.logits()), n, c);
      GoldenTensors.write(golden.resolve("outputs"), "label", p.labels(), n);
    }
    try (SavedModelBundle bundle =
            SavedModelBundle.load(export.toString(), SavedModelBundle.DEFAULT_TAG);
        Result r = bundle.function("attention").call(new HashMap<>(inputs))) {
      for (var e : r) {
        GoldenTensors.write(golden.resolve("attention"), e.getKey(), e.getValue());
      }
    }
    return golden;
  }

  static float[] flatten(float[][] rows) {
    int c = rows[0].length;
    float[] out = new float[rows.length * c];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * c, c);
    }
    return out;
  }

  static JsonNode crosscheck(Path export, Path golden) throws Exception {
    long start = System.nanoTime();
    String out = PythonReference.run(SCRIPT, export.toString(), golden.toString());
    System.out.printf(
        "crosscheck.py (%.1f s): %s%n", (System.nanoTime() - start) / 1e9, out.strip());
    JsonNode summary =
        Json.mapper().readTree(out.strip().lines().reduce((a, b) -> b).orElseThrow());
    assertTrue(summary.get("ok").asBoolean(), summary.get("failures").toString());
    assertEquals("tensorflow/serving/predict", summary.at("/signatures/serving_default").asText());
    assertEquals("tensorflow/serving/predict", summary.at("/signatures/attention").asText());
    for (String output : List.of("probabilities", "logits")) {
      assertTrue(
          summary.at("/serving_default/" + output + "/max_abs_diff").asDouble(1) <= 1e-5, output);
    }
    assertEquals(0, summary.at("/serving_default/label/mismatches").asInt(-1));
    assertTrue(
        summary.at("/attention/attention_layer_0/max_abs_diff").isNumber(), "attention compared");
    return summary;
  }

  static Map<String, Tensor> vitInputs() throws Exception {
    ImageIdx.Images images = ImageIdx.readImages(TrainedModels.testImages());
    int n = 64;
    float[] pixels = new float[(n + 2) * 784];
    System.arraycopy(images.pixels(), 0, pixels, 0, n * 784);
    Arrays.fill(pixels, (n + 1) * 784, (n + 2) * 784, 1f); // a black image and a white one
    return Map.of(
        "images", TFloat32.tensorOf(Shape.of(n + 2, 28, 28), DataBuffers.of(pixels, true, false)));
  }

  @Test
  void vitExportGivesTheSameOutputsInPythonTensorFlow() throws Exception {
    PythonReference.python();
    Path export = TrainedModels.vit().export();
    crosscheckVit(export, "golden-vit");
  }

  /** Goldens of {@link #vitInputs} written by Java, checked by Python. */
  static void crosscheckVit(Path export, String goldenName) throws Exception {
    Map<String, Tensor> inputs = vitInputs();
    try {
      Path golden = writeGoldens(export, goldenName, inputs);
      JsonNode summary = crosscheck(export, golden);
      assertEquals(66, summary.get("examples").asInt());
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }

  @Test
  void compiledAttentionExportKeepsItsXlaCallsAndGivesTheSameOutputsInPythonTensorFlow()
      throws Exception {
    PythonReference.python();
    TrainedModels.Trained compiled = TrainedModels.vitCompiled();
    Path export = compiled.export();
    String config = Files.readString(export.resolve("assets/config.json"));
    assertEquals(
        "COMPILED_FUNCTION", Json.mapper().readTree(config).path("attention_xla").asText(), config);
    try (SavedModelBundle bundle =
        SavedModelBundle.load(export.toString(), SavedModelBundle.DEFAULT_TAG)) {
      var graph = bundle.graph().toGraphDef();
      long calls =
          graph.getNodeList().stream()
              .filter(
                  n ->
                      n.getOp().equals("PartitionedCall")
                          && n.getAttrMap().containsKey(XlaCalls.MUST_COMPILE)
                          && n.getAttrMap().get(XlaCalls.MUST_COMPILE).getB())
              .count();
      assertTrue(
          calls >= 2, "one compiled attention call per layer in the serving graph, found " + calls);
    }
    crosscheckVit(export, "golden-vit-compiled");
  }

  @Test
  void aMismatchFailsTheCrossCheck() throws Exception {
    PythonReference.python();
    Path export = TrainedModels.vit().export();
    Map<String, Tensor> inputs = vitInputs();
    Path golden;
    try {
      golden = writeGoldens(export, "golden-vit-perturbed", inputs);
    } finally {
      inputs.values().forEach(Tensor::close);
    }
    float[] logits = GoldenTensors.read(golden.resolve("outputs/logits.pb")).floats();
    logits[3] += 1e-4f;
    GoldenTensors.write(golden.resolve("outputs"), "logits", logits, 66, 10);
    long[] labels = GoldenTensors.read(golden.resolve("outputs/label.pb")).longs();
    labels[5] = (labels[5] + 1) % 10;
    GoldenTensors.write(golden.resolve("outputs"), "label", labels, 66);
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> PythonReference.run(SCRIPT, export.toString(), golden.toString()));
    assertTrue(e.getMessage().startsWith("exit 1 "), e.getMessage());
    assertTrue(
        e.getMessage()
            .matches("(?s).*serving_default.logits: max abs diff 9\\.9[0-9]*e-05 > 1e-05.*"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("serving_default.label: 1 of 66 values differ"), e.getMessage());
    assertTrue(e.getMessage().contains("\"ok\": false"), e.getMessage());
  }

  @Test
  void textExportGivesTheSameOutputsInPythonTensorFlowAndThroughTheCli() throws Exception {
    PythonReference.python();
    TrainedModels.Trained text = TrainedModels.text();
    System.out.printf("train text (child JVM): %d ms%n", text.cli().millis());
    Path export = text.export();
    Tokenizer tokenizer =
        Json.read(Files.readString(export.resolve("assets/tokenizer.json")), Tokenizer.class);
    TextDataset test = Datasets.loadTexts("spam-assassin-mini", "test");
    int n = 32;
    List<String> texts = Arrays.asList(Arrays.copyOf(test.texts(), n));
    try (Predictor predictor = Predictor.load(export)) {
      assertTrue(!predictor.takesImages());
      int length = (int) predictor.exampleShape()[0];
      assertEquals(64, length);
      int[] ids = new int[n * length];
      int[] mask = new int[n * length];
      for (int i = 0; i < n; i++) {
        int[] row = tokenizer.encode(texts.get(i), length);
        for (int j = 0; j < length; j++) {
          ids[i * length + j] = row[j];
          mask[i * length + j] = row[j] != Tokenizer.PAD ? 1 : 0;
        }
      }
      Path golden;
      try (Tensor idsT = TInt32.tensorOf(Shape.of(n, length), DataBuffers.of(ids, true, false));
          Tensor maskT = TInt32.tensorOf(Shape.of(n, length), DataBuffers.of(mask, true, false))) {
        golden = writeGoldens(export, "golden-text", Map.of("token_ids", idsT, "mask", maskT));
      }
      JsonNode summary = crosscheck(export, golden);
      assertEquals(n, summary.get("examples").asInt());

      // The CLI encodes the texts itself (assets/tokenizer.json) and predicts the same.
      Path instances = TrainedModels.root().resolve("golden-text/instances.json");
      Files.writeString(instances, Json.mapper().writeValueAsString(Map.of("instances", texts)));
      Cli.Run r =
          Cli.run("predict", "--model", export.toString(), "--input", instances.toString())
              .assertSuccess();
      List<String> lines = r.out().lines().filter(l -> l.startsWith("{")).toList();
      assertEquals(n, lines.size(), r.out());
      long[] labels = GoldenTensors.read(golden.resolve("outputs/label.pb")).longs();
      float[] probs = GoldenTensors.read(golden.resolve("outputs/probabilities.pb")).floats();
      for (int i = 0; i < n; i++) {
        JsonNode line = Json.mapper().readTree(lines.get(i));
        assertEquals(labels[i], line.get("label").asLong(), "label of text " + i);
        float[] got = {
          line.get("probabilities").get(0).floatValue(),
          line.get("probabilities").get(1).floatValue()
        };
        assertArrayEquals(
            Arrays.copyOfRange(probs, 2 * i, 2 * i + 2), got, "probabilities of text " + i);
      }
    }
  }

  /** The snippet docs/savedmodels.md shows users is the one crosscheck.py runs. */
  @Test
  void theDocumentedPythonSnippetIsTheTestedOne() throws Exception {
    Path root = PythonReference.repoRoot();
    String script = Files.readString(root.resolve(SCRIPT));
    int start = script.indexOf("# --- user snippet");
    int end = script.indexOf("# --- end of user snippet ---");
    assertTrue(start >= 0 && end > start, "markers in " + SCRIPT);
    String snippet = script.substring(script.indexOf('\n', start) + 1, end).strip();
    assertTrue(snippet.startsWith("def load_and_predict("), snippet);
    String docs = Files.readString(root.resolve("docs/savedmodels.md"));
    assertTrue(
        docs.contains(snippet),
        "docs/savedmodels.md must quote crosscheck.py's snippet verbatim:\n" + snippet);
  }
}
