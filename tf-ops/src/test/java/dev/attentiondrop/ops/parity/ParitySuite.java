package dev.attentiondrop.ops.parity;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attentiondrop.ops.testing.Npy;
import dev.attentiondrop.ops.testing.PythonReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.function.Executable;

/**
 * A set of {@link ParityCase}s checked against the NumPy reference ({@code
 * tests/python/reference/run_cases.py}) in one Python process: every case's Java side runs, its
 * inputs go to a directory of its own, the driver fills in the reference outputs, and {@link
 * #assertGroup} compares them elementwise.
 */
final class ParitySuite {
  static final String DRIVER = "tests/python/reference/run_cases.py";

  private final List<ParityCase> cases = new ArrayList<>();
  private final Map<ParityCase, Path> dirs = new LinkedHashMap<>();
  private final double tolerance;

  ParitySuite(double tolerance) {
    this.tolerance = tolerance;
  }

  /** A new case of {@code group}; fill it in with the returned builder. */
  ParityCase add(String group, String name, String op) {
    ParityCase c = new ParityCase(group, name, op);
    cases.add(c);
    return c;
  }

  /** Runs every Java side, writes the inputs under {@code root}, runs the reference once. */
  void run(Path root) {
    PythonReference.python(); // skips (or fails in CI) before any work when Python is missing
    List<String> args = new ArrayList<>();
    int index = 0;
    for (ParityCase c : cases) {
      c.runJava();
      Path dir = root.resolve(String.format("%03d-%s", index++, slug(c.toString())));
      dirs.put(c, dir);
      try {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("case.json"), c.caseJson(), StandardCharsets.UTF_8);
        for (Map.Entry<String, Npy.Array> in : c.inputs.entrySet()) {
          Npy.write(dir.resolve(in.getKey() + ".npy"), in.getValue().data(), in.getValue().shape());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      args.add(dir.toString());
    }
    PythonReference.run(DRIVER, args.toArray(new String[0]));
  }

  /** Asserts every case of {@code group} (at least one) agrees with the reference. */
  void assertGroup(String group) {
    List<Executable> checks = new ArrayList<>();
    for (ParityCase c : cases) {
      if (c.group.equals(group)) {
        checks.add(() -> assertCase(c));
      }
    }
    assertFalse(checks.isEmpty(), "no parity case in group " + group);
    assertAll(group, checks);
  }

  private void assertCase(ParityCase c) throws IOException {
    if (c.javaFailure != null) {
      throw new AssertionError(
          "case '" + c + "': the Java op failed: " + c.javaFailure, c.javaFailure);
    }
    Path dir = dirs.get(c);
    if (dir == null) {
      fail("case '" + c + "' was not run (ParitySuite.run not called?)");
    }
    Path error = dir.resolve("error.txt");
    if (Files.exists(error)) {
      fail("case '" + c + "': the NumPy reference failed:\n" + Files.readString(error));
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Npy.Array> out : c.javaOutputs.entrySet()) {
      Path file = dir.resolve("out_" + out.getKey() + ".npy");
      if (!Files.exists(file)) {
        problems.add("output '" + out.getKey() + "': the reference wrote no " + file.getFileName());
        continue;
      }
      String diff = compare(out.getValue(), Npy.read(file));
      if (diff != null) {
        problems.add("output '" + out.getKey() + "': " + diff);
      }
    }
    if (!problems.isEmpty()) {
      fail(
          "case '"
              + c
              + "' (op "
              + c.op
              + ", params "
              + ParityCase.Json.write(c.params)
              + ", inputs in "
              + dir
              + ") disagrees with NumPy beyond "
              + tolerance
              + ":\n  "
              + String.join("\n  ", problems));
    }
  }

  /** {@code null} when the arrays agree; else a description of the worst differences. */
  private String compare(Npy.Array java, Npy.Array ref) {
    if (!Arrays.equals(java.shape(), ref.shape())) {
      return "shape "
          + Arrays.toString(java.shape())
          + " (Java) vs "
          + Arrays.toString(ref.shape())
          + " (NumPy)";
    }
    double[] a = java.data();
    double[] b = ref.data();
    int bad = 0;
    int worst = -1;
    double worstDiff = -1;
    for (int i = 0; i < a.length; i++) {
      double d = difference(a[i], b[i]);
      if (d > tolerance) {
        bad++;
        if (d > worstDiff) {
          worstDiff = d;
          worst = i;
        }
      }
    }
    if (bad == 0) {
      return null;
    }
    return bad
        + " of "
        + a.length
        + " elements differ; worst at "
        + Arrays.toString(unravel(worst, java.shape()))
        + ": Java "
        + a[worst]
        + ", NumPy "
        + b[worst]
        + " (|diff| "
        + worstDiff
        + "); differing indices "
        + differing(a, b, java.shape());
  }

  /** |a - b|, 0 when both are the same non-finite value (NaN, +inf, -inf), +inf on a mismatch. */
  private static double difference(double a, double b) {
    if (Double.isNaN(a) || Double.isNaN(b)) {
      return Double.isNaN(a) && Double.isNaN(b) ? 0 : Double.POSITIVE_INFINITY;
    }
    if (Double.isInfinite(a) || Double.isInfinite(b)) {
      return a == b ? 0 : Double.POSITIVE_INFINITY;
    }
    return Math.abs(a - b);
  }

  private String differing(double[] a, double[] b, long[] shape) {
    TreeSet<String> out = new TreeSet<>();
    for (int i = 0; i < a.length && out.size() < 8; i++) {
      if (difference(a[i], b[i]) > tolerance) {
        out.add(Arrays.toString(unravel(i, shape)));
      }
    }
    return String.join(" ", out) + (out.size() == 8 ? " ..." : "");
  }

  private static long[] unravel(int flat, long[] shape) {
    long[] idx = new long[shape.length];
    long rest = flat;
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = rest % shape[d];
      rest /= shape[d];
    }
    return idx;
  }

  private static String slug(String s) {
    String slug = s.toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    return slug.length() > 60 ? slug.substring(0, 60) : slug;
  }
}
