package dev.attentiondrop.ops.xla;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.testing.Stats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Not a test: the time of one training step (forward and backward w.r.t. q, k, v) of one attention
 * layer {@code [batch 8, heads 4, T 128, d 32]}, float32, median of {@code runs} after {@code
 * warmup}. Usage: {@code XlaBenchmark MODE[,MODE...] [runs] [warmup]}; run AUTO_CLUSTERING in a
 * process started with {@code TF_XLA_FLAGS} = {@link AutoClustering#FLAGS}.
 */
public final class XlaBenchmark {
  static final int B = 8, H = 4, T = 128, D = 32;

  static Map<String, RegularizerChain> chains() {
    Map<String, RegularizerChain> m = new LinkedHashMap<>();
    m.put("plain", RegularizerChain.none());
    m.put("hard mask (k=16, p=0.3)", RegularizerChain.ofLogits(HardAttentionMask.of(16, 0.3)));
    m.put(
        "blur (sigma_max=1, w=5)", RegularizerChain.ofLogits(BlurredAttentionSmoothing.of(1.0, 5)));
    return m;
  }

  public static void main(String[] args) {
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    System.out.println("auto-clustering active: " + AutoClustering.isActive());
    for (String m : args[0].split(",")) {
      XlaMode mode = XlaMode.valueOf(m);
      for (var e : chains().entrySet()) {
        double[] ms = time(mode, e.getValue(), runs, warmup);
        Arrays.sort(ms);
        System.out.printf(
            "BENCH %-18s %-26s median %8.2f ms  (min %.2f, max %.2f, n=%d)%n",
            mode, e.getKey(), ms[ms.length / 2], ms[0], ms[ms.length - 1], ms.length);
      }
    }
  }

  static double[] time(XlaMode mode, RegularizerChain chain, int runs, int warmup) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      List<Operand<TFloat32>> qkv = XlaProbe.qkvPlaceholders(tf, Shape.of(B, H, T, D));
      Operand<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      var out =
          CompiledAttention.of(chain, mode)
              .returning(false, false)
              .compute(tf, qkv.get(0), qkv.get(1), qkv.get(2), AttentionContext.training(seed))
              .output();
      Operand<TFloat32> w =
          tf.constant(Shape.of(B, H, T, D), XlaProbe.floats(Stats.gaussian(9, B * H * T * D)));
      Operand<TFloat32> loss =
          tf.reduceSum(tf.math.mul(out, w), tf.constant(new int[] {0, 1, 2, 3}));
      Output<?>[] grads =
          g.addGradients(
              loss.asOutput(),
              new Output<?>[] {
                qkv.get(0).asOutput(), qkv.get(1).asOutput(), qkv.get(2).asOutput()
              });
      List<Tensor> fed = new ArrayList<>();
      try (Session s = new Session(g)) {
        for (int i = 0; i < 3; i++) {
          fed.add(
              TFloat32.tensorOf(
                  Shape.of(B, H, T, D), XlaProbe.floats(Stats.gaussian(1 + i, B * H * T * D))));
        }
        double[] ms = new double[runs];
        for (int r = -warmup; r < runs; r++) {
          try (TInt64 sd = TInt64.vectorOf(r, 7)) {
            Session.Runner runner = s.runner();
            for (int i = 0; i < 3; i++) {
              runner.feed(qkv.get(i), fed.get(i));
            }
            runner.feed(seed, sd).fetch(loss);
            for (Output<?> gr : grads) {
              runner.fetch(gr);
            }
            long t0 = System.nanoTime();
            Result res = runner.run();
            long t1 = System.nanoTime();
            res.close();
            if (r >= 0) {
              ms[r] = (t1 - t0) / 1e6;
            }
          }
        }
        return ms;
      } finally {
        fed.forEach(Tensor::close);
      }
    }
  }
}
