package dev.attentiondrop.zoo.train;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.data.ImageDataset;
import dev.attentiondrop.zoo.data.TextDataset;
import dev.attentiondrop.zoo.models.Tokenizer;
import java.util.Arrays;
import java.util.Random;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Model-ready examples: images {@code [n, h, w]} in [0, 1] or token ids {@code [n, length]}, and
 * labels in {@code [0, numClasses)}. Makes the input and one-hot label tensors of a batch. Build
 * them with the typed factories: {@link #ofImages(float[][][], int[], int)}, {@link
 * #ofImages(float[], int, int, int[], int)}, {@link #ofTokens(int[][], int[], int)}, or from a
 * dataset ({@link #of(ImageDataset)}, {@link #of(TextDataset, Tokenizer, int)}).
 *
 * @param images whether the inputs are images (else token ids)
 * @param n the number of examples, {@code >= 1}
 * @param inputShape the shape of one example: {@code [h, w]} or {@code [length]}
 * @param pixels images: the {@code n * h * w} pixels, example-major; null for tokens
 * @param ids tokens: the {@code n * length} ids, example-major; null for images
 * @param labels the {@code n} class indices
 * @param numClasses the number of classes, {@code >= 2}
 */
public record Examples(
    boolean images,
    int n,
    int[] inputShape,
    float[] pixels,
    int[] ids,
    int[] labels,
    int numClasses) {

  /**
   * Checks that the arrays fit together.
   *
   * @param images whether the inputs are images
   * @param n the number of examples
   * @param inputShape the shape of one example
   * @param pixels the pixels (images)
   * @param ids the token ids (tokens)
   * @param labels the labels
   * @param numClasses the number of classes
   */
  public Examples {
    Checks.inRange("number of examples", n, 1, Integer.MAX_VALUE);
    Checks.inRange("numClasses", numClasses, 2, 1 << 20);
    Checks.notNull("labels", labels);
    Checks.notNull("inputShape", inputShape);
    if (labels.length != n) {
      throw new IllegalArgumentException(n + " examples but " + labels.length + " labels");
    }
    long per = 1;
    for (int d : inputShape) {
      Checks.inRange("example dimension", d, 1, Integer.MAX_VALUE);
      per *= d;
    }
    Object data = images ? pixels : ids;
    String name = images ? "pixels" : "ids";
    if (data == null || (images ? ids : pixels) != null) {
      throw new IllegalArgumentException(
          (images ? "image" : "token")
              + " examples hold "
              + name
              + " only: "
              + name
              + " must be set and "
              + (images ? "ids" : "pixels")
              + " null");
    }
    int length = images ? pixels.length : ids.length;
    if (length != per * n) {
      throw new IllegalArgumentException(
          name + " (" + length + " values) must hold " + n + " examples of " + per + " values");
    }
    for (int i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            "labels["
                + i
                + "] must be in [0, "
                + (numClasses - 1)
                + "] (numClasses "
                + numClasses
                + "), got "
                + labels[i]);
      }
    }
  }

  /**
   * Images given as {@code images[i][row][column]}, pixel values in [0, 1].
   *
   * @param images the images, all of one size
   * @param labels the class index of each image
   * @param numClasses the number of classes
   * @return the examples (the pixels are copied)
   */
  public static Examples ofImages(float[][][] images, int[] labels, int numClasses) {
    Checks.notNull("images", images);
    if (images.length == 0 || images[0].length == 0) {
      throw new IllegalArgumentException("images must hold at least one non-empty image");
    }
    int h = images[0].length;
    int w = images[0][0].length;
    float[] flat = new float[images.length * h * w];
    for (int i = 0; i < images.length; i++) {
      if (images[i].length != h) {
        throw new IllegalArgumentException(
            "images[" + i + "] has " + images[i].length + " rows; images[0] has " + h);
      }
      for (int r = 0; r < h; r++) {
        if (images[i][r].length != w) {
          throw new IllegalArgumentException(
              "images["
                  + i
                  + "]["
                  + r
                  + "] has "
                  + images[i][r].length
                  + " columns, expected "
                  + w);
        }
        System.arraycopy(images[i][r], 0, flat, (i * h + r) * w, w);
      }
    }
    return ofImages(flat, h, w, labels, numClasses);
  }

  /**
   * Images given as one example-major array of {@code n * height * width} pixels in [0, 1].
   *
   * @param pixels the pixels (not copied: do not change them while training)
   * @param height the image height
   * @param width the image width
   * @param labels the class index of each image; {@code n = labels.length}
   * @param numClasses the number of classes
   * @return the examples
   */
  public static Examples ofImages(
      float[] pixels, int height, int width, int[] labels, int numClasses) {
    Checks.notNull("labels", labels);
    return new Examples(
        true, labels.length, new int[] {height, width}, pixels, null, labels, numClasses);
  }

  /**
   * Token-id sequences of one length (pad them first, for example with {@link Tokenizer#encode});
   * id 0 is padding, masked out of attention.
   *
   * @param ids the sequences, {@code ids[i][t]}
   * @param labels the class index of each sequence
   * @param numClasses the number of classes
   * @return the examples (the ids are copied)
   */
  public static Examples ofTokens(int[][] ids, int[] labels, int numClasses) {
    Checks.notNull("ids", ids);
    if (ids.length == 0 || ids[0].length == 0) {
      throw new IllegalArgumentException("ids must hold at least one non-empty sequence");
    }
    int length = ids[0].length;
    int[] flat = new int[ids.length * length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i].length != length) {
        throw new IllegalArgumentException(
            "ids[" + i + "] has length " + ids[i].length + "; ids[0] has " + length);
      }
      System.arraycopy(ids[i], 0, flat, i * length, length);
    }
    Checks.notNull("labels", labels);
    return new Examples(false, labels.length, new int[] {length}, null, flat, labels, numClasses);
  }

  /**
   * The examples of an image dataset.
   *
   * @param d the dataset
   * @return its examples (sharing its pixel array)
   */
  public static Examples of(ImageDataset d) {
    return new Examples(
        true,
        d.size(),
        new int[] {d.height(), d.width()},
        d.pixels(),
        null,
        d.labels(),
        d.classNames().size());
  }

  /**
   * Token ids of each text, padded/truncated to {@code maxLength}.
   *
   * @param d the dataset
   * @param tokenizer the tokenizer (fitted on the training split)
   * @param maxLength the sequence length
   * @return the examples
   */
  public static Examples of(TextDataset d, Tokenizer tokenizer, int maxLength) {
    int n = d.size();
    int[] ids = new int[n * maxLength];
    for (int i = 0; i < n; i++) {
      System.arraycopy(tokenizer.encode(d.texts()[i], maxLength), 0, ids, i * maxLength, maxLength);
    }
    return new Examples(
        false, n, new int[] {maxLength}, null, ids, d.labels(), d.classNames().size());
  }

  /** Seed of the subset {@link #limit} keeps. */
  public static final long LIMIT_SEED = 31L;

  /**
   * {@code limit} examples, class-stratified: class {@code c} keeps {@code n_c limit / n} of its
   * {@code n_c} examples (rounded by largest remainder, so the sizes sum to {@code limit}), chosen
   * by a seeded permutation ({@link #LIMIT_SEED}) and kept in file order (all of them when {@code
   * limit} is 0 or at least n). The same subset for every seed and method: comparisons stay paired.
   * Not the first {@code limit}: some files are sorted by class (SpamAssassin lists its ham first).
   *
   * @param limit the number of examples kept, 0 = all
   * @return the subset (this when nothing is dropped)
   */
  public Examples limit(int limit) {
    if (limit <= 0 || limit >= n) {
      return this;
    }
    return subset(stratified(labels, numClasses, limit, LIMIT_SEED)[0]);
  }

  /**
   * Splits off a class-stratified, seeded {@code fraction} of the examples (at least one example,
   * and at least one left), both parts in file order.
   *
   * @param fraction the held-out fraction, in {@code (0, 1)}
   * @param seed the seed of the permutation
   * @return {@code [kept, held]}
   */
  public Examples[] split(double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1) || n < 2) {
      throw new IllegalArgumentException(
          "cannot hold out a fraction " + fraction + " of " + n + " examples");
    }
    int held = (int) Math.max(1, Math.min(n - 1, Math.round(fraction * n)));
    int[][] parts = stratified(labels, numClasses, n - held, seed);
    return new Examples[] {subset(parts[0]), subset(parts[1])};
  }

  /**
   * The same examples with noisy labels: each label is replaced with probability {@code
   * noise.rate()} by a wrong class ({@link LabelNoiseConfig}), the draws seeded by {@code seed}.
   *
   * @param noise the rate and kind
   * @param seed the seed of the draws
   * @return new examples sharing this one's inputs
   */
  public Examples withLabelNoise(LabelNoiseConfig noise, long seed) {
    Checks.notNull("noise", noise);
    Random random = new Random(seed);
    int[] noisy = labels.clone();
    for (int i = 0; i < n; i++) {
      // two draws per example whatever the outcome, so example i's noise does not depend on i-1's
      boolean flip = random.nextDouble() < noise.rate();
      int offset = 1 + random.nextInt(Math.max(1, numClasses - 1));
      if (flip && numClasses > 1) {
        noisy[i] =
            noise.kind() == LabelNoiseConfig.Kind.PAIR
                ? (labels[i] + 1) % numClasses
                : (labels[i] + offset) % numClasses;
      }
    }
    return new Examples(images, n, inputShape, pixels, ids, noisy, numClasses);
  }

  /**
   * Indices of {@code keep} of the examples labelled {@code labels}, class-stratified, and of the
   * rest, each sorted: class {@code c}'s examples are taken in the order of a seeded permutation
   * ({@code Permutation}), its first {@code q_c} kept, with {@code q_c} the largest-remainder
   * apportionment of {@code keep} by class size (ties to the lower class).
   *
   * @param labels the class of each example, in {@code [0, numClasses)}
   * @param numClasses the number of classes
   * @param keep how many to keep, in {@code [0, labels.length]}
   * @param seed the permutation's seed
   * @return {@code [kept, rest]}, both ascending
   */
  public static int[][] stratified(int[] labels, int numClasses, int keep, long seed) {
    int n = labels.length;
    Checks.inRange("kept examples", keep, 0, n);
    int[] order = Permutation.of(n, seed);
    int[] perClass = new int[numClasses];
    for (int y : labels) {
      perClass[y]++;
    }
    int[] quota = new int[numClasses];
    double[] remainder = new double[numClasses];
    int given = 0;
    for (int c = 0; c < numClasses; c++) {
      double exact = (double) perClass[c] * keep / n;
      quota[c] = (int) Math.floor(exact);
      remainder[c] = exact - quota[c];
      given += quota[c];
    }
    Integer[] byRemainder = new Integer[numClasses];
    for (int c = 0; c < numClasses; c++) {
      byRemainder[c] = c;
    }
    Arrays.sort(
        byRemainder, (a, b) -> Double.compare(remainder[b], remainder[a])); // stable: ties by class
    for (int k = 0; given < keep; k++, given++) {
      quota[byRemainder[k % numClasses]]++;
    }
    int[] taken = new int[numClasses];
    int[] kept = new int[keep];
    int[] rest = new int[n - keep];
    int a = 0;
    int b = 0;
    for (int i : order) {
      int y = labels[i];
      if (taken[y] < quota[y]) {
        taken[y]++;
        kept[a++] = i;
      } else {
        rest[b++] = i;
      }
    }
    Arrays.sort(kept);
    Arrays.sort(rest);
    return new int[][] {kept, rest};
  }

  /** The examples at {@code keep}, in that order. */
  private Examples subset(int[] keep) {
    int per = perExample();
    int m = keep.length;
    int[] l = new int[m];
    float[] px = images ? new float[m * per] : null;
    int[] id = images ? null : new int[m * per];
    for (int i = 0; i < m; i++) {
      l[i] = labels[keep[i]];
      if (images) {
        System.arraycopy(pixels, keep[i] * per, px, i * per, per);
      } else {
        System.arraycopy(ids, keep[i] * per, id, i * per, per);
      }
    }
    return new Examples(images, m, inputShape, px, id, l, numClasses);
  }

  int perExample() {
    int p = 1;
    for (int s : inputShape) {
      p *= s;
    }
    return p;
  }

  /**
   * The input tensor of the examples at {@code index[from..to)}: {@code TFloat32 [b, h, w]} or
   * {@code TInt32 [b, length]}, {@code b = to - from}. The caller closes it.
   *
   * @param index example indices
   * @param from first position in {@code index}
   * @param to one past the last position
   * @return the batch's input tensor
   */
  public Tensor inputTensor(int[] index, int from, int to) {
    int per = perExample();
    int b = to - from;
    long[] shape = new long[inputShape.length + 1];
    shape[0] = b;
    for (int i = 0; i < inputShape.length; i++) {
      shape[i + 1] = inputShape[i];
    }
    if (images) {
      float[] out = new float[b * per];
      for (int i = 0; i < b; i++) {
        System.arraycopy(pixels, index[from + i] * per, out, i * per, per);
      }
      return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(out, true, false));
    }
    int[] out = new int[b * per];
    for (int i = 0; i < b; i++) {
      System.arraycopy(ids, index[from + i] * per, out, i * per, per);
    }
    return TInt32.tensorOf(Shape.of(shape), DataBuffers.of(out, true, false));
  }

  /**
   * One-hot labels {@code [to - from, classes]} of the examples at {@code index[from..to)}.
   *
   * @param index example indices
   * @param from first position in {@code index}
   * @param to one past the last position
   * @return the batch's label tensor; the caller closes it
   */
  public TFloat32 labelTensor(int[] index, int from, int to) {
    int b = to - from;
    float[] out = new float[b * numClasses];
    for (int i = 0; i < b; i++) {
      out[i * numClasses + labels[index[from + i]]] = 1f;
    }
    return TFloat32.tensorOf(Shape.of(b, numClasses), DataBuffers.of(out, true, false));
  }

  /**
   * The identity order.
   *
   * @return {@code 0, 1, .., n-1}
   */
  public int[] identity() {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    return idx;
  }
}
