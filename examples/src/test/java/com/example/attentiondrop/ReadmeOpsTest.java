package com.example.attentiondrop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.attention.AttentionMasks;
import dev.attentiondrop.ops.attention.ScaledDotProductAttention;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
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
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** The README's first snippet: the regularized attention core, built once, run every step. */
class ReadmeOpsTest {
  static final int BATCH = 2;
  static final int HEADS = 2;
  static final int SEQ_LEN = 16;
  static final int D = 8;

  @Test
  void aGraphBuiltOnceDrawsNewMasksEveryStep() {
    float[] q = random(1);
    float[] k = random(2);
    float[] v = random(3);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var qkv = Shape.of(BATCH, HEADS, SEQ_LEN, D);
      Operand<TFloat32> query = tf.placeholder(TFloat32.class, Placeholder.shape(qkv));
      Operand<TFloat32> key = tf.placeholder(TFloat32.class, Placeholder.shape(qkv));
      Operand<TFloat32> value = tf.placeholder(TFloat32.class, Placeholder.shape(qkv));
      int seqLen = SEQ_LEN;
      // README snippet starts
      RegularizerChain chain =
          RegularizerChain.ofLogits(
              HardAttentionMask.of(8, 0.1), // top-8 logits per row, each dropped with p = 0.1
              BlurredAttentionSmoothing.of(1.0, 5)); // sigma ~ U(0, 1), kernel width 5
      // The seed is fed at every step as [42, step]: a new mask each step, the same on a rerun.
      Placeholder<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      AttentionContext ctx =
          AttentionContext.training(seed).withKeyMask(AttentionMasks.causal(tf, seqLen));
      var attention = ScaledDotProductAttention.compute(tf, query, key, value, chain, ctx);
      // attention.output(): [batch, heads, queries, d_v]
      // README snippet ends
      var plain =
          ScaledDotProductAttention.compute(
              tf,
              query,
              key,
              value,
              RegularizerChain.none(),
              AttentionContext.inference().withKeyMask(AttentionMasks.causal(tf, seqLen)));
      var inference =
          ScaledDotProductAttention.compute(
              tf,
              query,
              key,
              value,
              chain,
              AttentionContext.inference().withKeyMask(AttentionMasks.causal(tf, seqLen)));
      try (Session s = new Session(g)) {
        float[] step0 = run(s, query, key, value, seed, 0, attention.probabilities(), q, k, v);
        float[] step1 = run(s, query, key, value, seed, 1, attention.probabilities(), q, k, v);
        float[] again0 = run(s, query, key, value, seed, 0, attention.probabilities(), q, k, v);
        assertFalse(Arrays.equals(step0, step1), "step 1 draws other noise than step 0");
        assertArrayEquals(step0, again0, "the same step draws the same noise");
        float[] clean = run(s, query, key, value, seed, 0, plain.output(), q, k, v);
        float[] off = run(s, query, key, value, seed, 0, inference.output(), q, k, v);
        assertArrayEquals(clean, off, "outside training the chain does nothing");
        assertEquals(BATCH * HEADS * SEQ_LEN * D, clean.length);
      }
    }
  }

  static float[] run(
      Session s,
      Operand<TFloat32> query,
      Operand<TFloat32> key,
      Operand<TFloat32> value,
      Placeholder<TInt64> seed,
      long step,
      Operand<TFloat32> fetch,
      float[] q,
      float[] k,
      float[] v) {
    Shape shape = Shape.of(BATCH, HEADS, SEQ_LEN, D);
    try (TFloat32 qt = TFloat32.tensorOf(shape, DataBuffers.of(q));
        TFloat32 kt = TFloat32.tensorOf(shape, DataBuffers.of(k));
        TFloat32 vt = TFloat32.tensorOf(shape, DataBuffers.of(v));
        TInt64 st = TInt64.vectorOf(42, step);
        Result r =
            s.runner()
                .feed(query, qt)
                .feed(key, kt)
                .feed(value, vt)
                .feed(seed, st)
                .fetch(fetch)
                .run()) {
      TFloat32 out = (TFloat32) r.get(0);
      float[] values = new float[(int) out.size()];
      out.copyTo(DataBuffers.of(values, false, false));
      return values;
    }
  }

  static float[] random(long seed) {
    Random r = new Random(seed);
    float[] x = new float[BATCH * HEADS * SEQ_LEN * D];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }
}
