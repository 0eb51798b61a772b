package dev.attentiondrop.serving;

import dev.attentiondrop.serving.model.ServedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/** Small SavedModels built with TF Java's raw ops, for the server's tests. */
final class TestModels {
  private TestModels() {}

  /**
   * {@code serving_default}: {@code y = scale * x + 2} for x float32 {@code [-1, 2]}; {@code sum}:
   * {@code total = reduce_sum(x, 1)}, also {@code [-1]} output {@code scaled}.
   */
  static void halfPlusTwo(Path dir, float scale) throws IOException {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
      Operand<TFloat32> y =
          tf.withName("y").math.add(tf.math.mul(x, tf.constant(scale)), tf.constant(2f));
      Operand<TFloat32> total = tf.withName("total").sum(x, tf.constant(1));
      Signature main =
          Signature.builder()
              .key("serving_default")
              .methodName("tensorflow/serving/predict")
              .input("x", x)
              .output("y", y)
              .build();
      Signature sum =
          Signature.builder()
              .key("sum")
              .methodName("tensorflow/serving/predict")
              .input("x", x)
              .output("total", total)
              .output("scaled", tf.withName("scaled").identity(y))
              .build();
      SavedModelBundle.exporter(dir.toString())
          .withFunction(SessionFunction.create(main, s))
          .withFunction(SessionFunction.create(sum, s))
          .export();
    }
  }

  /**
   * Options of a test server: loopback, REST on any free port, no gRPC, no polling.
   *
   * @param model the model to serve
   */
  static ServerOptions.Builder restOnly(ServedModel model) {
    return ServerOptions.builder()
        .model(model)
        .grpcPort(-1)
        .restPort(0)
        .bindAddress("127.0.0.1")
        .pollWait(Duration.ZERO);
  }

  /** Starts a server that logs nowhere. */
  static ModelServer start(ServerOptions.Builder options) throws IOException {
    return ModelServer.start(options.build(), line -> {});
  }

  /** {@code serving_default}: the identity of one input per supported dtype, rank 1 each. */
  static void allTypes(Path dir) throws IOException {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Signature.Builder sig =
          Signature.builder().key("serving_default").methodName("tensorflow/serving/predict");
      identity(tf, sig, "f16", TFloat16.class);
      identity(tf, sig, "f32", TFloat32.class);
      identity(tf, sig, "f64", TFloat64.class);
      identity(tf, sig, "i32", TInt32.class);
      identity(tf, sig, "i64", TInt64.class);
      identity(tf, sig, "u8", TUint8.class);
      identity(tf, sig, "b", TBool.class);
      Operand<TString> str =
          tf.withName("str").placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
      sig.input("str", str);
      sig.output("str_out", tf.withName("str_out").identity(str));
      sig.output("str_bytes", tf.withName("str_bytes").identity(str));
      SavedModelBundle.exporter(dir.toString())
          .withFunction(SessionFunction.create(sig.build(), s))
          .export();
    }
  }

  private static <T extends TType> void identity(
      Ops tf, Signature.Builder sig, String name, Class<T> type) {
    Operand<T> in = tf.withName(name).placeholder(type, Placeholder.shape(Shape.of(-1)));
    sig.input(name, in);
    sig.output(name + "_out", tf.withName(name + "_out").identity(in));
  }
}
