package dev.attentiondrop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code attentiondrop bench --profile tiny}: one child JVM, the block at T = 16, plain and hard
 * mask, 2 timed steps. Checks the JSON lines' fields and that the values are sane; no timing
 * assertions.
 */
class BenchCommandTest {
  /** Runs the command in this JVM and returns its standard output; it must exit with 0. */
  static String bench(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int rc;
    try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      rc = Main.execute(args);
    } finally {
      System.setOut(saved);
    }
    String out = buffer.toString(StandardCharsets.UTF_8);
    assertEquals(0, rc, out);
    return out;
  }

  @Test
  void tinyProfilePrintsOneJsonLinePerMeasurement() throws Exception {
    String out =
        bench("bench", "--profile", "tiny", "--format", "json", "--variants", "plain,hard_mask");
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        lines.add(json.readTree(line)); // every stdout line is one JSON object
      }
    }
    assertEquals(2, lines.size(), out);
    for (JsonNode r : lines) {
      for (String f :
          List.of(
              "runtime",
              "model",
              "variant",
              "seq_len",
              "batch",
              "xla",
              "median_ms",
              "ratio_vs_plain",
              "peak_rss_mb",
              "min_ms",
              "max_ms",
              "attn_gflops",
              "peak_gflops_est")) {
        assertNotNull(r.get(f), f + " missing in " + r);
      }
      assertEquals("tf-java", r.get("runtime").asText());
      assertEquals("block", r.get("model").asText());
      assertEquals("NONE", r.get("xla").asText());
      assertEquals(16, r.get("seq_len").asInt());
      assertEquals(2, r.get("batch").asInt());
      assertEquals(2, r.get("reps").asInt());
      double ms = r.get("median_ms").asDouble();
      assertTrue(ms > 0 && ms < 60_000, "median_ms " + ms);
      assertTrue(r.get("min_ms").asDouble() <= ms && ms <= r.get("max_ms").asDouble());
      double rss = r.get("peak_rss_mb").asDouble();
      assertTrue(rss > 10 && rss < 64_000, "peak_rss_mb " + rss);
      assertTrue(r.get("attn_gflops").asDouble() > 0);
      assertTrue(r.get("ratio_vs_plain").asDouble() > 0);
    }
    assertEquals("plain", lines.get(0).get("variant").asText());
    assertEquals(1.0, lines.get(0).get("ratio_vs_plain").asDouble(), 1e-12);
    assertEquals("hard_mask", lines.get(1).get("variant").asText());
  }

  @Test
  void pairedModeReportsTheMedianRatioWithItsInterval() throws Exception {
    String out =
        bench(
                "bench",
                "--profile",
                "tiny",
                "--format",
                "json",
                "--variants",
                "plain,hard_mask",
                "--paired",
                "--reps",
                "8")
            .strip();
    List<String> lines = out.lines().toList();
    assertEquals(1, lines.size(), "one line per variant, none for plain: " + out);
    JsonNode r = new ObjectMapper().readTree(lines.get(0));
    assertEquals("hard_mask", r.get("variant").asText());
    assertEquals(8, r.get("reps").asInt());
    double ratio = r.get("paired_ratio").asDouble();
    assertTrue(
        ratio > 0
            && r.get("paired_ratio_lo").asDouble() <= ratio
            && ratio <= r.get("paired_ratio_hi").asDouble(),
        out);
    assertTrue(r.get("plain_median_ms").asDouble() > 0 && r.get("median_ms").asDouble() > 0, out);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--reps|-1|--reps must be an integer in [1, 1000000], got -1",
        "--seq-lens|0|--seq-lens must be an integer in [1, 65536], got 0",
        "--threads|0|--threads must be an integer in [1, 1024], got 0",
        "--batch|0|--batch must be an integer in [1, 65536], got 0",
        "--warmup|-2|--warmup must be an integer in [0, 1000000], got -2",
        "--budget-ms|0|--budget-ms must be in (0, +inf], got 0.0",
        "--xla|FOO|--xla must be one of [NONE, COMPILED_FUNCTION, AUTO_CLUSTERING], got 'FOO'"
      })
  void badOptionsAreRefusedBeforeAnythingRuns(String option, String value, String message) {
    BenchCommand bench = new BenchCommand();
    new CommandLine(bench).parseArgs("--profile", "tiny", option, value);
    var e = assertThrows(IllegalArgumentException.class, bench::plan);
    assertEquals(message, e.getMessage());
  }
}
