package dev.attentiondrop.ops.xla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.attention.ScaledDotProductAttention;
import dev.attentiondrop.ops.attention.ScaledDotProductAttention.Result;
import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.kernels.FusedKernels;
import dev.attentiondrop.ops.testing.Stats;
import dev.attentiondrop.ops.testing.TfRun;
import dev.attentiondrop.ops.testing.Variants;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

@DisplayName("Compiled attention: same values and gradients as the plain path")
class CompiledAttentionTest {
  static final int B = 2, H = 2, T = 8, D = 4;

  static Stream<Arguments> variants() {
    return Variants.arguments();
  }

  static boolean[] causalMask() {
    return Variants.causal(T);
  }

  /**
   * q, k, v of {@code type}: float64 placeholders (cast), fed with fixed Gaussian data by {@link
   * #feeds}, and a fed seed with large halves. Fed, not constant: Grappler would evaluate a call
   * whose inputs are all constants while optimizing the graph, and XLA would never run.
   */
  record Qkv<T extends TFloating>(
      Operand<T> q,
      Operand<T> k,
      Operand<T> v,
      Operand<TInt64> seed,
      Map<Operand<?>, Object> feeds) {
    static <T extends TFloating> Qkv<T> fed(TfRun r, Class<T> type) {
      Operand<TFloat64> q = r.placeholder(B, H, T, D);
      Operand<TFloat64> k = r.placeholder(B, H, T, D);
      Operand<TFloat64> v = r.placeholder(B, H, T, D);
      Operand<TInt64> seed = r.seedPlaceholder();
      Map<Operand<?>, Object> feeds =
          Map.of(
              q, Stats.gaussian(1, B * H * T * D),
              k, Stats.gaussian(2, B * H * T * D),
              v, Stats.gaussian(3, B * H * T * D),
              seed, new long[] {0x1234_5678_9ABC_DEF0L, -42});
      return new Qkv<>(cast(r, q, type), cast(r, k, type), cast(r, v, type), seed, feeds);
    }

    static Qkv<TFloat32> f32(TfRun r) {
      return fed(r, TFloat32.class);
    }

    AttentionContext context(TfRun r) {
      return AttentionContext.training(seed)
          .withKeyMask(r.bool(causalMask(), 1, 1, T, T))
          .withLayer(1, 2);
    }

    List<double[]> eval(TfRun r, List<Operand<?>> xs) {
      return r.evalFeeding(feeds, xs.toArray(new Operand<?>[0]));
    }
  }

  @SuppressWarnings("unchecked")
  static <T extends TFloating> Operand<T> cast(TfRun r, Operand<TFloat64> x, Class<T> type) {
    return type == TFloat64.class ? (Operand<T>) x : r.tf.dtypes.cast(x, type);
  }

  static <T extends TFloating> List<Operand<?>> outputs(Result<T> res) {
    return List.of(res.output(), res.probabilities(), res.logits());
  }

  static double maxAbsDiff(double[] a, double[] b) {
    assertEquals(a.length, b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName(
      "forward: within 5e-7 (a few float32 ulps of O(1) values) through the function uncompiled, within 2e-6 compiled")
  void forwardMatchesPlain(String name, RegularizerChain chain) {
    try (TfRun r = TfRun.create()) {
      var x = Qkv.f32(r);
      var ctx = x.context(r);
      var plain = ScaledDotProductAttention.compute(r.tf, x.q(), x.k(), x.v(), chain, ctx);
      var viaFunction =
          CompiledAttention.of(chain, XlaMode.COMPILED_FUNCTION)
              .withoutXla()
              .compute(r.tf, x.q(), x.k(), x.v(), ctx);
      var compiled =
          CompiledAttention.of(chain, XlaMode.COMPILED_FUNCTION)
              .compute(r.tf, x.q(), x.k(), x.v(), ctx);
      List<Operand<?>> all = new ArrayList<>(outputs(plain));
      all.addAll(outputs(viaFunction));
      all.addAll(outputs(compiled));
      List<double[]> v = x.eval(r, all);
      for (int i = 0; i < 3; i++) {
        // Not bit-identical: Grappler optimizes a function body on its own, and the blur's banded
        // matmul may then take another summation order (1 ulp seen).
        assertArrayEquals(v.get(i), v.get(3 + i), 5e-7, name + ": output " + i + " via function");
        double d = maxAbsDiff(v.get(i), v.get(6 + i));
        assertTrue(d <= 2e-6, name + ": output " + i + " compiled differs by " + d);
      }
      assertEquals(Shape.of(B, H, T, D), compiled.output().shape());
      assertEquals(Shape.of(B, H, T, T), compiled.probabilities().shape());
    }
  }

  @Test
  @DisplayName("the call node carries _XlaMustCompile; outputs not asked for are not returned")
  void callNodeAndOptionalOutputs() {
    try (TfRun r = TfRun.create()) {
      var x = Qkv.f32(r);
      var res =
          CompiledAttention.of(RegularizerChain.none(), XlaMode.COMPILED_FUNCTION)
              .returning(false, false)
              .compute(r.tf, x.q(), x.k(), x.v(), AttentionContext.inference());
      assertNull(res.probabilities());
      assertNull(res.logits());
      List<GraphOperation> calls = calls(r);
      assertEquals(1, calls.size());
      GraphOperation call = calls.get(0);
      assertEquals("PartitionedCall", call.type());
      assertTrue(call.attributes().getAttrBool(XlaCalls.MUST_COMPILE));
      assertEquals(1, call.numOutputs());
      var plain =
          ScaledDotProductAttention.compute(
              r.tf, x.q(), x.k(), x.v(), RegularizerChain.none(), AttentionContext.inference());
      List<double[]> v = x.eval(r, List.of(res.output(), plain.output()));
      assertTrue(maxAbsDiff(v.get(0), v.get(1)) <= 2e-6);
    }
  }

  static List<GraphOperation> calls(TfRun r) {
    List<GraphOperation> out = new ArrayList<>();
    for (var it = r.graph.operations(); it.hasNext(); ) {
      GraphOperation op = it.next();
      if (op.type().endsWith("PartitionedCall")) {
        out.add(op);
      }
    }
    return out;
  }

  static RegularizerChain hardMaskBlurDropout() {
    return RegularizerChain.ofLogits(
            HardAttentionMask.of(3, 0.3), BlurredAttentionSmoothing.of(1.0, 3))
        .thenProbabilities(new AttentionDropout(0.2));
  }

  /** Gradients of a weighted sum of the output (and probabilities) w.r.t. q, k, v. */
  static <T extends TFloating> List<double[]> gradients(
      TfRun r,
      Operand<T> q,
      Operand<T> k,
      Operand<T> v,
      Result<T> res,
      boolean probs,
      Map<Operand<?>, Object> feeds) {
    Ops tf = r.tf;
    Operand<T> w = tf.dtypes.cast(r.f64(Stats.gaussian(9, B * H * T * D), B, H, T, D), q.type());
    Operand<T> loss =
        tf.reduceSum(tf.math.mul(res.output(), w), tf.constant(new int[] {0, 1, 2, 3}));
    if (probs) {
      Operand<T> wp =
          tf.dtypes.cast(r.f64(Stats.gaussian(10, B * H * T * T), B, H, T, T), q.type());
      loss =
          tf.math.add(
              loss,
              tf.reduceSum(
                  tf.math.mul(res.probabilities(), wp), tf.constant(new int[] {0, 1, 2, 3})));
    }
    List<Operand<?>> g = r.gradients(loss, q, k, v);
    return r.evalFeeding(feeds, g.toArray(new Operand<?>[0]));
  }

  @Test
  @DisplayName("backward, float32: gradients w.r.t. q, k, v through the compiled call match")
  void gradientsMatchFloat32() {
    RegularizerChain chain = hardMaskBlurDropout();
    for (boolean probs : new boolean[] {false, true}) {
      try (TfRun r = TfRun.create()) {
        var x = Qkv.f32(r);
        var ctx = x.context(r);
        var plain = ScaledDotProductAttention.compute(r.tf, x.q(), x.k(), x.v(), chain, ctx);
        var compiled =
            CompiledAttention.of(chain, XlaMode.COMPILED_FUNCTION)
                .compute(r.tf, x.q(), x.k(), x.v(), ctx);
        List<double[]> a = gradients(r, x.q(), x.k(), x.v(), plain, probs, x.feeds());
        List<double[]> b = gradients(r, x.q(), x.k(), x.v(), compiled, probs, x.feeds());
        for (int i = 0; i < 3; i++) {
          double scale = 0;
          for (double g : a.get(i)) {
            scale = Math.max(scale, Math.abs(g));
          }
          assertTrue(scale > 0, "gradient " + i + " is zero");
          double d = maxAbsDiff(a.get(i), b.get(i));
          assertTrue(d <= 2e-6 * Math.max(1, scale), "gradient " + i + " differs by " + d);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  @DisplayName("backward, float64, every variant: compiled gradients match to 1e-10")
  void gradientsMatchFloat64(String name, RegularizerChain chain) {
    try (TfRun r = TfRun.create()) {
      var x = Qkv.fed(r, TFloat64.class);
      var ctx = x.context(r);
      var plain = ScaledDotProductAttention.compute(r.tf, x.q(), x.k(), x.v(), chain, ctx);
      var compiled =
          CompiledAttention.of(chain, XlaMode.COMPILED_FUNCTION)
              .compute(r.tf, x.q(), x.k(), x.v(), ctx);
      List<double[]> a = gradients(r, x.q(), x.k(), x.v(), plain, true, x.feeds());
      List<double[]> b = gradients(r, x.q(), x.k(), x.v(), compiled, true, x.feeds());
      for (int i = 0; i < 3; i++) {
        double d = maxAbsDiff(a.get(i), b.get(i));
        assertTrue(d <= 1e-10, name + ": gradient " + i + " differs by " + d);
      }
    }
  }

  @Test
  @DisplayName("inference (training a Java false) needs no seed and matches")
  void inference() {
    try (TfRun r = TfRun.create()) {
      var x = Qkv.f32(r);
      var ctx = AttentionContext.inference().withKeyMask(r.bool(causalMask(), 1, 1, T, T));
      var chain = hardMaskBlurDropout();
      var plain = ScaledDotProductAttention.compute(r.tf, x.q(), x.k(), x.v(), chain, ctx);
      var compiled =
          CompiledAttention.of(chain, XlaMode.COMPILED_FUNCTION)
              .compute(r.tf, x.q(), x.k(), x.v(), ctx);
      assertEquals(4, calls(r).get(0).numInputs(), "q, k, v and the mask: no seed input");
      List<double[]> v = x.eval(r, List.of(plain.output(), compiled.output()));
      assertTrue(maxAbsDiff(v.get(0), v.get(1)) <= 2e-6);
    }
  }

  @Test
  @DisplayName("NONE and AUTO_CLUSTERING build the plain graph (AUTO with portable random kernels)")
  void otherModes() {
    try (TfRun r = TfRun.create()) {
      var x = Qkv.f32(r);
      var ctx = x.context(r);
      var chain = hardMaskBlurDropout();
      var none = CompiledAttention.of(chain, XlaMode.NONE).compute(r.tf, x.q(), x.k(), x.v(), ctx);
      assertEquals(0, calls(r).size());
      assertEquals(0, r.countOps("StatelessRandomGetKeyCounter"));
      var auto =
          CompiledAttention.of(chain, XlaMode.AUTO_CLUSTERING)
              .compute(r.tf, x.q(), x.k(), x.v(), ctx);
      assertEquals(0, calls(r).size());
      assertTrue(r.countOps("StatelessRandomUniformFullIntV2") > 0);
      List<double[]> v = x.eval(r, List.of(none.output(), auto.output()));
      // NONE may use the fused blur kernel (dev.attentiondrop.ops.kernels), which sums the taps in
      // another order than AUTO's stock banded product: equal up to float32 rounding.
      assertArrayEquals(v.get(0), v.get(1), FusedKernels.available() ? 1e-6 : 0.0);
    }
  }

  @Test
  @DisplayName(
      "a dynamic batch: one call node serves batches of 2 and 3, float64 values and gradients as the plain path")
  void dynamicBatch() {
    RegularizerChain chain = hardMaskBlurDropout();
    try (TfRun r = TfRun.create()) {
      var tf = r.tf;
      Shape dynamic = Shape.of(-1, H, T, D);
      Operand<TFloat64> q = tf.placeholder(TFloat64.class, Placeholder.shape(dynamic));
      Operand<TFloat64> k = tf.placeholder(TFloat64.class, Placeholder.shape(dynamic));
      Operand<TFloat64> v = tf.placeholder(TFloat64.class, Placeholder.shape(dynamic));
      var ctx =
          AttentionContext.training(r.seed(5, 6)).withKeyMask(r.bool(causalMask(), 1, 1, T, T));
      var plain = ScaledDotProductAttention.compute(tf, q, k, v, chain, ctx);
      var compiled =
          CompiledAttention.of(chain, XlaMode.COMPILED_FUNCTION).compute(tf, q, k, v, ctx);
      assertArrayEquals(
          dynamic.asArray(),
          compiled.output().shape().asArray(),
          "the known dimensions are restored");
      assertArrayEquals(new long[] {-1, H, T, T}, compiled.probabilities().shape().asArray());
      List<Operand<?>> fetch = new ArrayList<>(outputs(plain));
      fetch.addAll(outputs(compiled));
      fetch.addAll(r.gradients(tf.math.mul(plain.output(), plain.output()), q, k, v));
      fetch.addAll(r.gradients(tf.math.mul(compiled.output(), compiled.output()), q, k, v));
      for (int batch : new int[] {2, 3}) {
        Shape shape = Shape.of(batch, H, T, D);
        int n = batch * H * T * D;
        try (TFloat64 qt =
                TFloat64.tensorOf(shape, DataBuffers.of(Stats.gaussian(11, n), true, false));
            TFloat64 kt =
                TFloat64.tensorOf(shape, DataBuffers.of(Stats.gaussian(12, n), true, false));
            TFloat64 vt =
                TFloat64.tensorOf(shape, DataBuffers.of(Stats.gaussian(13, n), true, false))) {
          List<double[]> out =
              r.evalFeeding(Map.of(q, qt, k, kt, v, vt), fetch.toArray(new Operand<?>[0]));
          assertEquals(n, out.get(3).length, "batch " + batch + " ran");
          for (int i = 0; i < 3; i++) {
            assertArrayEquals(
                out.get(i), out.get(3 + i), 1e-10, "batch " + batch + ", output " + i);
            assertArrayEquals(
                out.get(6 + i), out.get(9 + i), 1e-10, "batch " + batch + ", gradient " + i);
          }
        }
      }
    }
  }

  @Test
  @DisplayName("errors: a tensor training flag")
  void errors() {
    try (TfRun r = TfRun.create()) {
      var chain = RegularizerChain.none();
      var attention = CompiledAttention.of(chain, XlaMode.COMPILED_FUNCTION);
      var x = Qkv.f32(r);
      Operand<TBool> flag = r.tf.constant(true);
      var ctx = AttentionContext.training(Training.of(flag), r.seed(1, 2));
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> attention.compute(r.tf, x.q(), x.k(), x.v(), ctx));
      assertTrue(e.getMessage().contains("Java constant"), e.getMessage());
      assertNotNull(attention.chain());
    }
  }

  @Test
  @DisplayName(
      "session config: COMPILED_FUNCTION turns Grappler's memory optimizer off and keeps the base settings; other modes keep the base")
  void sessionConfig() {
    var base = ConfigProto.newBuilder().setIntraOpParallelismThreads(3).build();
    var compiled = CompiledAttention.sessionConfig(XlaMode.COMPILED_FUNCTION, base);
    assertEquals(
        RewriterConfig.MemOptType.NO_MEM_OPT,
        compiled.getGraphOptions().getRewriteOptions().getMemoryOptimization());
    assertEquals(3, compiled.getIntraOpParallelismThreads());
    assertEquals(base, CompiledAttention.sessionConfig(XlaMode.NONE, base));
    assertEquals(base, CompiledAttention.sessionConfig(XlaMode.AUTO_CLUSTERING, base));
  }
}
