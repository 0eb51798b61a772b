package dev.attentiondrop.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A measured child process run to its end: the JSON records it prints as {@code RESULT {...}} lines
 * on stdout, its exit code and the tail of its stderr (kept in a temporary file, deleted
 * afterwards).
 *
 * @param exitCode the child's exit code
 * @param results the records of its {@code RESULT} lines, in order
 * @param stderrTail its last {@value #TAIL_LINES} lines of stderr
 */
public record ChildRun(int exitCode, List<Map<String, Object>> results, List<String> stderrTail) {
  /** How many stderr lines {@link #stderrTail} keeps. */
  public static final int TAIL_LINES = 15;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Starts {@code pb} (its stderr redirected to a temporary file), reads its {@code RESULT} lines
   * and waits for it.
   *
   * @param pb the child, command and environment set
   * @return its outcome
   * @throws IOException when it cannot be started or its output cannot be read
   * @throws InterruptedException when interrupted while waiting
   */
  public static ChildRun run(ProcessBuilder pb) throws IOException, InterruptedException {
    Path err = Files.createTempFile("bench-child", ".log");
    try {
      pb.redirectError(err.toFile());
      Process p = pb.start();
      List<Map<String, Object>> results = new ArrayList<>();
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("RESULT ")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> rec = JSON.readValue(line.substring(7), LinkedHashMap.class);
            results.add(rec);
          }
        }
      }
      int rc = p.waitFor();
      List<String> lines = Files.readAllLines(err);
      return new ChildRun(
          rc,
          results,
          List.copyOf(lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())));
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
