package dev.attentiondrop.bench;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.consistency.ConsistencyLoss;
import dev.attentiondrop.ops.consistency.MultiPass;
import dev.attentiondrop.ops.xla.CompiledAttention;
import dev.attentiondrop.ops.xla.XlaMode;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.config.RegularizerConfig;
import dev.attentiondrop.zoo.config.RegularizerRegistry;
import dev.attentiondrop.zoo.layers.CallContext;
import dev.attentiondrop.zoo.layers.Dense;
import dev.attentiondrop.zoo.layers.FeedForward;
import dev.attentiondrop.zoo.layers.Initializers;
import dev.attentiondrop.zoo.layers.LayerNormalization;
import dev.attentiondrop.zoo.train.ConsistencyConfig;
import dev.attentiondrop.zoo.train.Examples;
import dev.attentiondrop.zoo.train.Optimizer;
import dev.attentiondrop.zoo.train.OptimizerConfig;
import dev.attentiondrop.zoo.train.TrainConfig;
import dev.attentiondrop.zoo.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The two models the benchmark trains, one training step at a time (forward, backward by {@code
 * Graph.addGradients}, our {@link Optimizer} Adam update):
 *
 * <ul>
 *   <li>{@code block}: input {@code x [B, T, 64]} (fed), one pre-LN transformer block (LN, Q/K/V
 *       projections 64 to 4 heads x 16, the attention core through {@link CompiledAttention} in the
 *       chosen {@link XlaMode}, output projection, residual, LN, FFN 64 to 128 (GELU) to 64,
 *       residual), mean over T, a dense head to 10 classes, softmax cross entropy. The same model
 *       is written in {@code bench/python/bench_tf.py} and {@code bench_torch.py}.
 *   <li>{@code vit}: the small ViT of {@link ModelConfig#vit()} (28x28 images, patch 7, T = 17, d
 *       64, 4 heads, 2 layers) trained by {@link Trainer}, so with its clipping and AdamW.
 * </ul>
 */
public final class BenchModels {
  private BenchModels() {}

  public static final int D_MODEL = 64;
  public static final int HEADS = 4;
  public static final int MLP = 128;
  public static final int CLASSES = 10;

  /** The variants, in report order; {@code plain} is attention dropout 0.1. */
  public static final List<String> VARIANTS =
      List.of(
          "plain",
          "hard_mask",
          "hard_mask_neg_inf",
          "blur",
          "dropkey",
          "drophead",
          "dropattention",
          "relaxed",
          "consistency");

  /** The registry configs of a variant (consistency: hard mask, with two batched passes). */
  public static List<RegularizerConfig> regularizers(String variant) {
    return switch (variant) {
      case "plain" -> List.of(RegularizerConfig.of("dropout", Map.of("rate", 0.1)));
      case "hard_mask", "consistency" -> List.of(RegularizerConfig.of("hard_mask", Map.of()));
      case "hard_mask_neg_inf" ->
          List.of(RegularizerConfig.of("hard_mask", Map.of("fill", "neg_inf")));
      case "blur", "dropkey", "drophead", "dropattention", "relaxed" ->
          List.of(RegularizerConfig.of(variant, Map.of()));
      default ->
          throw new IllegalArgumentException(
              "unknown variant '" + variant + "'; allowed: " + VARIANTS);
    };
  }

  /** Passes stacked along the batch (2 for consistency). */
  public static int passes(String variant) {
    return variant.equals("consistency") ? 2 : 1;
  }

  /** Thread settings of every session: intra-op and inter-op threads. */
  public static ConfigProto sessionConfig(int threads) {
    return sessionConfig(threads, XlaMode.NONE);
  }

  /** Thread settings, and what {@link CompiledAttention#sessionConfig} adds for {@code mode}. */
  public static ConfigProto sessionConfig(int threads, XlaMode mode) {
    ConfigProto threadsOnly =
        ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(threads)
            .setInterOpParallelismThreads(threads)
            .build();
    return CompiledAttention.sessionConfig(mode, threadsOnly);
  }

  /** One built model: run {@link #step} repeatedly. */
  public interface Stepper extends AutoCloseable {
    void step(long step);

    @Override
    void close();
  }

  /** The block model of {@code variant}, batch {@code batch}, length {@code t}. */
  public static Stepper block(String variant, XlaMode mode, int batch, int t, int threads) {
    BlockGraph bg = blockGraph(variant, mode, batch, t, sessionConfig(threads, mode));
    return new Stepper() {
      @Override
      public void step(long step) {
        try (TInt64 sd = TInt64.vectorOf(7, step);
            var r = bg.runner(bg.session(), sd).run()) {
          if (!Float.isFinite(((TFloat32) r.get(0)).getFloat())) {
            throw new IllegalStateException("non-finite loss in step " + step);
          }
        }
      }

      @Override
      public void close() {
        bg.close();
      }
    };
  }

  /**
   * The block model's graph with an initialized session and its fixed inputs, for tools that run
   * the training step themselves (the op profile of {@code dev.attentiondrop.bench.profile}).
   *
   * @param graph the graph (owned: closed by {@link #close})
   * @param session a session on {@code graph} with the variables initialized (owned)
   * @param x the input placeholder {@code [B, T, 64]}
   * @param labels the one-hot label placeholder {@code [B, 10]}
   * @param seed the int64 seed placeholder {@code [2]}
   * @param train the training target (the optimizer update)
   * @param loss the loss to fetch
   * @param xs the input fed at every step (owned)
   * @param ys the labels fed at every step (owned)
   */
  public record BlockGraph(
      Graph graph,
      Session session,
      Placeholder<TFloat32> x,
      Placeholder<TFloat32> labels,
      Placeholder<TInt64> seed,
      Op train,
      Operand<TFloat32> loss,
      TFloat32 xs,
      TFloat32 ys)
      implements AutoCloseable {

    /**
     * A runner of one training step on {@code s} (this graph's session or another one on the same
     * graph): feeds {@link #xs}, {@link #ys} and {@code seedTensor}, targets {@link #train},
     * fetches {@link #loss}.
     *
     * @param s a session on {@link #graph}
     * @param seedTensor the seed to feed, {@code [2]}
     * @return the runner, ready to {@code run()}
     */
    public Session.Runner runner(Session s, TInt64 seedTensor) {
      return runner(s, xs, ys, seedTensor);
    }

    /**
     * As {@link #runner(Session, TInt64)}, with the given input and label tensors.
     *
     * @param s a session on {@link #graph}
     * @param xt the input to feed, {@code [B, T, 64]}
     * @param yt the labels to feed, {@code [B, 10]}
     * @param seedTensor the seed to feed, {@code [2]}
     * @return the runner, ready to {@code run()}
     */
    public Session.Runner runner(Session s, TFloat32 xt, TFloat32 yt, TInt64 seedTensor) {
      return s.runner()
          .feed(x, xt)
          .feed(labels, yt)
          .feed(seed, seedTensor)
          .addTarget(train)
          .fetch(loss);
    }

    @Override
    public void close() {
      xs.close();
      ys.close();
      session.close();
      graph.close();
    }
  }

  /**
   * Builds the block model of {@code variant} (see the class comment) and a session on it with
   * {@code config}, and initializes its variables.
   *
   * @param variant one of {@link #VARIANTS}
   * @param mode whether and how XLA compiles the attention core
   * @param batch the batch size
   * @param t the sequence length
   * @param config the session configuration (e.g. {@link #sessionConfig(int, XlaMode)})
   * @return the graph, session and inputs
   */
  public static BlockGraph blockGraph(
      String variant, XlaMode mode, int batch, int t, ConfigProto config) {
    Graph g = new Graph();
    try {
      Ops tf = Ops.create(g);
      var x =
          tf.withName("x")
              .placeholder(TFloat32.class, Placeholder.shape(Shape.of(batch, t, D_MODEL)));
      var labels =
          tf.withName("labels")
              .placeholder(TFloat32.class, Placeholder.shape(Shape.of(batch, CLASSES)));
      var seed = tf.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      RegularizerChain chain = RegularizerRegistry.chainFor(regularizers(variant), 0);
      Initializers init = new Initializers(0);
      Ops s = tf.withSubScope("block");
      LayerNormalization ln1 = new LayerNormalization(s, "ln1", D_MODEL, 1e-6, init);
      LayerNormalization ln2 = new LayerNormalization(s, "ln2", D_MODEL, 1e-6, init);
      Dense wq = new Dense(s, "q", D_MODEL, D_MODEL, init);
      Dense wk = new Dense(s, "k", D_MODEL, D_MODEL, init);
      Dense wv = new Dense(s, "v", D_MODEL, D_MODEL, init);
      Dense wo = new Dense(s, "o", D_MODEL, D_MODEL, init);
      FeedForward ffn = new FeedForward(s, "ffn", D_MODEL, MLP, 0, init);
      Dense head = new Dense(s, "head", D_MODEL, CLASSES, init);
      CompiledAttention attention = CompiledAttention.of(chain, mode).returning(false, false);
      int dk = D_MODEL / HEADS;
      MultiPass.PassFunction<TFloat32> model =
          (ops, in, sd, groups) -> {
            @SuppressWarnings("unchecked")
            Operand<TFloat32> xin = (Operand<TFloat32>) in.get(0);
            int b = (int) xin.shape().get(0);
            CallContext ctx = CallContext.training(sd);
            Operand<TFloat32> h = ln1.call(ops, xin);
            // Shared prefix: LN and projections run once, the passes stack before the attention
            // core.
            Operand<TFloat32> q =
                MultiPass.tile(ops, heads(ops, wq.call(ops, h, ctx), b, t, dk), groups);
            Operand<TFloat32> k =
                MultiPass.tile(ops, heads(ops, wk.call(ops, h, ctx), b, t, dk), groups);
            Operand<TFloat32> v =
                MultiPass.tile(ops, heads(ops, wv.call(ops, h, ctx), b, t, dk), groups);
            AttentionContext actx =
                AttentionContext.training(sd).withLayer(0, 1).withNoiseGroups(groups);
            Operand<TFloat32> a = attention.compute(ops, q, k, v, actx).output();
            Operand<TFloat32> merged =
                ops.reshape(
                    ops.linalg.transpose(a, ops.constant(new int[] {0, 2, 1, 3})),
                    ops.constant(new int[] {b * groups, t, D_MODEL}));
            Operand<TFloat32> r =
                ops.math.add(MultiPass.tile(ops, xin, groups), wo.call(ops, merged, ctx));
            Operand<TFloat32> y = ops.math.add(r, ffn.call(ops, ln2.call(ops, r), ctx));
            Operand<TFloat32> pooled = ops.math.mean(y, ops.constant(1));
            return head.call(ops, pooled, ctx);
          };
      Operand<TFloat32> loss;
      if (passes(variant) == 1) {
        loss = crossEntropy(tf, model.apply(tf, List.of(x), seed, 1), labels);
      } else {
        List<Operand<TFloat32>> z =
            MultiPass.run(tf, model, List.of(x), 2, seed, MultiPass.Mode.SHARED_PREFIX);
        List<Operand<TFloat32>> task =
            List.of(crossEntropy(tf, z.get(0), labels), crossEntropy(tf, z.get(1), labels));
        loss = ConsistencyLoss.kl(1.0).total(tf, task, z);
      }
      List<Variable<TFloat32>> weights = new ArrayList<>();
      for (var layer : List.of(ln1, ln2, wq, wk, wv, wo, ffn, head)) {
        weights.addAll(layer.variables());
      }
      List<Operand<TFloat32>> gradients = Optimizer.gradients(g, loss, weights);
      Op train =
          new Optimizer(OptimizerConfig.adam(1e-3))
              .update(tf, weights, gradients, tf.constant(1e-3f));
      Session session = new Session(g, config);
      session.initialize();
      SplittableRandom rnd = new SplittableRandom(1);
      float[] xs = new float[batch * t * D_MODEL];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (float) rnd.nextGaussian();
      }
      float[] ys = new float[batch * CLASSES];
      for (int i = 0; i < batch; i++) {
        ys[i * CLASSES + rnd.nextInt(CLASSES)] = 1f;
      }
      TFloat32 xt = TFloat32.tensorOf(Shape.of(batch, t, D_MODEL), DataBuffers.of(xs, true, false));
      TFloat32 yt = TFloat32.tensorOf(Shape.of(batch, CLASSES), DataBuffers.of(ys, true, false));
      return new BlockGraph(g, session, x, labels, seed, train, loss, xt, yt);
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
  }

  private static Operand<TFloat32> heads(Ops tf, Operand<TFloat32> x, int b, int t, int dk) {
    Operand<TFloat32> r = tf.reshape(x, tf.constant(new int[] {b, t, HEADS, dk}));
    return tf.linalg.transpose(r, tf.constant(new int[] {0, 2, 1, 3}));
  }

  private static Operand<TFloat32> crossEntropy(
      Ops tf, Operand<TFloat32> logits, Operand<TFloat32> oneHot) {
    return tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
  }

  /** The ViT's sequence length: 16 patches plus the CLS token. */
  public static int vitLength() {
    return vitConfig("plain").sequenceLength();
  }

  static ModelConfig vitConfig(String variant) {
    return vitConfig(variant, XlaMode.NONE);
  }

  /**
   * The ViT's attention runs compiled for {@code COMPILED_FUNCTION}; auto-clustering is the child's
   * environment.
   */
  static ModelConfig vitConfig(String variant, XlaMode mode) {
    return ModelConfig.vit()
        .regularizers(normalized(variant))
        .attentionXla(mode == XlaMode.COMPILED_FUNCTION ? mode : XlaMode.NONE)
        .build();
  }

  private static List<RegularizerConfig> normalized(String variant) {
    List<RegularizerConfig> out = new ArrayList<>();
    for (RegularizerConfig c : regularizers(variant)) {
      out.add(RegularizerRegistry.normalize(c));
    }
    return out;
  }

  /** The small ViT of {@code variant} trained by {@link Trainer} on random images. */
  public static Stepper vit(String variant, XlaMode mode, int batch) {
    ModelConfig config = vitConfig(variant, mode);
    TrainConfig train =
        TrainConfig.builder()
            .dataset("bench")
            .batchSize(batch)
            .consistency(passes(variant) == 2 ? ConsistencyConfig.attentionDrop(1.0) : null)
            .build();
    Trainer trainer = new Trainer(config, train);
    int s = config.imageSize();
    SplittableRandom rnd = new SplittableRandom(1);
    float[] pixels = new float[batch * s * s];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) rnd.nextDouble();
    }
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      labels[i] = rnd.nextInt(CLASSES);
    }
    Examples data = new Examples(true, batch, new int[] {s, s}, pixels, null, labels, CLASSES);
    int[] order = data.identity();
    return new Stepper() {
      @Override
      public void step(long step) {
        var r = trainer.step(data, order, 0, batch, step, 1e-3);
        if (!Double.isFinite(r.loss())) {
          throw new IllegalStateException("non-finite loss in step " + step);
        }
      }

      @Override
      public void close() {
        trainer.close();
      }
    };
  }
}
