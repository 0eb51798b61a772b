package dev.attentiondrop.ops.parity;

import dev.attentiondrop.ops.testing.Npy;
import dev.attentiondrop.ops.testing.TfRun;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat64;

/**
 * One parity case: an operator of the NumPy reference ({@code op}, {@code params}), its float64
 * inputs, and the graph that computes the same thing with the Java ops. The Java outputs are named
 * like the reference's {@code out_NAME.npy} files.
 */
final class ParityCase {

  /** Builds the Java side of a case in a fresh graph. */
  @FunctionalInterface
  interface JavaSide {
    void build(Graph g);
  }

  /** The graph of one case: its inputs as constants, and the outputs to compare. */
  static final class Graph {
    private final TfRun run;
    private final ParityCase c;
    private final Map<String, Operand<?>> outputs = new LinkedHashMap<>();

    Graph(TfRun run, ParityCase c) {
      this.run = run;
      this.c = c;
    }

    Ops tf() {
      return run.tf;
    }

    /** Input {@code name} as a float64 constant of its shape. */
    Operand<TFloat64> f64(String name) {
      Npy.Array a = c.input(name);
      return run.f64(a.data(), a.shape());
    }

    /** Input {@code name} (0/1) as a boolean constant of its shape. */
    Operand<TBool> bool(String name) {
      Npy.Array a = c.input(name);
      boolean[] b = new boolean[a.data().length];
      for (int i = 0; i < b.length; i++) {
        b[i] = a.data()[i] != 0;
      }
      return run.bool(b, a.shape());
    }

    /** The key mask input, or {@code null} when the case has none (every key valid). */
    Operand<TBool> maskOrNull() {
      return c.inputs.containsKey("mask") ? bool("mask") : null;
    }

    /** A Java output to compare with the reference's {@code out_NAME.npy}. */
    void output(String name, Operand<?> x) {
      outputs.put(name, x);
    }

    /** A Java output computed outside the graph (plain Java). */
    void output(String name, Npy.Array value) {
      c.javaOutputs.put(name, value);
    }
  }

  final String group;
  final String name;
  final String op;
  final Map<String, Object> params = new LinkedHashMap<>();
  final Map<String, Npy.Array> inputs = new LinkedHashMap<>();
  final Map<String, Npy.Array> javaOutputs = new LinkedHashMap<>();
  private JavaSide javaSide;
  Throwable javaFailure;

  ParityCase(String group, String name, String op) {
    this.group = group;
    this.name = name;
    this.op = op;
  }

  ParityCase param(String key, Object value) {
    params.put(key, value);
    return this;
  }

  ParityCase input(String key, Npy.Array value) {
    inputs.put(key, value);
    return this;
  }

  /** Adds the mask input unless {@code mask} is null. */
  ParityCase maskInput(Npy.Array mask) {
    return mask == null ? this : input("mask", mask);
  }

  ParityCase java(JavaSide side) {
    this.javaSide = side;
    return this;
  }

  Npy.Array input(String key) {
    Npy.Array a = inputs.get(key);
    if (a == null) {
      throw new IllegalArgumentException("case '" + this + "' has no input '" + key + "'");
    }
    return a;
  }

  /** Builds and runs the Java side; a failure is kept and reported by the case's test. */
  void runJava() {
    try (TfRun run = TfRun.create()) {
      Graph g = new Graph(run, this);
      javaSide.build(g);
      List<String> names = new ArrayList<>(g.outputs.keySet());
      if (!names.isEmpty()) {
        List<double[]> values = run.eval(g.outputs.values().toArray(new Operand<?>[0]));
        for (int i = 0; i < names.size(); i++) {
          Operand<?> x = g.outputs.get(names.get(i));
          Shape s = x.shape();
          long[] shape = s.hasUnknownDimension() ? run.shapeOf(x) : s.asArray();
          javaOutputs.put(names.get(i), new Npy.Array(values.get(i), shape));
        }
      }
      if (javaOutputs.isEmpty()) {
        throw new IllegalStateException("the Java side of the case produced no output");
      }
    } catch (Throwable t) {
      javaFailure = t;
    }
  }

  /** {@code {"op": ..., "params": {...}}}. */
  String caseJson() {
    return "{\"op\": " + Json.write(op) + ", \"params\": " + Json.write(params) + "}\n";
  }

  @Override
  public String toString() {
    return group + " / " + name;
  }

  /** Just enough JSON for the case parameters: strings, numbers, booleans, lists and maps. */
  static final class Json {
    private Json() {}

    static String write(Object v) {
      if (v == null) {
        return "null";
      }
      if (v instanceof String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
          switch (ch) {
            case '"' -> b.append("\\\"");
            case '\\' -> b.append("\\\\");
            default -> {
              if (ch < 0x20) {
                b.append(String.format("\\u%04x", (int) ch));
              } else {
                b.append(ch);
              }
            }
          }
        }
        return b.append('"').toString();
      }
      if (v instanceof Double d) {
        if (!Double.isFinite(d)) {
          throw new IllegalArgumentException("JSON has no " + d);
        }
        return Double.toString(d); // round-trips exactly through Python's float()
      }
      if (v instanceof Number || v instanceof Boolean) {
        return v.toString();
      }
      if (v instanceof Map<?, ?> m) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (b.length() > 1) {
            b.append(", ");
          }
          b.append(write(e.getKey().toString())).append(": ").append(write(e.getValue()));
        }
        return b.append('}').toString();
      }
      if (v instanceof List<?> l) {
        StringBuilder b = new StringBuilder("[");
        for (Object x : l) {
          if (b.length() > 1) {
            b.append(", ");
          }
          b.append(write(x));
        }
        return b.append(']').toString();
      }
      throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
    }
  }
}
