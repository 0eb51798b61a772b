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
    assertEquals(1, resume.errors().size(), resume.err());
    assertTrue(resume.errors().get(0).contains("no run to resume"), resume.err());
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
        into.errors());
    try (var entries = Files.list(users)) {
      assertEquals(List.of(users.resolve("holiday.txt")), entries.toList());
    }
  }

  @Test
  @DisplayName("missing files, folders and bad JSON: a sentence naming the file, no stack trace")
  void filesAreNamed() throws Exception {
    Path root = TrainedModels.fresh("bad-files");
    Path export = TrainedModels.vit().export();
    Path missing = root.resolve("missing.csv");
    Cli.Run noInput =
        Cli.run("predict", "--model", export.toString(), "--input", missing.toString());
    assertEquals(66, noInput.exit(), noInput.err());
    assertEquals(List.of("error: " + missing + ": no such file or folder"), noInput.errors());

    Cli.Run folder = Cli.run("predict", "--model", export.toString(), "--input", root.toString());
    assertEquals(
        List.of("error: --input " + root + ": a folder, not an input file"), folder.errors());

    Path bad = Files.writeString(root.resolve("model.json"), "{\"kind\": \"vit\", \"heads\": }");
    Cli.Run json =
        Cli.run("train", "--model-config", bad.toString(), "-o", root.resolve("r").toString());
    assertEquals(65, json.exit(), json.err());
    assertEquals(1, json.errors().size(), json.err());
    assertTrue(
        json.errors().get(0).startsWith("error: " + bad + ": invalid ModelConfig"), json.err());

    Cli.Run dir =
        Cli.run("train", "--model-config", root.toString(), "-o", root.resolve("r").toString());
    assertEquals(List.of("error: " + root + ": a folder, not a JSON file"), dir.errors());
  }

  @Test
  @DisplayName("export: odd names in the base are noted, not counted; huge numbers are warned of")
  void oddVersionNames() throws Exception {
    Path base = TrainedModels.fresh("odd-versions");
    Files.createDirectories(base.resolve("99999999999"));
    Files.createDirectories(base.resolve("latest"));
    Files.createDirectories(base.resolve("4"));
    Cli.Run r =
        Cli.run("export", "--run", TrainedModels.vit().run().toString(), "--base", base.toString())
            .assertSuccess();
    assertTrue(r.out().contains("exported " + base.resolve("5")), r.out());
    assertTrue(
        r.out()
            .contains(
                "note: "
                    + base.resolve("99999999999")
                    + " is beyond the versions counted here ([1, 2147483647]); TF Serving"),
        r.out());
    assertTrue(
        r.out().contains("note: " + base.resolve("latest") + " is not a version folder"), r.out());
  }
}
