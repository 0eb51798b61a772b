package dev.attentiondrop.ops.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TNumber;

/**
 * A graph, its {@link Ops} and a session, for tests: build with {@link #tf}, evaluate with {@link
 * #eval}. Closes everything it opened.
 */
public final class TfRun implements AutoCloseable {
  public final Graph graph = new Graph();
  public final Ops tf = Ops.create(graph);
  private Session session;

  public static TfRun create() {
    return new TfRun();
  }

  public Operand<TFloat64> f64(double[] data, long... shape) {
    return tf.constant(Shape.of(shape), DataBuffers.of(data, true, false));
  }

  public Operand<TFloat32> f32(double[] data, long... shape) {
    float[] f = new float[data.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) data[i];
    }
    return tf.constant(Shape.of(shape), DataBuffers.of(f, true, false));
  }

  public Operand<TBool> bool(boolean[] data, long... shape) {
    return tf.constant(Shape.of(shape), DataBuffers.of(data, true, false));
  }

  public Operand<TInt64> seed(long a, long b) {
    return tf.constant(new long[] {a, b});
  }

  /** A float64 placeholder of the given static shape, to be fed with {@link #evalFeeding}. */
  public Operand<TFloat64> placeholder(long... shape) {
    return tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(shape)));
  }

  /** An int64 placeholder of shape [2] for a stateless seed fed per run. */
  public Operand<TInt64> seedPlaceholder() {
    return tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
  }

  /** Evaluates the operands (numeric or boolean) and returns their values as doubles. */
  public List<double[]> eval(Operand<?>... xs) {
    return evalFeeding(Map.of(), xs);
  }

  /**
   * Evaluates with placeholders fed: values are {@code double[]} for float64 placeholders (shape
   * from the placeholder), {@code long[]} for int64 ones (a seed), {@code Boolean} for a scalar
   * flag.
   */
  public List<double[]> evalFeeding(Map<Operand<?>, Object> feeds, Operand<?>... xs) {
    if (session == null) {
      session = new Session(graph);
    }
    Session.Runner runner = session.runner();
    List<Tensor> fed = new ArrayList<>();
    try {
      for (Map.Entry<Operand<?>, Object> e : feeds.entrySet()) {
        if (e.getValue() instanceof Tensor given) { // owned and closed by the caller
          runner.feed(e.getKey(), given);
          continue;
        }
        Tensor t;
        if (e.getValue() instanceof double[] d) {
          t = TFloat64.tensorOf(e.getKey().shape(), DataBuffers.of(d, true, false));
        } else if (e.getValue() instanceof Boolean b) {
          t = TBool.scalarOf(b);
        } else if (e.getValue() instanceof long[] l) {
          t = TInt64.tensorOf(Shape.of(l.length), DataBuffers.of(l, true, false));
        } else {
          throw new IllegalArgumentException("cannot feed " + e.getValue());
        }
        fed.add(t);
        runner.feed(e.getKey(), t);
      }
      return fetchAll(runner, xs);
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  private List<double[]> fetchAll(Session.Runner runner, Operand<?>[] xs) {
    for (Operand<?> x : xs) {
      runner.fetch(asF64(x));
    }
    List<double[]> out = new ArrayList<>();
    try (Result result = runner.run()) {
      for (int i = 0; i < xs.length; i++) {
        TFloat64 t = (TFloat64) result.get(i);
        double[] values = new double[(int) t.size()];
        t.copyTo(DataBuffers.of(values, false, false));
        out.add(values);
      }
    }
    return out;
  }

  public double[] eval(Operand<?> x) {
    return eval(new Operand<?>[] {x}).get(0);
  }

  /** Counts the graph's operations whose type starts with {@code prefix} (e.g. "Stateless"). */
  public int countOps(String prefix) {
    int n = 0;
    for (var it = graph.operations(); it.hasNext(); ) {
      if (it.next().type().startsWith(prefix)) {
        n++;
      }
    }
    return n;
  }

  /** The static shape of {@code x} after running it (dynamic dims resolved). */
  public long[] shapeOf(Operand<?> x) {
    if (session == null) {
      session = new Session(graph);
    }
    try (Result result = session.runner().fetch(x).run()) {
      Tensor t = result.get(0);
      return t.shape().asArray();
    }
  }

  /** {@code d y / d x_i}; {@code y} is summed if not scalar. */
  @SuppressWarnings("unchecked")
  public List<Operand<?>> gradients(Operand<?> y, Operand<?>... xs) {
    Output<?>[] grads = graph.addGradients(y.asOutput(), toOutputs(xs));
    List<Operand<?>> out = new ArrayList<>();
    for (Output<?> g : grads) {
      out.add(g);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private Operand<TFloat64> asF64(Operand<?> x) {
    if (x.type() == TFloat64.class) {
      return (Operand<TFloat64>) x;
    }
    if (x.type() == TBool.class) {
      return tf.dtypes.cast((Operand<TBool>) x, TFloat64.class);
    }
    return tf.dtypes.cast((Operand<? extends TNumber>) x, TFloat64.class);
  }

  private static Output<?>[] toOutputs(Operand<?>[] xs) {
    Output<?>[] out = new Output<?>[xs.length];
    for (int i = 0; i < xs.length; i++) {
      out[i] = xs[i].asOutput();
    }
    return out;
  }

  @Override
  public void close() {
    if (session != null) {
      session.close();
    }
    graph.close();
  }
}
