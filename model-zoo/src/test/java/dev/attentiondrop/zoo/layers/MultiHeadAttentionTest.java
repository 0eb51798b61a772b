package dev.attentiondrop.zoo.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.attention.AttentionMasks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

@DisplayName("MultiHeadAttention: builder, Keras mask layouts, use_causal_mask, shape errors")
class MultiHeadAttentionTest {
  static final int B = 2, T = 5, S = 6, D = 8, H = 2, K = 4;
  static final int[] LENGTHS = {4, 6};

  static MultiHeadAttention.Builder mha() {
    return MultiHeadAttention.builder()
        .inputDim(D)
        .numHeads(H)
        .keyDim(K)
        .initializers(new Initializers(5));
  }

  static Operand<TFloat32> gaussian(Ops tf, long seed, long... shape) {
    Random r = new Random(seed);
    int n = (int) Shape.of(shape).size();
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return tf.constant(Shape.of(shape), DataBuffers.of(v, true, false));
  }

  static Operand<TBool> bools(Ops tf, boolean[] v, long... shape) {
    return tf.constant(Shape.of(shape), DataBuffers.of(v, true, false));
  }

  /** {@code valid [B, S]}: key {@code s} is valid iff {@code s < LENGTHS[b]}. */
  static boolean[] valid() {
    boolean[] v = new boolean[B * S];
    for (int b = 0; b < B; b++) {
      for (int s = 0; s < S; s++) {
        v[b * S + s] = s < LENGTHS[b];
      }
    }
    return v;
  }

  /** A random {@code [B, T, S]} mask with at least one key per query. */
  static boolean[] arbitrary() {
    Random r = new Random(3);
    boolean[] m = new boolean[B * T * S];
    for (int row = 0; row < B * T; row++) {
      for (int s = 0; s < S; s++) {
        m[row * S + s] = r.nextBoolean();
      }
      m[row * S + r.nextInt(S)] = true;
    }
    return m;
  }

  /**
   * Runs one layer per mask (each built from {@code builder} with the same initializer seed, so
   * with identical weights) over the same query {@code [B, T, D]} and keys {@code [B, S, D]}, and
   * returns, per mask, the output followed by the probabilities.
   */
  static List<float[]> run(
      Function<Integer, MultiHeadAttention.Builder> builder,
      List<Function<Ops, Operand<TBool>>> masks) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> q = gaussian(tf, 1, B, T, D);
      Operand<TFloat32> kv = gaussian(tf, 2, B, S, D);
      List<Operand<TFloat32>> fetches = new ArrayList<>();
      for (int i = 0; i < masks.size(); i++) {
        var out =
            builder
                .apply(i)
                .build(tf, "mha" + i)
                .call(tf, q, kv, masks.get(i).apply(tf), CallContext.inference());
        fetches.add(out.output());
        fetches.add(out.probabilities());
      }
      try (Session session = new Session(g)) {
        session.initialize();
        var runner = session.runner();
        fetches.forEach(runner::fetch);
        List<float[]> values = new ArrayList<>();
        try (var result = runner.run()) {
          for (int i = 0; i < fetches.size(); i++) {
            TFloat32 t = (TFloat32) result.get(i);
            float[] v = new float[(int) t.size()];
            t.asRawTensor().data().asFloats().read(v);
            values.add(v);
          }
        }
        return values;
      }
    }
  }

  static float maxAbsDiff(float[] a, float[] b) {
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  /** Asserts the masked and the rank-4 outputs agree and differ from the unmasked ones. */
  static void assertSameAsRank4(List<float[]> r) {
    // r: [given out, given probs, rank-4 out, rank-4 probs, unmasked out, unmasked probs]
    assertArrayEquals(r.get(2), r.get(0), 1e-6f, "output");
    assertArrayEquals(r.get(3), r.get(1), 1e-6f, "probabilities");
    assertTrue(maxAbsDiff(r.get(0), r.get(4)) > 1e-3, "the mask changes the output");
  }

  @Test
  @DisplayName("a [B, S] padding mask gives the outputs of the rank-4 [B, 1, 1, S] mask")
  void paddingMask() {
    boolean[] v = valid();
    var r =
        run(
            i -> mha(),
            List.of(
                tf -> bools(tf, v, B, S),
                tf -> AttentionMasks.padding(tf, bools(tf, v, B, S)),
                tf -> null));
    assertSameAsRank4(r);
    float[] p = r.get(1); // [B, H, T, S]: padded keys get probability 0
    for (int i = 0; i < p.length; i++) {
      int s = i % S;
      int b = i / (H * T * S);
      if (s >= LENGTHS[b]) {
        assertEquals(0f, p[i], "padded key " + s + " of example " + b);
      }
    }
  }

  @Test
  @DisplayName("a [B, T, S] attention mask gives the outputs of the rank-4 [B, 1, T, S] mask")
  void attentionMask() {
    boolean[] m = arbitrary();
    assertSameAsRank4(
        run(
            i -> mha(),
            List.of(tf -> bools(tf, m, B, T, S), tf -> bools(tf, m, B, 1, T, S), tf -> null)));
  }

  /** Keras' causal mask {@code j <= i} as a {@code [1, 1, T, S]} constant. */
  static boolean[] causal() {
    boolean[] c = new boolean[T * S];
    for (int i = 0; i < T; i++) {
      for (int j = 0; j < S; j++) {
        c[i * S + j] = j <= i;
      }
    }
    return c;
  }

  @Test
  @DisplayName("use_causal_mask equals an explicit causal mask j <= i, alone and and'ed")
  void causalMask() {
    boolean[] c = causal();
    boolean[] v = valid();
    boolean[] both = new boolean[B * T * S];
    for (int b = 0; b < B; b++) {
      for (int i = 0; i < T * S; i++) {
        both[b * T * S + i] = c[i] && v[b * S + i % S];
      }
    }
    var r =
        run(
            i -> mha().useCausalMask(i == 0 || i == 2),
            List.of(
                tf -> null,
                tf -> bools(tf, c, 1, 1, T, S),
                tf -> bools(tf, v, B, S),
                tf -> bools(tf, both, B, 1, T, S),
                tf -> null));
    assertArrayEquals(r.get(2), r.get(0), 1e-6f, "causal flag = explicit causal mask");
    assertArrayEquals(r.get(3), r.get(1), 1e-6f);
    assertArrayEquals(r.get(6), r.get(4), 1e-6f, "flag and padding = explicit conjunction");
    assertArrayEquals(r.get(7), r.get(5), 1e-6f);
    assertTrue(maxAbsDiff(r.get(0), r.get(8)) > 1e-3, "the causal mask changes the output");
    assertTrue(maxAbsDiff(r.get(0), r.get(4)) > 1e-3, "the padding mask is and'ed, not ignored");
    float[] p = r.get(1);
    for (int i = 0; i < p.length; i++) {
      int j = i % S;
      int t = (i / S) % T;
      assertTrue(j <= t || p[i] == 0f, "key " + j + " after query " + t + ": " + p[i]);
    }
  }

  @Test
  @DisplayName("value_dim, output_shape and use_bias set the projection shapes")
  void kerasParameters() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      MultiHeadAttention m = mha().valueDim(3).outputShape(7).useBias(false).build(tf, "m");
      assertEquals(Shape.of(D, H * K), m.query().kernel().shape());
      assertEquals(Shape.of(D, H * K), m.key().kernel().shape());
      assertEquals(Shape.of(D, H * 3), m.value().kernel().shape());
      assertEquals(Shape.of(H * 3, 7), m.output().kernel().shape());
      assertNull(m.query().bias());
      assertNull(m.output().bias());
      var out =
          m.call(
              tf,
              gaussian(tf, 1, B, T, D),
              gaussian(tf, 2, B, S, D),
              null,
              CallContext.inference());
      assertEquals(Shape.of(B, T, 7), out.output().shape());
      assertEquals(Shape.of(D, H * K), mha().build(tf, "n").value().kernel().shape());
    }
  }

  static Stream<Arguments> badBuilds() {
    return Stream.of(
        Arguments.of(mha().numHeads(0), "num_heads must be an integer in [1, 1024], got 0"),
        Arguments.of(mha().keyDim(0), "key_dim must be an integer in [1, 65536], got 0"),
        Arguments.of(mha().valueDim(-1), "value_dim must be an integer in [1, 65536], got -1"),
        Arguments.of(mha().outputShape(0), "output_shape must be an integer in [1, 1048576]"),
        Arguments.of(mha().inputDim(0), "input_dim must be an integer in [1, 1048576], got 0"),
        Arguments.of(mha().dropout(1), "dropout must be in [0, 1), got 1"),
        Arguments.of(mha().layer(2, 2), "layer_index must be an integer in [0, 1], got 2"),
        Arguments.of(mha().regularizers(null), "regularizers must not be null"));
  }

  @Test
  @DisplayName("without initializers: seeded by the layer's name, the same weights on every build")
  void defaultInitializers() {
    float[] a = queryKernel("a");
    float[] b = queryKernel("b");
    assertArrayEquals(a, queryKernel("a"), "the same name draws the same weights");
    assertFalse(Arrays.equals(a, b), "another name draws other weights");
    double sumSquares = 0;
    for (float w : a) {
      sumSquares += w * w;
    }
    // Glorot uniform U(-l, l), l = sqrt(6 / (fan_in + fan_out)): variance l^2 / 3
    double limit = Math.sqrt(6.0 / (D + H * K));
    double variance = sumSquares / a.length;
    // D * H * K draws: the sample variance is within 5 sd (sd = l^2 sqrt(4/45 / n)) of l^2 / 3
    double sd = limit * limit * Math.sqrt(4.0 / 45 / a.length);
    assertEquals(limit * limit / 3, variance, 5 * sd, "Glorot-uniform variance");
  }

  static float[] queryKernel(String name) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      MultiHeadAttention m =
          MultiHeadAttention.builder().inputDim(D).numHeads(H).keyDim(K).build(tf, name);
      try (Session s = new Session(g)) {
        s.initialize();
        try (Result r = s.runner().fetch(m.query().kernel()).run()) {
          TFloat32 t = (TFloat32) r.get(0);
          float[] v = new float[(int) t.size()];
          t.copyTo(DataBuffers.of(v, false, false));
          return v;
        }
      }
    }
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badBuilds")
  @DisplayName("build() names the invalid parameter and its allowed range")
  void badBuild(MultiHeadAttention.Builder builder, String message) {
    try (Graph g = new Graph()) {
      var e =
          assertThrows(IllegalArgumentException.class, () -> builder.build(Ops.create(g), "mha"));
      assertTrue(e.getMessage().contains(message), e.getMessage());
    }
  }

  @Test
  @DisplayName("the encoder block builder validates its parameters too")
  void badBlock() {
    try (Graph g = new Graph()) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  TransformerEncoderBlock.builder()
                      .modelDim(10)
                      .numHeads(4)
                      .mlpDim(8)
                      .initializers(new Initializers(0))
                      .build(Ops.create(g), "b"));
      assertTrue(
          e.getMessage().contains("num_heads must divide model_dim 10 when key_dim is not given"),
          e.getMessage());
      var mlp =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  TransformerEncoderBlock.builder()
                      .modelDim(8)
                      .numHeads(2)
                      .initializers(new Initializers(0))
                      .build(Ops.create(g), "c"));
      assertTrue(mlp.getMessage().contains("mlp_dim must be an integer in [1,"), mlp.getMessage());
    }
  }

  static Stream<Arguments> badCalls() {
    String layouts =
        "mask must have shape [B, S] = [2, 6], [B, T, S] = [2, 5, 6] or [B, H, T, S] = [2, 2, 5, 6]";
    return Stream.of(
        Arguments.of(
            "padding mask of the wrong length",
            (Function<Ops, Operand<?>[]>)
                tf ->
                    new Operand<?>[] {
                      null, null, tf.zeros(tf.constant(new int[] {B, S + 1}), TBool.class)
                    },
            layouts + " (B, H, T may be 1), got [2, 7]"),
        Arguments.of(
            "mask of rank 1",
            (Function<Ops, Operand<?>[]>)
                tf ->
                    new Operand<?>[] {
                      null, null, tf.zeros(tf.constant(new int[] {S}), TBool.class)
                    },
            layouts + " (B, H, T may be 1), got [6]"),
        Arguments.of(
            "attention mask with the wrong query length",
            (Function<Ops, Operand<?>[]>)
                tf ->
                    new Operand<?>[] {
                      null, null, tf.zeros(tf.constant(new int[] {B, T + 1, S}), TBool.class)
                    },
            "got [2, 6, 6]"),
        Arguments.of(
            "rank-4 mask with 3 heads",
            (Function<Ops, Operand<?>[]>)
                tf ->
                    new Operand<?>[] {
                      null, null, tf.zeros(tf.constant(new int[] {B, 3, T, S}), TBool.class)
                    },
            "got [2, 3, 5, 6]"),
        Arguments.of(
            "query of another width",
            (Function<Ops, Operand<?>[]>)
                tf -> new Operand<?>[] {gaussian(tf, 1, B, T, D + 1), null, null},
            "query must have shape [batch, T, 8], got [2, 5, 9]"),
        Arguments.of(
            "key of another width",
            (Function<Ops, Operand<?>[]>)
                tf -> new Operand<?>[] {null, gaussian(tf, 1, B, S, 3), null},
            "key/value must have shape [batch, S, 8], got [2, 6, 3]"),
        Arguments.of(
            "query of rank 2",
            (Function<Ops, Operand<?>[]>)
                tf -> new Operand<?>[] {gaussian(tf, 1, B, D), null, null},
            "query must have shape [batch, T, 8], got [2, 8]"),
        Arguments.of(
            "key of another batch",
            (Function<Ops, Operand<?>[]>)
                tf -> new Operand<?>[] {null, gaussian(tf, 1, B + 1, S, D), null},
            "key/value must have the batch of query [2, 5, 8], got [3, 6, 8]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badCalls")
  @DisplayName("misshapen inputs and masks fail at graph-build time with the layer's own message")
  @SuppressWarnings("unchecked")
  void badCall(String what, Function<Ops, Operand<?>[]> inputs, String message) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<?>[] in = inputs.apply(tf);
      Operand<TFloat32> q = in[0] != null ? (Operand<TFloat32>) in[0] : gaussian(tf, 1, B, T, D);
      Operand<TFloat32> kv = in[1] != null ? (Operand<TFloat32>) in[1] : gaussian(tf, 2, B, S, D);
      MultiHeadAttention m = mha().build(tf, "mha");
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> m.call(tf, q, kv, (Operand<TBool>) in[2], CallContext.inference()));
      assertTrue(e.getMessage().contains(message), what + ": " + e.getMessage());
    }
  }

  @Test
  @DisplayName("use_causal_mask over keys of unknown length is refused by name")
  void causalNeedsStaticLengths() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var kv = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(B, -1, D)));
      MultiHeadAttention m = mha().useCausalMask(true).build(tf, "mha");
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> m.call(tf, gaussian(tf, 1, B, T, D), kv, null, CallContext.inference()));
      assertTrue(
          e.getMessage().contains("use_causal_mask needs static query and key lengths"),
          e.getMessage());
    }
  }
}
