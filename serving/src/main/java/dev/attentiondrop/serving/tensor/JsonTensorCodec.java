package dev.attentiondrop.serving.tensor;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.attentiondrop.serving.ServingException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.tensorflow.proto.DataType;

/**
 * Tensors in the REST API's JSON, as TF Serving writes them: nested arrays of numbers, booleans or
 * strings, a byte string as {@code {"b64": "..."}}; a value's shape is its nesting.
 *
 * <p>Strings come back as JSON text, or as {@code {"b64": ...}} when the output's name ends in
 * {@code _bytes} (TF Serving's rule) or the bytes are not UTF-8 (where TF Serving would write
 * invalid JSON).
 */
public final class JsonTensorCodec {
  private JsonTensorCodec() {}

  /**
   * Parses one tensor.
   *
   * @param name the input's name, for messages
   * @param value the JSON value (a scalar or nested arrays)
   * @param dtype the dtype the signature expects
   * @return the tensor
   * @throws ServingException INVALID_ARGUMENT naming the input and what is wrong
   */
  public static HostTensor decode(String name, JsonNode value, DataType dtype) {
    List<Long> dims = new ArrayList<>();
    JsonNode n = value;
    while (n.isArray()) {
      dims.add((long) n.size());
      if (n.isEmpty()) {
        break;
      }
      n = n.get(0);
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    int count = (int) HostTensor.checkedSize(shape);
    if (dtype == DataType.DT_STRING) {
      byte[][] out = new byte[count][];
      walk(name, value, shape, 0, new int[] {0}, (leaf, i) -> out[i] = string(name, leaf));
      return HostTensor.ofStrings(shape, out);
    }
    int size = HostTensor.inputElementSize(name, dtype);
    ByteBuffer out = ByteBuffer.allocate(count * size).order(ByteOrder.LITTLE_ENDIAN);
    walk(name, value, shape, 0, new int[] {0}, (leaf, i) -> put(name, leaf, dtype, out));
    return HostTensor.ofBytes(dtype, shape, out.array());
  }

  private interface Leaf {
    void accept(JsonNode leaf, int index);
  }

  private static void walk(
      String name, JsonNode node, long[] shape, int depth, int[] index, Leaf leaf) {
    if (depth == shape.length) {
      if (node.isArray()) {
        throw ragged(name, shape);
      }
      leaf.accept(node, index[0]++);
      return;
    }
    if (!node.isArray() || node.size() != shape[depth]) {
      throw ragged(name, shape);
    }
    for (JsonNode child : node) {
      walk(name, child, shape, depth + 1, index, leaf);
    }
  }

  private static ServingException ragged(String name, long[] shape) {
    return ServingException.invalidArgument(
        "input \""
            + name
            + "\" is not a rectangular array: its first elements give shape "
            + Arrays.toString(shape)
            + ", another element differs");
  }

  private static byte[] string(String name, JsonNode leaf) {
    if (leaf.isTextual()) {
      return leaf.asText().getBytes(StandardCharsets.UTF_8);
    }
    if (leaf.isObject() && leaf.size() == 1 && leaf.has("b64") && leaf.get("b64").isTextual()) {
      try {
        return Base64.getDecoder().decode(leaf.get("b64").asText());
      } catch (IllegalArgumentException e) {
        throw ServingException.invalidArgument(
            "input \"" + name + "\": invalid base64 in {\"b64\": ...}: " + e.getMessage());
      }
    }
    throw ServingException.invalidArgument(
        "input \""
            + name
            + "\" is DT_STRING: each element must be a string or {\"b64\": \"...\"}, got "
            + leaf.getNodeType());
  }

  private static void put(String name, JsonNode leaf, DataType dtype, ByteBuffer out) {
    if (dtype == DataType.DT_BOOL) {
      if (!leaf.isBoolean()) {
        throw wrongType(name, dtype, leaf);
      }
      out.put((byte) (leaf.booleanValue() ? 1 : 0));
      return;
    }
    if (!leaf.isNumber()) {
      throw wrongType(name, dtype, leaf);
    }
    switch (dtype) {
      case DT_HALF -> out.putShort(Float16.fromFloat(leaf.floatValue()));
      case DT_FLOAT -> out.putFloat(leaf.floatValue());
      case DT_DOUBLE -> out.putDouble(leaf.doubleValue());
      case DT_INT32 ->
          out.putInt((int) integral(name, leaf, dtype, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case DT_UINT8 -> out.put((byte) integral(name, leaf, dtype, 0, 255));
      case DT_INT64 -> out.putLong(integral(name, leaf, dtype, Long.MIN_VALUE, Long.MAX_VALUE));
      default -> throw new IllegalStateException(dtype.toString());
    }
  }

  private static long integral(String name, JsonNode leaf, DataType dtype, long min, long max) {
    if (!leaf.isIntegralNumber() || !leaf.canConvertToLong()) {
      throw wrongType(name, dtype, leaf);
    }
    long v = leaf.longValue();
    if (v < min || v > max) {
      throw ServingException.invalidArgument(
          "input \"" + name + "\": " + v + " is out of range for " + dtype);
    }
    return v;
  }

  private static ServingException wrongType(String name, DataType dtype, JsonNode leaf) {
    String shown = leaf.toString();
    return ServingException.invalidArgument(
        "input \""
            + name
            + "\" is "
            + dtype
            + ": got "
            + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown));
  }

  /**
   * Stacks instances' values of one input into a batch: {@code values[i]} becomes row {@code i}.
   *
   * @param name the input's name
   * @param values one JSON value per instance
   * @param dtype the dtype
   * @return the tensor, shape {@code [values.size(), ...]}
   */
  public static HostTensor decodeRows(String name, List<JsonNode> values, DataType dtype) {
    ArrayNode rows = new ArrayNode(JsonNodeFactory.instance, new ArrayList<>(values));
    return decode(name, rows, dtype);
  }

  /**
   * Writes a whole tensor as a JSON value.
   *
   * @param json the generator
   * @param name the output's name ({@code _bytes}: strings as base64)
   * @param t the tensor
   * @throws IOException when writing fails
   */
  public static void write(JsonGenerator json, String name, HostTensor t) throws IOException {
    writeRange(json, name, t, 0, t.shape(), 0, t.size());
  }

  /**
   * Writes row {@code row} of dimension 0 as a JSON value.
   *
   * @param json the generator
   * @param name the output's name
   * @param t the tensor, rank {@code >= 1}
   * @param row the row
   * @throws IOException when writing fails
   */
  public static void writeRow(JsonGenerator json, String name, HostTensor t, long row)
      throws IOException {
    long[] shape = t.shape();
    int per = shape[0] == 0 ? 0 : (int) (t.size() / shape[0]);
    writeRange(json, name, t, 1, shape, (int) row * per, per);
  }

  private static void writeRange(
      JsonGenerator json, String name, HostTensor t, int depth, long[] shape, int start, int count)
      throws IOException {
    if (depth == shape.length) {
      writeElement(json, name, t, start);
      return;
    }
    json.writeStartArray();
    int per = shape[depth] == 0 ? 0 : (int) (count / shape[depth]);
    for (int i = 0; i < shape[depth]; i++) {
      writeRange(json, name, t, depth + 1, shape, start + i * per, per);
    }
    json.writeEndArray();
  }

  private static void writeElement(JsonGenerator json, String name, HostTensor t, int i)
      throws IOException {
    DataType dtype = t.dtype();
    if (dtype == DataType.DT_STRING) {
      byte[] s = t.strings()[i];
      String text = name.endsWith("_bytes") ? null : utf8(s);
      if (text == null) {
        json.writeStartObject();
        json.writeStringField("b64", Base64.getEncoder().encodeToString(s));
        json.writeEndObject();
      } else {
        json.writeString(text);
      }
      return;
    }
    ByteBuffer b = t.buffer();
    int at = i * HostTensor.elementSize(dtype);
    switch (dtype) {
      case DT_HALF -> json.writeNumber(Float16.toFloat(b.getShort(at)));
      case DT_FLOAT -> json.writeNumber(b.getFloat(at));
      case DT_DOUBLE -> json.writeNumber(b.getDouble(at));
      case DT_INT32 -> json.writeNumber(b.getInt(at));
      case DT_UINT8 -> json.writeNumber(b.get(at) & 0xff);
      case DT_INT64 -> json.writeNumber(b.getLong(at));
      case DT_BOOL -> json.writeBoolean(b.get(at) != 0);
      default -> throw new IllegalStateException(dtype.toString());
    }
  }

  private static String utf8(byte[] s) {
    try {
      CharBuffer c =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(s));
      return c.toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
