package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.config.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.DoubleStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Training runs on the shipped Fashion-MNIST subset")
class TrainingRunTest {
  static final String DATA = "fashion-mnist-mini";

  static ModelConfig smallVit() {
    return ModelConfig.vit()
        .modelDim(32)
        .heads(2)
        .layers(2)
        .mlpDim(64)
        .regularizer("hard_mask", Map.of("k", 4, "p", 0.1))
        .build();
  }

  static TrainConfig config(int epochs) {
    return TrainConfig.builder()
        .dataset(DATA)
        .epochs(epochs)
        .batchSize(50)
        .seed(3)
        .optimizer(OptimizerConfig.adamw(2e-3, 0.01))
        .build();
  }

  @Test
  @DisplayName("a tiny ViT learns: test accuracy far above chance (10%) after 4 epochs")
  void learnsAboveChance(@TempDir Path dir) throws Exception {
    var result =
        TrainingRun.run(
            smallVit(),
            config(4),
            dir.resolve("run"),
            TrainingRun.Options.quiet().recordingRevision("rev-a"));
    double acc = result.last().testAccuracy();
    // 250 test images: chance is 0.10 +- 0.019 (1 sd); 0.45 is ~18 sd above it.
    assertTrue(acc > 0.45, "test accuracy " + acc);
    assertTrue(
        result.epochs().get(3).trainLoss() < result.epochs().get(0).trainLoss(), "loss decreases");
    var rd = result.directory();
    for (Path p :
        List.of(
            rd.config(),
            rd.metricsJsonl(),
            rd.metricsCsv(),
            rd.summary(),
            rd.reliability(),
            rd.model().resolve("config.json"))) {
      assertTrue(Files.size(p) > 0, p + " written");
    }
    assertEquals(5, Files.readAllLines(rd.metricsCsv()).size(), "header + 4 epochs");
    assertEquals(
        List.of("rev-a"), Files.readAllLines(rd.sourceRevision()), "the revision the caller gave");
  }

  @Test
  @DisplayName("same seed and configs: the same loss curve, bit for bit")
  void reproducible(@TempDir Path dir) throws Exception {
    TrainConfig tc = config(2).toBuilder().trainLimit(300).build();
    var a = TrainingRun.run(smallVit(), tc, dir.resolve("a"), TrainingRun.Options.quiet());
    var b = TrainingRun.run(smallVit(), tc, dir.resolve("b"), TrainingRun.Options.quiet());
    assertArrayEquals(curve(a), curve(b), 0.0);
  }

  @Test
  @DisplayName("a run interrupted after epoch 1 and resumed equals the uninterrupted run")
  void resumeEqualsUninterrupted(@TempDir Path dir) throws Exception {
    TrainConfig tc = config(3).toBuilder().trainLimit(300).build();
    var whole = TrainingRun.run(smallVit(), tc, dir.resolve("whole"), TrainingRun.Options.quiet());
    var first =
        TrainingRun.run(
            smallVit(),
            tc,
            dir.resolve("split"),
            TrainingRun.Options.quiet().stoppingAfter(1).recordingRevision("rev-a"));
    assertEquals(1, first.epochs().size());
    assertTrue(Files.notExists(first.directory().model()), "no final model after an interruption");
    var resumed =
        TrainingRun.run(
            smallVit(),
            tc,
            dir.resolve("split"),
            TrainingRun.Options.quiet().resuming().recordingRevision("rev-a"));
    assertArrayEquals(curve(whole), curve(resumed), 0.0);
    assertEquals(whole.last().step(), resumed.last().step());
    assertEquals(
        List.of("rev-a"),
        Files.readAllLines(resumed.directory().sourceRevision()),
        "resuming at the same revision adds no line");
    var other =
        TrainingRun.run(
            smallVit(),
            tc.toBuilder().epochs(4).build(),
            dir.resolve("whole-4"),
            TrainingRun.Options.quiet());
    assertTrue(
        Files.notExists(other.directory().sourceRevision()), "no revision given, none recorded");
  }

  @Test
  @DisplayName("an existing run is not overwritten, and resuming with another config is refused")
  void runDirectoryGuards(@TempDir Path dir) throws Exception {
    TrainConfig tc = config(1).toBuilder().trainLimit(100).build();
    TrainingRun.run(smallVit(), tc, dir.resolve("r"), TrainingRun.Options.quiet());
    var again =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainingRun.run(smallVit(), tc, dir.resolve("r"), TrainingRun.Options.quiet()));
    assertTrue(again.getMessage().contains("--resume"), again.getMessage());
    var other =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainingRun.run(
                    smallVit(),
                    tc.toBuilder().seed(99).build(),
                    dir.resolve("r"),
                    TrainingRun.Options.quiet().resuming()));
    assertTrue(other.getMessage().contains("config.json differs"), other.getMessage());
    Path users = Files.createDirectories(dir.resolve("users-folder"));
    Path theirs = Files.writeString(users.resolve("notes.txt"), "mine");
    var foreign =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainingRun.run(smallVit(), tc, users, TrainingRun.Options.quiet()));
    assertTrue(foreign.getMessage().contains("is not a run directory"), foreign.getMessage());
    assertEquals("mine", Files.readString(theirs));
    try (var entries = Files.list(users)) {
      assertEquals(1, entries.count(), "nothing written into the user's folder");
    }
  }

  /** Train loss, train accuracy, test accuracy and test NLL of every epoch. */
  static double[] curve(TrainingRun.Result r) {
    return r.epochs().stream()
        .flatMapToDouble(
            m -> DoubleStream.of(m.trainLoss(), m.trainAccuracy(), m.testAccuracy(), m.testNll()))
        .toArray();
  }

  @Test
  @DisplayName(
      "selection keeps the best validation epoch's weights; patience stops; noise recorded")
  void selectionAndNoise(@TempDir Path dir) throws Exception {
    TrainConfig tc =
        config(4).toBuilder()
            .selection(SelectionConfig.builder().validationFraction(0.2).patience(1).build())
            .labelNoise(new LabelNoiseConfig(0.2, LabelNoiseConfig.Kind.SYMMETRIC))
            .testLimit(100)
            .build();
    var result = TrainingRun.run(smallVit(), tc, dir.resolve("run"), TrainingRun.Options.quiet());
    var summary = Json.mapper().readTree(Files.readString(result.directory().summary()));
    int selected = summary.get("selected_epoch").asInt();
    EpochMetrics best = result.selected();
    assertEquals(selected, best.epoch());
    double minNll =
        result.epochs().stream().mapToDouble(EpochMetrics::validationNll).min().orElseThrow();
    assertEquals(minNll, best.validationNll(), 0.0, "the lowest validation NLL is selected");
    // the kept weights are that epoch's: evaluated again after the restore, the hold-out agrees
    assertEquals(best.validationAccuracy(), summary.get("validation_accuracy").asDouble(), 1e-9);
    assertEquals(best.validationNll(), summary.get("validation_nll").asDouble(), 1e-6);
    // the test split is not looked at during training, only at the end
    assertTrue(result.epochs().stream().allMatch(e -> Double.isNaN(e.testAccuracy())));
    assertTrue(summary.get("test_accuracy").asDouble() > 0.2, summary.toString());
    int last = result.last().epoch();
    boolean early = summary.get("stopped_early").asBoolean();
    assertEquals(early, last < 4, "stopped early exactly when fewer epochs ran");
    if (early) {
      assertEquals(1, last - selected, "patience 1: one epoch without improvement");
    }
    // 1000 train images, 200 held out: 800 trained on, 20 % of them noisy
    assertEquals(0.2, summary.get("label_noise_flipped").asDouble(), 5 * Math.sqrt(0.16 / 800));
    assertTrue(summary.has("train_accuracy_clean") && summary.has("generalization_gap"));
    assertEquals(
        summary.get("train_accuracy").asDouble() - summary.get("test_accuracy").asDouble(),
        summary.get("generalization_gap").asDouble(),
        1e-12);
    assertTrue(Files.isDirectory(result.directory().checkpoints().resolve("best")));
    assertEquals(800, summary.get("train_examples").asInt());
    assertEquals(100, summary.get("test_examples").asInt(), "test_limit: 100 of the 250");
    // resumed after the end, it neither trains on nor changes the selection
    var again =
        TrainingRun.run(smallVit(), tc, dir.resolve("run"), TrainingRun.Options.quiet().resuming());
    assertEquals(result.epochs().size(), again.epochs().size());
    assertEquals(
        summary.toString(),
        Json.mapper().readTree(Files.readString(again.directory().summary())).toString());
  }
}
