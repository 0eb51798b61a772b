package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.savedmodels.Inspection;
import dev.attentiondrop.savedmodels.Predictor;
import dev.attentiondrop.savedmodels.SavedModelFormatException;
import dev.attentiondrop.zoo.data.ImageIdx;
import dev.attentiondrop.zoo.train.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@link Predictor} and {@link Inspection} on broken exports (clear {@link
 * IllegalArgumentException}s, no crash), inputs of the wrong shape or dtype (errors that name what
 * was expected and what was received), and concurrent predictions.
 */
class PredictorTest {

  static Path brokenCopy(String name) throws Exception {
    Path dir = TrainedModels.fresh("broken-" + name);
    TrainedModels.copyRecursively(TrainedModels.vit().export(), dir);
    return dir;
  }

  static IllegalArgumentException assertRejected(Path dir, String... expected) {
    List<IllegalArgumentException> errors = new ArrayList<>();
    for (Executable load :
        List.<Executable>of(() -> Predictor.load(dir).close(), () -> Inspection.of(dir))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, load);
      for (String s : expected) {
        assertTrue(e.getMessage().contains(s), "'" + e.getMessage() + "' should say '" + s + "'");
      }
      errors.add(e);
    }
    return errors.get(0);
  }

  @Test
  void truncatedOrCorruptSavedModelPbIsAClearError() throws Exception {
    Path truncated = brokenCopy("truncated");
    byte[] pb = Files.readAllBytes(truncated.resolve("saved_model.pb"));
    Files.write(truncated.resolve("saved_model.pb"), Arrays.copyOf(pb, pb.length / 2));
    System.out.println(
        "truncated: " + assertRejected(truncated, truncated.toString()).getMessage());

    Path garbage = brokenCopy("garbage");
    byte[] noise = new byte[4096];
    new Random(1).nextBytes(noise);
    Files.write(garbage.resolve("saved_model.pb"), noise);
    System.out.println("garbage: " + assertRejected(garbage, garbage.toString()).getMessage());

    Path empty = brokenCopy("empty-pb");
    Files.write(empty.resolve("saved_model.pb"), new byte[0]);
    System.out.println("empty: " + assertRejected(empty, empty.toString()).getMessage());
  }

  @Test
  void missingVariablesAreAClearError() throws Exception {
    Path noData = brokenCopy("no-data");
    try (Stream<Path> list = Files.list(noData.resolve("variables"))) {
      for (Path p :
          list.filter(p -> p.getFileName().toString().startsWith("variables.data-")).toList()) {
        Files.delete(p);
      }
    }
    assertRejected(noData, "variables/variables.data-* is missing");

    Path noIndex = brokenCopy("no-index");
    Files.delete(noIndex.resolve("variables/variables.index"));
    assertRejected(noIndex, "variables/variables.index is missing");

    Path noVariables = brokenCopy("no-variables");
    RunDirectory.deleteRecursively(noVariables.resolve("variables"));
    assertRejected(noVariables, "variables/variables.index is missing");

    // A variables file that exists but holds garbage: the load itself fails, clearly.
    Path corruptData = brokenCopy("corrupt-data");
    try (Stream<Path> list = Files.list(corruptData.resolve("variables"))) {
      for (Path p :
          list.filter(p -> p.getFileName().toString().startsWith("variables.data-")).toList()) {
        Files.write(p, new byte[] {1, 2, 3});
      }
    }
    SavedModelFormatException e =
        assertThrows(SavedModelFormatException.class, () -> Predictor.load(corruptData).close());
    assertTrue(
        e.getMessage().startsWith(corruptData + ": TensorFlow cannot load this SavedModel"),
        e.getMessage());
    System.out.println("corrupt variables: " + e.getMessage());
  }

  @Test
  void aFolderThatIsNoSavedModelIsAClearError() throws Exception {
    Path empty = TrainedModels.fresh("not-a-model");
    assertRejected(empty, empty + " is not a SavedModel: no saved_model.pb");
    Path base = TrainedModels.vit().run().resolve("export");
    assertRejected(base, "it holds numbered versions: pass one of them, e.g. " + base.resolve("1"));
    Path file = TrainedModels.vit().export().resolve("saved_model.pb");
    assertRejected(file, file + " is not a directory");
    Path missing = empty.resolve("missing");
    assertRejected(missing, missing + " is not a directory");
  }

  @Test
  void wrongInputsNameWhatWasExpectedAndWhatWasReceived() throws Exception {
    try (Predictor p = Predictor.load(TrainedModels.vit().export())) {
      try (TFloat32 small = TFloat32.tensorOf(Shape.of(2, 27, 27))) {
        var e = assertThrows(IllegalArgumentException.class, () -> p.run(Map.of("images", small)));
        assertEquals(
            "input 'images' must have shape [-1, 28, 28], got [2, 27, 27]", e.getMessage());
      }
      try (TFloat32 flat = TFloat32.tensorOf(Shape.of(2, 784))) {
        var e = assertThrows(IllegalArgumentException.class, () -> p.run(Map.of("images", flat)));
        assertEquals("input 'images' must have shape [-1, 28, 28], got [2, 784]", e.getMessage());
      }
      try (TInt32 ints = TInt32.tensorOf(Shape.of(2, 28, 28))) {
        var e = assertThrows(IllegalArgumentException.class, () -> p.run(Map.of("images", ints)));
        assertEquals("input 'images' must be DT_FLOAT, got DT_INT32", e.getMessage());
      }
      try (TFloat32 x = TFloat32.tensorOf(Shape.of(1, 28, 28))) {
        var e =
            assertThrows(
                IllegalArgumentException.class, () -> p.run(Map.<String, Tensor>of("pixels", x)));
        assertEquals("serving_default takes inputs [images], got [pixels]", e.getMessage());
      }
      var e =
          assertThrows(IllegalArgumentException.class, () -> p.predictImages(new float[700], 1));
      assertEquals("input 'images' must hold 1 x [28, 28] = 784 values, got 700", e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class, () -> p.predictTokens(new int[4], new int[4], 1));
      assertEquals("this model takes images, not token ids", e.getMessage());
    }
  }

  @Test
  void concurrentPredictionsEqualSequentialOnes() throws Exception {
    ImageIdx.Images images = ImageIdx.readImages(TrainedModels.testImages());
    int per = 28 * 28;
    int batches = 8;
    int size = images.n() / batches;
    try (Predictor p = Predictor.load(TrainedModels.vit().export())) {
      List<float[]> inputs = new ArrayList<>();
      List<Predictor.Prediction> sequential = new ArrayList<>();
      for (int b = 0; b < batches; b++) {
        inputs.add(Arrays.copyOfRange(images.pixels(), b * size * per, (b + 1) * size * per));
        sequential.add(p.predictImages(inputs.get(b), size));
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<Predictor.Prediction>> futures = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
          for (int b = 0; b < batches; b++) {
            float[] in = inputs.get(b);
            futures.add(pool.submit(() -> p.predictImages(in, size)));
          }
        }
        double worst = 0;
        for (int i = 0; i < futures.size(); i++) {
          Predictor.Prediction got = futures.get(i).get();
          Predictor.Prediction want = sequential.get(i % batches);
          assertArrayEquals(want.labels(), got.labels(), "labels of batch " + i % batches);
          for (int r = 0; r < size; r++) {
            for (int c = 0; c < want.probabilities()[r].length; c++) {
              worst =
                  Math.max(worst, Math.abs(want.probabilities()[r][c] - got.probabilities()[r][c]));
              worst = Math.max(worst, Math.abs(want.logits()[r][c] - got.logits()[r][c]));
            }
          }
        }
        System.out.printf(
            "%d concurrent predictions vs sequential: max abs diff %.3g%n", futures.size(), worst);
        assertTrue(worst <= 1e-6, "concurrent predictions differ by " + worst);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void nonFiniteImagesBadMasksAndNegativeIdsAreRefusedByName() throws Exception {
    try (Predictor vit = Predictor.load(TrainedModels.vit().export())) {
      int per = 28 * 28;
      for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
        float[] pixels = new float[2 * per];
        pixels[per + 5] = bad;
        var e = assertThrows(IllegalArgumentException.class, () -> vit.predictImages(pixels, 2));
        assertTrue(
            e.getMessage().startsWith("images (pixel 5 of example 1): " + bad + " is not finite"),
            e.getMessage());
      }
    }
    try (Predictor text = Predictor.load(TrainedModels.text().export())) {
      int length = (int) text.exampleShape()[0];
      int[] ids = new int[length];
      int[] mask = new int[length];
      mask[0] = 2;
      var e = assertThrows(IllegalArgumentException.class, () -> text.predictTokens(ids, mask, 1));
      assertTrue(
          e.getMessage().startsWith("mask (position 0 of example 0): 2 is not 0 or 1"),
          e.getMessage());
      mask[0] = 1;
      ids[1] = -1;
      e = assertThrows(IllegalArgumentException.class, () -> text.predictTokens(ids, mask, 1));
      assertTrue(
          e.getMessage().startsWith("token_ids (position 1 of example 0): -1 is negative"),
          e.getMessage());
    }
  }
}
