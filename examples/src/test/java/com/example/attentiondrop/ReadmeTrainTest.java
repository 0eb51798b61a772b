package com.example.attentiondrop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.savedmodels.Exporter;
import dev.attentiondrop.savedmodels.Predictor;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.train.EpochMetrics;
import dev.attentiondrop.zoo.train.Evaluation;
import dev.attentiondrop.zoo.train.Examples;
import dev.attentiondrop.zoo.train.TrainConfig;
import dev.attentiondrop.zoo.train.Trainer;
import dev.attentiondrop.zoo.train.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's second snippet: train on data in memory, export for serving, load and predict. */
class ReadmeTrainTest {

  /** 8x8 images of a bright bar: horizontal (class 0) or vertical (class 1), with noise. */
  static Examples bars(int n, long seed) {
    Random r = new Random(seed);
    float[][][] images = new float[n][8][8];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 2;
      int at = r.nextInt(8);
      for (int y = 0; y < 8; y++) {
        for (int x = 0; x < 8; x++) {
          boolean on = labels[i] == 0 ? y == at : x == at;
          images[i][y][x] = (float) Math.min(1, Math.max(0, (on ? 0.8 : 0.1) + 0.1 * r.nextGaussian()));
        }
      }
    }
    return Examples.ofImages(images, labels, 2);
  }

  @Test
  void trainExportPredict(@TempDir Path dir) throws Exception {
    Examples train = bars(256, 1);
    Examples test = bars(128, 2);
    List<Double> accuracies = new ArrayList<>();
    // README snippet starts
    ModelConfig model =
        ModelConfig.vit()
            .imageSize(8)
            .patchSize(2)
            .numClasses(2)
            .modelDim(32)
            .heads(4)
            .layers(2)
            .mlpDim(64)
            .regularizer("hard_mask", Map.of("k", 4, "p", 0.1))
            .build();
    TrainConfig config = TrainConfig.builder().epochs(4).batchSize(32).build();
    try (Trainer trainer = new Trainer(model, config)) {
      trainer.fit(
          train,
          test,
          new TrainingListener() {
            @Override
            public void onEpochEnd(EpochMetrics m, Evaluation e) {
              System.out.printf("epoch %d: test accuracy %.3f%n", m.epoch(), m.testAccuracy());
              accuracies.add(m.testAccuracy());
            }
          });
      Path version =
          Exporter.export(trainer, null, dir.resolve("serving"), null, Map.of("owner.txt", "me"));
      // version: serving/1/saved_model.pb, variables/, assets/ (TF Serving's layout)
      // README snippet ends
      assertEquals(dir.resolve("serving").resolve("1"), version);
      assertTrue(Files.isRegularFile(version.resolve("saved_model.pb")));
      assertEquals("me", Files.readString(version.resolve("assets/owner.txt")));
      assertEquals(4, accuracies.size(), "one line per epoch");
      double last = accuracies.get(3);
      // 128 balanced test images: chance is 0.5 +- 0.044 (1 sd); 0.75 is > 5 sd above it.
      assertTrue(last > 0.75, "test accuracy after 4 epochs: " + last);

      float[][] expected = trainer.predict(test);
      try (Predictor predictor = Predictor.load(version)) {
        float[][] got = predictor.predictImages(test.pixels(), test.n()).probabilities();
        for (int i = 0; i < test.n(); i++) {
          assertArrayEquals(expected[i], got[i], 1e-5f, "example " + i);
        }
      }
    }
  }
}
