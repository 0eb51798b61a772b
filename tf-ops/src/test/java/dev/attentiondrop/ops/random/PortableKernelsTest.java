package dev.attentiondrop.ops.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.testing.TfRun;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TNumber;

@DisplayName("XLA-portable random kernels draw exactly the default kernels' values")
class PortableKernelsTest {
  static final long[][] SEEDS = {
    {0, 0}, {1, 2}, {-7, Long.MAX_VALUE}, {0x1234_5678_9ABC_DEF0L, -1}
  };
  static final List<Class<? extends TNumber>> TYPES =
      List.of(TFloat32.class, TFloat64.class, TFloat16.class, TBfloat16.class);

  @Test
  @DisplayName("uniform noise, every float type, odd and large shapes, large seeds")
  void uniformIsBitIdentical() {
    for (int[] shape : new int[][] {{3, 5, 7}, {2, 4, 64, 33}, {1}}) {
      for (long[] seed : SEEDS) {
        for (Class<? extends TNumber> type : TYPES) {
          try (TfRun r = TfRun.create()) {
            Operand<TInt32> s = r.tf.constant(shape);
            Operand<TInt64> sd = r.seed(seed[0], seed[1]);
            var classic = Seeds.uniform(r.tf, s, sd, type);
            // The same graph, switched to the portable kernels for the next draw.
            Seeds.usePortableKernels(r.graph);
            var portable = Seeds.uniform(r.tf, s, sd, type);
            assertTrue(r.countOps("StatelessRandomUniformFullIntV2") > 0);
            List<double[]> v = r.eval(classic, portable);
            String what =
                type.getSimpleName()
                    + " "
                    + Arrays.toString(shape)
                    + " seed "
                    + Arrays.toString(seed);
            assertArrayEquals(v.get(0), v.get(1), 0.0, what);
            for (double x : v.get(1)) {
              assertTrue(x >= 0 && x < 1, what + ": " + x);
            }
          }
        }
      }
    }
  }

  @Test
  @DisplayName("foldIn gives the same child seeds")
  void foldInIsBitIdentical() {
    for (long[] seed : SEEDS) {
      try (TfRun r = TfRun.create()) {
        Operand<TInt64> sd = r.seed(seed[0], seed[1]);
        var classic = Seeds.foldIn(r.tf, sd, 17);
        Seeds.usePortableKernels(r.graph);
        var portable = Seeds.foldIn(r.tf, Seeds.foldIn(r.tf, sd, 3), 17);
        var classicTwice = classicFoldIn(r.tf, classicFoldIn(r.tf, sd, 3), 17);
        var portableOnce = Seeds.foldIn(r.tf, sd, 17);
        // (TfRun evaluates as float64, which cannot hold every int64: compare the raw longs.)
        try (var s = new Session(r.graph);
            var res =
                s.runner()
                    .fetch(classic)
                    .fetch(portableOnce)
                    .fetch(portable)
                    .fetch(classicTwice)
                    .run()) {
          assertArrayEquals(longs(res.get(0)), longs(res.get(1)));
          assertArrayEquals(longs(res.get(3)), longs(res.get(2)));
        }
      }
    }
  }

  @Test
  @DisplayName("an unmarked graph keeps the default kernels")
  void defaultIsUnchanged() {
    try (TfRun r = TfRun.create()) {
      assertFalse(Seeds.usesPortableKernels(r.graph));
      Seeds.uniform(r.tf, r.tf.constant(new int[] {4}), r.seed(1, 2), TFloat32.class);
      Seeds.foldIn(r.tf, r.seed(1, 2), 3);
      assertTrue(r.countOps("StatelessRandomUniform") == 2);
      assertTrue(r.countOps("StatelessRandomGetKeyCounter") == 0);
    }
  }

  private static Operand<TInt64> classicFoldIn(Ops tf, Operand<TInt64> seed, long salt) {
    Operand<TInt64> head =
        tf.random.statelessRandomUniformFullInt(tf.constant(new int[] {1}), seed, TInt64.class);
    return tf.concat(List.of(head, tf.constant(new long[] {salt})), tf.constant(0));
  }

  private static long[] longs(Tensor t) {
    TInt64 x = (TInt64) t;
    long[] out = new long[(int) x.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = x.getLong(i);
    }
    return out;
  }
}
