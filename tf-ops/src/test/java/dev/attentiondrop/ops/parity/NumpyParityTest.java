package dev.attentiondrop.ops.parity;

import static dev.attentiondrop.ops.parity.RandomInputs.causal;
import static dev.attentiondrop.ops.parity.RandomInputs.padding;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Masking;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.attention.AttentionMasks;
import dev.attentiondrop.ops.attention.ScaledDotProductAttention;
import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.baselines.Dropout;
import dev.attentiondrop.ops.baselines.RDrop;
import dev.attentiondrop.ops.beyond.DropAttention;
import dev.attentiondrop.ops.beyond.DropHead;
import dev.attentiondrop.ops.beyond.DropKey;
import dev.attentiondrop.ops.beyond.RelaxedAttention;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.blur.Boundary;
import dev.attentiondrop.ops.blur.GaussianKernel;
import dev.attentiondrop.ops.blur.SigmaScope;
import dev.attentiondrop.ops.consistency.ConsistencyLoss;
import dev.attentiondrop.ops.consistency.Divergence;
import dev.attentiondrop.ops.hardmask.FillMode;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.hardmask.TopK;
import dev.attentiondrop.ops.testing.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Stack;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * Parity of the Java ops with an independent NumPy/SciPy reference written from the math in their
 * Javadoc ({@code tests/python/reference/attentiondrop_ref.py}).
 *
 * <p>Every stochastic op is run through its deterministic core with the same explicit noise ({@code
 * u}, {@code sigma}) on both sides. Inputs are random float64 tensors (seeded), with tied logits,
 * noise that hits the drop threshold exactly, causal and padding masks, and fully masked rows. All
 * cases run through one Python process; each test below checks one family of cases, elementwise to
 * {@value #TOLERANCE} absolute, and names the failing case.
 */
@DisplayName("Java ops agree with the independent NumPy/SciPy reference")
class NumpyParityTest {
  static final double TOLERANCE = 1e-6;

  // The standard attention shape [batch, heads, queries, keys].
  private static final long B = 2;
  private static final long H = 3;
  private static final long Q = 5;
  private static final long K = 7;

  private static final String HARD_MASK_COUNT = "hard mask, top-k count";
  private static final String HARD_MASK_FRACTION = "hard mask, top-k fraction";
  private static final String BLUR = "blur";
  private static final String KERNEL = "Gaussian kernel";
  private static final String CONSISTENCY = "consistency";
  private static final String DROPOUT = "dropout";
  private static final String DROP_KEY = "DropKey";
  private static final String DROP_HEAD = "DropHead";
  private static final String DROP_ATTENTION = "DropAttention";
  private static final String RELAXED = "relaxed attention";
  private static final String SOFTMAX = "masked softmax";
  private static final String ATTENTION = "scaled dot-product attention";
  private static final String PIPELINE = "composed pipeline";
  private static final String CAUSAL_MASK = "causal mask builder";

  /** Kept when a test fails, so that a failing case's inputs can be inspected and rerun. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path caseDirs;

  private static ParitySuite suite;

  /** A key mask with a readable name; {@code mask == null} means every key is valid. */
  private record NamedMask(String name, Npy.Array mask) {}

  /** An input with a readable name. */
  private record Named(String name, Npy.Array value) {}

  @BeforeAll
  static void runEveryCaseThroughJavaAndNumpy() {
    suite = new ParitySuite(TOLERANCE);
    RandomInputs rnd = new RandomInputs(0x5EED_2025L);
    hardMaskCountCases(rnd);
    hardMaskFractionCases(rnd);
    blurCases(rnd);
    kernelCases();
    consistencyCases(rnd);
    dropoutCases(rnd);
    dropKeyCases(rnd);
    dropHeadCases(rnd);
    dropAttentionCases(rnd);
    relaxedCases(rnd);
    softmaxCases(rnd);
    attentionCases(rnd);
    pipelineCases(rnd);
    causalMaskCases();
    suite.run(caseDirs);
  }

  // ------------------------------------------------------------------------------------------
  // The specification, one family of cases per test
  // ------------------------------------------------------------------------------------------

  @Test
  @DisplayName(
      "Hard Attention Masking, k = count (1, 3, = keys, > keys): the candidates are the valid keys"
          + " at or above the k-th largest valid logit, ties included, and exactly the candidates"
          + " with u < p become 0 (ZERO) or -1e9 (NEG_INF)")
  void hardMaskWithFixedCountMatchesNumpy() {
    suite.assertGroup(HARD_MASK_COUNT);
  }

  @Test
  @DisplayName(
      "Hard Attention Masking, k = fraction f: row i has ceil(f * n_i - 1e-9) candidates among its"
          + " n_i valid keys (0.3 * 10 keys gives 3, not 4)")
  void hardMaskWithFractionMatchesNumpy() {
    suite.assertGroup(HARD_MASK_FRACTION);
  }

  @Test
  @DisplayName(
      "Blurred Attention Smoothing (w = 1, 3, 5, 9; zero padding and renormalized; sigma per batch,"
          + " head, example; sigma 0 and tiny) is the masked row convolution with the kernel")
  void blurMatchesNumpyConvolution() {
    suite.assertGroup(BLUR);
  }

  @Test
  @DisplayName(
      "The Gaussian kernel (Java double[] and graph versions) is the normalized"
          + " scipy.signal.windows.gaussian, the identity for sigma -> 0")
  void gaussianKernelMatchesScipyWindow() {
    suite.assertGroup(KERNEL);
  }

  @Test
  @DisplayName(
      "KL, symmetric KL, K = 2..4 passes, ConsistencyLoss.total and RDrop.total match"
          + " scipy.stats.entropy / rel_entr")
  void consistencyLossesMatchScipyKl() {
    suite.assertGroup(CONSISTENCY);
  }

  @Test
  @DisplayName("Inverted dropout keeps x / (1 - rate) where u >= rate and zeroes the rest")
  void dropoutMatchesNumpy() {
    suite.assertGroup(DROPOUT);
  }

  @Test
  @DisplayName("DropKey sets every valid logit with u < rate to -1e9 and leaves the rest alone")
  void dropKeyMatchesNumpy() {
    suite.assertGroup(DROP_KEY);
  }

  @Test
  @DisplayName("DropHead zeroes heads with u < rate and rescales the kept ones by H / kept")
  void dropHeadMatchesNumpy() {
    suite.assertGroup(DROP_HEAD);
  }

  @Test
  @DisplayName(
      "DropAttention (window 1 and 3) drops key columns covered by a window start and"
          + " renormalizes; a row that lost every attended key keeps its probabilities")
  void dropAttentionMatchesNumpy() {
    suite.assertGroup(DROP_ATTENTION);
  }

  @Test
  @DisplayName("Relaxed attention mixes the probabilities with the uniform over valid keys")
  void relaxedAttentionMatchesNumpy() {
    suite.assertGroup(RELAXED);
  }

  @Test
  @DisplayName(
      "Masked softmax is the softmax over valid keys, 0 on masked keys and on fully masked rows,"
          + " and never reads a masked logit")
  void maskedSoftmaxMatchesNumpy() {
    suite.assertGroup(SOFTMAX);
  }

  @Test
  @DisplayName(
      "Scaled dot-product attention (logits, probabilities, output) matches NumPy: plain, training"
          + " off with a chain, and the noise-free chain hard mask p = 1 then relaxed attention")
  void scaledDotProductAttentionMatchesNumpy() {
    suite.assertGroup(ATTENTION);
  }

  @Test
  @DisplayName(
      "Composed cores (hard mask -> blur -> masked softmax -> DropAttention -> A V) match the"
          + " composed reference")
  void composedPipelineMatchesNumpy() {
    suite.assertGroup(PIPELINE);
  }

  @Test
  @DisplayName("AttentionMasks.causal(Q, K) is np.tril(ones(Q, K), K - Q)")
  void causalMaskBuilderMatchesNumpy() {
    suite.assertGroup(CAUSAL_MASK);
  }

  // ------------------------------------------------------------------------------------------
  // Cases
  // ------------------------------------------------------------------------------------------

  /** No mask, the rectangular causal mask, and a random mask with a fully masked row. */
  private static List<NamedMask> masks(RandomInputs rnd, long b, long h, long q, long k) {
    return List.of(
        new NamedMask("no mask", null),
        new NamedMask("causal mask", causal(q, k)),
        new NamedMask(
            "random mask with a fully masked row", rnd.randomMaskWithEmptyRow(0.6, b, h, q, k)));
  }

  private static void hardMaskCountCases(RandomInputs rnd) {
    int index = 0;
    for (int k : new int[] {1, 3, 7, 50}) {
      for (FillMode fill : FillMode.values()) {
        for (NamedMask m : masks(rnd, B, H, Q, K)) {
          Named logits = index++ % 2 == 0 ? tied(rnd, B, H, Q, K) : gaussian(rnd, B, H, Q, K);
          hardMaskCase(rnd, new HardAttentionMask(TopK.count(k), 0.5, fill), m, logits);
        }
      }
    }
    hardMaskCase(
        rnd,
        new HardAttentionMask(TopK.count(2), 0.5, FillMode.NEG_INF),
        new NamedMask("padding mask, example 1 empty", padding(K, 4, 0)),
        tied(rnd, B, H, Q, K));
    Npy.Array random = rnd.randomMaskWithEmptyRow(0.6, B, H, Q, K);
    hardMaskCase(
        rnd,
        new HardAttentionMask(TopK.count(3), 0.5, FillMode.ZERO),
        new NamedMask("random mask with a fully masked row", random),
        new Named(
            "tied logits, NaN where masked",
            RandomInputs.poisonMasked(rnd.integers(3, B, H, Q, K), random)));
    hardMaskCase(
        rnd,
        new HardAttentionMask(TopK.count(2), 1.0, FillMode.NEG_INF),
        new NamedMask("causal mask", causal(Q, K)),
        tied(rnd, B, H, Q, K));
    hardMaskCase(
        rnd,
        new HardAttentionMask(TopK.count(2), 0.0, FillMode.ZERO),
        new NamedMask("no mask", null),
        gaussian(rnd, B, H, Q, K));
  }

  private static void hardMaskFractionCases(RandomInputs rnd) {
    int index = 0;
    for (double f : new double[] {0.2, 3.0 / 7.0, 0.5, 1.0}) {
      for (FillMode fill : FillMode.values()) {
        for (NamedMask m : masks(rnd, B, H, Q, K)) {
          Named logits = index++ % 2 == 1 ? tied(rnd, B, H, Q, K) : gaussian(rnd, B, H, Q, K);
          hardMaskCase(rnd, new HardAttentionMask(TopK.fraction(f), 0.5, fill), m, logits);
        }
      }
    }
    // f * n that is an integer only up to rounding: 0.3 * 10 = 3.0000000000000004, 0.1 * 10 = 1.
    for (double f : new double[] {0.1, 0.3, 0.7}) {
      hardMaskCase(
          rnd,
          new HardAttentionMask(TopK.fraction(f), 0.6, FillMode.ZERO),
          new NamedMask("no mask", null),
          gaussian(rnd, 1, 2, 4, 10));
    }
    hardMaskCase(
        rnd,
        new HardAttentionMask(TopK.fraction(0.3), 0.6, FillMode.NEG_INF),
        new NamedMask("padding mask, lengths 10 and 0", padding(10, 10, 0)),
        tied(rnd, 2, 2, 4, 10));
  }

  /** Logits with many ties: small integers. */
  private static Named tied(RandomInputs rnd, long... shape) {
    return new Named("tied logits " + Arrays.toString(shape), rnd.integers(3, shape));
  }

  /** Logits without ties: N(0, 4). */
  private static Named gaussian(RandomInputs rnd, long... shape) {
    return new Named("Gaussian logits " + Arrays.toString(shape), rnd.normal(2, shape));
  }

  private static void hardMaskCase(
      RandomInputs rnd, HardAttentionMask op, NamedMask m, Named logits) {
    String group = op.k() instanceof TopK.Count ? HARD_MASK_COUNT : HARD_MASK_FRACTION;
    String name = "k=" + op.k() + ", p=" + op.p() + ", " + op.fill();
    ParityCase c =
        suite
            .add(group, name + ", " + m.name() + ", " + logits.name(), "hard_mask")
            .param("p", op.p())
            .param("fill", op.fill().name())
            .input("logits", logits.value())
            .input("u", rnd.uniform(op.p(), logits.value().shape()))
            .maskInput(m.mask());
    if (op.k() instanceof TopK.Count count) {
      c.param("k_count", count.k());
    } else {
      c.param("k_fraction", ((TopK.Fraction) op.k()).f());
    }
    c.java(
        g -> {
          Operand<TFloat64> l = g.f64("logits");
          Operand<TBool> mask = g.maskOrNull();
          g.output("result", op.applyWithNoise(g.tf(), l, mask, g.f64("u")));
          g.output("candidates", op.candidates(g.tf(), l, mask));
        });
  }

  private static void blurCases(RandomInputs rnd) {
    // One sigma per batch, per head, per example, per (example, head).
    List<Named> sigmaShapes =
        List.of(
            new Named("sigma per batch", rnd.uniformIn(0.05, 2.5, 1, 1, 1, 1)),
            new Named("sigma per head", rnd.uniformIn(0.05, 2.5, 1, H, 1, 1)),
            new Named("sigma per example", rnd.uniformIn(0.05, 2.5, B, 1, 1, 1)),
            new Named("sigma per example and head", rnd.uniformIn(0.05, 2.5, B, H, 1, 1)));
    int index = 0;
    for (int w : new int[] {1, 3, 5, 9}) {
      for (Boundary boundary : Boundary.values()) {
        for (NamedMask m :
            List.of(
                new NamedMask("no mask", null),
                new NamedMask("causal mask (6 x 6)", causal(6, 6)),
                new NamedMask(
                    "random mask with a fully masked row",
                    rnd.randomMaskWithEmptyRow(0.6, B, H, 6, 6)))) {
          Named sigma = sigmaShapes.get(index++ % sigmaShapes.size());
          blurCase(blur(w, boundary), m, sigma, rnd.normal(2, B, H, 6, 6));
        }
      }
    }
    NamedMask causal = new NamedMask("causal mask (5 x 7)", causal(Q, K));
    for (Boundary boundary : Boundary.values()) {
      for (Named sigma :
          List.of(
              new Named("sigma = 0", RandomInputs.of(new double[] {0}, 1, 1, 1, 1)),
              new Named("sigma = 1e-9", RandomInputs.of(new double[] {1e-9}, 1, 1, 1, 1)),
              new Named(
                  "sigmas per head 0, 1e-4, 4",
                  RandomInputs.of(new double[] {0, 1e-4, 4}, 1, H, 1, 1)))) {
        blurCase(blur(5, boundary), causal, sigma, rnd.normal(2, B, H, Q, K));
      }
      Named flat = new Named("sigma = 50", RandomInputs.of(new double[] {50}, 1, 1, 1, 1));
      blurCase(blur(9, boundary), causal, flat, rnd.normal(2, B, H, Q, K));
    }
    Npy.Array mask = rnd.randomMaskWithEmptyRow(0.5, B, H, Q, K);
    blurCase(
        blur(5, Boundary.RENORMALIZED),
        new NamedMask("random mask with a fully masked row, NaN where masked", mask),
        new Named("sigma per head", rnd.uniformIn(0.1, 2, 1, H, 1, 1)),
        RandomInputs.poisonMasked(rnd.normal(2, B, H, Q, K), mask));
  }

  private static BlurredAttentionSmoothing blur(int width, Boundary boundary) {
    return new BlurredAttentionSmoothing(1.0, width, SigmaScope.PER_BATCH, boundary);
  }

  private static void blurCase(
      BlurredAttentionSmoothing op, NamedMask m, Named sigma, Npy.Array logits) {
    String name = "w=" + op.width() + ", " + op.boundary() + ", " + sigma.name() + ", " + m.name();
    suite
        .add(BLUR, name, "blur")
        .param("width", op.width())
        .param("boundary", op.boundary().name())
        .input("logits", logits)
        .input("sigma", sigma.value())
        .maskInput(m.mask())
        .java(
            g -> {
              Operand<TFloat64> l = g.f64("logits");
              g.output("result", op.applyWithSigma(g.tf(), l, g.maskOrNull(), g.f64("sigma")));
            });
  }

  private static void kernelCases() {
    double[] sigmas = {0, 1e-12, 1e-3, 0.02, 0.3, 1, 2.5, 40};
    for (int w : new int[] {1, 3, 5, 9, 63}) {
      suite
          .add(KERNEL, "double[] weights, w=" + w, "gaussian_kernel")
          .param("width", w)
          .input("sigma", RandomInputs.of(sigmas, sigmas.length))
          .java(
              g -> {
                double[] all = new double[sigmas.length * w];
                for (int i = 0; i < sigmas.length; i++) {
                  System.arraycopy(GaussianKernel.weights(sigmas[i], w), 0, all, i * w, w);
                }
                g.output("weights", RandomInputs.of(all, sigmas.length, w));
              });
      suite
          .add(KERNEL, "graph weights (float64), w=" + w, "gaussian_kernel")
          .param("width", w)
          .input("sigma", RandomInputs.of(sigmas, sigmas.length))
          .java(
              g -> {
                List<Operand<TFloat64>> gd =
                    GaussianKernel.weights(g.tf(), g.f64("sigma"), w, TFloat64.class);
                g.output("weights", g.tf().stack(gd, Stack.axis(1L)));
              });
    }
  }

  private static void consistencyCases(RandomInputs rnd) {
    Npy.Array zp = rnd.normal(2, 4, 6);
    Npy.Array zq = rnd.normal(2, 4, 6);
    suite
        .add(CONSISTENCY, "KL(P || Q), [4, 6] logits", "kl")
        .input("z_p", zp)
        .input("z_q", zq)
        .java(g -> g.output("result", ConsistencyLoss.kl(g.tf(), g.f64("z_p"), g.f64("z_q"))));
    suite
        .add(CONSISTENCY, "KL(Q || P) is the other direction", "kl")
        .input("z_p", zq)
        .input("z_q", zp)
        .java(g -> g.output("result", ConsistencyLoss.kl(g.tf(), g.f64("z_p"), g.f64("z_q"))));
    suite
        .add(CONSISTENCY, "KL averaged over every leading axis, [2, 3, 5] logits", "kl")
        .input("z_p", rnd.normal(3, 2, 3, 5))
        .input("z_q", rnd.normal(3, 2, 3, 5))
        .java(g -> g.output("result", ConsistencyLoss.kl(g.tf(), g.f64("z_p"), g.f64("z_q"))));

    record Form(int passes, double lambda, Divergence divergence) {}
    for (Form f :
        List.of(
            new Form(2, 0.7, Divergence.KL),
            new Form(2, 1.3, Divergence.SYMMETRIC_KL),
            new Form(3, 1.0, Divergence.KL),
            new Form(3, 0.5, Divergence.SYMMETRIC_KL),
            new Form(4, 2.5, Divergence.KL),
            new Form(2, 0.0, Divergence.KL))) {
      ConsistencyLoss loss = new ConsistencyLoss(f.lambda(), f.divergence());
      ParityCase c =
          suite
              .add(
                  CONSISTENCY,
                  "lambda=" + f.lambda() + ", " + f.divergence() + ", K=" + f.passes(),
                  "consistency")
              .param("lambda", f.lambda())
              .param("divergence", f.divergence().name())
              .param("passes", f.passes());
      for (int i = 0; i < f.passes(); i++) {
        c.input("z_" + i, rnd.normal(1.5, 5, 4));
      }
      c.java(g -> g.output("result", loss.call(g.tf(), passes(g, "z", f.passes()))));
    }

    record Total(int tasks, int passes, double lambda, Divergence divergence) {}
    for (Total t :
        List.of(
            new Total(2, 2, 0.8, Divergence.KL),
            new Total(3, 3, 1.5, Divergence.SYMMETRIC_KL),
            new Total(1, 2, 0.3, Divergence.SYMMETRIC_KL))) {
      ConsistencyLoss loss = new ConsistencyLoss(t.lambda(), t.divergence());
      ParityCase c =
          suite
              .add(
                  CONSISTENCY,
                  "ConsistencyLoss.total, "
                      + t.tasks()
                      + " task losses, lambda="
                      + t.lambda()
                      + ", "
                      + t.divergence()
                      + ", K="
                      + t.passes(),
                  "consistency_total")
              .param("lambda", t.lambda())
              .param("divergence", t.divergence().name())
              .param("passes", t.passes())
              .param("tasks", t.tasks());
      for (int i = 0; i < t.passes(); i++) {
        c.input("z_" + i, rnd.normal(1.5, 3, 5));
      }
      for (int i = 0; i < t.tasks(); i++) {
        c.input("task_" + i, RandomInputs.scalar(0.5 + i * 0.7));
      }
      c.java(
          g ->
              g.output(
                  "result",
                  loss.total(g.tf(), passes(g, "task", t.tasks()), passes(g, "z", t.passes()))));
    }

    for (double alpha : new double[] {0.0, 1.0, 4.0}) {
      RDrop rdrop = new RDrop(alpha);
      suite
          .add(CONSISTENCY, "RDrop.total, alpha=" + alpha, "rdrop_total")
          .param("alpha", alpha)
          .input("task_1", RandomInputs.scalar(1.25))
          .input("task_2", RandomInputs.scalar(0.75))
          .input("z_1", rnd.normal(2, 4, 3))
          .input("z_2", rnd.normal(2, 4, 3))
          .java(
              g ->
                  g.output(
                      "result",
                      rdrop.total(
                          g.tf(), g.f64("task_1"), g.f64("task_2"), g.f64("z_1"), g.f64("z_2"))));
    }
    Npy.Array z1 = rnd.normal(2, 4, 3);
    Npy.Array z2 = rnd.normal(2, 4, 3);
    suite
        .add(CONSISTENCY, "RDrop.consistency is alpha * symmetric KL", "consistency")
        .param("lambda", 2.0)
        .param("divergence", "SYMMETRIC_KL")
        .param("passes", 2)
        .input("z_0", z1)
        .input("z_1", z2)
        .java(
            g ->
                g.output("result", new RDrop(2.0).consistency(g.tf(), g.f64("z_0"), g.f64("z_1"))));
  }

  private static List<Operand<TFloat64>> passes(ParityCase.Graph g, String prefix, int n) {
    List<Operand<TFloat64>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(g.f64(prefix + "_" + i));
    }
    return out;
  }

  private static void dropoutCases(RandomInputs rnd) {
    long[][] shapes = {{B, H, Q, K}, {4, 6}};
    int index = 0;
    for (double rate : new double[] {0.0, 0.1, 0.5, 0.9}) {
      for (long[] shape : shapes) {
        Dropout op = new Dropout(rate);
        suite
            .add(DROPOUT, "rate=" + rate + ", shape " + Arrays.toString(shape), "dropout")
            .param("rate", rate)
            .input("x", rnd.normal(1 + index++, shape))
            .input("u", rnd.uniform(rate, shape))
            .java(g -> g.output("result", op.applyWithNoise(g.tf(), g.f64("x"), g.f64("u"))));
      }
    }
  }

  private static void dropKeyCases(RandomInputs rnd) {
    for (double rate : new double[] {0.2, 0.5, 0.95}) {
      for (NamedMask m : masks(rnd, B, H, Q, K)) {
        dropKeyCase(rate, m, rnd.logits(false, B, H, Q, K), rnd.uniform(rate, B, H, Q, K));
      }
    }
    Npy.Array mask = rnd.randomMaskWithEmptyRow(0.5, B, H, Q, K);
    dropKeyCase(
        0.4,
        new NamedMask("random mask, NaN in masked logits", mask),
        RandomInputs.poisonMasked(rnd.logits(false, B, H, Q, K), mask),
        rnd.uniform(0.4, B, H, Q, K));
    dropKeyCase(
        0.3,
        new NamedMask("padding mask, example 1 empty", padding(K, 5, 0)),
        rnd.logits(true, B, H, Q, K),
        rnd.uniform(0.3, B, H, Q, K));
  }

  private static void dropKeyCase(double rate, NamedMask m, Npy.Array logits, Npy.Array u) {
    suite
        .add(DROP_KEY, "rate=" + rate + ", " + m.name(), "drop_key")
        .param("rate", rate)
        .input("logits", logits)
        .input("u", u)
        .maskInput(m.mask())
        .java(
            g ->
                g.output(
                    "result",
                    DropKey.applyWithNoise(
                        g.tf(), g.f64("logits"), g.maskOrNull(), rate, g.f64("u"))));
  }

  private static void dropHeadCases(RandomInputs rnd) {
    for (double rate : new double[] {0.3, 0.5, 0.9}) {
      dropHeadCase(
          "rate=" + rate + ", [2, 3] heads",
          rate,
          rnd.probabilities(causal(Q, K), B, H, Q, K),
          rnd.uniform(rate, B, H, 1, 1));
    }
    dropHeadCase(
        "rate=0.4, 8 heads, 4 examples",
        0.4,
        rnd.probabilities(null, 4, 8, 3, 4),
        rnd.uniform(0.4, 4, 8, 1, 1));
    dropHeadCase(
        "every head of example 0 dropped: its output is all zeros",
        0.5,
        rnd.probabilities(null, B, H, Q, K),
        RandomInputs.of(new double[] {0.1, 0.2, 0.3, 0.6, 0.1, 0.9}, B, H, 1, 1));
  }

  private static void dropHeadCase(String name, double rate, Npy.Array probs, Npy.Array u) {
    DropHead op = new DropHead(rate);
    suite
        .add(DROP_HEAD, name, "drop_head")
        .param("rate", rate)
        .input("probs", probs)
        .input("u", u)
        .java(g -> g.output("result", op.applyWithNoise(g.tf(), g.f64("probs"), g.f64("u"))));
  }

  private static void dropAttentionCases(RandomInputs rnd) {
    int index = 0;
    for (int window : new int[] {1, 3}) {
      for (double rate : new double[] {0.3, 0.6, 0.9}) {
        NamedMask m = masks(rnd, B, H, Q, K).get(index++ % 3);
        dropAttentionCase(
            "rate=" + rate + ", window " + window + ", probabilities under " + m.name(),
            rate,
            window,
            rnd.probabilities(m.mask(), B, H, Q, K),
            rnd.uniform(rate / window, B, H, 1, K));
      }
    }
    // Columns 0..2 dropped: causal rows 0..2 (of 6 x 6) lose every key they attend to.
    Npy.Array causalProbs = rnd.probabilities(causal(6, 6), 1, 2, 6, 6);
    dropAttentionCase(
        "rate=0.5, window 1, the first three columns dropped under a causal mask",
        0.5,
        1,
        causalProbs,
        RandomInputs.of(
            new double[] {0.1, 0.2, 0.3, 0.9, 0.8, 0.7, 0.1, 0.4, 0.6, 0.5, 0.95, 0.6},
            1,
            2,
            1,
            6));
    dropAttentionCase(
        "rate=0.6, window 3, one start at column 0 under a causal mask",
        0.6,
        3,
        causalProbs,
        RandomInputs.of(
            new double[] {0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.0}, 1, 2, 1, 6));
  }

  private static void dropAttentionCase(
      String name, double rate, int window, Npy.Array probs, Npy.Array u) {
    DropAttention op = new DropAttention(rate, window);
    suite
        .add(DROP_ATTENTION, name, "drop_attention")
        .param("rate", rate)
        .param("window", window)
        .input("probs", probs)
        .input("u", u)
        .java(g -> g.output("result", op.applyWithNoise(g.tf(), g.f64("probs"), g.f64("u"))));
  }

  private static void relaxedCases(RandomInputs rnd) {
    List<NamedMask> masks = new ArrayList<>(masks(rnd, B, H, Q, K));
    masks.add(new NamedMask("padding mask, example 1 empty", padding(K, 3, 0)));
    for (double gamma : new double[] {0.0, 0.1, 1.0}) {
      for (NamedMask m : masks) {
        RelaxedAttention op = new RelaxedAttention(gamma);
        suite
            .add(RELAXED, "gamma=" + gamma + ", " + m.name(), "relaxed")
            .param("gamma", gamma)
            .input("probs", rnd.probabilities(m.mask(), B, H, Q, K))
            .maskInput(m.mask())
            .java(
                g -> {
                  AttentionContext context =
                      AttentionContext.training(Training.ON, null).withKeyMask(g.maskOrNull());
                  g.output("result", op.apply(g.tf(), g.f64("probs"), context));
                });
      }
    }
  }

  private static void softmaxCases(RandomInputs rnd) {
    List<NamedMask> masks = new ArrayList<>(masks(rnd, B, H, Q, K));
    masks.add(new NamedMask("padding mask, example 1 empty", padding(K, 6, 0)));
    for (NamedMask m : masks) {
      softmaxCase(m.name(), m.mask(), rnd.logits(false, B, H, Q, K));
    }
    Npy.Array mask = rnd.randomMaskWithEmptyRow(0.5, B, H, Q, K);
    softmaxCase(
        "random mask, NaN in masked logits",
        mask,
        RandomInputs.poisonMasked(rnd.logits(false, B, H, Q, K), mask));
    softmaxCase(
        "causal mask, every valid logit dropped to -1e9: uniform over the valid keys",
        causal(Q, K),
        RandomInputs.fillValid(rnd.logits(false, B, H, Q, K), causal(Q, K), -1e9));
    softmaxCase("no mask, logits of scale 300", null, rnd.normal(300, B, H, Q, K));
  }

  private static void softmaxCase(String name, Npy.Array mask, Npy.Array logits) {
    suite
        .add(SOFTMAX, name, "masked_softmax")
        .input("logits", logits)
        .maskInput(mask)
        .java(
            g ->
                g.output("result", Masking.maskedSoftmax(g.tf(), g.f64("logits"), g.maskOrNull())));
  }

  private static void attentionCases(RandomInputs rnd) {
    List<NamedMask> masks = new ArrayList<>(masks(rnd, B, H, Q, K));
    masks.add(new NamedMask("padding mask, example 1 empty", padding(K, 4, 0)));
    for (NamedMask m : masks) {
      attentionCase(
          rnd,
          "training on, empty chain, " + m.name(),
          m.mask(),
          Map.of(),
          (tf, seed) -> AttentionContext.training(seed),
          RegularizerChain.none());
    }
    RegularizerChain busy =
        RegularizerChain.ofLogits(HardAttentionMask.of(2, 0.5), DropKey.of(0.3))
            .thenProbabilities(new AttentionDropout(0.2))
            .thenProbabilities(new DropHead(0.3));
    attentionCase(
        rnd,
        "training off ignores a stochastic chain, causal mask",
        causal(Q, K),
        Map.of(),
        (tf, seed) -> AttentionContext.inference(),
        busy);

    Map<String, Object> hard = new LinkedHashMap<>();
    hard.put("k_count", 2);
    hard.put("p", 1.0);
    hard.put("fill", "NEG_INF");
    Map<String, Object> hardAndRelaxed = new LinkedHashMap<>();
    hardAndRelaxed.put("hard_mask", hard);
    hardAndRelaxed.put("relaxed_gamma", 0.2);
    RegularizerChain noiseFree =
        RegularizerChain.ofLogits(new HardAttentionMask(TopK.count(2), 1.0, FillMode.NEG_INF))
            .thenProbabilities(new RelaxedAttention(0.2));
    for (NamedMask m : masks(rnd, B, H, Q, K)) {
      attentionCase(
          rnd,
          "training on, hard mask (k=2, p=1, NEG_INF) then relaxed 0.2, " + m.name(),
          m.mask(),
          hardAndRelaxed,
          (tf, seed) -> AttentionContext.training(seed),
          noiseFree);
    }
    Map<String, Object> fraction = new LinkedHashMap<>();
    fraction.put("k_fraction", 0.5);
    fraction.put("p", 1.0);
    fraction.put("fill", "ZERO");
    attentionCase(
        rnd,
        "training on, hard mask (f=0.5, p=1, ZERO), causal mask",
        causal(Q, K),
        Map.of("hard_mask", fraction),
        (tf, seed) -> AttentionContext.training(seed),
        RegularizerChain.ofLogits(new HardAttentionMask(TopK.fraction(0.5), 1.0, FillMode.ZERO)));
  }

  @FunctionalInterface
  private interface ContextFactory {
    AttentionContext create(Ops tf, Operand<TInt64> seed);
  }

  private static void attentionCase(
      RandomInputs rnd,
      String name,
      Npy.Array mask,
      Map<String, Object> params,
      ContextFactory context,
      RegularizerChain chain) {
    ParityCase c =
        suite
            .add(ATTENTION, name, "attention")
            .input("query", rnd.normal(1, B, H, Q, 4))
            .input("key", rnd.normal(1, B, H, K, 4))
            .input("value", rnd.normal(1, B, H, K, 3))
            .maskInput(mask);
    params.forEach(c::param);
    c.java(
        g -> {
          Ops tf = g.tf();
          AttentionContext ctx =
              context.create(tf, tf.constant(new long[] {7, 11})).withKeyMask(g.maskOrNull());
          ScaledDotProductAttention.Result<TFloat64> r =
              ScaledDotProductAttention.compute(
                  tf, g.f64("query"), g.f64("key"), g.f64("value"), chain, ctx);
          g.output("logits", r.logits());
          g.output("probabilities", r.probabilities());
          g.output("output", r.output());
        });
  }

  private static void pipelineCases(RandomInputs rnd) {
    for (NamedMask m :
        List.of(
            new NamedMask("causal mask (6 x 6)", causal(6, 6)),
            new NamedMask(
                "random mask with a fully masked row",
                rnd.randomMaskWithEmptyRow(0.6, B, H, 6, 6)))) {
      for (FillMode fill : FillMode.values()) {
        pipelineCase(rnd, m, fill);
      }
    }
  }

  private static void pipelineCase(RandomInputs rnd, NamedMask m, FillMode fill) {
    HardAttentionMask hard = new HardAttentionMask(TopK.count(3), 0.5, fill);
    BlurredAttentionSmoothing blur =
        new BlurredAttentionSmoothing(2.0, 5, SigmaScope.PER_HEAD, Boundary.RENORMALIZED);
    DropAttention dropAttention = new DropAttention(0.4, 3);
    Map<String, Object> hardParams = new LinkedHashMap<>();
    hardParams.put("k_count", 3);
    hardParams.put("p", 0.5);
    hardParams.put("fill", fill.name());
    suite
        .add(
            PIPELINE,
            "hard mask (k=3, p=0.5, "
                + fill
                + ") -> blur (w=5, renormalized) -> DropAttention (0.4, window 3), "
                + m.name(),
            "pipeline")
        .param("hard_mask", hardParams)
        .param("width", 5)
        .param("boundary", "RENORMALIZED")
        .param("rate", 0.4)
        .param("window", 3)
        .input("logits", rnd.logits(true, B, H, 6, 6))
        .input("u_hard", rnd.uniform(0.5, B, H, 6, 6))
        .input("sigma", rnd.uniformIn(0, 2, 1, H, 1, 1))
        .input("u_cols", rnd.uniform(0.4 / 3, B, H, 1, 6))
        .input("value", rnd.normal(1, B, H, 6, 3))
        .maskInput(m.mask())
        .java(
            g -> {
              Ops tf = g.tf();
              Operand<TBool> mask = g.maskOrNull();
              Operand<TFloat64> l = hard.applyWithNoise(tf, g.f64("logits"), mask, g.f64("u_hard"));
              l = blur.applyWithSigma(tf, l, mask, g.f64("sigma"));
              Operand<TFloat64> a = Masking.maskedSoftmax(tf, l, mask);
              a = dropAttention.applyWithNoise(tf, a, g.f64("u_cols"));
              g.output("probabilities", a);
              g.output("output", tf.train.batchMatMul(a, g.f64("value"), TFloat64.class));
            });
  }

  private static void causalMaskCases() {
    for (long[] qk : new long[][] {{5, 7}, {6, 6}, {1, 4}, {3, 3}}) {
      suite
          .add(CAUSAL_MASK, "Q=" + qk[0] + ", K=" + qk[1], "causal_mask")
          .param("queries", qk[0])
          .param("keys", qk[1])
          .java(
              g ->
                  g.output(
                      "result",
                      AttentionMasks.causal(
                          g.tf(), g.tf().constant((int) qk[0]), g.tf().constant((int) qk[1]))));
    }
  }
}
