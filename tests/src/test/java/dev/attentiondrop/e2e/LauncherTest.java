package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./attentiondrop} launcher in a child process, on this JVM's class path (so it does not
 * build): quiet by default, {@code --tf-logs} shows TensorFlow's lines, the exit status is the
 * command's.
 */
@DisplayName("./attentiondrop: quiet by default, --tf-logs, exit status")
class LauncherTest {
  static final Path REPO = Path.of(System.getProperty("attentiondrop.repo", ".."));

  record Run(int exit, String out, String err) {}

  static Run launch(Path tmp, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", REPO.resolve("attentiondrop").toString()));
    cmd.addAll(List.of(args));
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().remove("TF_CPP_MIN_LOG_LEVEL");
    pb.environment().put("ATTENTIONDROP_CLASSPATH", System.getProperty("java.class.path"));
    Process p = pb.start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "finished");
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("a short training run prints the project's lines only; --tf-logs shows TF's")
  void quietByDefault(@TempDir Path tmp) throws Exception {
    String[] train = {
      "train", "--epochs", "1", "--train-limit", "64", "--no-progress", "--attack-eps", ""
    };
    List<String> quietArgs = new ArrayList<>(List.of(train));
    quietArgs.addAll(List.of("-o", tmp.resolve("quiet").toString()));
    Run quiet = launch(tmp, quietArgs.toArray(String[]::new));
    assertEquals(0, quiet.exit(), quiet.err());
    assertTrue(quiet.out().contains("test accuracy"), quiet.out());
    assertEquals("", quiet.err(), "nothing on standard error");

    List<String> loudArgs = new ArrayList<>(List.of(train));
    loudArgs.addAll(List.of("--tf-logs", "-o", tmp.resolve("loud").toString()));
    Run loud = launch(tmp, loudArgs.toArray(String[]::new));
    assertEquals(0, loud.exit(), loud.err());
    assertTrue(loud.out().contains("test accuracy"), loud.out());
    assertTrue(
        loud.err().contains("mlir_graph_optimization_pass") || loud.err().contains("tensorflow/"),
        "TensorFlow's own lines with --tf-logs:\n" + loud.err());
  }

  @Test
  @DisplayName("bad input: one error line on standard error and the command's exit status 2")
  void exitStatusIsTheCommands(@TempDir Path tmp) throws Exception {
    Run bad = launch(tmp, "train", "--epochs", "0", "-o", tmp.resolve("r").toString());
    assertEquals(2, bad.exit());
    assertEquals("error: epochs must be an integer in [1, 100000], got 0\n", bad.err());
  }
}
