package dev.attentiondrop.ops.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the repository's Python reference scripts in the virtual environment that {@code
 * tests/python/env.sh} creates (pinned numpy/scipy/tensorflow-cpu).
 *
 * <p>In CI ({@code CI=true}) a missing environment is a failure. Elsewhere the test is skipped with
 * a message saying how to enable it.
 */
public final class PythonReference {
  private static String python;

  private PythonReference() {}

  /** The repository root (the Maven multi-module directory). */
  public static Path repoRoot() {
    String prop = System.getProperty("attentiondrop.repo");
    Path start = prop != null && !prop.isBlank() ? Paths.get(prop) : Paths.get("").toAbsolutePath();
    for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("tests/python/env.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find the repository root above " + start);
  }

  /** The path of the reference interpreter; skips (or fails in CI) when unavailable. */
  public static synchronized String python() {
    if (python != null) {
      return python;
    }
    String configured = System.getProperty("attentiondrop.python");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("ATTENTIONDROP_PYTHON");
    }
    String failure = null;
    if (configured != null && !configured.isBlank()) {
      python = configured;
      return python;
    }
    try {
      Path env = repoRoot().resolve("tests/python/env.sh");
      Process p = new ProcessBuilder("bash", env.toString()).redirectErrorStream(false).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0 || out.isEmpty()) {
        failure = "tests/python/env.sh failed: " + err;
      } else {
        python = out.lines().reduce((a, b) -> b).orElseThrow();
        return python;
      }
    } catch (IOException | InterruptedException | IllegalStateException e) {
      failure = "cannot create the Python environment: " + e;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(failure);
    }
    Assumptions.abort(
        "Python reference unavailable (" + failure + "). Enable with: bash tests/python/env.sh");
    return null;
  }

  /**
   * Runs {@code python script args...} from the repository root and returns its stdout; throws with
   * stdout and stderr when the exit status is not 0.
   */
  public static String run(String script, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(python());
    cmd.add(repoRoot().resolve(script).toString());
    cmd.addAll(List.of(args));
    try {
      Path log = Files.createTempFile("python-ref", ".log");
      try {
        Process p =
            new ProcessBuilder(cmd)
                .directory(repoRoot().toFile())
                .redirectError(log.toFile())
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new IllegalStateException("timed out: " + cmd);
        }
        if (p.exitValue() != 0) {
          throw new IllegalStateException(
              "exit "
                  + p.exitValue()
                  + " from "
                  + cmd
                  + "\nstdout:\n"
                  + out
                  + "\nstderr:\n"
                  + Files.readString(log));
        }
        return out;
      } finally {
        Files.deleteIfExists(log);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
