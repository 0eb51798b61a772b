package dev.attentiondrop.serving.tensor;

import com.google.protobuf.ByteString;
import dev.attentiondrop.serving.ServingException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * {@link HostTensor} to and from TensorFlow's {@code TensorProto}, the gRPC API's tensors: reads
 * {@code tensor_content} and the typed {@code *_val} fields (a single value fills the whole tensor,
 * as in TensorFlow), writes {@code tensor_content} (strings: {@code string_val}).
 */
public final class TensorProtoCodec {
  private TensorProtoCodec() {}

  /**
   * Decodes a request tensor.
   *
   * @param name the input's name, for messages
   * @param proto the tensor
   * @return its host copy
   * @throws ServingException INVALID_ARGUMENT when dtype, shape and values disagree
   */
  public static HostTensor decode(String name, TensorProto proto) {
    DataType dtype = proto.getDtype();
    TensorShapeProto sp = proto.getTensorShape();
    if (sp.getUnknownRank()) {
      throw ServingException.invalidArgument("input \"" + name + "\" has an unknown rank");
    }
    long[] shape = new long[sp.getDimCount()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = sp.getDim(i).getSize();
    }
    int n = (int) HostTensor.checkedSize(shape);
    if (dtype == DataType.DT_STRING) {
      List<ByteString> vals = proto.getStringValList();
      if (vals.size() != n && !(vals.size() == 1 && n > 0)) {
        throw mismatch(name, dtype, shape, vals.size());
      }
      byte[][] out = new byte[n][];
      for (int i = 0; i < n; i++) {
        out[i] = vals.get(vals.size() == 1 ? 0 : i).toByteArray();
      }
      return HostTensor.ofStrings(shape, out);
    }
    int size = HostTensor.inputElementSize(name, dtype);
    if (!proto.getTensorContent().isEmpty()) {
      byte[] content = proto.getTensorContent().toByteArray();
      if (content.length != (long) n * size) {
        throw ServingException.invalidArgument(
            "input \""
                + name
                + "\": tensor_content has "
                + content.length
                + " bytes, "
                + dtype
                + " "
                + Arrays.toString(shape)
                + " needs "
                + (long) n * size);
      }
      return HostTensor.ofBytes(dtype, shape, content);
    }
    ByteBuffer out = ByteBuffer.allocate(n * size).order(ByteOrder.LITTLE_ENDIAN);
    int count = typedCount(proto, dtype);
    if (count != n && !(count == 1 && n > 0) && !(count == 0 && n == 0)) {
      throw mismatch(name, dtype, shape, count);
    }
    for (int i = 0; i < n; i++) {
      int j = count == 1 ? 0 : i;
      switch (dtype) {
        case DT_HALF -> out.putShort((short) proto.getHalfVal(j));
        case DT_FLOAT -> out.putFloat(proto.getFloatVal(j));
        case DT_DOUBLE -> out.putDouble(proto.getDoubleVal(j));
        case DT_INT32 -> out.putInt(proto.getIntVal(j));
        case DT_UINT8 -> out.put((byte) proto.getIntVal(j));
        case DT_INT64 -> out.putLong(proto.getInt64Val(j));
        case DT_BOOL -> out.put((byte) (proto.getBoolVal(j) ? 1 : 0));
        default -> throw new IllegalStateException(dtype.toString());
      }
    }
    return HostTensor.ofBytes(dtype, shape, out.array());
  }

  private static int typedCount(TensorProto p, DataType dtype) {
    return switch (dtype) {
      case DT_HALF -> p.getHalfValCount();
      case DT_FLOAT -> p.getFloatValCount();
      case DT_DOUBLE -> p.getDoubleValCount();
      case DT_INT32, DT_UINT8 -> p.getIntValCount();
      case DT_INT64 -> p.getInt64ValCount();
      case DT_BOOL -> p.getBoolValCount();
      default -> 0;
    };
  }

  private static ServingException mismatch(String name, DataType dtype, long[] shape, int values) {
    return ServingException.invalidArgument(
        "input \""
            + name
            + "\": "
            + values
            + " values do not fill "
            + dtype
            + " "
            + Arrays.toString(shape));
  }

  /**
   * Encodes a response tensor as TF Serving does by default ({@code AsProtoField}): values in the
   * typed {@code *_val} fields.
   *
   * @param tensor the tensor
   * @return its proto
   */
  public static TensorProto encode(HostTensor tensor) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : tensor.shape()) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    DataType dtype = tensor.dtype();
    TensorProto.Builder b = TensorProto.newBuilder().setDtype(dtype).setTensorShape(shape);
    int n = tensor.size();
    if (dtype == DataType.DT_STRING) {
      for (byte[] s : tensor.strings()) {
        b.addStringVal(ByteString.copyFrom(s));
      }
      return b.build();
    }
    ByteBuffer in = tensor.buffer();
    for (int i = 0; i < n; i++) {
      switch (dtype) {
        case DT_HALF -> b.addHalfVal(in.getShort() & 0xffff);
        case DT_FLOAT -> b.addFloatVal(in.getFloat());
        case DT_DOUBLE -> b.addDoubleVal(in.getDouble());
        case DT_INT32 -> b.addIntVal(in.getInt());
        case DT_UINT8 -> b.addIntVal(in.get() & 0xff);
        case DT_INT64 -> b.addInt64Val(in.getLong());
        case DT_BOOL -> b.addBoolVal(in.get() != 0);
        default -> throw new IllegalStateException(dtype.toString());
      }
    }
    return b.build();
  }
}
