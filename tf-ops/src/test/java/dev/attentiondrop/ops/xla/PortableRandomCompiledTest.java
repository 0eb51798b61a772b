package dev.attentiondrop.ops.xla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.attentiondrop.ops.random.Seeds;
import dev.attentiondrop.ops.testing.TfRun;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TNumber;

@DisplayName("Portable random kernels compiled by XLA draw the plain kernels' values")
class PortableRandomCompiledTest {
  static final long[][] SEEDS = {
    {12345, 678}, {-7, Long.MAX_VALUE}, {0x1234_5678_9ABC_DEF0L, -1}, {1L << 32, 3}
  };

  /** uniform(shape, foldIn(seed, 5)) in a function built with the portable kernels. */
  static <T extends TNumber> ConcreteFunction draw(Class<T> type) {
    return ConcreteFunction.create(
        tf -> {
          Seeds.usePortableKernels(tf.scope().env());
          Operand<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
          Operand<T> u =
              Seeds.uniform(tf, tf.constant(new int[] {3, 5, 7}), Seeds.foldIn(tf, seed, 5), type);
          return Signature.builder("draw").input("seed", seed).output("u", u).build();
        });
  }

  static <T extends TNumber> Operand<T> plain(Ops tf, Operand<TInt64> seed, Class<T> type) {
    return Seeds.uniform(tf, tf.constant(new int[] {3, 5, 7}), Seeds.foldIn(tf, seed, 5), type);
  }

  @Test
  @DisplayName("uniform after foldIn, every float type, seeds with negative and large halves")
  void compiledDrawsMatch() {
    for (Class<? extends TNumber> type :
        List.of(TFloat32.class, TFloat64.class, TFloat16.class, TBfloat16.class)) {
      try (TfRun r = TfRun.create();
          ConcreteFunction f = draw(type)) {
        Operand<TInt64> seed = r.seedPlaceholder(); // fed: the call cannot be constant-folded
        Operation compiled = XlaCalls.call(r.tf, "draw", f, List.of(seed), true);
        Operand<?> expected = plain(r.tf, seed, type);
        for (long[] s : SEEDS) {
          List<double[]> v = r.evalFeeding(Map.of(seed, s), expected, compiled.output(0));
          assertArrayEquals(
              v.get(0), v.get(1), 0.0, type.getSimpleName() + " seed " + Arrays.toString(s));
        }
      }
    }
  }
}
