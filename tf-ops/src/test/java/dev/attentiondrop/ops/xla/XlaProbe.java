package dev.attentiondrop.ops.xla;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.testing.Stats;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A child process for the XLA proof tests: builds one attention layer (hard mask + blur + dropout,
 * causal mask, training) in the mode named by {@code args[0]}, takes the gradients of a loss w.r.t.
 * q, k and v, runs one step and prints {@code PROBE loss=... grad=... auto=...}. {@code
 * --session-jit} opens the session with {@link AutoClustering#sessionConfig()}.
 */
public final class XlaProbe {
  static final int B = 2, H = 2, T = 16, D = 8;

  /** Three float32 placeholders of {@code shape}: query, key and value, fed per run. */
  static List<Operand<TFloat32>> qkvPlaceholders(Ops tf, Shape shape) {
    List<Operand<TFloat32>> qkv = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      qkv.add(tf.placeholder(TFloat32.class, Placeholder.shape(shape)));
    }
    return qkv;
  }

  public static void main(String[] args) {
    XlaMode mode = XlaMode.valueOf(args[0]);
    boolean sessionJit = List.of(args).contains("--session-jit");
    RegularizerChain chain =
        RegularizerChain.ofLogits(
                HardAttentionMask.of(4, 0.3), BlurredAttentionSmoothing.of(1.0, 3))
            .thenProbabilities(new AttentionDropout(0.1));
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      List<Operand<TFloat32>> qkv = qkvPlaceholders(tf, Shape.of(B, H, T, D));
      Operand<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      boolean[] causal = new boolean[T * T];
      for (int q = 0; q < T; q++) {
        for (int k = 0; k <= q; k++) {
          causal[q * T + k] = true;
        }
      }
      Operand<TBool> mask = tf.constant(Shape.of(1, 1, T, T), DataBuffers.of(causal, true, false));
      var ctx = AttentionContext.training(seed).withKeyMask(mask);
      var out =
          CompiledAttention.of(chain, mode)
              .returning(false, false)
              .compute(tf, qkv.get(0), qkv.get(1), qkv.get(2), ctx)
              .output();
      Operand<TFloat32> w =
          tf.constant(Shape.of(B, H, T, D), floats(Stats.gaussian(9, B * H * T * D)));
      Operand<TFloat32> loss =
          tf.reduceSum(tf.math.mul(out, w), tf.constant(new int[] {0, 1, 2, 3}));
      Output<?>[] grads =
          g.addGradients(
              loss.asOutput(),
              new Output<?>[] {
                qkv.get(0).asOutput(), qkv.get(1).asOutput(), qkv.get(2).asOutput()
              });
      try (Session s =
          sessionJit ? new Session(g, AutoClustering.sessionConfig()) : new Session(g)) {
        List<Tensor> fed = new ArrayList<>();
        Session.Runner runner = s.runner();
        for (int i = 0; i < 3; i++) {
          TFloat32 t =
              TFloat32.tensorOf(Shape.of(B, H, T, D), floats(Stats.gaussian(1 + i, B * H * T * D)));
          fed.add(t);
          runner.feed(qkv.get(i), t);
        }
        TInt64 sd = TInt64.vectorOf(0x1234_5678_9ABC_DEF0L, -42);
        fed.add(sd);
        runner.feed(seed, sd).fetch(loss);
        for (Output<?> gr : grads) {
          runner.fetch(gr);
        }
        try (Result r = runner.run()) {
          double gsum = 0;
          for (int i = 1; i <= 3; i++) {
            TFloat32 t = (TFloat32) r.get(i);
            float[] v = new float[(int) t.size()];
            t.copyTo(DataBuffers.of(v, false, false));
            for (float x : v) {
              gsum += Math.abs(x);
            }
          }
          System.out.println(
              "PROBE loss="
                  + ((TFloat32) r.get(0)).getFloat()
                  + " grad="
                  + gsum
                  + " auto="
                  + AutoClustering.isActive(sessionJit));
        } finally {
          fed.forEach(Tensor::close);
        }
      }
    }
  }

  static FloatDataBuffer floats(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) d[i];
    }
    return DataBuffers.of(f, true, false);
  }
}
