package dev.attentiondrop.ops;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Index;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TNumber;
import org.tensorflow.types.family.TType;

/** Small graph-building helpers shared by the regularizers. */
public final class Tensors {
  private Tensors() {}

  /**
   * A scalar constant of the given numeric type.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param value the value
   * @param type the element type
   * @return a scalar constant of the given numeric type
   */
  public static <T extends TNumber> Operand<T> scalar(Ops tf, double value, Class<T> type) {
    return tf.dtypes.cast(tf.constant(value), type);
  }

  /**
   * A scalar constant of the same type as {@code like}.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param value the value
   * @param like a tensor whose shape (and type) the result takes
   * @return a scalar constant of the same type as {@code like}
   */
  public static <T extends TNumber> Operand<T> scalarLike(Ops tf, double value, Operand<T> like) {
    return scalar(tf, value, like.type());
  }

  /**
   * {@code 1.0} where {@code mask} is true, {@code 0.0} elsewhere, in {@code type}.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param mask a boolean tensor
   * @param type the element type
   * @return {@code 1.0} where {@code mask} is true, {@code 0.0} elsewhere, in {@code type}
   */
  public static <T extends TNumber> Operand<T> asFloat(Ops tf, Operand<TBool> mask, Class<T> type) {
    return tf.dtypes.cast(mask, type);
  }

  /**
   * The constant vector {@code [axis]} used as a reduction axis.
   *
   * @param tf the ops of the graph being built
   * @param axis the axis
   * @return the constant vector {@code [axis]} used as a reduction axis
   */
  public static Operand<TInt32> axis(Ops tf, int axis) {
    return tf.constant(new int[] {axis});
  }

  /**
   * The shape of {@code x} as an {@code int32} vector: a constant when the graph knows every
   * dimension, else {@code tf.shape(x)}. A noise draw shaped by the constant does not wait for the
   * op that computes {@code x} (Grappler folds {@code tf.shape} of a static shape too, but keeps
   * the control dependency), so it can run beside it.
   *
   * @param tf the ops of the graph being built
   * @param x the tensor
   * @return its shape
   */
  public static Operand<TInt32> shape(Ops tf, Operand<? extends TType> x) {
    org.tensorflow.ndarray.Shape s = x.shape();
    if (s.isUnknown() || s.hasUnknownDimension()) {
      return tf.shape(x);
    }
    long[] dims = s.asArray();
    int[] out = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      out[i] = Math.toIntExact(dims[i]);
    }
    return tf.constant(out);
  }

  /**
   * The dynamic size of dimension {@code axis} of {@code x} as a scalar: {@code tf.shape(x)[axis]}.
   * Works for every static shape, the unknown rank included.
   *
   * @param tf the ops of the graph being built
   * @param x the tensor
   * @param axis the dimension, negative counting from the end ({@code -1} is the last)
   * @return an {@code int32} scalar
   */
  public static Operand<TInt32> dim(Ops tf, Operand<? extends TType> x, int axis) {
    Operand<TInt32> shape = tf.shape(x);
    int rank = x.shape().numDimensions();
    Operand<TInt32> index;
    if (rank >= 0) {
      index = tf.constant(new int[] {axis < 0 ? rank + axis : axis});
    } else if (axis < 0) {
      index =
          tf.reshape(tf.math.add(tf.size(shape), tf.constant(axis)), tf.constant(new int[] {1}));
    } else {
      index = tf.constant(new int[] {axis});
    }
    return tf.reshape(tf.slice(shape, index, tf.constant(new int[] {1})), tf.constant(new int[0]));
  }

  /**
   * The static size of dimension {@code axis} of {@code x}, or {@code -1} where the rank or that
   * dimension is unknown when the graph is built.
   *
   * @param x the tensor
   * @param axis the dimension, negative counting from the end
   * @return the size, or {@code -1} when unknown
   */
  public static long staticDim(Operand<?> x, int axis) {
    Shape shape = x.shape();
    if (shape.isUnknown()) {
      return -1;
    }
    int a = axis < 0 ? shape.numDimensions() + axis : axis;
    return a < 0 || a >= shape.numDimensions() ? -1 : shape.size(a);
  }

  /**
   * {@code y[..., j] = x[..., j + offset]} along the last axis of a rank-4 tensor, with zeros where
   * {@code j + offset} falls outside. A pad and a static strided slice: cheap, XLA-friendly.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param x the tensor
   * @param offset the shift {@code offset}, positive reads further right
   * @param zero the fill value where the shift falls outside
   * @return {@code y[..., j] = x[..., j + offset]} along the last axis of a rank-4 tensor, with
   *     zeros where {@code j + offset} falls outside
   */
  public static <T extends TType> Operand<T> shiftLastAxis(
      Ops tf, Operand<T> x, int offset, Operand<T> zero) {
    if (offset == 0) {
      return x;
    }
    int r = Math.abs(offset);
    Operand<TInt32> paddings = tf.constant(new int[][] {{0, 0}, {0, 0}, {0, 0}, {r, r}});
    Operand<T> padded = tf.pad(x, paddings, zero);
    // padded[..., r + offset : len - (r - offset)] has the original length.
    long start = r + offset;
    long endFromBack = r - offset;
    Index last = endFromBack == 0 ? Indices.sliceFrom(start) : Indices.slice(start, -endFromBack);
    return tf.stridedSlice(padded, Indices.all(), Indices.all(), Indices.all(), last);
  }

  /**
   * True for the 16-bit float types, whose range needs smaller fill values.
   *
   * @param type the element type
   * @return true for the 16-bit float types, whose range needs smaller fill values
   */
  public static boolean isHalf(Class<?> type) {
    return type == TFloat16.class;
  }
}
