package dev.attentiondrop.ops.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.LogitsRegularizer;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.blur.Boundary;
import dev.attentiondrop.ops.blur.GaussianKernel;
import dev.attentiondrop.ops.blur.SigmaScope;
import dev.attentiondrop.ops.hardmask.FillMode;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.testing.Npy;
import dev.attentiondrop.ops.testing.PythonReference;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

@DisplayName("Fused kernels: the same values and gradients as the stock-op path")
class FusedKernelsTest {

  @BeforeAll
  static void library() {
    FusedKernels.Status s = FusedKernels.status();
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      assertTrue(s.loaded(), "CI builds the fused kernels: " + s.detail());
    }
    Assumptions.assumeTrue(s.loaded(), s.detail());
  }

  /** Values and d(sum(out * w))/d logits of a regularizer, fused or stock, for fixed inputs. */
  private static List<double[]> run(
      boolean fused,
      LogitsRegularizer reg,
      boolean float32,
      double[] logits,
      long[] shape,
      boolean[] mask,
      long[] maskShape) {
    try (TfRun r = TfRun.create()) {
      if (!fused) {
        FusedKernels.useStockOps(r.graph);
      }
      Operand<? extends TFloating> x = float32 ? r.f32(logits, shape) : r.f64(logits, shape);
      AttentionContext ctx = AttentionContext.training(r.seed(7, 11));
      if (mask != null) {
        ctx = ctx.withKeyMask(r.bool(mask, maskShape));
      }
      List<double[]> out = runTyped(r, reg, x, ctx, logits.length);
      int custom = r.countOps("AttentionDrop");
      assertEquals(
          fused, custom > 0, (fused ? "fused" : "stock") + " graph, custom ops: " + custom);
      return out;
    }
  }

  private static <T extends TFloating> List<double[]> runTyped(
      TfRun r, LogitsRegularizer reg, Operand<T> x, AttentionContext ctx, int n) {
    Operand<T> y = reg.apply(r.tf, x, ctx);
    Operand<T> w = r.tf.dtypes.cast(r.f64(Stats.gaussian(99, n), r.shapeOf(x)), x.type());
    Operand<?> grad =
        r.gradients(r.tf.reduceSum(r.tf.math.mul(y, w), r.tf.constant(new int[] {0, 1, 2, 3})), x)
            .get(0);
    return r.eval(y, grad);
  }

  static Stream<Arguments> hardMaskCases() {
    List<Arguments> cases = new ArrayList<>();
    HardAttentionMask[] regs = {
      HardAttentionMask.of(8, 0.3),
      HardAttentionMask.of(1, 0.5),
      HardAttentionMask.of(100, 0.4),
      HardAttentionMask.builder().topKFraction(0.25).dropProbability(0.6).build(),
      HardAttentionMask.builder().topKFraction(1).fill(FillMode.NEG_INF).build(),
      HardAttentionMask.builder().topK(8).dropProbability(0.9).fill(FillMode.NEG_INF).build()
    };
    for (HardAttentionMask reg : regs) {
      for (int keys : new int[] {7, 40, 256}) {
        for (String mask : new String[] {"none", "keys", "full"}) {
          cases.add(Arguments.of(reg, keys, mask, keys == 40));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, keys {1}, mask {2}, float32 {3}")
  @MethodSource("hardMaskCases")
  @DisplayName("hard mask: output and gradient bit for bit (grouped threshold at 256 keys)")
  void hardMaskParity(HardAttentionMask reg, int keys, String mask, boolean float32) {
    check(reg, keys, mask, float32, 0);
  }

  static Stream<Arguments> blurCases() {
    List<Arguments> cases = new ArrayList<>();
    for (SigmaScope scope : SigmaScope.values()) {
      for (Boundary boundary : Boundary.values()) {
        for (int w : new int[] {3, 9}) {
          var reg = new BlurredAttentionSmoothing(2.0, w, scope, boundary);
          cases.add(Arguments.of(reg, 7, "keys", false));
          cases.add(Arguments.of(reg, 40, "none", true));
          cases.add(Arguments.of(reg, 64, "full", false));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, keys {1}, mask {2}, float32 {3}")
  @MethodSource("blurCases")
  @DisplayName("blur: output and gradient within float rounding of the banded product")
  void blurParity(BlurredAttentionSmoothing reg, int keys, String mask, boolean float32) {
    check(reg, keys, mask, float32, float32 ? 1e-6 : 1e-12);
  }

  private static void check(
      LogitsRegularizer reg, int keys, String mask, boolean float32, double tolerance) {
    long[] shape = {2, 3, 5, keys};
    double[] logits = Stats.gaussian(keys, 2 * 3 * 5 * keys);
    if (keys == 40) {
      for (int i = 0; i < logits.length; i += 3) {
        logits[i] = Math.round(logits[i]); // ties with the k-th largest
      }
    }
    boolean[] m = null;
    long[] maskShape = null;
    Random random = new Random(keys);
    if (!mask.equals("none")) {
      maskShape = mask.equals("keys") ? new long[] {2, 1, 1, keys} : shape;
      m = new boolean[(int) (maskShape[0] * maskShape[1] * maskShape[2] * maskShape[3])];
      for (int i = 0; i < m.length; i++) {
        m[i] = random.nextDouble() < 0.7;
      }
      if (mask.equals("full")) {
        for (int j = 0; j < keys; j++) {
          m[j] = false; // one row with no valid key
        }
      }
    }
    List<double[]> fused = run(true, reg, float32, logits, shape, m, maskShape);
    List<double[]> stock = run(false, reg, float32, logits, shape, m, maskShape);
    for (int part = 0; part < 2; part++) {
      String what = part == 0 ? "output" : "gradient";
      if (tolerance == 0) {
        assertArrayEquals(stock.get(part), fused.get(part), what);
      } else {
        assertArrayEquals(stock.get(part), fused.get(part), tolerance, what);
      }
    }
  }

  private static double[] uniform(long seed, int n) {
    Random random = new Random(seed);
    double[] u = new double[n];
    for (int i = 0; i < n; i++) {
      u[i] = random.nextDouble();
    }
    return u;
  }

  @Test
  @DisplayName("bad shapes fail with a message naming the input")
  void badShapes() {
    try (TfRun r = TfRun.create()) {
      Operand<TFloat64> x = r.f64(Stats.gaussian(1, 40), 1, 1, 4, 10);
      Operand<TFloat64> evenTaps = r.f64(new double[] {0.5, 0.5}, 1, 1, 1, 2);
      var e =
          assertThrows(
              TFInvalidArgumentException.class,
              () -> r.eval(FusedKernels.blurKeys(r.tf, x, evenTaps)));
      assertTrue(e.getMessage().contains("taps must be"), e.getMessage());
      Operand<TFloat64> shortNoise = r.f64(uniform(2, 10), 1, 1, 1, 10);
      Operand<TFloat64> zero = r.tf.constant(0.0);
      var e2 =
          assertThrows(
              TFInvalidArgumentException.class,
              () ->
                  r.eval(
                      FusedKernels.hardMask(r.tf, x, shortNoise, zero, zero, null, 2, 0).output()));
      assertTrue(e2.getMessage().contains("noise must have the shape"), e2.getMessage());
    }
  }

  @Test
  @DisplayName("Python TF loads the same library (tf.load_op_library) with the same gradients")
  void pythonLoadsTheLibrary(@TempDir Path dir) throws Exception {
    long[] shape = {2, 3, 4, 48};
    int n = 2 * 3 * 4 * 48;
    double[] logits = Stats.gaussian(5, n);
    double[] noise = uniform(6, n);
    double[] upstream = Stats.gaussian(7, n);
    boolean[] valid = new boolean[2 * 48];
    Random random = new Random(3);
    for (int i = 0; i < valid.length; i++) {
      valid[i] = random.nextDouble() < 0.8;
    }
    double[] sigma = {0.4, 1.7};
    double[] taps = new double[2 * 5];
    for (int b = 0; b < 2; b++) {
      System.arraycopy(GaussianKernel.weights(sigma[b], 5), 0, taps, 5 * b, 5);
    }
    Npy.write(dir.resolve("logits.npy"), logits, shape);
    Npy.write(dir.resolve("noise.npy"), noise, shape);
    Npy.write(dir.resolve("upstream.npy"), upstream, shape);
    Npy.write(dir.resolve("valid.npy"), valid, 2, 1, 1, 48);
    Npy.write(dir.resolve("taps.npy"), taps, 2, 1, 1, 5);
    Path library = Files.createTempFile(dir, "kernels", ".so");
    try (var in = FusedKernels.class.getResourceAsStream(FusedKernels.RESOURCE)) {
      Files.copy(in, library, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    PythonReference.run(
        "tf-ops/src/test/python/fused_kernels_check.py", library.toString(), dir.toString());

    // The Java stock path on the same inputs.
    try (TfRun r = TfRun.create()) {
      FusedKernels.useStockOps(r.graph);
      Operand<TFloat64> x = r.f64(logits, shape);
      Operand<TFloat64> u = r.f64(noise, shape);
      Operand<TBool> mask = r.bool(valid, 2, 1, 1, 48);
      Operand<TFloat64> w = r.f64(upstream, shape);
      Operand<TFloat64> hard = HardAttentionMask.of(8, 0.3).applyWithNoise(r.tf, x, mask, u);
      Operand<TFloat64> blur =
          BlurredAttentionSmoothing.of(1, 5)
              .applyWithSigma(r.tf, x, null, r.f64(sigma, 2, 1, 1, 1));
      Function<Operand<TFloat64>, Operand<?>> grad =
          y ->
              r.gradients(
                      r.tf.reduceSum(r.tf.math.mul(y, w), r.tf.constant(new int[] {0, 1, 2, 3})), x)
                  .get(0);
      List<double[]> expected = r.eval(hard, grad.apply(hard), blur, grad.apply(blur));
      String[] names = {"hard", "hard_grad", "blur", "blur_grad"};
      for (int i = 0; i < names.length; i++) {
        double[] actual = Npy.read(dir.resolve(names[i] + ".npy")).data();
        if (i < 2) {
          assertArrayEquals(expected.get(i), actual, names[i]);
        } else {
          assertArrayEquals(expected.get(i), actual, 1e-12, names[i]);
        }
      }
    }
  }
}
