package dev.attentiondrop.zoo.metrics;

import static dev.attentiondrop.zoo.metrics.MetricsReference.assertClose;
import static dev.attentiondrop.zoo.metrics.MetricsReference.widen;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.config.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** FGSM / PGD on a fixed linear-softmax model against the analytic NumPy reference. */
class AttacksTest {
  static final double TOL = 1e-5;
  static final long[] EXAMPLE = {3, 4};
  static final int D = 12;
  static final int C = 4;
  static final int N = 10;

  Graph graph;
  Ops tf;
  Session session;
  float[] w;
  float[] b;

  @BeforeEach
  void setUp() {
    graph = new Graph();
    tf = Ops.create(graph);
    session = new Session(graph);
    Random r = new Random(42);
    w = new float[D * C];
    for (int j = 0; j < w.length; j++) {
      w[j] = (float) r.nextGaussian();
    }
    b = new float[C];
    for (int c = 0; c < C; c++) {
      b[c] = (float) (0.5 * r.nextGaussian());
    }
  }

  @AfterEach
  void tearDown() {
    session.close();
    graph.close();
  }

  /** logits = reshape(x, [-1, 12]) @ w + b, with w and b constants. */
  AdversarialModel linear() {
    return (t, x) -> {
      Operand<TFloat32> wc = t.constant(Shape.of(D, C), DataBuffers.of(w, true, false));
      Operand<TFloat32> bc = t.constant(Shape.of(C), DataBuffers.of(b, true, false));
      return t.math.add(t.linalg.matMul(t.reshape(x, t.constant(new int[] {-1, D})), wc), bc);
    };
  }

  Attacks attacks(ValueRange clip) {
    // batch 4 over 10 examples: three batches, the last one partial
    return Attacks.create(session, tf, linear(), EXAMPLE, C, clip, 4);
  }

  static float[] uniform(long seed, int n) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int j = 0; j < n; j++) {
      x[j] = r.nextFloat();
    }
    return x;
  }

  static float[] gaussian(long seed, int n) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int j = 0; j < n; j++) {
      x[j] = (float) r.nextGaussian();
    }
    return x;
  }

  static int[] labels(long seed) {
    Random r = new Random(seed);
    int[] y = new int[N];
    for (int i = 0; i < N; i++) {
      y[i] = r.nextInt(C);
    }
    return y;
  }

  MetricsReference.Case refCase(String name, String op, float[] x, int[] y, ValueRange clip) {
    return new MetricsReference.Case(name, op)
        .param("clip", clip == null ? null : List.of(clip.lo(), clip.hi()))
        .input("x", x, N, EXAMPLE[0], EXAMPLE[1])
        .labels(y)
        .input("w", w, D, C)
        .input("b", b, C);
  }

  @Test
  void agreesWithNumPy(@TempDir Path tmp) {
    Attacks pixels = attacks(ValueRange.PIXELS);
    Attacks free = attacks(null);
    float[] xp = uniform(1, N * D);
    float[] xg = gaussian(2, N * D);
    int[] y = labels(3);

    record Run(MetricsReference.Case ref, float[] java) {}
    List<Run> runs = new ArrayList<>();
    runs.add(
        new Run(
            refCase("fgsm pixels eps 0.1", "fgsm", xp, y, ValueRange.PIXELS).param("eps", 0.1),
            pixels.fgsm(xp, y, 0.1)));
    runs.add(
        new Run(
            refCase("fgsm free eps 0.3", "fgsm", xg, y, null).param("eps", 0.3),
            free.fgsm(xg, y, 0.3)));
    var noStart = new AttackSpec.Pgd(0.1, 5, 0.03, false, 0);
    runs.add(
        new Run(
            refCase("pgd pixels no start", "pgd", xp, y, ValueRange.PIXELS)
                .param("eps", 0.1)
                .param("steps", 5)
                .param("step_size", 0.03),
            pixels.pgd(xp, y, noStart)));
    var randomStart = new AttackSpec.Pgd(0.1, 7, 0.025, true, 1234);
    float[] u = Attacks.uniformNoise(1234, xp.length, 0.1);
    runs.add(
        new Run(
            refCase("pgd pixels random start", "pgd", xp, y, ValueRange.PIXELS)
                .param("eps", 0.1)
                .param("steps", 7)
                .param("step_size", 0.025)
                .input("start", u, N, EXAMPLE[0], EXAMPLE[1]),
            pixels.pgd(xp, y, randomStart)));
    var big = new AttackSpec.Pgd(0.5, 6, 0.2, true, 99);
    runs.add(
        new Run(
            refCase("pgd free random start", "pgd", xg, y, null)
                .param("eps", 0.5)
                .param("steps", 6)
                .param("step_size", 0.2)
                .input(
                    "start", Attacks.uniformNoise(99, xg.length, 0.5), N, EXAMPLE[0], EXAMPLE[1]),
            free.pgd(xg, y, big)));

    MetricsReference.run(tmp, runs.stream().map(Run::ref).toList());
    for (Run run : runs) {
      MetricsReference.Case c = run.ref();
      if (c.op.equals("pgd")) {
        // a gradient entry within float32 noise of 0 (~1e-7 here: iterates differ by ~1e-7, |w| ~
        // 1)
        // could take a different sign in Java and NumPy; the fixed inputs keep clear of that
        assertTrue(
            c.scalar("min_abs_gradient") > 1e-6,
            c.name
                + ": fixed inputs too close to a zero gradient: "
                + c.scalar("min_abs_gradient"));
      }
      assertClose(c.name + " adversarial", c.out("adversarial").data(), widen(run.java()), TOL);
    }
    // the gradient and loss themselves, across the three batches
    MetricsReference.Case fg = runs.get(0).ref();
    assertClose("gradient", fg.out("gradient").data(), widen(pixels.gradient(xp, y)), 1e-6);
    assertClose("loss", fg.scalar("loss"), pixels.loss(xp, y), TOL);
  }

  @Test
  void perturbationStaysInBallAndRange() {
    Attacks pixels = attacks(ValueRange.PIXELS);
    float[] x = uniform(5, N * D);
    int[] y = labels(6);
    for (AttackSpec spec :
        List.of(new AttackSpec.Fgsm(0.2), new AttackSpec.Pgd(0.2, 4, 0.1, true, 3))) {
      float[] adv = pixels.attack(x, y, spec);
      double maxDelta = 0;
      for (int j = 0; j < x.length; j++) {
        maxDelta = Math.max(maxDelta, Math.abs(adv[j] - x[j]));
        assertTrue(adv[j] >= 0 && adv[j] <= 1, spec + ": value " + adv[j] + " outside [0, 1]");
      }
      assertTrue(maxDelta <= 0.2 + 1e-6, spec + ": max |x' - x| = " + maxDelta);
      assertTrue(
          maxDelta >= 0.2 - 1e-6,
          spec + ": the attack should reach the ball's surface, got " + maxDelta);
      assertTrue(
          pixels.loss(adv, y) > pixels.loss(x, y), spec + ": the attack should raise the loss");
    }
  }

  @Test
  void robustAccuracyAtZeroIsCleanAccuracy() {
    Attacks free = attacks(null);
    float[] x = gaussian(7, N * D);
    int[] y = labels(8);
    double clean = free.accuracy(x, y);
    double[] eps = {0, 0.05, 0.5, 2};
    RobustAccuracy fgsm = free.robustAccuracy(x, y, eps, AttackSpec.Fgsm::new);
    RobustAccuracy pgd =
        free.robustAccuracy(x, y, eps, e -> AttackSpec.Pgd.relative(e, 5, 0.5, true, 11));
    assertEquals(clean, fgsm.cleanAccuracy());
    assertEquals(clean, fgsm.accuracy().get(0));
    assertEquals(clean, pgd.accuracy().get(0));
    assertArrayEquals(x, free.fgsm(x, y, 0));
    assertArrayEquals(x, free.pgd(x, y, new AttackSpec.Pgd(0, 3, 0.1, true, 1)));
    assertEquals("pgd", pgd.attack());
    assertEquals(N, pgd.examples());
    // on a linear model a large radius flips most predictions
    assertTrue(pgd.accuracy().get(3) <= 0.2, "accuracy at eps 2: " + pgd.accuracy());
    String json = Json.write(pgd);
    assertTrue(json.contains("\"clean_accuracy\""), json);
    assertEquals(pgd, Json.read(json, RobustAccuracy.class));
  }

  @Test
  void pgdIsReproducibleAndBatchIndependent() {
    float[] x = uniform(9, N * D);
    int[] y = labels(10);
    var spec = new AttackSpec.Pgd(0.1, 3, 0.04, true, 77);
    float[] a = attacks(ValueRange.PIXELS).pgd(x, y, spec);
    float[] b2 =
        Attacks.create(session, tf, linear(), EXAMPLE, C, ValueRange.PIXELS, 1000).pgd(x, y, spec);
    assertArrayEquals(a, b2);
    float[] other =
        attacks(ValueRange.PIXELS).pgd(x, y, new AttackSpec.Pgd(0.1, 3, 0.04, true, 78));
    assertTrue(!Arrays.equals(a, other), "a different seed should give a different random start");
  }

  @Test
  void validatesParameters() {
    assertMessage("eps must be finite and in [0, +inf), got -0.1", () -> new AttackSpec.Fgsm(-0.1));
    assertMessage(
        "eps must be finite and in [0, +inf), got NaN",
        () -> new AttackSpec.Pgd(Double.NaN, 1, 0.1, false, 0));
    assertMessage(
        "steps must be an integer in [1, +inf), got 0",
        () -> new AttackSpec.Pgd(0.1, 0, 0.1, false, 0));
    assertMessage(
        "step size must be finite and in (0, +inf), got 0.0",
        () -> new AttackSpec.Pgd(0.1, 1, 0, false, 0));
    assertMessage(
        "step size must be finite and in (0, +inf), got Infinity",
        () -> new AttackSpec.Pgd(0.1, 1, Double.POSITIVE_INFINITY, false, 0));
    Attacks pixels = attacks(ValueRange.PIXELS);
    float[] x = uniform(1, N * D);
    int[] y = labels(2);
    float[] outside = x.clone();
    outside[5] = 1.5f;
    assertMessage(
        "x value 5 must be in the clip range [0.0, 1.0], got 1.5",
        () -> pixels.fgsm(outside, y, 0.1));
    int[] badLabels = y.clone();
    badLabels[3] = C;
    assertMessage(
        "label 3 must be an integer in [0, 3], got 4", () -> pixels.fgsm(x, badLabels, 0.1));
    assertMessage(
        "x must hold a positive multiple of 12 values", () -> pixels.fgsm(new float[13], y, 0.1));
    assertMessage(
        "must return an attack with that eps",
        () -> pixels.robustAccuracy(x, y, new double[] {0.1}, e -> new AttackSpec.Fgsm(0.2)));
  }

  static void assertMessage(String expected, Executable call) {
    var e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(
        e.getMessage().contains(expected),
        "message '" + e.getMessage() + "' lacks '" + expected + "'");
  }
}
