package dev.attentiondrop.zoo.train;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.data.ImageDataset;
import dev.attentiondrop.zoo.data.TextDataset;
import dev.attentiondrop.zoo.models.Tokenizer;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Model-ready examples: images {@code [n, h, w]} in [0, 1] or token ids {@code [n, length]}, and
 * labels. Makes the input and one-hot label tensors of a batch.
 */
public record Examples(
    boolean images,
    int n,
    int[] inputShape,
    float[] pixels,
    int[] ids,
    int[] labels,
    int numClasses) {

  public Examples {
    Checks.inRange("number of examples", n, 1, Integer.MAX_VALUE);
    if (labels.length != n) {
      throw new IllegalArgumentException(n + " examples but " + labels.length + " labels");
    }
  }

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

  /** Token ids of each text, padded/truncated to {@code maxLength}. */
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
   */
  public Examples limit(int limit) {
    if (limit <= 0 || limit >= n) {
      return this;
    }
    int[] keep = java.util.Arrays.copyOf(Permutation.of(n, LIMIT_SEED), limit);
    java.util.Arrays.sort(keep);
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

  /** The input tensor of the examples at {@code index[from..to)}. Caller closes it. */
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

  /** One-hot labels {@code [to - from, classes]} of the examples at {@code index[from..to)}. */
  public TFloat32 labelTensor(int[] index, int from, int to) {
    int b = to - from;
    float[] out = new float[b * numClasses];
    for (int i = 0; i < b; i++) {
      out[i * numClasses + labels[index[from + i]]] = 1f;
    }
    return TFloat32.tensorOf(Shape.of(b, numClasses), DataBuffers.of(out, true, false));
  }

  /** {@code 0, 1, .., n-1}. */
  public int[] identity() {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    return idx;
  }
}
