package dev.attentiondrop.ops.random;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.tensorflow.ExecutionEnvironment;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint16;
import org.tensorflow.types.family.TNumber;

/**
 * Stateless seeds: {@code int64[2]} tensors.
 *
 * <p>{@link #foldIn} derives a child seed {@code [h(seed), salt]} where {@code h} is one Philox
 * draw from the parent, the construction of {@code tf.random.experimental.stateless_fold_in}:
 * children with different salts, or from different parents, give independent streams.
 *
 * <h2>XLA-portable kernels</h2>
 *
 * XLA compiles the V1 stateless ops ({@code StatelessRandomUniform}, {@code
 * StatelessRandomUniformFullInt}) only with an {@code int32} seed; its {@code
 * StatelessRandomGetKeyCounter} derives other Philox keys than the CPU kernel for seeds with a
 * negative or large half; and its float conversion of random bits differs from the CPU/GPU
 * kernels'. In an environment marked with {@link #usePortableKernels} every draw is instead built
 * from {@code StatelessRandomUniformFullIntV2} (Philox), whose bits XLA reproduces exactly for a
 * given key and counter: the key and counter are derived from the seed as the CPU kernel does it
 * (itself one Philox draw), and the bits are turned into floats with the CPU kernel's own
 * conversion (a mantissa filled with random bits, minus one). The values are bit-identical to the
 * default kernels, compiled or not; only the graph differs. Function bodies built for XLA ({@code
 * dev.attentiondrop.ops.xla}) are marked.
 */
public final class Seeds {
  private Seeds() {}

  /** {@code RNG_ALG_PHILOX}, the algorithm of the V1 kernels on CPU and GPU. */
  private static final int PHILOX = 1;

  private static final Map<ExecutionEnvironment, Boolean> PORTABLE =
      Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * Builds every later draw in {@code env} (a graph, or a function's graph) with the XLA-portable
   * kernels. Same values, graph compilable by XLA.
   *
   * @param env a graph or function graph
   */
  public static void usePortableKernels(ExecutionEnvironment env) {
    PORTABLE.put(env, Boolean.TRUE);
  }

  /**
   * Whether draws in {@code env} use the XLA-portable kernels.
   *
   * @param env a graph or function graph
   * @return whether draws in {@code env} use the XLA-portable kernels
   */
  public static boolean usesPortableKernels(ExecutionEnvironment env) {
    return PORTABLE.containsKey(env);
  }

  private static boolean portable(Ops tf) {
    return usesPortableKernels(tf.scope().env());
  }

  /**
   * A constant seed {@code [a, b]}.
   *
   * @param tf the ops of the graph being built
   * @param a the first half
   * @param b the second half
   * @return a constant seed {@code [a, b]}
   */
  public static Operand<TInt64> of(Ops tf, long a, long b) {
    return tf.constant(new long[] {a, b});
  }

  /**
   * A constant seed {@code [seed, 0]}.
   *
   * @param tf the ops of the graph being built
   * @param seed an {@code int64[2]} stateless seed
   * @return a constant seed {@code [seed, 0]}
   */
  public static Operand<TInt64> of(Ops tf, long seed) {
    return of(tf, seed, 0L);
  }

  /**
   * Checks that {@code seed} is a stateless seed: {@code int64} of shape {@code [2]} (a shape not
   * known when the graph is built passes; the random ops then check at run time).
   *
   * @param parameter the name of the parameter the seed was passed as
   * @param seed the seed
   * @return {@code seed}
   * @throws IllegalArgumentException when the seed is null, not int64, or of another static shape
   */
  public static Operand<TInt64> check(String parameter, Operand<TInt64> seed) {
    if (seed == null) {
      throw new IllegalArgumentException(
          "stateless seed (" + parameter + "): missing, allowed: an int64 tensor of shape [2]");
    }
    Object type = seed.type();
    if (type != TInt64.class) {
      throw new IllegalArgumentException(
          "stateless seed ("
              + parameter
              + "): dtype "
              + ((Class<?>) type).getSimpleName()
              + " is not int64, allowed: an int64 tensor of shape [2]");
    }
    Shape shape = seed.shape();
    boolean known = !shape.isUnknown() && !shape.hasUnknownDimension();
    if (known && !shape.equals(Shape.of(2))) {
      throw new IllegalArgumentException(
          "stateless seed ("
              + parameter
              + "): shape "
              + shape
              + " is not [2], allowed: an int64 tensor of shape [2]");
    }
    if (!shape.isUnknown() && shape.numDimensions() != 1) {
      throw new IllegalArgumentException(
          "stateless seed ("
              + parameter
              + "): rank "
              + shape.numDimensions()
              + " is not 1, allowed: an int64 tensor of shape [2]");
    }
    return seed;
  }

  /**
   * The child seed {@code [h(seed), salt]}.
   *
   * @param tf the ops of the graph being built
   * @param seed an {@code int64[2]} stateless seed
   * @param salt the salt folded into the seed (see {@link dev.attentiondrop.ops.random.SeedSalts})
   * @return the child seed {@code [h(seed), salt]}
   */
  public static Operand<TInt64> foldIn(Ops tf, Operand<TInt64> seed, long salt) {
    check("seed", seed);
    Operand<TInt32> one = tf.constant(new int[] {1});
    Operand<TInt64> head =
        portable(tf)
            ? fullIntBits(tf, one, seed, TInt64.class)
            : tf.random.statelessRandomUniformFullInt(one, seed, TInt64.class);
    return tf.concat(List.of(head, tf.constant(new long[] {salt})), tf.constant(0));
  }

  /**
   * Uniform noise on {@code [0, 1)} of the given shape and floating type.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param shape the shape of the noise
   * @param seed an {@code int64[2]} stateless seed
   * @param type the floating type of the noise
   * @return uniform noise on {@code [0, 1)} of the given shape and floating type
   */
  public static <T extends TNumber> Operand<T> uniform(
      Ops tf, Operand<TInt32> shape, Operand<TInt64> seed, Class<T> type) {
    check("seed", seed);
    if (portable(tf)) {
      return portableUniform(tf, shape, seed, type);
    }
    return tf.random.statelessRandomUniform(shape, seed, type);
  }

  /** Random bits as {@code StatelessRandomUniformFullInt(shape, seed)} draws them (Philox). */
  private static <T extends TNumber> Operand<T> fullIntBits(
      Ops tf, Operand<TInt32> shape, Operand<TInt64> seed, Class<T> type) {
    Output<?>[] keyCounter = keyCounter(tf, seed);
    return tf.random.statelessRandomUniformFullIntV2(
        shape, keyCounter[0], keyCounter[1], tf.constant(PHILOX), type);
  }

  /** The scrambling key of the V1 kernels' {@code GenerateKey}, as one uint64. */
  private static final long SCRAMBLE_KEY = 0x02461e29_3ec8f720L;

  /**
   * The Philox key ({@code uint64[1]}) and counter ({@code uint64[2]}) of a seed, as the CPU
   * kernels' {@code GenerateKey} derives them: one Philox block with the fixed key {@link
   * #SCRAMBLE_KEY} and the seed as counter; its words 0-1 are the key, words 2-3 the counter's high
   * half. (XLA's own {@code StatelessRandomGetKeyCounter} disagrees with the CPU kernel for seeds
   * with a negative or above-2^32 half, so it is not used.)
   */
  private static Output<?>[] keyCounter(Ops tf, Operand<TInt64> seed) {
    Operand<TInt64> mix =
        tf.random.statelessRandomUniformFullIntV2(
            tf.constant(new int[] {2}),
            asUint64(tf, tf.constant(new long[] {SCRAMBLE_KEY})),
            asUint64(tf, seed),
            tf.constant(PHILOX),
            TInt64.class);
    Operand<TInt32> one = tf.constant(new int[] {1});
    Output<?> key = asUint64(tf, tf.slice(mix, tf.constant(new int[] {0}), one));
    Output<?> counter =
        asUint64(
            tf,
            tf.concat(
                List.of(tf.constant(new long[] {0}), tf.slice(mix, one, one)), tf.constant(0)));
    return new Output<?>[] {key, counter};
  }

  /** The same bits as {@code uint64} (TensorFlow Java has no class for that type). */
  private static Output<?> asUint64(Ops tf, Operand<TInt64> x) {
    return tf.scope()
        .opBuilder("Bitcast", "AsUint64")
        .addInput(x.asOutput())
        .setAttr("type", DataType.DT_UINT64)
        .build()
        .output(0);
  }

  /**
   * {@code StatelessRandomUniform}'s values from full-int bits: the CPU kernel fills the mantissa
   * of {@code 1.0} with random bits and subtracts one ({@code Uint32ToFloat}, {@code
   * Uint64ToDouble}, {@code Uint16ToHalf}, {@code Uint16ToGfloat16}).
   */
  private static <T extends TNumber> Operand<T> portableUniform(
      Ops tf, Operand<TInt32> shape, Operand<TInt64> seed, Class<T> type) {
    var bits = tf.bitwise;
    if (type == TFloat64.class) {
      // One uint64 per value, from the two uint32 draws (x0, x1): x0 in the low half.
      Operand<TInt64> u = fullIntBits(tf, shape, seed, TInt64.class);
      Operand<TInt64> low32 = tf.constant(0xFFFFFFFFL);
      Operand<TInt64> x0 = bits.bitwiseAnd(u, low32);
      Operand<TInt64> x1 = bits.bitwiseAnd(bits.rightShift(u, tf.constant(32L)), low32);
      // Uint64ToDouble(x0, x1): mantissa = (x0 & 0xfffff) << 32 | x1, exponent of 1.0.
      Operand<TInt64> mantissa =
          bits.bitwiseOr(
              bits.leftShift(bits.bitwiseAnd(x0, tf.constant(0xFFFFFL)), tf.constant(32L)), x1);
      return minusOne(tf, tf.bitcast(bits.bitwiseOr(mantissa, tf.constant(1023L << 52)), type));
    }
    Operand<TInt32> u = fullIntBits(tf, shape, seed, TInt32.class);
    if (type == TFloat32.class) {
      Operand<TInt32> one =
          bits.bitwiseOr(bits.bitwiseAnd(u, tf.constant(0x7FFFFF)), tf.constant(0x3F800000));
      return minusOne(tf, tf.bitcast(one, type));
    }
    if (type == TFloat16.class || type == TBfloat16.class) {
      boolean half = type == TFloat16.class;
      int mantissa = half ? 0x3FF : 0x7F;
      int exponent = half ? 15 << 10 : 127 << 7;
      Operand<TUint16> one =
          tf.dtypes.cast(
              bits.bitwiseOr(bits.bitwiseAnd(u, tf.constant(mantissa)), tf.constant(exponent)),
              TUint16.class);
      return minusOne(tf, tf.bitcast(one, type));
    }
    throw new IllegalArgumentException(
        "uniform noise of type " + type.getSimpleName() + " has no XLA-portable kernel");
  }

  /** {@code x - 1}, exact for values in {@code [1, 2)}. */
  private static <T extends TNumber> Operand<T> minusOne(Ops tf, Operand<T> x) {
    return tf.math.sub(x, tf.dtypes.cast(tf.constant(1.0f), x.type()));
  }
}
