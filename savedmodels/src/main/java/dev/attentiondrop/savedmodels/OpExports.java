package dev.attentiondrop.savedmodels;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.LogitsRegularizer;
import dev.attentiondrop.ops.ProbabilityRegularizer;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.kernels.FusedKernels;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.config.RegularizerConfig;
import dev.attentiondrop.zoo.config.RegularizerRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Op-level SavedModels: one export per attention regularizer, for the bit-identical cross-check in
 * Python TensorFlow ({@code savedmodels/python/op_crosscheck.py}).
 *
 * <p>Each export's {@code serving_default} takes its input, float32 {@link #SHAPE} {@code [batch,
 * heads, queries, keys]}, and {@code seed} int64 {@code [2]}, and returns {@code output}, the
 * regularizer applied in training mode ({@code AttentionContext.training(seed)}, no key mask) with
 * exactly that stateless seed (no fold-in: a {@code RegularizerChain} would fork the seed per
 * element first). The input is {@code logits} for logits regularizers and {@code probabilities} for
 * probability regularizers: the caller computes {@code softmax(logits)} ({@link #probabilities}),
 * so that the export holds the regularizer alone (TensorFlow's softmax kernel is not bit-identical
 * between releases; the cross-check compares it separately, within 1e-6). Blur also returns {@code
 * sigma}, the sigma it drew ({@code sampleSigma} with the same seed), so that its distribution can
 * be tested. {@code assets/op.json} records the op's name, stage, input name, shape and canonical
 * regularizer config. The exports are built from stock ops even where the fused kernels of {@code
 * dev.attentiondrop.ops.kernels} are loaded, so they need no custom-op library.
 */
public final class OpExports {
  /** The fixed shape of the logits, {@code [batch, heads, queries, keys]}. */
  public static final long[] SHAPE = {2, 4, 16, 16};

  private OpExports() {}

  /**
   * The values of one output and its shape.
   *
   * @param data the float32 values, row-major
   * @param shape the output's shape
   */
  public record Values(float[] data, long[] shape) {}

  /**
   * One exported op: a name, the regularizer config (as in a model config), and its stage.
   *
   * @param name the export's name, also its folder under the base of {@link #exportAll}
   * @param regularizer the regularizer config, normalized by {@code RegularizerRegistry.normalize}
   * @param stage {@code logits} or {@code probabilities}: what the regularizer acts on
   */
  public record Op(String name, RegularizerConfig regularizer, String stage) {
    /**
     * Normalizes the regularizer config and checks that the stage is the regularizer's.
     *
     * @param name the export's name
     * @param regularizer the regularizer config
     * @param stage {@code logits} for a logits regularizer, {@code probabilities} for a probability
     *     regularizer
     * @throws IllegalArgumentException if the config is invalid or the regularizer acts on the
     *     other stage
     */
    public Op {
      regularizer = RegularizerRegistry.normalize(regularizer);
      Object r = RegularizerRegistry.create(regularizer);
      String actual = r instanceof LogitsRegularizer ? "logits" : "probabilities";
      if (!actual.equals(stage)) {
        throw new IllegalArgumentException(
            regularizer.name() + " acts on " + actual + ", not " + stage);
      }
    }

    /**
     * The name of the export's input.
     *
     * @return {@code logits} or {@code probabilities}, the stage
     */
    public String input() {
      return stage;
    }

    static Op of(String name, String spec, String stage) {
      return new Op(name, RegularizerConfig.parse(spec), stage);
    }
  }

  /**
   * Every registered regularizer, hard masking in both fill modes.
   *
   * @return the ops, each with fixed parameters
   */
  public static List<Op> all() {
    return List.of(
        Op.of("hard_mask_zero", "hard_mask:k=4,p=0.3,fill=zero", "logits"),
        Op.of("hard_mask_neg_inf", "hard_mask:k=4,p=0.3,fill=neg_inf", "logits"),
        Op.of("blur", "blur:sigma_max=2.0,w=5,scope=batch,boundary=zero_pad", "logits"),
        Op.of("dropkey", "dropkey:rate=0.2", "logits"),
        Op.of("attention_dropout", "dropout:rate=0.2", "probabilities"),
        Op.of("drophead", "drophead:rate=0.25", "probabilities"),
        Op.of("dropattention", "dropattention:rate=0.2,window=2", "probabilities"),
        Op.of("relaxed", "relaxed:gamma=0.1", "probabilities"));
  }

  /**
   * The op called {@code name}.
   *
   * @param name the name of one of {@link #all}
   * @return that op
   * @throws IllegalArgumentException for an unknown name; the message lists the known ones
   */
  public static Op named(String name) {
    return all().stream()
        .filter(o -> o.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown op '" + name + "'; known: " + all().stream().map(Op::name).toList()));
  }

  /** Builds the op's graph in {@code graph} and returns its signature. */
  static Signature build(Graph graph, Op op) {
    Ops tf = Ops.create(graph);
    // Exports hold stock ops only, so that any TensorFlow loads them (no fused-kernel library).
    FusedKernels.useStockOps(graph);
    Operand<TFloat32> input =
        tf.withName(op.input()).placeholder(TFloat32.class, Placeholder.shape(Shape.of(SHAPE)));
    Operand<TInt64> seed =
        tf.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
    AttentionContext context = AttentionContext.training(seed);
    Object r = RegularizerRegistry.create(op.regularizer());
    Signature.Builder s =
        Signature.builder()
            .key(Signature.DEFAULT_KEY)
            .methodName(ServingGraph.PREDICT_METHOD)
            .input(op.input(), input)
            .input("seed", seed);
    Operand<TFloat32> out;
    if (r instanceof LogitsRegularizer l) {
      out = l.apply(tf, input, context);
      if (r instanceof BlurredAttentionSmoothing blur) {
        s.output("sigma", tf.withName("sigma").identity(blur.sampleSigma(tf, input, context)));
      }
    } else {
      out = ((ProbabilityRegularizer) r).apply(tf, input, context);
    }
    s.output("output", tf.withName("output").identity(out));
    return s.build();
  }

  /**
   * {@code softmax(logits)} over the last axis of {@link #SHAPE}, computed by TensorFlow Java:
   * {@code p[..., k] = exp(z[..., k]) / sum_k' exp(z[..., k'])}.
   *
   * @param logits {@code prod(SHAPE)} values, row-major {@link #SHAPE}
   * @return the probabilities, same layout
   */
  public static float[] probabilities(float[] logits) {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(SHAPE)));
      Operand<TFloat32> p = tf.nn.softmax(x);
      try (TFloat32 in = TFloat32.tensorOf(Shape.of(SHAPE), DataBuffers.of(logits, true, false));
          Result r = session.runner().feed(x, in).fetch(p).run()) {
        float[] out = new float[logits.length];
        ((TFloat32) r.get(0)).copyTo(DataBuffers.of(out, false, false));
        return out;
      }
    }
  }

  /**
   * What {@code op} takes for {@code logits}: the logits, or their softmax.
   *
   * @param op the op
   * @param logits {@code prod(SHAPE)} values, row-major {@link #SHAPE}
   * @return {@code logits} itself for a logits op, else {@link #probabilities
   *     probabilities(logits)}
   */
  public static float[] inputFor(Op op, float[] logits) {
    return op.stage().equals("logits") ? logits : probabilities(logits);
  }

  /**
   * Exports {@code op} to {@code dir} (which must not exist) and returns it: the SavedModel (tag
   * {@code serve}, the {@code serving_default} of the class comment) and {@code assets/op.json}.
   *
   * @param op the op to export
   * @param dir the export folder, which must not exist
   * @return {@code dir}
   * @throws IOException if writing fails
   * @throws IllegalArgumentException if {@code dir} already exists
   */
  public static Path export(Op op, Path dir) throws IOException {
    if (Files.exists(dir)) {
      throw new IllegalArgumentException(dir + " already exists");
    }
    try (Graph graph = new Graph()) {
      Signature signature = build(graph, op);
      try (Session session = new Session(graph)) {
        SavedModelBundle.exporter(dir.toString())
            .withTags(SavedModelBundle.DEFAULT_TAG)
            .withFunction(SessionFunction.create(signature, session))
            .export();
      }
    }
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("name", op.name());
    info.put("stage", op.stage());
    info.put("input", op.input());
    info.put("shape", SHAPE);
    info.put("regularizer", op.regularizer());
    Path assets = Files.createDirectories(dir.resolve("assets"));
    Files.writeString(assets.resolve("op.json"), Json.write(info));
    return dir;
  }

  /**
   * Exports every op of {@link #all} to {@code base/<name>} and returns the folders.
   *
   * @param base the parent folder; no {@code base/<name>} may exist
   * @return the export folders, in the order of {@link #all}
   * @throws IOException if writing fails
   * @throws IllegalArgumentException if an export folder already exists
   */
  public static List<Path> exportAll(Path base) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Op op : all()) {
      out.add(export(op, base.resolve(op.name())));
    }
    return out;
  }

  /**
   * Reproducible logits of {@link #SHAPE}: standard normal times 3, from {@code
   * java.util.Random(seed)}: value {@code i} is {@code (float) (3 * nextGaussian())}, in order.
   *
   * @param seed the seed of {@code java.util.Random}
   * @return {@code prod(SHAPE)} logits, row-major {@link #SHAPE}
   */
  public static float[] logits(long seed) {
    Random random = new Random(seed);
    float[] x = new float[(int) Shape.of(SHAPE).size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (3 * random.nextGaussian());
    }
    return x;
  }

  /**
   * Runs {@code op} built in a fresh in-memory graph (not exported) on {@code input} ({@link
   * #inputFor}). Output name to values.
   *
   * @param op the op
   * @param input the op's input, {@code prod(SHAPE)} values, row-major {@link #SHAPE}
   * @param seed the stateless seed, int64 {@code [2]}
   * @return each output's name ({@code output}, and {@code sigma} for blur) with its values
   */
  public static Map<String, Values> runInMemory(Op op, float[] input, long[] seed) {
    try (Graph graph = new Graph()) {
      Signature signature = build(graph, op);
      try (Session session = new Session(graph)) {
        return call(SessionFunction.create(signature, session), op.input(), input, seed);
      }
    }
  }

  /**
   * Runs the {@code serving_default} of a loaded export of {@code op}. Output name to values.
   *
   * @param bundle the loaded export; the caller closes it
   * @param op the exported op
   * @param input the op's input, {@code prod(SHAPE)} values, row-major {@link #SHAPE}
   * @param seed the stateless seed, int64 {@code [2]}
   * @return each output's name ({@code output}, and {@code sigma} for blur) with its values
   */
  public static Map<String, Values> run(
      SavedModelBundle bundle, Op op, float[] input, long[] seed) {
    return call(bundle.function(Signature.DEFAULT_KEY), op.input(), input, seed);
  }

  private static Map<String, Values> call(
      SessionFunction f, String inputName, float[] input, long[] seed) {
    Map<String, Values> out = new LinkedHashMap<>();
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(SHAPE), DataBuffers.of(input, true, false));
        TInt64 s = TInt64.vectorOf(seed);
        Result r = f.call(Map.of(inputName, x, "seed", s))) {
      for (var e : r) {
        TFloat32 t = (TFloat32) e.getValue();
        float[] v = new float[(int) t.size()];
        t.copyTo(DataBuffers.of(v, false, false));
        out.put(e.getKey(), new Values(v, t.shape().asArray()));
      }
    }
    return out;
  }

  /**
   * Loads the export of {@code op} in {@code exportDir} (a fresh {@link SavedModelBundle}), runs it
   * on {@link #inputFor inputFor(op, logits)} for every seed and writes the goldens to {@code
   * goldenDir}: {@code logits.pb}, {@code probabilities.pb} (probability regularizers: the input),
   * {@code seeds.pb} (int64 {@code [n, 2]}) and, per output, {@code NAME.pb} with the outputs of
   * the seeds stacked ({@code [n, ...]}). Returns the stacked outputs.
   *
   * @param op the exported op
   * @param exportDir the op's export folder
   * @param goldenDir the folder the golden tensors are written to (created if needed)
   * @param logits {@code prod(SHAPE)} logits, row-major {@link #SHAPE}
   * @param seeds {@code n} stateless seeds, each {@code [2]}
   * @return each output's name with the outputs of all seeds, flat {@code [n, ...]}
   * @throws IOException if reading the export or writing a golden tensor fails
   */
  public static Map<String, float[]> writeGoldens(
      Op op, Path exportDir, Path goldenDir, float[] logits, long[][] seeds) throws IOException {
    float[] input = inputFor(op, logits);
    Map<String, List<float[]>> per = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    try (SavedModelBundle bundle =
        SavedModelBundle.load(exportDir.toString(), SavedModelBundle.DEFAULT_TAG)) {
      for (long[] seed : seeds) {
        for (var e : run(bundle, op, input, seed).entrySet()) {
          per.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue().data());
          shapes.put(e.getKey(), e.getValue().shape());
        }
      }
    }
    GoldenTensors.write(goldenDir, "logits", logits, SHAPE);
    if (!op.input().equals("logits")) {
      GoldenTensors.write(goldenDir, op.input(), input, SHAPE);
    }
    long[] flatSeeds = new long[2 * seeds.length];
    for (int i = 0; i < seeds.length; i++) {
      flatSeeds[2 * i] = seeds[i][0];
      flatSeeds[2 * i + 1] = seeds[i][1];
    }
    GoldenTensors.write(goldenDir, "seeds", flatSeeds, seeds.length, 2);
    Map<String, float[]> stacked = new LinkedHashMap<>();
    for (var e : per.entrySet()) {
      int each = e.getValue().get(0).length;
      float[] all = new float[each * seeds.length];
      for (int i = 0; i < seeds.length; i++) {
        System.arraycopy(e.getValue().get(i), 0, all, i * each, each);
      }
      long[] one = shapes.get(e.getKey());
      long[] shape = new long[one.length + 1];
      shape[0] = seeds.length;
      System.arraycopy(one, 0, shape, 1, one.length);
      GoldenTensors.write(goldenDir, e.getKey(), all, shape);
      stacked.put(e.getKey(), all);
    }
    return stacked;
  }
}
