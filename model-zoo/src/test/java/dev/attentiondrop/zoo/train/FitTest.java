package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.data.Datasets;
import dev.attentiondrop.zoo.data.ImageDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.DoubleStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Trainer.fit on data in memory")
class FitTest {

  @Test
  @DisplayName("fit on in-memory examples gives the run directory's numbers, bit for bit")
  void fitEqualsTrainingRun(@TempDir Path dir) throws Exception {
    ModelConfig model = TrainingRunTest.smallVit();
    TrainConfig named = TrainingRunTest.config(2).toBuilder().trainLimit(200).build();
    var run = TrainingRun.run(model, named, dir.resolve("run"), TrainingRun.Options.quiet());

    ImageDataset train = Datasets.loadImages("fashion-mnist-mini", "train");
    ImageDataset test = Datasets.loadImages("fashion-mnist-mini", "test");
    float[][][] images = new float[train.size()][28][28];
    for (int i = 0; i < train.size(); i++) {
      for (int r = 0; r < 28; r++) {
        System.arraycopy(train.pixels(), (i * 28 + r) * 28, images[i][r], 0, 28);
      }
    }
    Examples inMemory = Examples.ofImages(images, train.labels(), 10).limit(200);
    Examples evaluation =
        Examples.ofImages(test.pixels(), 28, 28, test.labels(), test.classNames().size());
    List<String> events = new ArrayList<>();
    List<EpochMetrics> fitted;
    try (Trainer trainer =
        new Trainer(model, named.toBuilder().dataset(null).trainLimit(0).build())) {
      fitted =
          trainer.fit(
              inMemory,
              evaluation,
              new TrainingListener() {
                @Override
                public void onEpochBegin(int epoch, int epochs, int steps) {
                  events.add("begin " + epoch + "/" + epochs + " " + steps);
                }

                @Override
                public void onBatchEnd(BatchEnd b) {
                  events.add("batch " + b.epoch() + "." + b.batch() + " step " + b.step());
                }

                @Override
                public void onEpochEnd(EpochMetrics m, Evaluation e) {
                  events.add("end " + m.epoch());
                }
              });
    }
    assertArrayEquals(TrainingRunTest.curve(run), curve(fitted), 0.0);
    // 200 examples, batch 50: 4 updates per epoch, global steps 0..7
    assertEquals(
        List.of(
            "begin 1/2 4",
            "batch 1.0 step 0",
            "batch 1.1 step 1",
            "batch 1.2 step 2",
            "batch 1.3 step 3",
            "end 1",
            "begin 2/2 4",
            "batch 2.0 step 4",
            "batch 2.1 step 5",
            "batch 2.2 step 6",
            "batch 2.3 step 7",
            "end 2"),
        events);
  }

  @Test
  @DisplayName("a listener stops the fit after the current epoch; a config needs no dataset")
  void stopTraining() {
    Examples data = tiny(64);
    TrainConfig config = TrainConfig.builder().epochs(5).batchSize(32).build();
    try (Trainer trainer = new Trainer(TrainingRunTest.smallVit(), config)) {
      List<EpochMetrics> fitted =
          trainer.fit(
              data,
              data,
              new TrainingListener() {
                @Override
                public void onEpochEnd(EpochMetrics m, Evaluation e) {
                  if (m.epoch() == 2) {
                    trainer.stopTraining();
                  }
                }
              });
      assertEquals(2, fitted.size());
      assertEquals(4, trainer.stepsDone(), "2 epochs of 2 updates");
    }
  }

  @Test
  @DisplayName("examples that do not fit the model are refused with the library's message")
  void misfitsAreRefused() {
    TrainConfig config = TrainConfig.builder().epochs(1).build();
    try (Trainer trainer = new Trainer(TrainingRunTest.smallVit(), config)) {
      Examples small = Examples.ofImages(new float[4 * 8 * 8], 8, 8, new int[] {0, 1, 2, 3}, 10);
      var e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(small, small));
      assertTrue(
          e.getMessage().contains("[8, 8] per example but the model takes [28, 28]"),
          e.getMessage());
      Examples fewClasses = Examples.ofImages(new float[2 * 28 * 28], 28, 28, new int[] {0, 1}, 2);
      e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(fewClasses, fewClasses));
      assertTrue(e.getMessage().contains("2 classes but num_classes is 10"), e.getMessage());
    }
    var label =
        assertThrows(
            IllegalArgumentException.class,
            () -> Examples.ofImages(new float[28 * 28], 28, 28, new int[] {10}, 10));
    assertTrue(label.getMessage().contains("labels[0] must be in [0, 9]"), label.getMessage());
    var ragged =
        assertThrows(
            IllegalArgumentException.class,
            () -> Examples.ofTokens(new int[][] {{1, 2}, {3}}, new int[] {0, 1}, 2));
    assertTrue(ragged.getMessage().contains("ids[1] has length 1"), ragged.getMessage());
  }

  static Examples tiny(int n) {
    float[] px = new float[n * 28 * 28];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 10;
      for (int j = 0; j < 28; j++) {
        px[i * 28 * 28 + labels[i] * 28 + j] = 1f;
      }
    }
    return Examples.ofImages(px, 28, 28, labels, 10);
  }

  static double[] curve(List<EpochMetrics> epochs) {
    return epochs.stream()
        .flatMapToDouble(
            m -> DoubleStream.of(m.trainLoss(), m.trainAccuracy(), m.testAccuracy(), m.testNll()))
        .toArray();
  }
}
