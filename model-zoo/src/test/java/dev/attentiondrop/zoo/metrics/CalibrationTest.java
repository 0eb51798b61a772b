package dev.attentiondrop.zoo.metrics;

import static dev.attentiondrop.zoo.metrics.MetricsReference.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.metrics.Calibration.Bin;
import dev.attentiondrop.zoo.metrics.Calibration.Report;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationTest {
  static final double TOL = 1e-6;

  /** Rows of {@code classes} float32 probabilities, sharpened by a random temperature. */
  static float[][] randomProbabilities(long seed, int n, int classes) {
    Random r = new Random(seed);
    float[][] logits = new float[n][classes];
    for (int i = 0; i < n; i++) {
      double t = 0.2 + 3 * r.nextDouble();
      for (int c = 0; c < classes; c++) {
        logits[i][c] = (float) (r.nextGaussian() * t);
      }
    }
    double[][] p = Calibration.softmax(logits);
    float[][] out = new float[n][classes];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < classes; c++) {
        out[i][c] = (float) p[i][c];
      }
    }
    return out;
  }

  static int[] randomLabels(long seed, int n, int classes) {
    Random r = new Random(seed);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(classes);
    }
    return y;
  }

  static float[][] randomLogits(long seed, int n, int classes, double scale) {
    Random r = new Random(seed);
    float[][] z = new float[n][classes];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < classes; c++) {
        z[i][c] = (float) (r.nextGaussian() * scale);
      }
    }
    return z;
  }

  static double[] flat(float[][] x) {
    List<Double> out = new ArrayList<>();
    for (float[] row : x) {
      for (float v : row) {
        out.add((double) v);
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static double[] flat(double[][] x) {
    return Arrays.stream(x).flatMapToDouble(Arrays::stream).toArray();
  }

  static double[] reliabilityRows(List<Bin> bins) {
    double[] out = new double[bins.size() * 5];
    for (int b = 0; b < bins.size(); b++) {
      Bin bin = bins.get(b);
      out[5 * b] = bin.lower();
      out[5 * b + 1] = bin.upper();
      out[5 * b + 2] = bin.count();
      out[5 * b + 3] = bin.meanConfidence() == null ? Double.NaN : bin.meanConfidence();
      out[5 * b + 4] = bin.accuracy() == null ? Double.NaN : bin.accuracy();
    }
    return out;
  }

  static void assertReport(String what, MetricsReference.Case c, Report r) {
    assertClose(what + " accuracy", c.scalar("accuracy"), r.accuracy(), TOL);
    assertClose(what + " nll", c.scalar("nll"), r.nll(), TOL);
    assertClose(what + " ece", c.scalar("ece"), r.ece(), TOL);
    assertClose(what + " brier", c.scalar("brier"), r.brier(), TOL);
    assertClose(
        what + " reliability", c.out("reliability").data(), reliabilityRows(r.reliability()), TOL);
  }

  @Test
  void agreesWithNumPy(@TempDir Path tmp) {
    record Probs(String name, double[][] p, int[] y, int bins) {}
    List<Probs> probs = new ArrayList<>();
    float[][] p5 = randomProbabilities(1, 300, 5);
    int[] y5 = randomLabels(2, 300, 5);
    probs.add(new Probs("random 300x5, 15 bins", Calibration.widen(p5), y5, 15));
    probs.add(new Probs("random 300x5, 10 bins", Calibration.widen(p5), y5, 10));
    probs.add(new Probs("random 300x5, 1 bin", Calibration.widen(p5), y5, 1));
    probs.add(
        new Probs(
            "random 40x2, 7 bins",
            Calibration.widen(randomProbabilities(3, 40, 2)),
            randomLabels(4, 40, 2),
            7));
    // confidences on bin edges, ties, a zero probability for the label (NLL floor), certainty
    double[][] edges = {
      {0.5, 0.5},
      {0.7, 0.3},
      {0.3, 0.7},
      {1.0, 0.0},
      {0.0, 1.0},
      {0.6, 0.4},
      {0.9, 0.1},
      {0.2, 0.8},
      {0.55, 0.45}
    };
    probs.add(new Probs("edges, 10 bins", edges, new int[] {1, 0, 0, 1, 1, 0, 0, 1, 1}, 10));
    probs.add(new Probs("edges, 5 bins", edges, new int[] {0, 1, 1, 0, 1, 1, 0, 1, 0}, 5));

    record Logits(String name, float[][] z, int[] y, int bins) {}
    List<Logits> logits = new ArrayList<>();
    logits.add(
        new Logits("logits 200x10", randomLogits(5, 200, 10, 3), randomLabels(6, 200, 10), 15));
    logits.add(
        new Logits("logits 50x3, large", randomLogits(7, 50, 3, 40), randomLabels(8, 50, 3), 15));

    List<MetricsReference.Case> cases = new ArrayList<>();
    for (Probs p : probs) {
      cases.add(
          new MetricsReference.Case(p.name(), "calibration")
              .param("bins", p.bins())
              .input("probabilities", flat(p.p()), p.p().length, p.p()[0].length)
              .labels(p.y()));
    }
    for (Logits l : logits) {
      cases.add(
          new MetricsReference.Case(l.name(), "calibration_logits")
              .param("bins", l.bins())
              .input("logits", flat(l.z()), l.z().length, l.z()[0].length)
              .labels(l.y()));
    }
    MetricsReference.run(tmp, cases);

    for (int i = 0; i < probs.size(); i++) {
      Probs p = probs.get(i);
      assertReport(p.name(), cases.get(i), Calibration.evaluate(p.p(), p.y(), p.bins()));
    }
    for (int i = 0; i < logits.size(); i++) {
      Logits l = logits.get(i);
      MetricsReference.Case c = cases.get(probs.size() + i);
      assertReport(l.name(), c, Calibration.evaluateLogits(l.z(), l.y(), l.bins()));
      assertClose(
          l.name() + " softmax",
          c.out("probabilities").data(),
          flat(Calibration.softmax(l.z())),
          1e-12);
    }
  }

  @Test
  void handComputedExample() {
    // confidences 0.9 (right), 0.8 (wrong), 0.6 (right), 0.55 (wrong); 2 bins: (0, .5], (.5, 1]
    double[][] p = {{0.9, 0.1}, {0.2, 0.8}, {0.6, 0.4}, {0.45, 0.55}};
    int[] y = {0, 0, 0, 0};
    Report r = Calibration.evaluate(p, y, 2);
    assertEquals(0.5, r.accuracy(), 1e-15);
    // all in bin 1: acc 0.5, mean conf 0.7125 -> ECE 0.2125
    assertEquals(0.2125, r.ece(), 1e-12);
    assertEquals(0, r.reliability().get(0).count());
    assertNull(r.reliability().get(0).accuracy());
    assertEquals(4, r.reliability().get(1).count());
    double nll = -(Math.log(0.9) + Math.log(0.2) + Math.log(0.6) + Math.log(0.45)) / 4;
    assertEquals(nll, r.nll(), 1e-12);
    double brier = (2 * 0.01 + 2 * 0.64 + 2 * 0.16 + 2 * 0.3025) / 4;
    assertEquals(brier, r.brier(), 1e-12);
    // a perfectly confident, always right model is perfectly calibrated
    Report perfect = Calibration.evaluate(new double[][] {{1, 0}, {0, 1}}, new int[] {0, 1}, 15);
    assertEquals(0, perfect.ece());
    assertEquals(0, perfect.brier());
    assertEquals(0, perfect.nll(), 1e-15);
    assertEquals(15, perfect.reliability().size());
  }

  @Test
  void nllFloorAndBins() {
    double floorNll = Calibration.nll(new double[][] {{1, 0}}, new int[] {1});
    assertEquals(-Math.log(Calibration.NLL_FLOOR), floorNll, 1e-12);
    assertEquals(0, Calibration.binOf(0, 15));
    assertEquals(0, Calibration.binOf(1.0 / 15, 15));
    assertEquals(1, Calibration.binOf(Math.nextUp(1.0 / 15), 15));
    assertEquals(14, Calibration.binOf(1, 15));
    for (int b = 1; b <= 15; b++) {
      assertEquals(b - 1, Calibration.binOf((double) b / 15, 15), "edge " + b + "/15");
    }
  }

  @Test
  void reportSerializesSnakeCaseAndRoundTrips() throws Exception {
    Report r = Calibration.evaluate(randomProbabilities(9, 30, 3), randomLabels(10, 30, 3));
    String json = Json.write(r);
    assertTrue(json.contains("\"mean_confidence\""), json);
    assertTrue(json.contains("\"reliability\""), json);
    assertEquals(r, Json.read(json, Report.class));
  }

  @Test
  void rejectsBadInputsWithClearMessages() {
    var e1 =
        assertThrows(
            IllegalArgumentException.class,
            () -> Calibration.evaluate(new double[][] {{0.5, 0.5}}, new int[] {2}, 15));
    assertTrue(
        e1.getMessage().contains("label 0 must be an integer in [0, 1], got 2"), e1.getMessage());
    var e2 =
        assertThrows(
            IllegalArgumentException.class,
            () -> Calibration.evaluate(new double[][] {{0.5, 0.6}}, new int[] {0}, 15));
    assertTrue(e2.getMessage().contains("row 0 must sum to 1"), e2.getMessage());
    var e3 =
        assertThrows(
            IllegalArgumentException.class,
            () -> Calibration.evaluate(new double[][] {{0.5, 0.5}}, new int[] {0}, 0));
    assertTrue(
        e3.getMessage().contains("bins must be an integer in [1, 1000000], got 0"),
        e3.getMessage());
    var e4 =
        assertThrows(
            IllegalArgumentException.class,
            () -> Calibration.evaluate(new double[][] {{1.5, -0.5}}, new int[] {0}, 15));
    assertTrue(e4.getMessage().contains("must be in [0, 1], got 1.5"), e4.getMessage());
    var e5 =
        assertThrows(
            IllegalArgumentException.class,
            () -> Calibration.evaluate(new double[][] {{0.5, 0.5}, {1, 0}}, new int[] {0}, 15));
    assertTrue(
        e5.getMessage().contains("labels has 1 entries but there are 2 rows"), e5.getMessage());
  }
}
