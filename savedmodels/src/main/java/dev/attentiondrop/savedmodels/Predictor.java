package dev.attentiondrop.savedmodels;

import dev.attentiondrop.ops.Checks;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Predictions from an exported SavedModel's {@code serving_default} signature, as a serving process
 * would make them. Inputs are checked against the signature (names, dtypes, shapes) with errors
 * that name what was expected and what was received. Thread-safe: TensorFlow sessions run
 * concurrently. Closes its native resources.
 */
public final class Predictor implements AutoCloseable {
  private final SavedModelBundle bundle;
  private final Signature signature;
  private final Session session;
  private final boolean images;
  private final long[] exampleShape;

  /**
   * Predictions of a batch.
   *
   * @param probabilities {@code [n][classes]}, {@code softmax(logits)} of each example
   * @param logits {@code [n][classes]}, the class logits of each example
   * @param labels {@code [n]}, the predicted class {@code argmax_c logits[i][c]} of each example
   */
  public record Prediction(float[][] probabilities, float[][] logits, long[] labels) {}

  private Predictor(SavedModelBundle bundle) {
    this.bundle = bundle;
    this.session = bundle.session();
    this.signature =
        bundle.signatures().stream()
            .filter(s -> s.key().equals(Signature.DEFAULT_KEY))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "the SavedModel has no serving_default signature"));
    this.images = signature.inputNames().contains("images");
    var in = signature.getInputs().get(images ? "images" : "token_ids");
    if (in == null) {
      throw new IllegalArgumentException(
          "serving_default must take 'images' or 'token_ids', has " + signature.inputNames());
    }
    long[] full = in.shape.asArray();
    this.exampleShape = Arrays.copyOfRange(full, 1, full.length);
  }

  /**
   * Loads {@code dir} (a version folder holding saved_model.pb), with clear errors.
   *
   * @param dir a SavedModel version folder, for example {@code BASE/1}
   * @return a predictor on its {@code serving_default} signature; the caller closes it
   * @throws SavedModelFormatException if TensorFlow cannot load it (corrupt or truncated files)
   * @throws IllegalArgumentException if {@code dir} is not a complete SavedModel (with a hint when
   *     it holds numbered versions), or it has no {@code serving_default} taking {@code images} or
   *     {@code token_ids}
   */
  public static Predictor load(Path dir) {
    SavedModels.checkLayout(dir);
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.load(dir.toString(), SavedModelBundle.DEFAULT_TAG);
    } catch (RuntimeException e) {
      throw new SavedModelFormatException(
          dir.toString(),
          "TensorFlow cannot load this SavedModel: corrupt, truncated or incomplete ("
              + firstLine(e.getMessage())
              + ")",
          e);
    }
    try {
      return new Predictor(bundle);
    } catch (RuntimeException e) {
      bundle.close(); // not a model this class serves: release the session
      throw e;
    }
  }

  static String firstLine(String s) {
    return s == null ? "unknown error" : s.lines().findFirst().orElse(s);
  }

  /**
   * Whether the model takes images.
   *
   * @return true for image models (input {@code images}), false for text ({@code token_ids}, {@code
   *     mask})
   */
  public boolean takesImages() {
    return images;
  }

  /**
   * The shape of one example.
   *
   * @return a copy of the input's shape without the batch dimension, for example {@code [28, 28]}
   *     or {@code [128]}
   */
  public long[] exampleShape() {
    return exampleShape.clone();
  }

  /**
   * The number of classes.
   *
   * @return the last dimension of the signature's {@code probabilities} output
   */
  public int numClasses() {
    return (int) signature.getOutputs().get("probabilities").shape.get(1);
  }

  /**
   * Image models: predictions for {@code n} images.
   *
   * @param pixels {@code n * S * S} values in {@code [0, 1]}, row-major {@code [n, S, S]}
   * @param n the number of examples, {@code >= 1}
   * @return the predictions
   * @throws IllegalArgumentException for a text model, if {@code pixels.length} is not {@code n}
   *     times the example size, or for a pixel that is NaN or infinite (named by example and
   *     position)
   */
  public Prediction predictImages(float[] pixels, int n) {
    if (!images) {
      throw new IllegalArgumentException("this model takes token_ids and mask, not images");
    }
    checkSize("images", pixels.length, n);
    int per = pixels.length / Math.max(n, 1);
    for (int i = 0; i < pixels.length; i++) {
      if (!Float.isFinite(pixels[i])) {
        throw new IllegalArgumentException(
            "images (pixel "
                + i % per
                + " of example "
                + i / per
                + "): "
                + pixels[i]
                + " is not finite; allowed: finite pixel values (the model was trained on [0, 1])");
      }
    }
    try (TFloat32 x = TFloat32.tensorOf(batchShape(n), DataBuffers.of(pixels, true, false))) {
      return run(Map.of("images", x));
    }
  }

  /**
   * Text models: predictions for {@code n} token sequences.
   *
   * @param tokenIds {@code n * L} token ids, row-major {@code [n, L]}
   * @param mask {@code n * L} mask values (1 = token, 0 = padding), row-major {@code [n, L]}
   * @param n the number of examples, {@code >= 1}
   * @return the predictions
   * @throws IllegalArgumentException for an image model, if an array's length is not {@code n}
   *     times {@code L}, for a mask value other than 0 and 1, or a negative token id
   */
  public Prediction predictTokens(int[] tokenIds, int[] mask, int n) {
    if (images) {
      throw new IllegalArgumentException("this model takes images, not token ids");
    }
    checkSize("token_ids", tokenIds.length, n);
    checkSize("mask", mask.length, n);
    int per = mask.length / Math.max(n, 1);
    for (int i = 0; i < mask.length; i++) {
      if (mask[i] != 0 && mask[i] != 1) {
        throw new IllegalArgumentException(
            "mask (position "
                + i % per
                + " of example "
                + i / per
                + "): "
                + mask[i]
                + " is not 0 or 1; allowed: 1 for a token, 0 for padding");
      }
      if (tokenIds[i] < 0) {
        throw new IllegalArgumentException(
            "token_ids (position "
                + i % per
                + " of example "
                + i / per
                + "): "
                + tokenIds[i]
                + " is negative; allowed: ids of the model's tokenizer, 0 for padding");
      }
    }
    try (TInt32 ids = TInt32.tensorOf(batchShape(n), DataBuffers.of(tokenIds, true, false));
        TInt32 m = TInt32.tensorOf(batchShape(n), DataBuffers.of(mask, true, false))) {
      return run(Map.of("token_ids", ids, "mask", m));
    }
  }

  /**
   * Runs the signature on named tensors, after checking names, dtypes and shapes against it. The
   * caller keeps ownership of the tensors.
   *
   * @param inputs the signature's inputs by name: exactly {@code images}, or {@code token_ids} and
   *     {@code mask}
   * @return the predictions
   * @throws IllegalArgumentException if the names differ from the signature's, or a tensor's dtype
   *     or shape does not match (an unknown expected size matches any)
   */
  public Prediction run(Map<String, Tensor> inputs) {
    if (!inputs.keySet().equals(signature.inputNames())) {
      throw new IllegalArgumentException(
          "serving_default takes inputs " + signature.inputNames() + ", got " + inputs.keySet());
    }
    for (var e : inputs.entrySet()) {
      var expected = signature.getInputs().get(e.getKey());
      Tensor t = e.getValue();
      DataType received = t.dataType();
      if (received != expected.dataType) {
        throw new IllegalArgumentException(
            "input '" + e.getKey() + "' must be " + expected.dataType + ", got " + received);
      }
      if (!compatible(expected.shape, t.shape())) {
        throw new IllegalArgumentException(
            "input '" + e.getKey() + "' must have shape " + expected.shape + ", got " + t.shape());
      }
    }
    Map<String, Tensor> feed = new HashMap<>(inputs);
    try (Result r = bundle.function(Signature.DEFAULT_KEY).call(feed)) {
      TFloat32 probs = (TFloat32) r.get("probabilities").orElseThrow();
      TFloat32 logits = (TFloat32) r.get("logits").orElseThrow();
      TInt64 labels = (TInt64) r.get("label").orElseThrow();
      int n = (int) probs.shape().get(0);
      int c = (int) probs.shape().get(1);
      float[] p = new float[n * c];
      float[] z = new float[n * c];
      long[] l = new long[n];
      probs.copyTo(DataBuffers.of(p, false, false));
      logits.copyTo(DataBuffers.of(z, false, false));
      labels.copyTo(DataBuffers.of(l, false, false));
      float[][] pr = new float[n][];
      float[][] lo = new float[n][];
      for (int i = 0; i < n; i++) {
        pr[i] = Arrays.copyOfRange(p, i * c, (i + 1) * c);
        lo[i] = Arrays.copyOfRange(z, i * c, (i + 1) * c);
      }
      return new Prediction(pr, lo, l);
    }
  }

  private Shape batchShape(int n) {
    long[] s = new long[exampleShape.length + 1];
    s[0] = n;
    System.arraycopy(exampleShape, 0, s, 1, exampleShape.length);
    return Shape.of(s);
  }

  private void checkSize(String name, int length, int n) {
    Checks.inRange("number of examples", n, 1, Integer.MAX_VALUE);
    long per = 1;
    for (long d : exampleShape) {
      per *= d;
    }
    if (length != n * per) {
      throw new IllegalArgumentException(
          "input '"
              + name
              + "' must hold "
              + n
              + " x "
              + Arrays.toString(exampleShape)
              + " = "
              + n * per
              + " values, got "
              + length);
    }
  }

  static boolean compatible(Shape expected, Shape received) {
    if (expected.isUnknown()) {
      return true;
    }
    if (expected.numDimensions() != received.numDimensions()) {
      return false;
    }
    for (int i = 0; i < expected.numDimensions(); i++) {
      if (expected.get(i) >= 0 && expected.get(i) != received.get(i)) {
        return false;
      }
    }
    return true;
  }

  /** Closes the loaded bundle and its session. */
  @Override
  public void close() {
    bundle.close();
  }
}
