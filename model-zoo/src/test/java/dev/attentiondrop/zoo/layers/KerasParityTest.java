package dev.attentiondrop.zoo.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attentiondrop.ops.attention.AttentionMasks;
import dev.attentiondrop.ops.testing.Npy;
import dev.attentiondrop.ops.testing.PythonReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Parity of {@link Dense}, {@link LayerNormalization} and {@link MultiHeadAttention} (inference,
 * regularizers off) with {@code keras.layers} of Keras 3 on TensorFlow 2.21, run by {@code
 * tests/python/keras_parity.py} in the pinned Python environment ({@code tests/python/env.sh}).
 *
 * <p>Each case builds the Java layer with its own initializers, runs the initializers, and then
 * overwrites every rank-1 weight (biases, {@code gamma}, {@code beta}) with random values, since
 * their initial zeros and ones would hide a layout mistake. The weights are read back from the
 * session and written as {@code .npy} with a random float32 input; the Python driver builds the
 * Keras layer, loads those weights (the attention kernels reshaped from our {@code [d_model, heads
 * * key_dim]} / {@code [heads * key_dim, d_model]} to Keras' {@code [d_model, heads, key_dim]} /
 * {@code [heads, key_dim, d_model]}), and runs it on the same input. All cases go through one
 * Python process. Compared, elementwise to {@value #TOLERANCE} absolute: the layer outputs, and for
 * multi-head attention also the attention probabilities {@code [batch, heads, queries, keys]}
 * (Keras' {@code return_attention_scores}).
 *
 * <p>Cases: Dense on rank-2 and rank-3 inputs; LayerNormalization with epsilon {@code 1e-6} and
 * Keras' default {@code 1e-3}, on rows of very different scales (one with variance ~{@code 2.5e-3},
 * where epsilon matters); MultiHeadAttention with 3 heads and key_dim 8 ({@code heads * key_dim !=
 * d_model}, so a transposed head layout cannot pass) without a mask, with a padding mask, an
 * arbitrary {@code [B, T, S]} mask, a causal mask (Keras' {@code use_causal_mask=True}) and padding
 * plus causal. Keras takes the mask as {@code [B, T, S]}; the Java layer takes its own mask
 * builders' {@code [B, 1, 1, S]} / {@code [1, 1, T, S]} forms where they exist.
 *
 * <p>No mask has a fully masked row (every query keeps at least one key; checked when the case is
 * built): there the libraries differ by design. Ours gives such a row all-zero probabilities and a
 * zero attention output, so the layer output is the output bias ({@code Masking.maskedSoftmax}).
 * Keras' default call (the fused {@code ops.dot_product_attention}) fills masked logits with a
 * large negative number, so such a row gets a uniform average over all values; only its {@code
 * return_attention_scores=True} path (the masked {@code Softmax} layer) gives zeros as ours does.
 * Keras thus disagrees with itself there, and that corner case is not a compatibility target.
 */
@DisplayName("Dense, LayerNormalization and MultiHeadAttention agree with keras.layers (Keras 3)")
class KerasParityTest {
  static final double TOLERANCE = 1e-5;
  static final String DRIVER = "tests/python/keras_parity.py";

  // Multi-head attention shapes.
  private static final int B = 2;
  private static final int T = 6;
  private static final int D_MODEL = 16;
  private static final int HEADS = 3;
  private static final int KEY_DIM = 8;
  private static final int[] LENGTHS = {6, 3};

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Case> CASES = new LinkedHashMap<>();

  @TempDir static Path root;

  /** One layer run: its Java outputs and the directory the Python driver reads and writes. */
  private record Case(String name, Path dir, Map<String, Npy.Array> javaOutputs) {}

  /** What a case builds in the graph: the layer's weights (by .npy name) and its outputs. */
  private record Built(
      Map<String, Variable<TFloat32>> weights, Map<String, Operand<TFloat32>> outputs) {}

  @BeforeAll
  static void runAll() throws IOException {
    PythonReference.python(); // skips (or fails in CI) before any work when Python is missing
    int seed = 1;
    denseCase("dense, rank-2 input", seed++, new long[] {4, 5}, 7);
    denseCase("dense, rank-3 input", seed++, new long[] {2, 3, 5}, 7);
    layerNormCase("layer normalization, epsilon 1e-6", seed++, 1e-6);
    layerNormCase("layer normalization, epsilon 1e-3", seed++, 1e-3);
    mhaCase("attention, no mask", seed++, null, null, false);
    mhaCase(
        "attention, padding mask",
        seed++,
        paddingMask(),
        tf -> AttentionMasks.fromLengths(tf, tf.constant(LENGTHS), tf.constant(T)),
        false);
    boolean[] arbitrary = arbitraryMask(new Random(99));
    mhaCase(
        "attention, arbitrary [B, T, S] mask",
        seed++,
        arbitrary,
        tf -> tf.constant(Shape.of(B, 1, T, T), DataBuffers.of(arbitrary, true, false)),
        false);
    mhaCase("attention, causal mask", seed++, null, tf -> AttentionMasks.causal(tf, T), true);
    mhaCase(
        "attention, padding and causal masks",
        seed++,
        paddingMask(),
        tf ->
            AttentionMasks.and(
                tf,
                AttentionMasks.fromLengths(tf, tf.constant(LENGTHS), tf.constant(T)),
                AttentionMasks.causal(tf, T)),
        true);
    mhaCase("attention, use_causal_mask", seed++, null, null, true, true);
    mhaCase(
        "attention, [B, S] padding mask and use_causal_mask",
        seed++,
        paddingMask(),
        tf ->
            tf.math.less(
                tf.range(tf.constant(0), tf.constant(T), tf.constant(1)),
                tf.expandDims(tf.constant(LENGTHS), tf.constant(1))),
        true,
        true);
    List<String> dirs = new ArrayList<>();
    CASES.values().forEach(c -> dirs.add(c.dir().toString()));
    PythonReference.run(DRIVER, dirs.toArray(new String[0]));
  }

  @Test
  @DisplayName("Dense on a rank-2 input")
  void denseRank2() throws IOException {
    check("dense, rank-2 input");
  }

  @Test
  @DisplayName("Dense on a rank-3 input")
  void denseRank3() throws IOException {
    check("dense, rank-3 input");
  }

  @Test
  @DisplayName("LayerNormalization, epsilon 1e-6")
  void layerNormSmallEpsilon() throws IOException {
    check("layer normalization, epsilon 1e-6");
  }

  @Test
  @DisplayName("LayerNormalization, epsilon 1e-3 (Keras' default)")
  void layerNormKerasEpsilon() throws IOException {
    check("layer normalization, epsilon 1e-3");
  }

  @Test
  @DisplayName("MultiHeadAttention without a mask")
  void attentionNoMask() throws IOException {
    check("attention, no mask");
  }

  @Test
  @DisplayName("MultiHeadAttention with a padding mask")
  void attentionPadding() throws IOException {
    check("attention, padding mask");
  }

  @Test
  @DisplayName("MultiHeadAttention with an arbitrary [B, T, S] mask")
  void attentionArbitraryMask() throws IOException {
    check("attention, arbitrary [B, T, S] mask");
  }

  @Test
  @DisplayName("MultiHeadAttention with a causal mask (use_causal_mask=True)")
  void attentionCausal() throws IOException {
    check("attention, causal mask");
  }

  @Test
  @DisplayName("MultiHeadAttention with padding and causal masks")
  void attentionPaddingAndCausal() throws IOException {
    check("attention, padding and causal masks");
  }

  @Test
  @DisplayName("MultiHeadAttention built with useCausalMask = Keras' use_causal_mask=True")
  void attentionCausalFlag() throws IOException {
    check("attention, use_causal_mask");
  }

  @Test
  @DisplayName("MultiHeadAttention with a [B, S] padding mask and useCausalMask")
  void attentionPaddingAndCausalFlag() throws IOException {
    check("attention, [B, S] padding mask and use_causal_mask");
  }

  // ---------------------------------------------------------------- cases

  private static void denseCase(String name, long seed, long[] inputShape, int units)
      throws IOException {
    Random random = new Random(seed);
    Npy.Array x = gaussian(random, 1.0, inputShape);
    int in = (int) inputShape[inputShape.length - 1];
    run(
        name,
        "dense",
        Map.of(),
        random,
        Map.of("x", x),
        tf -> {
          Dense dense = new Dense(tf, "dense", in, units, new Initializers(seed));
          return new Built(
              Map.of("kernel", dense.kernel(), "bias", dense.bias()),
              Map.of("output", dense.call(tf, constant(tf, x), CallContext.inference())));
        });
  }

  private static void layerNormCase(String name, long seed, double epsilon) throws IOException {
    Random random = new Random(seed);
    int dim = 10;
    long[] shape = {2, 3, dim};
    // Rows of different scales and offsets; the variance ~2.5e-3 row is where epsilon matters.
    double[] scales = {1.0, 0.05, 2.5};
    double[] offsets = {0.0, 0.3, -1.0};
    double[] data = new double[2 * 3 * dim];
    for (int row = 0; row < 6; row++) {
      for (int j = 0; j < dim; j++) {
        data[row * dim + j] = (float) (offsets[row % 3] + scales[row % 3] * random.nextGaussian());
      }
    }
    Npy.Array x = new Npy.Array(data, shape);
    run(
        name,
        "layer_norm",
        Map.of("epsilon", epsilon),
        random,
        Map.of("x", x),
        tf -> {
          LayerNormalization norm =
              new LayerNormalization(tf, "norm", dim, epsilon, new Initializers(seed));
          return new Built(
              Map.of("gamma", norm.gamma(), "beta", norm.beta()),
              Map.of("output", norm.call(tf, constant(tf, x))));
        });
  }

  /**
   * @param kerasMask the {@code [B, T, S]} mask Keras gets, or null
   * @param javaMask builds the mask the Java layer gets, or null
   * @param causal whether Keras is called with {@code use_causal_mask=True}
   */
  private static void mhaCase(
      String name,
      long seed,
      boolean[] kerasMask,
      Function<Ops, Operand<TBool>> javaMask,
      boolean causal)
      throws IOException {
    mhaCase(name, seed, kerasMask, javaMask, causal, false);
  }

  /**
   * @param kerasMask the {@code [B, T, S]} mask Keras gets, or null
   * @param javaMask builds the mask the Java layer gets, or null
   * @param causal whether Keras is called with {@code use_causal_mask=True}
   * @param javaCausal whether the Java layer is built with {@code useCausalMask(true)}
   */
  private static void mhaCase(
      String name,
      long seed,
      boolean[] kerasMask,
      Function<Ops, Operand<TBool>> javaMask,
      boolean causal,
      boolean javaCausal)
      throws IOException {
    requireNoFullyMaskedRow(name, kerasMask, causal);
    Random random = new Random(seed);
    Npy.Array x = gaussian(random, 1.0, B, T, D_MODEL);
    Map<String, Npy.Array> inputs = new LinkedHashMap<>();
    inputs.put("x", x);
    if (kerasMask != null) {
      double[] m = new double[kerasMask.length];
      for (int i = 0; i < m.length; i++) {
        m[i] = kerasMask[i] ? 1 : 0;
      }
      inputs.put("mask", new Npy.Array(m, new long[] {B, T, T}));
    }
    run(
        name,
        "mha",
        Map.of("heads", HEADS, "key_dim", KEY_DIM, "causal", causal),
        random,
        inputs,
        tf -> {
          MultiHeadAttention mha =
              MultiHeadAttention.builder()
                  .inputDim(D_MODEL)
                  .numHeads(HEADS)
                  .keyDim(KEY_DIM)
                  .useCausalMask(javaCausal)
                  .initializers(new Initializers(seed))
                  .build(tf, "mha");
          Map<String, Variable<TFloat32>> weights = new LinkedHashMap<>();
          for (var e :
              Map.of(
                      "query", mha.query(),
                      "key", mha.key(),
                      "value", mha.value(),
                      "output", mha.output())
                  .entrySet()) {
            weights.put(e.getKey() + "_kernel", e.getValue().kernel());
            weights.put(e.getKey() + "_bias", e.getValue().bias());
          }
          Operand<TBool> mask = javaMask == null ? null : javaMask.apply(tf);
          MultiHeadAttention.Output out =
              mha.call(tf, constant(tf, x), mask, CallContext.inference());
          return new Built(weights, Map.of("output", out.output(), "scores", out.probabilities()));
        });
  }

  /** Padding mask [B, T, S] from {@link #LENGTHS}: key s allowed iff s < length_b. */
  private static boolean[] paddingMask() {
    boolean[] m = new boolean[B * T * T];
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        for (int s = 0; s < T; s++) {
          m[(b * T + t) * T + s] = s < LENGTHS[b];
        }
      }
    }
    return m;
  }

  /** Each key allowed with probability 1/2, and one random key forced on in every row. */
  private static boolean[] arbitraryMask(Random random) {
    boolean[] m = new boolean[B * T * T];
    for (int row = 0; row < B * T; row++) {
      for (int s = 0; s < T; s++) {
        m[row * T + s] = random.nextBoolean();
      }
      m[row * T + random.nextInt(T)] = true;
    }
    return m;
  }

  /** Every query of {@code mask} (and'ed with the causal mask if {@code causal}) keeps a key. */
  private static void requireNoFullyMaskedRow(String name, boolean[] mask, boolean causal) {
    if (mask == null) {
      return; // no mask, or causal alone: key 0 is always allowed
    }
    for (int row = 0; row < B * T; row++) {
      int t = row % T;
      boolean any = false;
      for (int s = 0; s < T; s++) {
        any |= mask[row * T + s] && (!causal || s <= t);
      }
      if (!any) {
        throw new IllegalStateException(name + ": row " + row + " is fully masked");
      }
    }
  }

  // ---------------------------------------------------------------- running

  /**
   * Builds the case's graph, initializes the variables, overwrites the rank-1 weights with random
   * values, runs the layer and writes the inputs, weights and {@code case.json} for the driver.
   */
  private static void run(
      String name,
      String layer,
      Map<String, Object> params,
      Random random,
      Map<String, Npy.Array> inputs,
      Function<Ops, Built> build)
      throws IOException {
    Path dir = root.resolve(String.format("%02d-%s", CASES.size(), layer));
    Files.createDirectories(dir);
    Map<String, Npy.Array> javaOutputs = new LinkedHashMap<>();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Built built = build.apply(tf);
      List<Op> overwrite = new ArrayList<>();
      for (var e : built.weights().entrySet()) {
        Variable<TFloat32> v = e.getValue();
        if (v.shape().numDimensions() == 1) {
          double mean = e.getKey().equals("gamma") ? 1.0 : 0.0;
          Npy.Array value = gaussian(random, 0.5, v.shape().asArray());
          double[] shifted = value.data().clone();
          for (int i = 0; i < shifted.length; i++) {
            shifted[i] = (float) (shifted[i] + mean);
          }
          overwrite.add(tf.assign(v, constant(tf, new Npy.Array(shifted, value.shape()))));
        }
      }
      try (Session session = new Session(graph)) {
        session.initialize();
        for (Op op : overwrite) {
          session.run(op);
        }
        List<String> names = new ArrayList<>(built.weights().keySet());
        List<Operand<TFloat32>> fetches = new ArrayList<>(built.weights().values());
        names.addAll(built.outputs().keySet());
        fetches.addAll(built.outputs().values());
        List<Npy.Array> values = fetch(session, fetches);
        for (int i = 0; i < names.size(); i++) {
          if (i < built.weights().size()) {
            write(dir.resolve(names.get(i) + ".npy"), values.get(i));
          } else {
            javaOutputs.put(names.get(i), values.get(i));
          }
        }
      }
    }
    for (var e : inputs.entrySet()) {
      write(dir.resolve(e.getKey() + ".npy"), e.getValue());
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("layer", layer);
    json.put("params", params);
    Files.writeString(dir.resolve("case.json"), JSON.writeValueAsString(json));
    CASES.put(name, new Case(name, dir, javaOutputs));
  }

  private static List<Npy.Array> fetch(Session session, List<Operand<TFloat32>> xs) {
    Session.Runner runner = session.runner();
    xs.forEach(runner::fetch);
    List<Npy.Array> out = new ArrayList<>();
    try (Result result = runner.run()) {
      for (int i = 0; i < xs.size(); i++) {
        TFloat32 t = (TFloat32) result.get(i);
        float[] f = new float[(int) t.size()];
        t.copyTo(DataBuffers.of(f, false, false));
        double[] d = new double[f.length];
        for (int j = 0; j < f.length; j++) {
          d[j] = f[j];
        }
        out.add(new Npy.Array(d, t.shape().asArray()));
      }
    }
    return out;
  }

  /** Compares every Java output of the case with Keras' within {@link #TOLERANCE}. */
  private static void check(String name) throws IOException {
    Case c = CASES.get(name);
    assertTrue(c != null, "no case " + name);
    Path error = c.dir().resolve("error.txt");
    if (Files.exists(error)) {
      fail(name + ": the Keras driver failed:\n" + Files.readString(error));
    }
    List<String> problems = new ArrayList<>();
    StringBuilder summary = new StringBuilder(name + ": max |Java - Keras|");
    for (var e : c.javaOutputs().entrySet()) {
      Path file = c.dir().resolve("out_" + e.getKey() + ".npy");
      assertTrue(Files.exists(file), name + ": the driver wrote no " + file.getFileName());
      Npy.Array keras = Npy.read(file);
      Npy.Array java = e.getValue();
      assertArrayEquals(java.shape(), keras.shape(), name + ", " + e.getKey() + ": shape");
      double worst = 0;
      int at = 0;
      for (int i = 0; i < java.data().length; i++) {
        double d = Math.abs(java.data()[i] - keras.data()[i]);
        if (!(d <= worst)) { // NaN counts as the worst
          worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
          at = i;
        }
      }
      summary.append(String.format(" %s %.3g", e.getKey(), worst));
      if (!(worst <= TOLERANCE)) {
        problems.add(
            String.format(
                "%s: max |diff| %.3g at %s (Java %s, Keras %s)",
                e.getKey(),
                worst,
                Arrays.toString(unravel(at, java.shape())),
                java.data()[at],
                keras.data()[at]));
      }
    }
    System.out.println(summary);
    if (!problems.isEmpty()) {
      fail(
          name
              + " (files in "
              + c.dir()
              + ") disagrees with Keras beyond "
              + TOLERANCE
              + ":\n  "
              + String.join("\n  ", problems));
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Standard-normal values times {@code scale}, rounded to float32 (what both sides see). */
  private static Npy.Array gaussian(Random random, double scale, long... shape) {
    int n = 1;
    for (long s : shape) {
      n *= (int) s;
    }
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = (float) (scale * random.nextGaussian());
    }
    return new Npy.Array(d, shape);
  }

  private static Operand<TFloat32> constant(Ops tf, Npy.Array a) {
    float[] f = new float[a.data().length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) a.data()[i];
    }
    return tf.constant(Shape.of(a.shape()), DataBuffers.of(f, true, false));
  }

  private static void write(Path file, Npy.Array a) throws IOException {
    Npy.write(file, a.data(), a.shape());
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
}
