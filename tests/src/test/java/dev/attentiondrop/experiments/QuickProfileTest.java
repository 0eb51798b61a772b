package dev.attentiondrop.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attentiondrop.ops.testing.PythonReference;
import dev.attentiondrop.zoo.config.Json;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped quick profile (experiments/quick.json) runs end to end on real data and the report is
 * made from its run directories: every method has a row, the numbers in the table are the means of
 * the cells' summary.json files, claims get verdicts, figures exist, and a second run skips every
 * finished cell.
 */
@DisplayName("The quick experiment profile runs and produces its report")
class QuickProfileTest {

  @Test
  void quickProfile(@TempDir Path tmp) throws Exception {
    Path config = PythonReference.repoRoot().resolve("experiments/quick.json");
    ExperimentConfig c = Json.read(Files.readString(config), ExperimentConfig.class);
    Path out = tmp.resolve("quick");
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    var rows = ExperimentRunner.run(c, out, false, quiet);
    var plan = c.datasets().get(0);
    int cells = 0;
    for (var d : c.datasets()) {
      for (var m : c.methods()) {
        cells += d.runs(m) ? d.seedsOf(m) : 0;
      }
    }
    assertEquals(cells, rows.size(), "one row per final cell");
    // the regime controls reach the cells: noisy labels counted, the best epoch kept
    var noisy =
        c.datasets().stream().filter(d -> d.train().labelNoise() != null).findFirst().orElseThrow();
    JsonNode cell =
        Json.mapper()
            .readTree(
                Files.readString(out.resolve("runs/" + noisy.id() + "/none/seed-0/summary.json")));
    double rate = noisy.train().labelNoise().rate();
    assertTrue(Math.abs(cell.get("label_noise_flipped").asDouble() - rate) < 0.1, cell.toString());
    assertTrue(cell.get("selected_epoch").asInt() >= 1, cell.toString());
    assertTrue(cell.has("generalization_gap") && cell.has("end_test_accuracy"), cell.toString());

    Path summary =
        out.resolve("runs")
            .resolve(plan.dataset())
            .resolve("hard_mask")
            .resolve("seed-0")
            .resolve("summary.json");
    FileTime before = Files.getLastModifiedTime(summary);
    ExperimentRunner.run(c, out, false, quiet);
    assertEquals(before, Files.getLastModifiedTime(summary), "finished cells are skipped");

    Path md = tmp.resolve("docs/results.md");
    ResultsReport.write(out, md, "attentiondrop report --input " + out);
    String report = Files.readString(md);
    for (ExperimentConfig.Method m : c.methods()) {
      assertTrue(
          report.contains("| " + m.name() + " | " + plan.seeds() + " | "), "row of " + m.name());
    }
    double sum = 0;
    for (int s = 0; s < plan.seeds(); s++) {
      JsonNode n =
          Json.mapper()
              .readTree(
                  Files.readString(
                      out.resolve("runs")
                          .resolve(plan.dataset())
                          .resolve("hard_mask")
                          .resolve("seed-" + s)
                          .resolve("summary.json")));
      sum += n.get("test_accuracy").asDouble();
    }
    String expected =
        String.format("| hard_mask | %d | %.1f ± ", plan.seeds(), 100 * sum / plan.seeds());
    assertTrue(report.contains(expected), "the table holds the runs' mean accuracy: " + expected);
    assertTrue(report.contains("Tally: higher accuracy:"), "claims are judged");
    assertTrue(
        Pattern.compile("\\| (holds|\\*\\*fails\\*\\*|inconclusive) \\|").matcher(report).find(),
        "verdicts");
    assertTrue(report.contains("CIFAR-10"), "the paper's numbers stand beside ours");
    Matcher images = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)").matcher(report);
    int count = 0;
    while (images.find()) {
      Path png = md.getParent().resolve(images.group(1));
      assertTrue(Files.size(png) > 1000, "figure " + png);
      count++;
    }
    assertTrue(
        count >= 5, "accuracy, ECE, reliability, PGD, cost and sensitivity figures: " + count);
    try (Stream<Path> tuning = Files.walk(out.resolve("tuning"))) {
      List<Path> chosen =
          tuning.filter(p -> p.getFileName().toString().equals("chosen.json")).toList();
      long tuned = 0;
      for (var d : c.datasets()) {
        tuned +=
            d.tunes() ? c.methods().stream().filter(m -> m.tune() != null && d.runs(m)).count() : 0;
      }
      assertEquals(tuned, chosen.size(), "one tuning choice per tuned method and regime");
    }
  }
}
