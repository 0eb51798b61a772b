package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.cli.Main;
import dev.attentiondrop.savedmodels.Inspection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Killed mid-write, from the outside: a child process halted at each named point of the export and
 * training code ({@code CrashPoint}: as abrupt as {@code kill -9}) and killed with SIGKILL at
 * random moments. At every moment each numbered version in the export base is a complete
 * SavedModel; the next command recovers what the killed one left (no hidden folder stays, a version
 * being replaced comes back) and a resumed run ends with the uninterrupted run's numbers.
 */
@DisplayName("kill -9 during export and training: nothing lost, nothing half-written, clean rerun")
class KillTest {

  /** The names in {@code base}, sorted. */
  private static List<String> names(Path base) throws IOException {
    try (Stream<Path> s = Files.list(base)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Every numeric folder of {@code base} is a complete SavedModel whose variables restore. */
  private static void versionsComplete(Path base) throws IOException {
    for (String name : names(base)) {
      if (name.matches("[0-9]+")) {
        Path v = base.resolve(name);
        Inspection.verifyVariables(v, Inspection.of(v).tags());
      }
    }
  }

  private static List<String> export(Path base, String... more) throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "export",
                "--run",
                TrainedModels.vit().run().toString(),
                "--base",
                base.toString()));
    args.addAll(List.of(more));
    return args;
  }

  @Test
  @DisplayName("export halted at each point, then exported again: only whole versions, none lost")
  void exportCrashPoints() throws IOException {
    Path base = TrainedModels.fresh("kill-export");
    Cli.Run staged = Cli.run(new Cli.Child().crashAt("staging.staged"), export(base));
    assertEquals(137, staged.exit(), staged.err());
    assertTrue(names(base).stream().allMatch(n -> n.startsWith(".")), names(base).toString());
    assertEquals(0, Main.execute(export(base).toArray(String[]::new)));
    assertEquals(List.of("1"), names(base), "the killed export's folders are recovered");
    byte[] first = Files.readAllBytes(base.resolve("1/saved_model.pb"));

    // replacing version 1, halted between moving it aside and moving the new one in
    Cli.Run aside =
        Cli.run(
            new Cli.Child().crashAt("staging.aside"),
            export(base, "--model-version", "1", "--overwrite"));
    assertEquals(137, aside.exit(), aside.err());
    assertTrue(!names(base).contains("1"), "the moment of the kill: version 1 is aside");
    versionsComplete(base);
    assertEquals(0, Main.execute(export(base).toArray(String[]::new)));
    assertEquals(List.of("1", "2"), names(base), "version 1 is back, version 2 is new");
    assertArrayEquals(first, Files.readAllBytes(base.resolve("1/saved_model.pb")));

    Cli.Run committed =
        Cli.run(
            new Cli.Child().crashAt("staging.committed"),
            export(base, "--model-version", "2", "--overwrite"));
    assertEquals(137, committed.exit(), committed.err());
    versionsComplete(base);
    assertEquals(0, Main.execute(export(base).toArray(String[]::new)));
    assertEquals(List.of("1", "2", "3"), names(base));
    versionsComplete(base);
  }

  @Test
  @DisplayName("export killed with SIGKILL at random moments: whole versions only, clean rerun")
  void exportKilledAtRandom() throws Exception {
    Path base = TrainedModels.fresh("kill-export-random");
    Path log = base.resolveSibling("kill-export-random.log");
    Random random = new Random(11);
    int versions = 0;
    for (int i = 0; i < 3; i++) {
      Process p = Cli.start(export(base), log);
      Thread.sleep(500 + random.nextInt(4000));
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      versionsComplete(base);
      assertEquals(0, Main.execute(export(base).toArray(String[]::new)));
      versionsComplete(base);
      List<String> now = names(base);
      assertTrue(now.stream().allMatch(n -> n.matches("[0-9]+")), "nothing hidden left: " + now);
      assertTrue(now.size() > versions, now.toString());
      versions = now.size();
    }
  }

  private static final List<String> FLAGS =
      List.of(
          "--epochs",
          "2",
          "--train-limit",
          "96",
          "--batch-size",
          "32",
          "--attack-eps",
          "",
          "--no-progress",
          "--no-export",
          "--seed",
          "9");

  private static List<String> train(Path run, boolean resume) {
    List<String> args = new ArrayList<>(List.of("train", "-o", run.toString()));
    if (resume) {
      args.add("--resume");
    }
    args.addAll(FLAGS);
    return args;
  }

  private static void noHiddenFiles(Path run) throws IOException {
    try (Stream<Path> walk = Files.walk(run)) {
      List<Path> hidden = walk.filter(p -> p.getFileName().toString().startsWith(".")).toList();
      assertEquals(List.of(), hidden, "no temporary left in " + run);
    }
  }

  @Test
  @DisplayName(
      "training halted at each point or killed at random, resumed: the uninterrupted numbers")
  void trainingKilledAndResumed() throws Exception {
    Path root = TrainedModels.fresh("kill-train");
    Path reference = root.resolve("reference");
    assertEquals(0, Main.execute(train(reference, false).toArray(String[]::new)));
    String expected = Files.readString(reference.resolve("summary.json"));

    List<String> points =
        List.of(
            "train.checkpoint-saved:1",
            "train.checkpoint-saved:2",
            "atomic-write.written:4",
            "staging.staged");
    for (String point : points) {
      Path run = root.resolve(point.replace(':', '-'));
      Cli.Run killed = Cli.run(new Cli.Child().crashAt(point), train(run, false));
      assertEquals(137, killed.exit(), point + ": " + killed.out() + killed.err());
      Cli.run(train(run, true)).assertSuccess();
      assertEquals(expected, Files.readString(run.resolve("summary.json")), point);
      noHiddenFiles(run);
    }

    Random random = new Random(5);
    for (int i = 0; i < 2; i++) {
      Path run = root.resolve("random-" + i);
      Process p = Cli.start(train(run, false), root.resolve("random-" + i + ".log"));
      Thread.sleep(2000 + random.nextInt(6000));
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      List<String> resume =
          Files.exists(run.resolve("config.json")) ? train(run, true) : train(run, false);
      Cli.run(resume).assertSuccess();
      assertEquals(expected, Files.readString(run.resolve("summary.json")), "random kill " + i);
      noHiddenFiles(run);
    }
  }
}
