package dev.attentiondrop.zoo.train;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.data.ImageDataset;
import dev.attentiondrop.zoo.data.TextDataset;
import dev.attentiondrop.zoo.models.Tokenizer;
import java.util.Arrays;
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
   * {@code limit} examples drawn without replacement by a seeded permutation ({@link #LIMIT_SEED}),
   * kept in file order (all of them when {@code limit} is 0 or at least n). Not the first {@code
   * limit}: some files are sorted by class (SpamAssassin lists its ham first), and a prefix would
   * hold one class only.
   *
   * @param limit the number of examples kept, 0 = all
   * @return the subset (this when nothing is dropped)
   */
  public Examples limit(int limit) {
    if (limit <= 0 || limit >= n) {
      return this;
    }
    int[] keep = Arrays.copyOf(Permutation.of(n, LIMIT_SEED), limit);
    Arrays.sort(keep);
    int per = perExample();
    int[] l = new int[limit];
    float[] px = images ? new float[limit * per] : null;
    int[] id = images ? null : new int[limit * per];
    for (int i = 0; i < limit; i++) {
      l[i] = labels[keep[i]];
      if (images) {
        System.arraycopy(pixels, keep[i] * per, px, i * per, per);
      } else {
        System.arraycopy(ids, keep[i] * per, id, i * per, per);
      }
    }
    return new Examples(images, limit, inputShape, px, id, l, numClasses);
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
