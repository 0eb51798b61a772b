package dev.attentiondrop.bench.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.testing.PythonReference;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainThroughputTest {
  private static TrainThroughput.Settings tiny(Path python) {
    return new TrainThroughput.Settings(
        List.of("vit"),
        List.of("dropout"),
        1,
        1,
        1,
        32,
        2,
        true,
        python,
        PythonReference.repoRoot().resolve("bench/python/train_keras.py"));
  }

  @Test
  void javaSideTrainsTheTinyVitAndReportsItsThroughput() throws Exception {
    Map<String, Object> r = TrainThroughput.runJava("vit", "dropout", tiny(null));
    assertEquals("tf-java", r.get("side"));
    assertEquals(128, r.get("n"));
    double exs = ((Number) r.get("examples_per_second")).doubleValue();
    assertTrue(exs > 0 && Double.isFinite(exs), "examples/s " + exs);
    assertEquals(1, ((List<?>) r.get("epoch_examples_per_second")).size());
    assertTrue(((Number) r.get("step_ms_median")).doubleValue() > 0);
  }

  @Test
  void kerasSideTrainsTheSameExamples(@TempDir Path dir) throws Exception {
    TrainThroughput.Settings s = tiny(Path.of(PythonReference.python()));
    TrainThroughput.dump("vit", "dropout", s, dir);
    assertEquals(128L * 28 * 28 * 4, Files.size(dir.resolve("x.bin")));
    assertEquals(128L * 4, Files.size(dir.resolve("y.bin")));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Map<String, Object> r =
        TrainThroughput.runKeras(dir, s, new PrintStream(log, true, StandardCharsets.UTF_8));
    assertNotNull(r, () -> log.toString(StandardCharsets.UTF_8));
    assertEquals("keras", r.get("side"));
    assertEquals("dropout", r.get("variant"));
    assertEquals(128, r.get("n"));
    assertTrue(((Number) r.get("examples_per_second")).doubleValue() > 0);
    assertEquals(false, r.get("jit_compile"));
  }

  @Test
  void summaryIsTheRatioOfTheMediansWithThePerRoundRange() {
    List<Map<String, Object>> java = List.of(rec(1, 100, 10), rec(2, 120, 9), rec(3, 110, 11));
    List<Map<String, Object>> keras = List.of(rec(1, 50, 20), rec(2, 40, 25), rec(3, 60, 21));
    Map<String, Object> s = TrainThroughput.summary("vit", "dropout", java, keras);
    assertEquals(110.0, s.get("tf_java_examples_per_second"));
    assertEquals(50.0, s.get("keras_examples_per_second"));
    assertEquals(2.2, (Double) s.get("ratio"), 1e-12);
    assertEquals(110.0 / 60, (Double) s.get("ratio_min"), 1e-12);
    assertEquals(3.0, (Double) s.get("ratio_max"), 1e-12);
    assertEquals(21.0, s.get("keras_step_ms_median"));
    Map<String, Object> javaOnly = TrainThroughput.summary("vit", "none", java, List.of());
    assertNull(javaOnly.get("ratio"));
    assertEquals(0, javaOnly.get("keras_runs"));
  }

  @Test
  void rejectsUnknownModelsAndVariants() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new TrainThroughput.Settings(
                List.of("block"), List.of("none"), 1, 1, 1, 8, 2, true, null, null));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new TrainThroughput.Settings(
                List.of("vit"), List.of("blur"), 1, 1, 1, 8, 2, true, null, null));
  }

  private static Map<String, Object> rec(int round, double exs, double stepMs) {
    return Map.of("round", round, "examples_per_second", exs, "step_ms_median", stepMs);
  }
}
