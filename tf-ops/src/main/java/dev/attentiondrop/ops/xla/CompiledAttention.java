package dev.attentiondrop.ops.xla;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.Tensors;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.attention.ScaledDotProductAttention;
import dev.attentiondrop.ops.attention.ScaledDotProductAttention.Result;
import dev.attentiondrop.ops.kernels.FusedKernels;
import dev.attentiondrop.ops.random.Seeds;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * The attention core of {@link ScaledDotProductAttention} ({@code Q K^T} scaling, the regularizer
 * chain, masked softmax, probabilities times {@code V}) handed to XLA as chosen by an {@link
 * XlaMode}.
 *
 * <p>With {@link XlaMode#COMPILED_FUNCTION} the core becomes a TensorFlow function specialized for
 * the (possibly partial) shapes of query, key, value and key mask, the dtype, the chain, the
 * Java-constant training mode and the context's layer position and noise groups; it is called
 * through a {@code PartitionedCall} node carrying {@code _XlaMustCompile=true} ({@link
 * XlaCalls#call}), with the seed ({@code int64[2]}) and the key mask as function inputs. Its
 * gradient is a second function, registered for it in the graph's library ({@link
 * XlaCalls#registerGradient}), that calls a third, XLA-compiled one computing the vector-Jacobian
 * product (the core recomputed, then {@code addGradients} inside the function graph). So {@code
 * Graph.addGradients} works through the call, and forward and backward both run compiled. The
 * functions and the attribute survive a SavedModel export.
 *
 * <p>Inside the function every random draw uses {@link Seeds#usePortableKernels XLA-portable
 * kernels}, so a compiled call draws exactly the noise of the plain path for the same seed; the
 * outputs then agree up to XLA's floating-point reassociation (about {@code 1e-6} relative in
 * float32).
 *
 * <p>{@link XlaMode#NONE} is {@link ScaledDotProductAttention#compute} itself; {@link
 * XlaMode#AUTO_CLUSTERING} is too, with the graph switched to the portable random kernels (see
 * {@link AutoClustering} for the process-wide switch). Immutable.
 */
public final class CompiledAttention {
  private final RegularizerChain chain;
  private final XlaMode mode;
  private final boolean probabilities;
  private final boolean logits;
  private final boolean mustCompile;

  private CompiledAttention(
      RegularizerChain chain,
      XlaMode mode,
      boolean probabilities,
      boolean logits,
      boolean mustCompile) {
    this.chain = Checks.notNull("chain", chain);
    this.mode = Checks.notNull("mode", mode);
    this.probabilities = probabilities;
    this.logits = logits;
    this.mustCompile = mustCompile;
  }

  /**
   * Attention with {@code chain}, compiled as {@code mode} says; returns every output.
   *
   * @param chain the regularizers of the logits and probability stages
   * @param mode whether and how XLA compiles the attention
   * @return attention with {@code chain}, compiled as {@code mode} says
   */
  public static CompiledAttention of(RegularizerChain chain, XlaMode mode) {
    return new CompiledAttention(chain, mode, true, true, true);
  }

  /**
   * Which optional outputs a compiled function returns (the attention output always is). An output
   * not returned is not written by the compiled code and is {@code null} in the {@link Result};
   * {@code NONE} and {@code AUTO_CLUSTERING} always return all three.
   *
   * @param probabilities attention probabilities {@code [batch, heads, queries, keys]}
   * @param logits attention logits {@code [batch, heads, queries, keys]}
   * @return which optional outputs a compiled function returns (the attention output always is)
   */
  public CompiledAttention returning(boolean probabilities, boolean logits) {
    return new CompiledAttention(chain, mode, probabilities, logits, mustCompile);
  }

  /**
   * The same functions and calls without {@code _XlaMustCompile} (forward and backward): plain
   * kernels through function calls, for tests that separate the function path from XLA.
   */
  CompiledAttention withoutXla() {
    return new CompiledAttention(chain, mode, probabilities, logits, false);
  }

  /**
   * The regularizers the attention applies.
   *
   * @return the chain
   */
  public RegularizerChain chain() {
    return chain;
  }

  /**
   * The session config for graphs built with {@code mode}: for {@link XlaMode#COMPILED_FUNCTION}
   * Grappler's memory optimizer is off. For large inputs it rewrites an {@code AddN} inside a
   * function (a gradient aggregation, the blur's shifted-copies form) into {@code
   * TemporaryVariable} + {@code AssignAdd}, which XLA cannot compile ("Detected unsupported
   * operations ... TemporaryVariable", seen at T = 512, batch 8). Other modes get the defaults.
   *
   * @param mode whether and how XLA compiles the attention
   * @return the session config for graphs built with {@code mode}
   */
  public static ConfigProto sessionConfig(XlaMode mode) {
    return sessionConfig(mode, ConfigProto.getDefaultInstance());
  }

  /**
   * {@link #sessionConfig(XlaMode)} on top of {@code base} (thread settings, say).
   *
   * @param mode whether and how XLA compiles the attention
   * @param base the configuration to extend
   * @return {@link #sessionConfig(XlaMode)} on top of {@code base} (thread settings, say)
   */
  public static ConfigProto sessionConfig(XlaMode mode, ConfigProto base) {
    if (Checks.notNull("mode", mode) != XlaMode.COMPILED_FUNCTION) {
      return base;
    }
    ConfigProto.Builder b = base.toBuilder();
    b.getGraphOptionsBuilder()
        .getRewriteOptionsBuilder()
        .setMemoryOptimization(RewriterConfig.MemOptType.NO_MEM_OPT);
    return b.build();
  }

  /**
   * Whether and how XLA compiles the attention.
   *
   * @return the mode
   */
  public XlaMode mode() {
    return mode;
  }

  /**
   * {@link ScaledDotProductAttention#compute} of the same arguments, compiled as the mode says.
   * With {@code COMPILED_FUNCTION}, the graph must be a {@link Graph} and the training mode a Java
   * constant. Dimensions may be unknown (a dynamic batch, say): XLA then compiles the function once
   * per concrete input shape it meets at run time and caches each executable.
   *
   * @param query {@code [batch, heads, queries, d_k]}
   * @param key {@code [batch, heads, keys, d_k]}
   * @param value {@code [batch, heads, keys, d_v]}
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param context what the regularizer is told: key mask, training mode, seed, layer
   * @return {@link ScaledDotProductAttention#compute} of the same arguments, compiled as the mode
   *     says
   */
  public <T extends TFloating> Result<T> compute(
      Ops tf, Operand<T> query, Operand<T> key, Operand<T> value, AttentionContext context) {
    switch (mode) {
      case NONE:
        return ScaledDotProductAttention.compute(tf, query, key, value, chain, context);
      case AUTO_CLUSTERING:
        Seeds.usePortableKernels(tf.scope().env());
        FusedKernels.useStockOps(tf.scope().env()); // XLA has no kernel for the custom ops
        return ScaledDotProductAttention.compute(tf, query, key, value, chain, context);
      default:
        return compiled(tf, query, key, value, context);
    }
  }

  /** What one compiled function is specialized for. */
  record Spec<T extends TFloating>(
      Class<T> type,
      Shape query,
      Shape key,
      Shape value,
      Shape keyMask,
      boolean training,
      boolean seeded,
      int layer,
      int numLayers,
      int noiseGroups,
      boolean probabilities,
      boolean logits) {}

  /** A forward function and the static shapes of its outputs. */
  record Forward(ConcreteFunction function, List<Shape> outputShapes) {}

  /**
   * The backward pair of a forward function: {@code gradient}, registered for it, calls the
   * compiled vector-Jacobian product {@code vjp}.
   */
  record Backward(ConcreteFunction gradient, ConcreteFunction vjp) implements AutoCloseable {
    @Override
    public void close() {
      gradient.close();
      vjp.close();
    }
  }

  private <T extends TFloating> Result<T> compiled(
      Ops tf, Operand<T> query, Operand<T> key, Operand<T> value, AttentionContext context) {
    Graph graph = XlaCalls.graphOf(tf);
    Checks.rank("query", query, 4, "[batch, heads, queries, d_k]");
    Checks.rank("key", key, 4, "[batch, heads, keys, d_k]");
    Checks.rank("value", value, 4, "[batch, heads, keys, d_v]");
    Checks.notNull("context", context);
    Training training = context.training();
    if (training.flag() != null) {
      throw new IllegalArgumentException(
          "COMPILED_FUNCTION needs training as a Java constant, not the tensor " + training);
    }
    Operand<TBool> mask = context.keyMask();
    Operand<TInt64> seed = training.isOn() ? context.seed() : null;
    Spec<T> spec =
        new Spec<>(
            query.type(),
            query.shape(),
            key.shape(),
            value.shape(),
            mask == null ? null : mask.shape(),
            training.isOn(),
            seed != null,
            context.layer(),
            context.numLayers(),
            context.noiseGroups(),
            probabilities,
            logits);
    List<Operand<?>> args = new ArrayList<>(List.of(query, key, value));
    if (mask != null) {
      args.add(mask);
    }
    if (seed != null) {
      args.add(seed);
    }
    Forward forward = forward(spec, chain, mustCompile);
    Operation call;
    try (ConcreteFunction f = forward.function()) {
      if (!XlaCalls.hasGradient(graph, f)) {
        try (Backward b = backward(spec, chain, mustCompile, forward.outputShapes())) {
          XlaCalls.registerGradient(graph, f, b.gradient());
        }
      }
      call = XlaCalls.call(tf, "attention", f, args, mustCompile);
    }
    List<Shape> shapes = forward.outputShapes();
    // The call node's outputs have no static shape: restore what is known (a free reshape).
    List<Operand<T>> outs = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      Output<T> o = call.output(i);
      Operand<T> lastSource = i == 0 ? value : key;
      int lastAxis = i == 0 ? 3 : 2; // output [B, H, Tq, d_v]; probabilities, logits [B, H, Tq, Tk]
      outs.add(
          shapes.get(i).isUnknown()
              ? o
              : tf.reshape(o, shapeOf(tf, shapes.get(i), query, lastSource, lastAxis)));
    }
    int i = 1;
    Operand<T> p = probabilities ? outs.get(i++) : null;
    Operand<T> l = logits ? outs.get(i) : null;
    return new Result<>(l, p, outs.get(0));
  }

  /**
   * The shape {@code [B, H, Tq, last]} as a tensor: the constant where {@code known} has the
   * dimension, else read from {@code query} (axes 0-2) or {@code lastSource} at {@code lastAxis};
   * shape inference then gives the reshaped output the static dimensions.
   */
  private static Operand<TInt32> shapeOf(
      Ops tf, Shape known, Operand<?> query, Operand<?> lastSource, int lastAxis) {
    if (!known.hasUnknownDimension()) {
      return tf.constant(toInts(known));
    }
    List<Operand<TInt32>> dims = new ArrayList<>();
    for (int d = 0; d < 4; d++) {
      long n = known.get(d);
      dims.add(
          n >= 0
              ? tf.constant((int) n)
              : d < 3 ? Tensors.dim(tf, query, d) : Tensors.dim(tf, lastSource, lastAxis));
    }
    return tf.stack(dims);
  }

  private static int[] toInts(Shape s) {
    int[] out = new int[s.numDimensions()];
    for (int d = 0; d < out.length; d++) {
      out[d] = Math.toIntExact(s.get(d));
    }
    return out;
  }

  /** The placeholders of a function's inputs, in order. */
  private record Inputs<T extends TFloating>(
      Operand<T> query,
      Operand<T> key,
      Operand<T> value,
      Operand<TBool> keyMask,
      Operand<TInt64> seed) {

    static <T extends TFloating> Inputs<T> of(Ops tf, Spec<T> spec) {
      return new Inputs<>(
          tf.placeholder(spec.type(), Placeholder.shape(spec.query())),
          tf.placeholder(spec.type(), Placeholder.shape(spec.key())),
          tf.placeholder(spec.type(), Placeholder.shape(spec.value())),
          spec.keyMask() == null
              ? null
              : tf.placeholder(TBool.class, Placeholder.shape(spec.keyMask())),
          spec.seeded() ? tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2))) : null);
    }

    Signature.Builder addTo(Signature.Builder b) {
      b.input("query", query).input("key", key).input("value", value);
      if (keyMask != null) {
        b.input("key_mask", keyMask);
      }
      if (seed != null) {
        b.input("seed", seed);
      }
      return b;
    }
  }

  /** The attention core in a function graph, with XLA-portable random kernels. */
  private static <T extends TFloating> List<Operand<T>> core(
      Ops tf, Inputs<T> in, Spec<T> spec, RegularizerChain chain) {
    Seeds.usePortableKernels(tf.scope().env());
    FusedKernels.useStockOps(tf.scope().env()); // XLA has no kernel for the custom ops
    AttentionContext ctx =
        spec.training()
            ? AttentionContext.training(Training.ON, in.seed())
            : AttentionContext.inference();
    ctx =
        ctx.withKeyMask(in.keyMask())
            .withLayer(spec.layer(), spec.numLayers())
            .withNoiseGroups(spec.noiseGroups());
    Result<T> r =
        ScaledDotProductAttention.compute(tf, in.query(), in.key(), in.value(), chain, ctx);
    List<Operand<T>> outs = new ArrayList<>(List.of(r.output()));
    if (spec.probabilities()) {
      outs.add(r.probabilities());
    }
    if (spec.logits()) {
      outs.add(r.logits());
    }
    return outs;
  }

  private static final String[] OUTPUT_NAMES = {"output", "probabilities", "logits"};

  private static <T extends TFloating> List<String> outputNames(Spec<T> spec) {
    List<String> names = new ArrayList<>(List.of(OUTPUT_NAMES[0]));
    if (spec.probabilities()) {
      names.add(OUTPUT_NAMES[1]);
    }
    if (spec.logits()) {
      names.add(OUTPUT_NAMES[2]);
    }
    return names;
  }

  /** The function graphs' base name: the uncompiled variant needs its own forward names. */
  private static String baseName(boolean mustCompile) {
    return mustCompile ? "attention" : "attention_uncompiled";
  }

  /** Builds the forward function of {@code spec}. */
  static <T extends TFloating> Forward forward(
      Spec<T> spec, RegularizerChain chain, boolean mustCompile) {
    List<String> names = outputNames(spec);
    List<Shape> shapes = new ArrayList<>();
    ConcreteFunction forward =
        ConcreteFunction.create(
            tf -> {
              Inputs<T> in = Inputs.of(tf, spec);
              List<Operand<T>> outs = core(tf, in, spec, chain);
              Signature.Builder b = in.addTo(Signature.builder(baseName(mustCompile) + "_forward"));
              for (int i = 0; i < outs.size(); i++) {
                b.output(names.get(i), outs.get(i));
                shapes.add(outs.get(i).shape());
              }
              return b.build();
            });
    return new Forward(forward, List.copyOf(shapes));
  }

  /**
   * Builds the gradient function of {@code spec}'s forward function (whose outputs have {@code
   * shapes}) and the vector-Jacobian product it calls.
   */
  static <T extends TFloating> Backward backward(
      Spec<T> spec, RegularizerChain chain, boolean mustCompile, List<Shape> shapes) {
    List<String> names = outputNames(spec);
    String base = baseName(mustCompile);
    ConcreteFunction vjp =
        ConcreteFunction.create(
            tf -> {
              Graph g = (Graph) tf.scope().env();
              Inputs<T> in = Inputs.of(tf, spec);
              List<Operand<T>> outs = core(tf, in, spec, chain);
              Signature.Builder b = in.addTo(Signature.builder(base + "_vjp"));
              Output<?>[] ys = new Output<?>[outs.size()];
              Output<?>[] dys = new Output<?>[outs.size()];
              for (int i = 0; i < outs.size(); i++) {
                ys[i] = outs.get(i).asOutput();
                Operand<T> dy = tf.placeholder(spec.type(), Placeholder.shape(outs.get(i).shape()));
                dys[i] = dy.asOutput();
                b.input("d_" + names.get(i), dy);
              }
              Output<?>[] xs = {in.query().asOutput(), in.key().asOutput(), in.value().asOutput()};
              Output<?>[] dxs = g.addGradients("vjp", ys, xs, dys);
              String[] dxNames = {"d_query", "d_key", "d_value"};
              for (int i = 0; i < 3; i++) {
                b.output(dxNames[i], dxs[i] != null ? dxs[i] : tf.zerosLike(xs[i]));
              }
              return b.build();
            });
    ConcreteFunction gradient =
        ConcreteFunction.create(
            tf -> {
              Inputs<T> in = Inputs.of(tf, spec);
              Signature.Builder b = in.addTo(Signature.builder(base + "_gradient"));
              List<Operand<?>> args = new ArrayList<>(List.of(in.query(), in.key(), in.value()));
              if (in.keyMask() != null) {
                args.add(in.keyMask());
              }
              if (in.seed() != null) {
                args.add(in.seed());
              }
              for (int i = 0; i < names.size(); i++) {
                Operand<T> dy = tf.placeholder(spec.type(), Placeholder.shape(shapes.get(i)));
                b.input("d_" + names.get(i), dy);
                args.add(dy);
              }
              Operation c = XlaCalls.call(tf, "vjp", vjp, args, mustCompile);
              b.output("d_query", c.output(0)).output("d_key", c.output(1));
              b.output("d_value", c.output(2));
              // SymbolicGradient wants one gradient per input, of the input's type.
              if (in.keyMask() != null) {
                b.output("d_key_mask", tf.zerosLike(in.keyMask()));
              }
              if (in.seed() != null) {
                b.output("d_seed", tf.zerosLike(in.seed()));
              }
              return b.build();
            });
    return new Backward(gradient, vjp);
  }
}
