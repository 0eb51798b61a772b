package dev.attentiondrop.serving.tensor;

import dev.attentiondrop.serving.ServingException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * A tensor in JVM memory, the one form every wire format converts to and from: a dtype, a shape and
 * either the elements' bytes in TensorFlow's layout (row-major, little-endian; what {@code
 * TensorProto.tensor_content} holds) or, for {@code DT_STRING}, one byte string per element.
 *
 * <p>Batching concatenates and splits these along dimension 0 without touching native memory.
 */
public final class HostTensor {
  private final DataType dtype;
  private final long[] shape;
  private final byte[] data;
  private final byte[][] strings;

  private HostTensor(DataType dtype, long[] shape, byte[] data, byte[][] strings) {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
    this.strings = strings;
  }

  /**
   * A numeric or bool tensor from its elements' bytes.
   *
   * @param dtype one of {@link #SUPPORTED}, not {@code DT_STRING}
   * @param shape the dimensions, each {@code >= 0}
   * @param data {@code product(shape) * elementSize(dtype)} bytes, little-endian
   * @return the tensor (owns {@code data})
   */
  public static HostTensor ofBytes(DataType dtype, long[] shape, byte[] data) {
    long n = checkedSize(shape);
    int size = elementSize(dtype);
    if (dtype == DataType.DT_STRING || (long) data.length != n * size) {
      throw new IllegalArgumentException(
          dtype
              + " "
              + Arrays.toString(shape)
              + " needs "
              + n * size
              + " bytes, got "
              + data.length);
    }
    return new HostTensor(dtype, shape.clone(), data, null);
  }

  /**
   * A {@code DT_STRING} tensor.
   *
   * @param shape the dimensions
   * @param strings {@code product(shape)} byte strings, row-major
   * @return the tensor (owns {@code strings})
   */
  public static HostTensor ofStrings(long[] shape, byte[][] strings) {
    if (checkedSize(shape) != strings.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + checkedSize(shape) + " strings");
    }
    return new HostTensor(DataType.DT_STRING, shape.clone(), null, strings);
  }

  /** The dtypes this server converts: float16/32/64, int32/64, uint8, bool and string. */
  public static final List<DataType> SUPPORTED =
      List.of(
          DataType.DT_HALF,
          DataType.DT_FLOAT,
          DataType.DT_DOUBLE,
          DataType.DT_INT32,
          DataType.DT_INT64,
          DataType.DT_UINT8,
          DataType.DT_BOOL,
          DataType.DT_STRING);

  /**
   * The bytes per element of a fixed-size dtype.
   *
   * @param dtype the dtype
   * @return 2, 4 or 8 (1 for bool and uint8)
   * @throws ServingException INVALID_ARGUMENT for an unsupported dtype (or string)
   */
  public static int elementSize(DataType dtype) {
    return switch (dtype) {
      case DT_HALF -> 2;
      case DT_FLOAT, DT_INT32 -> 4;
      case DT_DOUBLE, DT_INT64 -> 8;
      case DT_BOOL, DT_UINT8 -> 1;
      default ->
          throw ServingException.invalidArgument(
              "dtype " + dtype + " is not supported (supported: " + SUPPORTED + ")");
    };
  }

  /**
   * {@link #elementSize} for a request's input, naming it when the dtype is unsupported.
   *
   * @param name the input's name
   * @param dtype its dtype
   * @return the bytes per element
   */
  static int inputElementSize(String name, DataType dtype) {
    try {
      return elementSize(dtype);
    } catch (ServingException e) {
      throw ServingException.invalidArgument("input \"" + name + "\": " + e.getMessage());
    }
  }

  static long checkedSize(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw ServingException.invalidArgument("negative dimension in " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    if (n > Integer.MAX_VALUE) {
      throw ServingException.invalidArgument("tensor too large: " + Arrays.toString(shape));
    }
    return n;
  }

  /**
   * The dtype.
   *
   * @return the dtype
   */
  public DataType dtype() {
    return dtype;
  }

  /**
   * The shape (a copy).
   *
   * @return the dimensions
   */
  public long[] shape() {
    return shape.clone();
  }

  /**
   * The rank.
   *
   * @return the number of dimensions
   */
  public int rank() {
    return shape.length;
  }

  /**
   * The size of dimension 0, the batch dimension.
   *
   * @return {@code shape[0]}
   * @throws ServingException INVALID_ARGUMENT for a scalar
   */
  public long batchSize() {
    if (shape.length == 0) {
      throw ServingException.invalidArgument("a scalar has no batch dimension");
    }
    return shape[0];
  }

  /**
   * The number of elements.
   *
   * @return {@code product(shape)}
   */
  public int size() {
    return (int) checkedSize(shape);
  }

  /**
   * The elements' bytes (not a copy; do not modify).
   *
   * @return the little-endian bytes; null for strings
   */
  public byte[] bytes() {
    return data;
  }

  /**
   * The string elements (not a copy; do not modify).
   *
   * @return one byte string per element; null for other dtypes
   */
  public byte[][] strings() {
    return strings;
  }

  /**
   * A little-endian view of the bytes, for reading elements.
   *
   * @return a read-only buffer
   */
  public ByteBuffer buffer() {
    return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Copies into a native TensorFlow tensor; the caller closes it.
   *
   * @return a new tensor
   */
  public Tensor toTensor() {
    Shape s = Shape.of(shape);
    if (dtype == DataType.DT_STRING) {
      return TString.tensorOfBytes(s, DataBuffers.ofObjects(strings));
    }
    return Tensor.of(typeClass(dtype), s, DataBuffers.of(data, true, false));
  }

  /**
   * Copies a native tensor into JVM memory.
   *
   * @param tensor the tensor (not closed here)
   * @return its copy
   * @throws ServingException INVALID_ARGUMENT for an unsupported dtype
   */
  public static HostTensor of(Tensor tensor) {
    long[] dims = tensor.shape().asArray();
    if (tensor.dataType() == DataType.DT_STRING) {
      byte[][] out = new byte[(int) checkedSize(dims)][];
      ((TString) tensor).asBytes().copyTo(DataBuffers.ofObjects(out));
      return new HostTensor(DataType.DT_STRING, dims, null, out);
    }
    elementSize(tensor.dataType());
    byte[] out = new byte[(int) tensor.numBytes()];
    tensor.asRawTensor().data().read(out);
    return new HostTensor(tensor.dataType(), dims, out, null);
  }

  static Class<? extends TType> typeClass(DataType dtype) {
    return switch (dtype) {
      case DT_HALF -> TFloat16.class;
      case DT_FLOAT -> TFloat32.class;
      case DT_DOUBLE -> TFloat64.class;
      case DT_INT32 -> TInt32.class;
      case DT_INT64 -> TInt64.class;
      case DT_UINT8 -> TUint8.class;
      case DT_BOOL -> TBool.class;
      case DT_STRING -> TString.class;
      default ->
          throw ServingException.invalidArgument(
              "dtype " + dtype + " is not supported (supported: " + SUPPORTED + ")");
    };
  }

  /**
   * Concatenates tensors along dimension 0; all must have the same dtype and the same other
   * dimensions.
   *
   * @param parts at least one tensor of rank {@code >= 1}
   * @return their concatenation
   * @throws ServingException INVALID_ARGUMENT when dtypes or trailing dimensions differ
   */
  public static HostTensor concat(List<HostTensor> parts) {
    HostTensor first = parts.get(0);
    if (parts.size() == 1) {
      return first;
    }
    long rows = 0;
    for (HostTensor p : parts) {
      if (p.dtype != first.dtype
          || p.rank() != first.rank()
          || p.rank() == 0
          || !Arrays.equals(p.shape, 1, p.rank(), first.shape, 1, first.rank())) {
        throw ServingException.invalidArgument(
            "cannot batch "
                + p.dtype
                + Arrays.toString(p.shape)
                + " with "
                + first.dtype
                + Arrays.toString(first.shape));
      }
      rows += p.shape[0];
    }
    long[] shape = first.shape.clone();
    shape[0] = rows;
    if (first.dtype == DataType.DT_STRING) {
      byte[][] out = new byte[(int) checkedSize(shape)][];
      int at = 0;
      for (HostTensor p : parts) {
        System.arraycopy(p.strings, 0, out, at, p.strings.length);
        at += p.strings.length;
      }
      return new HostTensor(first.dtype, shape, null, out);
    }
    byte[] out = new byte[Math.toIntExact(checkedSize(shape) * elementSize(first.dtype))];
    int at = 0;
    for (HostTensor p : parts) {
      System.arraycopy(p.data, 0, out, at, p.data.length);
      at += p.data.length;
    }
    return new HostTensor(first.dtype, shape, out, null);
  }

  /**
   * Rows {@code [from, to)} of dimension 0.
   *
   * @param from first row
   * @param to one past the last row
   * @return a copy of those rows
   */
  public HostTensor rows(long from, long to) {
    long[] s = shape.clone();
    s[0] = to - from;
    int per = (int) (shape[0] == 0 ? 0 : checkedSize(shape) / shape[0]);
    if (dtype == DataType.DT_STRING) {
      return new HostTensor(
          dtype, s, null, Arrays.copyOfRange(strings, (int) from * per, (int) to * per));
    }
    int bytesPerRow = per * elementSize(dtype);
    return new HostTensor(
        dtype, s, Arrays.copyOfRange(data, (int) from * bytesPerRow, (int) to * bytesPerRow), null);
  }
}
