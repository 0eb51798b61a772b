package dev.attentiondrop.ops.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import org.tensorflow.ExecutionEnvironment;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/**
 * The fused kernels of this package: loading, availability, and the two ops.
 *
 * <p>The mode is the system property {@value #MODE_PROPERTY}: {@code auto} (the default: fused
 * where the library loads), {@code stock} (never fused) or {@code fused} (the library must load;
 * {@link #usable} throws otherwise). The library is the resource that the Maven build puts in this
 * jar, or the file named by {@value #LIBRARY_PROPERTY}. It is loaded once per JVM, from a private
 * temporary copy that is deleted as soon as TensorFlow has opened it.
 */
public final class FusedKernels {
  /** The system property choosing {@code auto}, {@code stock} or {@code fused}. */
  public static final String MODE_PROPERTY = "attentiondrop.kernels";

  /** The system property naming a library file to load instead of the bundled one. */
  public static final String LIBRARY_PROPERTY = "attentiondrop.kernels.library";

  /** The op type of the fused hard mask. */
  public static final String HARD_MASK_OP = "AttentionDropHardMask";

  /** The op type of the fused blur. */
  public static final String BLUR_OP = "AttentionDropBlurKeys";

  static final String RESOURCE = "linux-x86_64/libattentiondrop_kernels.so";

  private static final Map<ExecutionEnvironment, Boolean> STOCK =
      Collections.synchronizedMap(new WeakHashMap<>());

  private static volatile Status status;

  private FusedKernels() {}

  /**
   * The outcome of loading the library.
   *
   * @param loaded whether the ops are registered and their gradients too
   * @param detail where it was loaded from, or why not
   */
  public record Status(boolean loaded, String detail) {}

  /**
   * Loads the library once (later calls return the first outcome).
   *
   * @return whether it loaded, and from where or why not
   */
  public static Status status() {
    Status s = status;
    if (s == null) {
      synchronized (FusedKernels.class) {
        s = status;
        if (s == null) {
          s = load();
          status = s;
        }
      }
    }
    return s;
  }

  /**
   * Whether the library is loaded (loading it on first use).
   *
   * @return whether the fused ops can be built
   */
  public static boolean available() {
    return status().loaded();
  }

  /**
   * Builds every later regularizer in {@code env} from stock ops. Function bodies compiled by XLA
   * are marked by {@code CompiledAttention}, and exports by {@code OpExports}.
   *
   * @param env a graph or function graph
   */
  public static void useStockOps(ExecutionEnvironment env) {
    STOCK.put(env, Boolean.TRUE);
  }

  /**
   * Whether a fused op may be built for {@code type} in the environment of {@code tf}: the mode is
   * not {@code stock}, the environment is not marked by {@link #useStockOps}, the type is float32
   * or float64 and the library is loaded.
   *
   * @param tf the ops of the graph being built
   * @param type the element type of the logits
   * @return whether the regularizer should build its fused form
   * @throws IllegalStateException in mode {@code fused} when the library does not load
   */
  public static boolean usable(Ops tf, Class<? extends TFloating> type) {
    String mode = System.getProperty(MODE_PROPERTY, "auto").toLowerCase(Locale.ROOT);
    switch (mode) {
      case "stock":
        return false;
      case "auto":
      case "fused":
        break;
      default:
        throw new IllegalArgumentException(
            "-D" + MODE_PROPERTY + "=" + mode + ": expected auto, stock or fused");
    }
    if (STOCK.containsKey(tf.scope().env()) || (type != TFloat32.class && type != TFloat64.class)) {
      return false;
    }
    Status s = status();
    if (!s.loaded() && mode.equals("fused")) {
      throw new IllegalStateException(
          "-D" + MODE_PROPERTY + "=fused, but the fused kernels did not load: " + s.detail());
    }
    return s.loaded();
  }

  /**
   * The output and drop mask of the fused hard mask.
   *
   * @param <T> the element type
   * @param output the logits {@code L'}
   * @param dropped {@code true} where a logit was dropped
   */
  public record HardMask<T extends TFloating>(Operand<T> output, Operand<TBool> dropped) {}

  /**
   * {@code AttentionDropHardMask}: per row of the last axis, the candidates {@code S_i} are the
   * valid logits {@code >= t_i}, the {@code k_i}-th largest valid logit, with {@code k_i = min(k,
   * n_i)}, or {@code ceil(f n_i - 1e-9)} when {@code k = 0}; a candidate with {@code u_ij < p}
   * becomes {@code fill}. Its gradient passes {@code dy} where nothing was dropped and 0 where it
   * was.
   *
   * @param <T> the element type, float32 or float64
   * @param tf the ops of the graph being built
   * @param logits {@code L}, any rank {@code >= 1}
   * @param noise {@code u}, the shape of {@code logits}
   * @param p the drop probability, a scalar
   * @param fill what a dropped logit becomes, a scalar
   * @param valid the valid keys, of the logits' rank and broadcastable to them; {@code null} for
   *     every key
   * @param k the count {@code k}, or 0 for a fraction
   * @param kFraction the fraction {@code f} when {@code k = 0}
   * @return the output and the drop mask
   */
  public static <T extends TFloating> HardMask<T> hardMask(
      Ops tf,
      Operand<T> logits,
      Operand<T> noise,
      Operand<T> p,
      Operand<T> fill,
      Operand<TBool> valid,
      int k,
      double kFraction) {
    // The inputs other than the logits are not differentiated: StopGradient ends the backward
    // pass there (TF Java's custom gradients cannot return "no gradient" for an input).
    Operand<TBool> v = valid != null ? valid : tf.zeros(tf.constant(new int[] {0}), TBool.class);
    Operation op =
        tf.scope()
            .opBuilder(HARD_MASK_OP, "HardMask")
            .addInput(logits.asOutput())
            .addInput(tf.stopGradient(noise).asOutput())
            .addInput(tf.stopGradient(p).asOutput())
            .addInput(tf.stopGradient(fill).asOutput())
            .addInput(tf.stopGradient(v).asOutput())
            .addInput(tf.constant(kFraction).asOutput())
            .setAttr("k", (long) k)
            .build();
    return new HardMask<>(op.output(0), op.output(1));
  }

  /**
   * {@code AttentionDropBlurKeys}: {@code y[b, h, q, j] = sum_{d=-r..r} G[b, h, d + r] x[b, h, q, j
   * + d]}, zero outside the row, {@code r = (w - 1) / 2}. Its gradient is the same op on {@code dy}
   * with the taps reversed; the taps get none.
   *
   * @param <T> the element type, float32 or float64
   * @param tf the ops of the graph being built
   * @param x {@code [batch, heads, queries, keys]}
   * @param taps {@code G}, {@code [1 or batch, 1 or heads, 1, w]} with {@code w} odd
   * @return {@code y}, the shape of {@code x}
   */
  public static <T extends TFloating> Operand<T> blurKeys(Ops tf, Operand<T> x, Operand<T> taps) {
    return tf.scope()
        .opBuilder(BLUR_OP, "BlurKeys")
        .addInput(x.asOutput())
        .addInput(tf.stopGradient(taps).asOutput())
        .build()
        .output(0);
  }

  private static Status load() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    String override = System.getProperty(LIBRARY_PROPERTY);
    if (override == null
        && !(os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64")))) {
      return new Status(false, "no fused kernels are built for " + os + " " + arch);
    }
    try {
      if (override != null) {
        TensorFlow.loadLibrary(Path.of(override).toAbsolutePath().toString());
        registerGradients();
        return new Status(true, override);
      }
      try (InputStream in = FusedKernels.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          return new Status(
              false,
              "the jar has no " + RESOURCE + " (built without a TensorFlow wheel's headers)");
        }
        Path copy = Files.createTempFile("attentiondrop_kernels-", ".so");
        try {
          Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
          TensorFlow.loadLibrary(copy.toString());
        } finally {
          Files.deleteIfExists(copy); // the loaded library stays mapped
        }
      }
      registerGradients();
      return new Status(true, "bundled " + RESOURCE);
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      return new Status(false, "loading failed: " + e);
    }
  }

  private static void registerGradients() {
    TensorFlow.registerCustomGradient(
        HARD_MASK_OP,
        (tf, op, grads) -> {
          // d L = select(dropped, 0, dy); the other inputs get zeros, which their StopGradient
          // (hardMask) discards.
          Operand<?> dy = grads.get(0);
          @SuppressWarnings("unchecked")
          Operand<TFloating> g = (Operand<TFloating>) dy;
          Operand<TBool> dropped = op.output(1);
          return List.of(
              tf.select(dropped, tf.zeros(tf.constant(new int[0]), g.type()), g), // scalar 0
              tf.zerosLike(op.input(1)),
              tf.zerosLike(op.input(2)),
              tf.zerosLike(op.input(3)),
              tf.zerosLike(op.input(4)),
              tf.zerosLike(op.input(5)));
        });
    TensorFlow.registerCustomGradient(
        BLUR_OP,
        (tf, op, grads) -> {
          @SuppressWarnings("unchecked")
          Operand<TFloating> dy = (Operand<TFloating>) grads.get(0);
          @SuppressWarnings("unchecked")
          Operand<TFloating> taps = (Operand<TFloating>) op.input(1);
          Operand<TFloating> reversed = tf.reverse(taps, tf.constant(new int[] {3}));
          return List.of(blurKeys(tf, dy, reversed), tf.zerosLike(taps));
        });
  }
}
