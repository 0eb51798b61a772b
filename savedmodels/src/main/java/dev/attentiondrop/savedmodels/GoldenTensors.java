package dev.attentiondrop.savedmodels;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Golden tensors for the Python TensorFlow cross-check: one {@code NAME.pb} file per tensor, a
 * serialized {@link TensorProto} with {@code dtype}, {@code tensor_shape} and {@code
 * tensor_content} (little-endian, row-major), which Python reads with
 *
 * <pre>
 *   tf.make_ndarray(tensor_pb2.TensorProto.FromString(open(path, "rb").read()))
 * </pre>
 *
 * Supported dtypes: float32, float64, int32, int64, bool. Files are written through a temporary
 * file and a rename. {@link #read} also accepts protos that carry their values in the typed
 * repeated fields ({@code float_val}, ...) instead of {@code tensor_content}, as {@code
 * tf.make_tensor_proto} writes for small or constant tensors.
 */
public final class GoldenTensors {
  private GoldenTensors() {}

  /**
   * A golden tensor read back: dtype, shape and little-endian row-major content.
   *
   * @param dtype float32, float64, int32, int64 or bool
   * @param shape the fully known shape (copied)
   * @param content {@code prod(shape) * width} bytes, little-endian, row-major, {@code width} being
   *     4 (float32, int32), 8 (float64, int64) or 1 (bool)
   */
  public record Golden(DataType dtype, long[] shape, byte[] content) {
    /**
     * Copies the shape and checks that the content has the size of the shape and dtype.
     *
     * @param dtype float32, float64, int32, int64 or bool
     * @param shape the fully known shape
     * @param content {@code prod(shape) * width(dtype)} bytes
     * @throws IllegalArgumentException for another dtype, a negative size, or content of the wrong
     *     length
     */
    public Golden {
      shape = shape.clone();
      long n = elements(shape);
      if ((long) content.length != n * width(dtype)) {
        throw new IllegalArgumentException(
            dtype
                + " tensor of shape "
                + Arrays.toString(shape)
                + " needs "
                + n * width(dtype)
                + " bytes, got "
                + content.length);
      }
    }

    /**
     * The shape.
     *
     * @return a copy of the shape
     */
    @Override
    public long[] shape() {
      return shape.clone();
    }

    /**
     * The raw content.
     *
     * @return a copy of the little-endian row-major bytes
     */
    @Override
    public byte[] content() {
      return content.clone();
    }

    /**
     * The number of elements.
     *
     * @return {@code prod(shape)}
     */
    public long size() {
      return elements(shape);
    }

    private ByteBuffer buffer(DataType expected) {
      if (dtype != expected) {
        throw new IllegalStateException("golden tensor is " + dtype + ", not " + expected);
      }
      return ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The values of a float32 tensor.
     *
     * @return the values, row-major
     * @throws IllegalStateException if the dtype is not float32
     */
    public float[] floats() {
      float[] out = new float[(int) size()];
      buffer(DataType.DT_FLOAT).asFloatBuffer().get(out);
      return out;
    }

    /**
     * The values of a float64 tensor.
     *
     * @return the values, row-major
     * @throws IllegalStateException if the dtype is not float64
     */
    public double[] doubles() {
      double[] out = new double[(int) size()];
      buffer(DataType.DT_DOUBLE).asDoubleBuffer().get(out);
      return out;
    }

    /**
     * The values of an int32 tensor.
     *
     * @return the values, row-major
     * @throws IllegalStateException if the dtype is not int32
     */
    public int[] ints() {
      int[] out = new int[(int) size()];
      buffer(DataType.DT_INT32).asIntBuffer().get(out);
      return out;
    }

    /**
     * The values of an int64 tensor.
     *
     * @return the values, row-major
     * @throws IllegalStateException if the dtype is not int64
     */
    public long[] longs() {
      long[] out = new long[(int) size()];
      buffer(DataType.DT_INT64).asLongBuffer().get(out);
      return out;
    }

    /**
     * The values of a bool tensor (a nonzero byte is true).
     *
     * @return the values, row-major
     * @throws IllegalStateException if the dtype is not bool
     */
    public boolean[] booleans() {
      ByteBuffer b = buffer(DataType.DT_BOOL);
      boolean[] out = new boolean[(int) size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = b.get(i) != 0;
      }
      return out;
    }

    /**
     * A new tensor holding the golden values; the caller closes it.
     *
     * @return a {@code TFloat32}, {@code TFloat64}, {@code TInt32}, {@code TInt64} or {@code TBool}
     *     of the golden's shape
     */
    public Tensor toTensor() {
      Shape s = Shape.of(shape);
      return switch (dtype) {
        case DT_FLOAT -> TFloat32.tensorOf(s, DataBuffers.of(floats(), true, false));
        case DT_DOUBLE -> TFloat64.tensorOf(s, DataBuffers.of(doubles(), true, false));
        case DT_INT32 -> TInt32.tensorOf(s, DataBuffers.of(ints(), true, false));
        case DT_INT64 -> TInt64.tensorOf(s, DataBuffers.of(longs(), true, false));
        case DT_BOOL -> TBool.tensorOf(s, DataBuffers.of(booleans(), true, false));
        default -> throw new IllegalStateException("unsupported dtype " + dtype);
      };
    }

    /**
     * A short description without the values.
     *
     * @return {@code Golden[<dtype> <shape>]}
     */
    @Override
    public String toString() {
      return "Golden[" + dtype + " " + Arrays.toString(shape) + "]";
    }
  }

  /**
   * Writes {@code t} to {@code dir/NAME.pb} and returns the file.
   *
   * @param dir the folder to write to (created if needed)
   * @param name the tensor's name, matching {@code [A-Za-z0-9_.-]+} and not starting with {@code .}
   * @param t a float32, float64, int32, int64 or bool tensor
   * @return the written file
   * @throws IOException if writing fails
   * @throws IllegalArgumentException for an invalid name or an unsupported dtype
   */
  public static Path write(Path dir, String name, Tensor t) throws IOException {
    return write(dir, name, toProto(t));
  }

  /**
   * Writes float values as a float32 golden tensor {@code dir/NAME.pb}.
   *
   * @param dir the folder to write to (created if needed)
   * @param name the tensor's name, matching {@code [A-Za-z0-9_.-]+} and not starting with {@code .}
   * @param data the values, row-major
   * @param shape the tensor's shape; {@code prod(shape)} must equal {@code data.length}
   * @return the written file
   * @throws IOException if writing fails
   * @throws IllegalArgumentException for an invalid name, or a shape that does not match the data
   */
  public static Path write(Path dir, String name, float[] data, long... shape) throws IOException {
    ByteBuffer b = little(data.length, 4, shape);
    b.asFloatBuffer().put(data);
    return write(dir, name, proto(DataType.DT_FLOAT, shape, b.array()));
  }

  /**
   * Writes double values as a float64 golden tensor {@code dir/NAME.pb}.
   *
   * @param dir the folder to write to (created if needed)
   * @param name the tensor's name, matching {@code [A-Za-z0-9_.-]+} and not starting with {@code .}
   * @param data the values, row-major
   * @param shape the tensor's shape; {@code prod(shape)} must equal {@code data.length}
   * @return the written file
   * @throws IOException if writing fails
   * @throws IllegalArgumentException for an invalid name, or a shape that does not match the data
   */
  public static Path write(Path dir, String name, double[] data, long... shape) throws IOException {
    ByteBuffer b = little(data.length, 8, shape);
    b.asDoubleBuffer().put(data);
    return write(dir, name, proto(DataType.DT_DOUBLE, shape, b.array()));
  }

  /**
   * Writes int values as a int32 golden tensor {@code dir/NAME.pb}.
   *
   * @param dir the folder to write to (created if needed)
   * @param name the tensor's name, matching {@code [A-Za-z0-9_.-]+} and not starting with {@code .}
   * @param data the values, row-major
   * @param shape the tensor's shape; {@code prod(shape)} must equal {@code data.length}
   * @return the written file
   * @throws IOException if writing fails
   * @throws IllegalArgumentException for an invalid name, or a shape that does not match the data
   */
  public static Path write(Path dir, String name, int[] data, long... shape) throws IOException {
    ByteBuffer b = little(data.length, 4, shape);
    b.asIntBuffer().put(data);
    return write(dir, name, proto(DataType.DT_INT32, shape, b.array()));
  }

  /**
   * Writes long values as a int64 golden tensor {@code dir/NAME.pb}.
   *
   * @param dir the folder to write to (created if needed)
   * @param name the tensor's name, matching {@code [A-Za-z0-9_.-]+} and not starting with {@code .}
   * @param data the values, row-major
   * @param shape the tensor's shape; {@code prod(shape)} must equal {@code data.length}
   * @return the written file
   * @throws IOException if writing fails
   * @throws IllegalArgumentException for an invalid name, or a shape that does not match the data
   */
  public static Path write(Path dir, String name, long[] data, long... shape) throws IOException {
    ByteBuffer b = little(data.length, 8, shape);
    b.asLongBuffer().put(data);
    return write(dir, name, proto(DataType.DT_INT64, shape, b.array()));
  }

  /**
   * Reads {@code NAME.pb} written by {@link #write} or by Python's {@code SerializeToString()}.
   *
   * @param file a serialized {@link TensorProto}
   * @return the golden tensor it holds (see {@link #fromProto})
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if it is not a {@link TensorProto} or holds an unsupported
   *     tensor
   */
  public static Golden read(Path file) throws IOException {
    TensorProto p;
    try {
      p = TensorProto.parseFrom(Files.readAllBytes(file));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(file + " is not a TensorProto: " + e.getMessage(), e);
    }
    return fromProto(p);
  }

  /**
   * The proto of a float32, float64, int32, int64 or bool tensor.
   *
   * @param t the tensor
   * @return a proto with {@code dtype}, {@code tensor_shape} and little-endian row-major {@code
   *     tensor_content} (a bool as one byte, 0 or 1)
   * @throws IllegalArgumentException for another dtype
   */
  public static TensorProto toProto(Tensor t) {
    DataType dtype = t.dataType();
    long[] shape = t.shape().asArray();
    int n = Math.toIntExact(t.shape().size());
    ByteBuffer b =
        ByteBuffer.allocate(Math.toIntExact(n * (long) width(dtype)))
            .order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case DT_FLOAT -> {
        float[] v = new float[n];
        ((TFloat32) t).copyTo(DataBuffers.of(v, false, false));
        b.asFloatBuffer().put(v);
      }
      case DT_DOUBLE -> {
        double[] v = new double[n];
        ((TFloat64) t).copyTo(DataBuffers.of(v, false, false));
        b.asDoubleBuffer().put(v);
      }
      case DT_INT32 -> {
        int[] v = new int[n];
        ((TInt32) t).copyTo(DataBuffers.of(v, false, false));
        b.asIntBuffer().put(v);
      }
      case DT_INT64 -> {
        long[] v = new long[n];
        ((TInt64) t).copyTo(DataBuffers.of(v, false, false));
        b.asLongBuffer().put(v);
      }
      case DT_BOOL -> {
        boolean[] v = new boolean[n];
        ((TBool) t).copyTo(DataBuffers.of(v, false, false));
        for (int i = 0; i < n; i++) {
          b.put(i, (byte) (v[i] ? 1 : 0));
        }
      }
      default ->
          throw new IllegalArgumentException(
              "golden tensors support float32, float64, int32, int64 and bool, got " + dtype);
    }
    return proto(dtype, shape, b.array());
  }

  /**
   * The golden tensor a proto holds, from {@code tensor_content} or the typed value fields. With
   * the typed fields, {@code count <= prod(shape)} values are given and, as in TensorFlow, the last
   * one repeats to fill the shape.
   *
   * @param p a proto of a float32, float64, int32, int64 or bool tensor of known shape
   * @return the golden tensor
   * @throws IllegalArgumentException for another dtype, an unknown rank or size, or a value count
   *     that cannot fill the shape
   */
  public static Golden fromProto(TensorProto p) {
    DataType dtype = p.getDtype();
    width(dtype);
    if (p.getTensorShape().getUnknownRank()) {
      throw new IllegalArgumentException("golden tensor has an unknown rank");
    }
    long[] shape =
        p.getTensorShape().getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
    long n = elements(shape);
    if (!p.getTensorContent().isEmpty()) {
      return new Golden(dtype, shape, p.getTensorContent().toByteArray());
    }
    ByteBuffer b =
        ByteBuffer.allocate(Math.toIntExact(n * width(dtype))).order(ByteOrder.LITTLE_ENDIAN);
    int count =
        switch (dtype) {
          case DT_FLOAT -> p.getFloatValCount();
          case DT_DOUBLE -> p.getDoubleValCount();
          case DT_INT32 -> p.getIntValCount();
          case DT_INT64 -> p.getInt64ValCount();
          case DT_BOOL -> p.getBoolValCount();
          default -> 0;
        };
    if (n > 0 && count == 0 || count > n) {
      throw new IllegalArgumentException(
          "golden "
              + dtype
              + " tensor of shape "
              + Arrays.toString(shape)
              + " holds "
              + count
              + " values and no tensor_content");
    }
    for (int i = 0; i < n; i++) {
      int j = Math.min(i, count - 1); // TensorFlow repeats the last value to fill the shape
      switch (dtype) {
        case DT_FLOAT -> b.putFloat(p.getFloatVal(j));
        case DT_DOUBLE -> b.putDouble(p.getDoubleVal(j));
        case DT_INT32 -> b.putInt(p.getIntVal(j));
        case DT_INT64 -> b.putLong(p.getInt64Val(j));
        default -> b.put((byte) (p.getBoolVal(j) ? 1 : 0));
      }
    }
    return new Golden(dtype, shape, b.array());
  }

  private static Path write(Path dir, String name, TensorProto proto) throws IOException {
    if (name == null || !name.matches("[A-Za-z0-9_.-]+") || name.startsWith(".")) {
      throw new IllegalArgumentException(
          "golden tensor name must match [A-Za-z0-9_.-]+ and not start with '.', got '"
              + name
              + "'");
    }
    Files.createDirectories(dir);
    Path file = dir.resolve(name + ".pb");
    Path tmp = dir.resolve("." + name + ".pb.tmp");
    Files.write(tmp, proto.toByteArray());
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  private static TensorProto proto(DataType dtype, long[] shape, byte[] content) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : shape) {
      s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return TensorProto.newBuilder()
        .setDtype(dtype)
        .setTensorShape(s)
        .setTensorContent(ByteString.copyFrom(content))
        .build();
  }

  private static ByteBuffer little(int count, int width, long[] shape) {
    long n = elements(shape);
    if (n != count) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + n + " values, got " + count);
    }
    return ByteBuffer.allocate(Math.multiplyExact(count, width)).order(ByteOrder.LITTLE_ENDIAN);
  }

  static long elements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "golden tensor shapes must be fully known, got " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  static int width(DataType dtype) {
    return switch (dtype) {
      case DT_FLOAT, DT_INT32 -> 4;
      case DT_DOUBLE, DT_INT64 -> 8;
      case DT_BOOL -> 1;
      default ->
          throw new IllegalArgumentException(
              "golden tensors support float32, float64, int32, int64 and bool, got " + dtype);
    };
  }
}
