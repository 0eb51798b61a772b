package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attentiondrop.cli.Main;
import dev.attentiondrop.savedmodels.Exporter;
import dev.attentiondrop.savedmodels.Predictor;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.data.ImageIdx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The command line from the outside: {@code train} (which exports at the end), {@code inspect},
 * {@code predict} and {@code export}, each in a child JVM (some exports run in this JVM through
 * {@code Main.execute}, for speed), on a tiny ViT trained on the embedded Fashion-MNIST subset.
 */
class CliEndToEndTest {

  @Test
  void trainWritesARunDirectoryAndExportsVersionOne() throws Exception {
    TrainedModels.Trained vit = TrainedModels.vit();
    System.out.printf("train (child JVM): %d ms%n", vit.cli().millis());
    assertTrue(
        vit.cli().out().contains("SavedModel: " + vit.export().toAbsolutePath()), vit.cli().out());
    for (String f :
        List.of(
            "config.json",
            "summary.json",
            "metrics.csv",
            "model/config.json",
            "model/variables.index")) {
      assertTrue(Files.isRegularFile(vit.run().resolve(f)), f);
    }
    Path export = vit.export();
    assertTrue(Files.isRegularFile(export.resolve("saved_model.pb")));
    assertTrue(Files.isRegularFile(export.resolve("variables/variables.index")));
    for (String asset :
        List.of(
            "config.json",
            "regularizers.json",
            "metrics.json",
            "source_revision.txt",
            "training_metrics.csv")) {
      assertTrue(Files.isRegularFile(export.resolve("assets").resolve(asset)), asset);
    }
    ModelConfig exported =
        Json.read(Files.readString(export.resolve("assets/config.json")), ModelConfig.class);
    assertEquals(
        Json.read(Files.readString(vit.run().resolve("model/config.json")), ModelConfig.class),
        exported);
    assertEquals("hard_mask", exported.regularizers().get(0).name());
    assertNoTemporaryFolder(vit.run().resolve("export"));
  }

  @Test
  void inspectShowsTheSignaturesAndStockOpsOnly() throws Exception {
    Cli.Run r = Cli.run("inspect", TrainedModels.vit().export().toString()).assertSuccess();
    String out = r.out();
    assertTrue(out.contains("tags: [serve]"), out);
    assertTrue(out.contains("signature 'serving_default': method tensorflow/serving/predict"), out);
    assertTrue(out.contains("signature 'attention': method tensorflow/serving/predict"), out);
    assertTrue(out.contains("input  images: DT_FLOAT shape (-1, 28, 28)"), out);
    assertTrue(out.contains("output label: DT_INT64 shape (-1)"), out);
    assertTrue(out.contains("output probabilities: DT_FLOAT shape (-1, 10)"), out);
    assertTrue(out.contains("output attention_layer_1: DT_FLOAT shape (-1, 4, 17, 17)"), out);
    assertTrue(out.contains("stock TensorFlow ops only: yes"), out);
    assertTrue(out.contains("random ops: none"), out);
    assertTrue(out.contains("training-only ops: none"), out);
    assertTrue(out.contains("\"kind\" : \"vit\""), out);
  }

  @Test
  void predictPrintsJsonLinesThatAFreshPredictorReproduces() throws Exception {
    Path export = TrainedModels.vit().export();
    Path images = TrainedModels.testImages();
    Path lines = TrainedModels.fresh("predict").resolve("predictions.jsonl");
    Cli.Run r =
        Cli.run(
                "predict",
                "--model",
                export.toString(),
                "--input",
                images.toString(),
                "--output",
                lines.toString())
            .assertSuccess();
    System.out.printf("predict (child JVM): %d ms%n", r.millis());
    List<String> json = Files.readAllLines(lines);
    ImageIdx.Images idx = ImageIdx.readImages(images);
    assertEquals(idx.n(), json.size());
    assertEquals(250, json.size());

    // A serving process: a fresh SavedModelBundle in this JVM, the same images.
    try (Predictor predictor = Predictor.load(export)) {
      assertTrue(predictor.takesImages());
      assertArrayEquals(new long[] {28, 28}, predictor.exampleShape());
      assertEquals(10, predictor.numClasses());
      Predictor.Prediction p = predictor.predictImages(idx.pixels(), idx.n());
      double worst = 0;
      int[] counts = new int[10];
      for (int i = 0; i < json.size(); i++) {
        JsonNode line = Json.mapper().readTree(json.get(i));
        assertEquals(i, line.get("index").asInt());
        assertEquals(p.labels()[i], line.get("label").asLong(), "label of example " + i);
        JsonNode probs = line.get("probabilities");
        assertEquals(10, probs.size());
        double sum = 0;
        int argmax = 0;
        for (int c = 0; c < 10; c++) {
          float v =
              probs.get(c).floatValue(); // printed from a float: parses back to the same float
          sum += v;
          argmax = v > probs.get(argmax).floatValue() ? c : argmax;
          worst = Math.max(worst, Math.abs(v - p.probabilities()[i][c]));
        }
        assertEquals(1.0, sum, 1e-5);
        assertEquals(argmax, line.get("label").asInt());
        counts[argmax]++;
      }
      System.out.printf(
          "CLI predict vs Predictor: max abs diff of probabilities %.3g over %d examples%n",
          worst, json.size());
      assertEquals(0.0, worst, "the CLI and a fresh Predictor give the same floats");
      assertTrue(
          Arrays.stream(counts).filter(c -> c > 0).count() >= 2,
          "a trained model predicts more than one class");
    }
  }

  @Test
  void exportRefusesToReplaceAVersionUnlessAskedAndLeavesNoTemporaryFolder() throws Exception {
    TrainedModels.Trained vit = TrainedModels.vit();
    Path base = TrainedModels.fresh("export-overwrite");
    assertEquals(
        0, Main.execute("export", "--run", vit.run().toString(), "--base", base.toString()));
    Path v1 = base.resolve("1");
    byte[] before = Files.readAllBytes(v1.resolve("saved_model.pb"));
    Files.writeString(v1.resolve("assets/marker.txt"), "the first export");

    Cli.Run refused =
        Cli.run(
            "export",
            "--run",
            vit.run().toString(),
            "--base",
            base.toString(),
            "--model-version",
            "1");
    assertEquals(2, refused.exit(), refused.err());
    assertTrue(refused.err().contains("version 1 already exists in " + base), refused.err());
    assertTrue(refused.err().contains("--overwrite"), refused.err());
    assertFalse(
        refused.err().contains("Exception"),
        "a clear message, not a stack trace: " + refused.err());
    assertTrue(Files.exists(v1.resolve("assets/marker.txt")), "version 1 untouched");
    assertArrayEquals(before, Files.readAllBytes(v1.resolve("saved_model.pb")));

    assertEquals(
        0,
        Main.execute(
            "export",
            "--run",
            vit.run().toString(),
            "--base",
            base.toString(),
            "--model-version",
            "1",
            "--overwrite"));
    assertFalse(Files.exists(v1.resolve("assets/marker.txt")), "version 1 replaced");
    assertTrue(Files.isRegularFile(v1.resolve("saved_model.pb")));
    assertEquals(
        0, Main.execute("export", "--run", vit.run().toString(), "--base", base.toString()));
    assertNoTemporaryFolder(base);
    try (Stream<Path> list = Files.list(base)) {
      assertEquals(List.of("1", "2"), list.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void aFailedExportReportsWhyAndLeavesTheOldVersionAndNoTemporaryFolder() throws Exception {
    TrainedModels.Trained vit = TrainedModels.vit();
    Path broken = TrainedModels.fresh("broken-run");
    TrainedModels.copyRecursively(vit.run().resolve("model"), broken.resolve("model"));
    try (Stream<Path> list = Files.list(broken.resolve("model"))) {
      for (Path p :
          list.filter(p -> p.getFileName().toString().startsWith("variables.data-")).toList()) {
        Files.delete(p); // the checkpoint index is there, its data is not
      }
    }
    Path base = TrainedModels.fresh("export-failed");
    assertEquals(
        0, Main.execute("export", "--run", vit.run().toString(), "--base", base.toString()));
    byte[] before = Files.readAllBytes(base.resolve("1/saved_model.pb"));

    Cli.Run failed =
        Cli.run(
            "export",
            "--run",
            broken.toString(),
            "--base",
            base.toString(),
            "--model-version",
            "1",
            "--overwrite");
    assertEquals(65, failed.exit(), failed.out() + failed.err()); // a corrupt checkpoint: data
    assertTrue(
        failed
            .err()
            .contains(
                "error: "
                    + broken.resolve("model/variables")
                    + ": cannot restore the trained weights"),
        failed.err());
    assertFalse(
        failed.err().contains("\tat "), "a clear message, not a stack trace: " + failed.err());
    assertArrayEquals(
        before, Files.readAllBytes(base.resolve("1/saved_model.pb")), "the old version is intact");
    assertNoTemporaryFolder(base);

    assertEquals(65, Main.execute("export", "--run", broken.toString()));
    assertFalse(Files.exists(broken.resolve("export/1")), "no partial version");
    assertNoTemporaryFolder(broken.resolve("export"));

    Files.delete(broken.resolve("model/variables.index"));
    var noIndex =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Exporter.export(
                    new Exporter.Request(
                        broken.resolve("model"), broken.resolve("export"), null, false)));
    assertTrue(
        noIndex
            .getMessage()
            .contains("is not a trained model folder: expected config.json and variables.index"),
        noIndex.getMessage());
    assertNoTemporaryFolder(broken.resolve("export"));
    assertEquals(2, Main.execute("export", "--run", TrainedModels.fresh("empty-run").toString()));
  }

  static void assertNoTemporaryFolder(Path base) throws Exception {
    if (!Files.exists(base)) {
      return;
    }
    try (Stream<Path> list = Files.list(base)) {
      List<String> hidden =
          list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
      assertTrue(hidden.isEmpty(), "left over in " + base + ": " + hidden);
    }
  }
}
