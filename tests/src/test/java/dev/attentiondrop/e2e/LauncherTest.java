package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  static Cli.Run launch(String... args) {
    return Cli.launcher(REPO, List.of(args));
  }

  @Test
  @DisplayName("a short training run prints the project's lines only; --tf-logs shows TF's")
  void quietByDefault(@TempDir Path tmp) throws Exception {
    String[] train = {
      "train", "--epochs", "1", "--train-limit", "64", "--no-progress", "--attack-eps", ""
    };
    List<String> quietArgs = new ArrayList<>(List.of(train));
    quietArgs.addAll(List.of("-o", tmp.resolve("quiet").toString()));
    Cli.Run quiet = launch(quietArgs.toArray(String[]::new));
    assertEquals(0, quiet.exit(), quiet.err());
    assertTrue(quiet.out().contains("test accuracy"), quiet.out());
    assertEquals("", quiet.err(), "nothing on standard error");

    List<String> loudArgs = new ArrayList<>(List.of(train));
    loudArgs.addAll(List.of("--tf-logs", "-o", tmp.resolve("loud").toString()));
    Cli.Run loud = launch(loudArgs.toArray(String[]::new));
    assertEquals(0, loud.exit(), loud.err());
    assertTrue(loud.out().contains("test accuracy"), loud.out());
    assertTrue(
        loud.err().contains("mlir_graph_optimization_pass") || loud.err().contains("tensorflow/"),
        "TensorFlow's own lines with --tf-logs:\n" + loud.err());
  }

  @Test
  @DisplayName("bad input: one error line on standard error and the command's exit status 2")
  void exitStatusIsTheCommands(@TempDir Path tmp) throws Exception {
    Cli.Run bad = launch("train", "--epochs", "0", "-o", tmp.resolve("r").toString());
    assertEquals(2, bad.exit());
    assertEquals("error: epochs must be an integer in [1, 100000], got 0\n", bad.err());
  }
}
