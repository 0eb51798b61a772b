package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Bad input to {@code train}, from the outside: one error line, exit 2, nothing of the user's
 * touched.
 */
@DisplayName("train: bad run folders are refused")
class BadInputTest {

  @Test
  @DisplayName("--resume of a folder without a checkpoint, or -o into a user's folder: refused")
  void runFolders() throws Exception {
    Path root = TrainedModels.fresh("bad-input");
    Path missing = root.resolve("missing");
    Cli.Run resume = Cli.run("train", "--resume", "--epochs", "1", "-o", missing.toString());
    assertEquals(2, resume.exit(), resume.err());
    assertEquals(1, OutputFailureTest.errors(resume).size(), resume.err());
    assertTrue(
        OutputFailureTest.errors(resume).get(0).contains("no checkpoint to resume"), resume.err());
    assertTrue(Files.notExists(missing), "no folder made");

    Path users = Files.createDirectories(root.resolve("photos"));
    Files.writeString(users.resolve("holiday.txt"), "mine");
    Cli.Run into = Cli.run("train", "--epochs", "1", "--train-limit", "64", "-o", users.toString());
    assertEquals(2, into.exit(), into.err());
    assertEquals(
        List.of(
            "error: run directory (--output) "
                + users
                + ": it exists and is not a run directory (no config.json) and not empty; choose a"
                + " new or empty folder"),
        OutputFailureTest.errors(into));
    try (var entries = Files.list(users)) {
      assertEquals(List.of(users.resolve("holiday.txt")), entries.toList());
    }
  }
}
