package dev.attentiondrop.savedmodels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

class GoldenTensorsTest {
  @TempDir Path dir;

  @Test
  void arraysRoundTripWithDtypeShapeAndLittleEndianContent() throws Exception {
    float[] f = {1.5f, -0f, Float.NaN, Float.MIN_VALUE, 3e38f, -2f};
    Path file = GoldenTensors.write(dir, "f", f, 2, 3);
    assertEquals(dir.resolve("f.pb"), file);
    TensorProto p = TensorProto.parseFrom(Files.readAllBytes(file));
    assertEquals(DataType.DT_FLOAT, p.getDtype());
    assertEquals(2, p.getTensorShape().getDim(0).getSize());
    assertEquals(3, p.getTensorShape().getDim(1).getSize());
    assertEquals(
        1.5f,
        ByteBuffer.wrap(p.getTensorContent().toByteArray())
            .order(ByteOrder.LITTLE_ENDIAN)
            .getFloat(0));
    GoldenTensors.Golden g = GoldenTensors.read(file);
    assertArrayEquals(new long[] {2, 3}, g.shape());
    float[] back = g.floats();
    for (int i = 0; i < f.length; i++) {
      assertEquals(Float.floatToRawIntBits(f[i]), Float.floatToRawIntBits(back[i]));
    }
    assertArrayEquals(
        new int[] {1, -2, Integer.MAX_VALUE},
        GoldenTensors.read(GoldenTensors.write(dir, "i", new int[] {1, -2, Integer.MAX_VALUE}, 3))
            .ints());
    assertArrayEquals(
        new long[] {Long.MIN_VALUE, 7},
        GoldenTensors.read(GoldenTensors.write(dir, "l", new long[] {Long.MIN_VALUE, 7}, 1, 2))
            .longs());
    assertArrayEquals(
        new double[] {0.1, -1e300},
        GoldenTensors.read(GoldenTensors.write(dir, "d", new double[] {0.1, -1e300}, 2)).doubles());
    assertArrayEquals(
        new long[] {},
        GoldenTensors.read(GoldenTensors.write(dir, "scalar", new long[] {9}, new long[0]))
            .shape());
  }

  @Test
  void tensorsRoundTrip() throws Exception {
    try (TFloat32 t =
            TFloat32.tensorOf(
                Shape.of(2, 2), DataBuffers.of(new float[] {1, 2, 3, 4}, true, false));
        TInt64 l = TInt64.vectorOf(5, 6);
        TBool b = TBool.vectorOf(true, false, true)) {
      GoldenTensors.write(dir, "t", t);
      GoldenTensors.write(dir, "l", l);
      GoldenTensors.write(dir, "b", b);
    }
    assertArrayEquals(new float[] {1, 2, 3, 4}, GoldenTensors.read(dir.resolve("t.pb")).floats());
    assertArrayEquals(new long[] {5, 6}, GoldenTensors.read(dir.resolve("l.pb")).longs());
    assertArrayEquals(
        new boolean[] {true, false, true}, GoldenTensors.read(dir.resolve("b.pb")).booleans());
    try (Tensor back = GoldenTensors.read(dir.resolve("t.pb")).toTensor()) {
      assertEquals(Shape.of(2, 2), back.shape());
      assertEquals(4f, ((TFloat32) back).getFloat(1, 1));
    }
  }

  @Test
  void typedValueFieldsAsPythonWritesSmallTensorsAreRead() {
    TensorShapeProto shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(2))
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(2))
            .build();
    TensorProto p =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(shape)
            .addFloatVal(1)
            .addFloatVal(2)
            .build();
    assertArrayEquals(
        new float[] {1, 2, 2, 2}, GoldenTensors.fromProto(p).floats()); // the last value repeats
    TensorProto i =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_INT64)
            .setTensorShape(shape)
            .addInt64Val(3)
            .build();
    assertArrayEquals(new long[] {3, 3, 3, 3}, GoldenTensors.fromProto(i).longs());
  }

  @Test
  void errorsAreClear() throws Exception {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> GoldenTensors.write(dir, "x", new float[5], 2, 3));
    assertEquals("shape [2, 3] holds 6 values, got 5", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> GoldenTensors.write(dir, "../x", new float[1], 1));
    assertEquals(
        "golden tensor name must match [A-Za-z0-9_.-]+ and not start with '.', got '../x'",
        e.getMessage());
    Files.write(dir.resolve("bad.pb"), new byte[] {(byte) 0xff, 1, 2});
    e =
        assertThrows(
            IllegalArgumentException.class, () -> GoldenTensors.read(dir.resolve("bad.pb")));
    assertEquals(
        true,
        e.getMessage().startsWith(dir.resolve("bad.pb") + " is not a TensorProto"),
        e.getMessage());
    GoldenTensors.write(dir, "f", new float[] {1}, 1);
    var s =
        assertThrows(
            IllegalStateException.class, () -> GoldenTensors.read(dir.resolve("f.pb")).ints());
    assertEquals("golden tensor is DT_FLOAT, not DT_INT32", s.getMessage());
  }
}
