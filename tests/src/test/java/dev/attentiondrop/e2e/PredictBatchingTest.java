package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attentiondrop.zoo.config.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code predict} runs the model in batches: the same predictions, in order, for any batch size.
 */
@DisplayName("predict --batch-size: the same lines in batches of 7 as in one batch")
class PredictBatchingTest {

  @Test
  void batchesGiveTheSamePredictions() throws Exception {
    Path export = TrainedModels.vit().export();
    Path images = TrainedModels.testImages();
    Path dir = TrainedModels.fresh("predict-batching");
    Path whole = dir.resolve("whole.jsonl");
    Path sevens = dir.resolve("sevens.jsonl");
    Cli.run(
            "predict",
            "--model",
            export.toString(),
            "--input",
            images.toString(),
            "--output",
            whole.toString())
        .assertSuccess();
    Cli.run(
            "predict",
            "--model",
            export.toString(),
            "--input",
            images.toString(),
            "--output",
            sevens.toString(),
            "--batch-size",
            "7")
        .assertSuccess();
    List<String> a = Files.readAllLines(whole);
    List<String> b = Files.readAllLines(sevens);
    assertEquals(250, a.size());
    assertEquals(a.size(), b.size());
    double worst = 0;
    for (int i = 0; i < a.size(); i++) {
      JsonNode x = Json.mapper().readTree(a.get(i));
      JsonNode y = Json.mapper().readTree(b.get(i));
      assertEquals(i, y.get("index").asInt(), "in order");
      assertEquals(x.get("label").asInt(), y.get("label").asInt(), "label of example " + i);
      for (int c = 0; c < 10; c++) {
        worst =
            Math.max(
                worst,
                Math.abs(
                    x.get("probabilities").get(c).asDouble()
                        - y.get("probabilities").get(c).asDouble()));
      }
    }
    assertTrue(worst < 1e-5, "batch size changes probabilities by " + worst);
    Cli.Run bad =
        Cli.run(
            "predict",
            "--model",
            export.toString(),
            "--input",
            images.toString(),
            "--batch-size",
            "0");
    assertEquals(2, bad.exit());
    assertEquals(
        List.of("error: --batch-size must be an integer in [1, 65536], got 0"), bad.errors());
  }
}
