package com.example.attentiondrop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.zoo.layers.CallContext;
import dev.attentiondrop.zoo.layers.MultiHeadAttention;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
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
import org.tensorflow.types.TInt64;

/** The README's layer snippet: Keras' names, a padding mask [B, S] and a causal mask. */
class ReadmeLayersTest {
  static final int B = 2;
  static final int T = 6;
  static final int D = 16;

  @Test
  void kerasStyleMultiHeadAttention() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(B, T, D)));
      Placeholder<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      // README snippet starts
      MultiHeadAttention mha =
          MultiHeadAttention.builder()
              .inputDim(16)
              .numHeads(4) // Keras' num_heads
              .keyDim(8) // Keras' key_dim
              .dropout(0.1) // on the attention probabilities, in training only
              .useCausalMask(true) // Keras' use_causal_mask
              .regularizers(RegularizerChain.ofLogits(HardAttentionMask.of(2, 0.1)))
              .build(tf, "mha");
      // padding [B, S] (true = a real token); Keras' [B, T, S] and [B, H, T, S] masks work too
      Operand<TBool> padding =
          tf.constant(new boolean[][] {{true, true, true, true, false, false}, {true, true, true, true, true, true}});
      var train = mha.call(tf, x, padding, CallContext.training(seed)); // feed seed = [seed, step]
      var infer = mha.call(tf, x, padding, CallContext.inference());
      // infer.output(): [B, T, 16]; infer.probabilities(): [B, 4, T, T]
      // README snippet ends
      assertEquals(Shape.of(B, T, D), infer.output().shape());
      float[] input = new float[B * T * D];
      Random r = new Random(7);
      for (int i = 0; i < input.length; i++) {
        input[i] = (float) r.nextGaussian();
      }
      try (Session s = new Session(g);
          TFloat32 xt = TFloat32.tensorOf(Shape.of(B, T, D), DataBuffers.of(input));
          TInt64 st = TInt64.vectorOf(1, 0)) {
        s.initialize();
        try (Result res =
            s.runner()
                .feed(x, xt)
                .feed(seed, st)
                .fetch(infer.probabilities())
                .fetch(train.probabilities())
                .run()) {
          float[] p = values((TFloat32) res.get(0));
          for (int b = 0; b < B; b++) {
            for (int h = 0; h < 4; h++) {
              for (int i = 0; i < T; i++) {
                double sum = 0;
                for (int j = 0; j < T; j++) {
                  float pij = p[((b * 4 + h) * T + i) * T + j];
                  boolean allowed = j <= i && (b == 1 || j < 4);
                  if (!allowed) {
                    assertEquals(0f, pij, "b " + b + " h " + h + " query " + i + " key " + j);
                  }
                  sum += pij;
                }
                assertEquals(1.0, sum, 1e-5, "row sums to 1");
              }
            }
          }
          assertTrue(!Arrays.equals(p, values((TFloat32) res.get(1))), "training adds noise");
        }
      }
      // A misuse is the library's own message, at graph-build time:
      Operand<TBool> wrong = tf.constant(new boolean[][] {{true, true, true}});
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> mha.call(tf, x, wrong, CallContext.inference()));
      assertTrue(e.getMessage().contains("mask"), e.getMessage());
    }
  }

  static float[] values(TFloat32 t) {
    float[] v = new float[(int) t.size()];
    t.copyTo(DataBuffers.of(v, false, false));
    return v;
  }
}
