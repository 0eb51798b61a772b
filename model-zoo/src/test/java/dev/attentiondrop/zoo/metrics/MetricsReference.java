package dev.attentiondrop.zoo.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attentiondrop.ops.testing.Npy;
import dev.attentiondrop.ops.testing.PythonReference;
import dev.attentiondrop.zoo.config.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cases for {@code tests/python/reference/metrics_ref.py}: each gets a directory with {@code
 * case.json} and its float64 inputs; one Python process computes every case; outputs are read back
 * with {@link Case#out}.
 */
final class MetricsReference {
  static final String SCRIPT = "tests/python/reference/metrics_ref.py";

  /** One reference computation. */
  static final class Case {
    final String name;
    final String op;
    final Map<String, Object> params = new LinkedHashMap<>();
    final Map<String, Npy.Array> inputs = new LinkedHashMap<>();
    Path dir;

    Case(String name, String op) {
      this.name = name;
      this.op = op;
    }

    Case param(String key, Object value) {
      params.put(key, value);
      return this;
    }

    Case input(String key, double[] data, long... shape) {
      inputs.put(key, new Npy.Array(data, shape));
      return this;
    }

    Case input(String key, float[] data, long... shape) {
      return input(key, widen(data), shape);
    }

    Case labels(int[] labels) {
      double[] d = new double[labels.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = labels[i];
      }
      return input("labels", d, labels.length);
    }

    /** The reference output {@code name}; fails with the Python traceback if the case failed. */
    Npy.Array out(String key) {
      try {
        Path error = dir.resolve("error.txt");
        if (Files.exists(error)) {
          fail("reference case '" + name + "' failed:\n" + Files.readString(error));
        }
        Path file = dir.resolve("out_" + key + ".npy");
        assertTrue(Files.exists(file), "case '" + name + "': no reference output " + key);
        return Npy.read(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    double scalar(String key) {
      Npy.Array a = out(key);
      assertArrayEquals(new long[0], a.shape(), "case '" + name + "': " + key + " is not a scalar");
      return a.data()[0];
    }
  }

  private MetricsReference() {}

  /** Writes every case under {@code root} and runs the reference once over all of them. */
  static void run(Path root, List<Case> cases) {
    PythonReference.python(); // skips (or fails in CI) when the environment is missing
    List<String> args = new ArrayList<>();
    int index = 0;
    try {
      for (Case c : cases) {
        c.dir =
            root.resolve(
                String.format("%02d-%s", index++, c.name.replaceAll("[^A-Za-z0-9]+", "-")));
        Files.createDirectories(c.dir);
        Files.writeString(
            c.dir.resolve("case.json"), Json.write(Map.of("op", c.op, "params", c.params)));
        for (Map.Entry<String, Npy.Array> in : c.inputs.entrySet()) {
          Npy.write(
              c.dir.resolve(in.getKey() + ".npy"), in.getValue().data(), in.getValue().shape());
        }
        args.add(c.dir.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    PythonReference.run(SCRIPT, args.toArray(new String[0]));
  }

  static double[] widen(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = x[i];
    }
    return d;
  }

  /** Asserts elementwise agreement within {@code tol} (NaN matches NaN), naming the worst index. */
  static void assertClose(String what, double[] expected, double[] actual, double tol) {
    if (expected.length != actual.length) {
      fail(
          what + ": " + expected.length + " reference values vs " + actual.length + " Java values");
    }
    int bad = 0;
    int worst = -1;
    double worstDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      double d =
          Double.isNaN(e) && Double.isNaN(a)
              ? 0
              : Double.isNaN(e) || Double.isNaN(a) ? Double.POSITIVE_INFINITY : Math.abs(e - a);
      if (!(d <= tol)) {
        bad++;
        if (worst < 0 || d > worstDiff) {
          worst = i;
          worstDiff = d;
        }
      }
    }
    if (bad > 0) {
      fail(
          what
              + ": "
              + bad
              + " of "
              + expected.length
              + " values differ by more than "
              + tol
              + "; worst at "
              + worst
              + ": NumPy "
              + expected[worst]
              + " vs Java "
              + actual[worst]);
    }
  }

  static void assertClose(String what, double expected, double actual, double tol) {
    assertClose(what, new double[] {expected}, new double[] {actual}, tol);
  }
}
