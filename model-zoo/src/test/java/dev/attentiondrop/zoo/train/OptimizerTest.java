package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attentiondrop.ops.testing.Npy;
import dev.attentiondrop.ops.testing.PythonReference;
import dev.attentiondrop.ops.testing.Stats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Our Adam and AdamW updates, step by step, against an independent NumPy implementation
 * (tests/python/reference/optim_ref.py): same initial weights, same gradient sequence, same
 * learning rates; the weights after every one of 20 updates agree to float32 precision. The bias
 * correction of update t uses t (the framework Adam of TF Java 1.1.0 uses t + 1, which this test
 * would catch: at t = 1 the difference is a factor of about 1.4 in the first step).
 */
@DisplayName("Adam and AdamW match NumPy update by update")
class OptimizerTest {
  static final int STEPS = 20;
  static final long[] SHAPE = {3, 4};

  @ParameterizedTest
  @ValueSource(strings = {"adam", "adamw"})
  void matchesNumpy(String kind, @TempDir Path dir) throws Exception {
    OptimizerConfig config =
        kind.equals("adam") ? OptimizerConfig.adam(0.05) : OptimizerConfig.adamw(0.05, 0.1);
    int n = 12;
    double[] w0 = Stats.gaussian(1, n);
    double[] grads = Stats.gaussian(2, STEPS * n);
    double[] lrs = new double[STEPS];
    for (int s = 0; s < STEPS; s++) {
      lrs[s] = new LearningRateSchedule(0.05, 5, STEPS, 0.1).at(s);
    }
    double[] fromJava = new double[STEPS * n];
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      float[] init = new float[n];
      for (int i = 0; i < n; i++) {
        init[i] = (float) w0[i];
      }
      Variable<TFloat32> w =
          tf.variable(tf.constant(Shape.of(SHAPE), DataBuffers.of(init, true, false)));
      Placeholder<TFloat32> grad =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(SHAPE)));
      Placeholder<TFloat32> lr = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      var update =
          new Optimizer(config).update(tf, List.of(w), List.<Operand<TFloat32>>of(grad), lr);
      try (Session s = new Session(g)) {
        s.initialize();
        for (int step = 0; step < STEPS; step++) {
          float[] gs = new float[n];
          for (int i = 0; i < n; i++) {
            gs[i] = (float) grads[step * n + i];
          }
          try (TFloat32 gt = TFloat32.tensorOf(Shape.of(SHAPE), DataBuffers.of(gs, true, false));
              TFloat32 lt = TFloat32.scalarOf((float) lrs[step])) {
            s.runner().feed(grad, gt).feed(lr, lt).addTarget(update).run();
          }
          try (Result r = s.runner().fetch(w).run()) {
            float[] out = new float[n];
            ((TFloat32) r.get(0)).copyTo(DataBuffers.of(out, false, false));
            for (int i = 0; i < n; i++) {
              fromJava[step * n + i] = out[i];
            }
          }
        }
      }
    }
    // NumPy sees the float32-rounded inputs the graph saw.
    Npy.write(dir.resolve("w0.npy"), roundToFloat(w0), SHAPE);
    Npy.write(dir.resolve("grads.npy"), roundToFloat(grads), STEPS, SHAPE[0], SHAPE[1]);
    Npy.write(dir.resolve("lrs.npy"), roundToFloat(lrs), STEPS);
    Files.writeString(
        dir.resolve("case.json"),
        String.format(
            Locale.ROOT,
            "{\"kind\": \"%s\", \"beta1\": %s, \"beta2\": %s, \"epsilon\": %s, \"weight_decay\": %s}",
            kind,
            (double) (float) config.beta1(),
            (double) (float) config.beta2(),
            (double) (float) config.epsilon(),
            (double) (float) config.weightDecay()));
    PythonReference.run("tests/python/reference/optim_ref.py", dir.toString());
    double[] numpy = Npy.read(dir.resolve("out_weights.npy")).data();
    for (int i = 0; i < fromJava.length; i++) {
      assertEquals(
          numpy[i],
          fromJava[i],
          2e-5 * Math.max(1, Math.abs(numpy[i])),
          "update " + (i / n + 1) + ", weight " + (i % n));
    }
  }

  static double[] roundToFloat(double[] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) x[i];
    }
    return out;
  }
}
