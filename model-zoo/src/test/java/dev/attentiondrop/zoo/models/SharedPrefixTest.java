package dev.attentiondrop.zoo.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.consistency.MultiPass;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.layers.CallContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

@DisplayName(
    "Shared-prefix passes: the model stacks K passes at its first attention, with the outputs of stacking the input")
class SharedPrefixTest {
  static final int B = 3, K = 2;

  static ModelConfig config(ModelConfig.Kind kind) {
    var b =
        kind == ModelConfig.Kind.VIT
            ? ModelConfig.vit()
            : ModelConfig.text().vocabularySize(50).maxLength(12);
    return b.modelDim(16)
        .heads(2)
        .layers(2)
        .mlpDim(24)
        .residualDropout(0.1)
        .dropConnect(0.1)
        .regularizer("blur", Map.of("sigma_max", 1.0, "w", 3))
        .regularizer("hard_mask", Map.of("k", 3, "p", 0.3))
        .regularizer("dropout", Map.of("rate", 0.1))
        .build();
  }

  /** Images in [0, 1], or token ids with padding at the end of each row (a real key mask). */
  static Tensor input(ModelConfig c) {
    SplittableRandom rnd = new SplittableRandom(4);
    if (c.kind() == ModelConfig.Kind.VIT) {
      float[] px = new float[B * 28 * 28];
      for (int i = 0; i < px.length; i++) {
        px[i] = (float) rnd.nextDouble();
      }
      return TFloat32.tensorOf(Shape.of(B, 28, 28), DataBuffers.of(px, true, false));
    }
    int len = c.maxLength();
    int[] ids = new int[B * len];
    for (int b = 0; b < B; b++) {
      int used = len - 3 * b; // 12, 9 and 6 tokens
      for (int j = 0; j < used; j++) {
        ids[b * len + j] = 2 + rnd.nextInt(48);
      }
    }
    return TInt32.tensorOf(Shape.of(B, len), DataBuffers.of(ids, true, false));
  }

  @ParameterizedTest
  @EnumSource(ModelConfig.Kind.class)
  @DisplayName("logits of every pass and the weight gradients equal those of MultiPass BATCHED")
  void sameAsBatched(ModelConfig.Kind kind) {
    ModelConfig c = config(kind);
    try (Graph g = new Graph();
        Tensor in = input(c)) {
      Ops tf = Ops.create(g);
      var model = new Classifier(tf, c);
      Operand<?> x =
          kind == ModelConfig.Kind.VIT ? tf.constant((TFloat32) in) : tf.constant((TInt32) in);
      var seed = tf.constant(new long[] {12, 34});
      List<Operand<TFloat32>> batched =
          MultiPass.run(
              tf,
              (t, inputs, s, groups) ->
                  model.call(t, inputs.get(0), new CallContext(Training.ON, s, groups)).logits(),
              List.of(x),
              K,
              seed,
              MultiPass.Mode.BATCHED);
      List<Operand<TFloat32>> shared =
          MultiPass.run(
              tf,
              (t, inputs, s, groups) ->
                  model
                      .call(t, inputs.get(0), new CallContext(Training.ON, s, groups, true))
                      .logits(),
              List.of(x),
              K,
              seed,
              MultiPass.Mode.SHARED_PREFIX);
      List<Output<?>> fetch = new ArrayList<>();
      for (int i = 0; i < K; i++) {
        fetch.add(batched.get(i).asOutput());
        fetch.add(shared.get(i).asOutput());
      }
      var weights =
          model.variables().stream().map(v -> (Output<?>) v.asOutput()).toArray(Output<?>[]::new);
      Output<?>[] gb = g.addGradients(loss(tf, batched).asOutput(), weights);
      Output<?>[] gs = g.addGradients(loss(tf, shared).asOutput(), weights);
      for (int w = 0; w < weights.length; w++) {
        fetch.add(gb[w]);
        fetch.add(gs[w]);
      }
      try (Session session = new Session(g)) {
        session.initialize();
        var runner = session.runner();
        fetch.forEach(runner::fetch);
        try (var result = runner.run()) {
          float[] pass0 = floats(result.get(0));
          float[] pass1 = floats(result.get(2));
          assertFalse(Arrays.equals(pass0, pass1), "the passes have independent noise");
          for (int i = 0; i < fetch.size(); i += 2) {
            float[] a = floats(result.get(i));
            float[] b = floats(result.get(i + 1));
            assertEquals(a.length, b.length);
            // The shared prefix sums its gradient over the passes in another order: 1e-6 relative.
            float scale = 0;
            for (float v : a) {
              scale = Math.max(scale, Math.abs(v));
            }
            assertArrayEquals(a, b, 1e-6f * Math.max(1f, scale), kind + ": fetch " + i / 2);
          }
        }
      }
    }
  }

  /** A loss that weighs the passes differently. */
  static Operand<TFloat32> loss(Ops tf, List<Operand<TFloat32>> passes) {
    Operand<TFloat32> total = tf.constant(0f);
    for (int i = 0; i < passes.size(); i++) {
      Operand<TFloat32> z = passes.get(i);
      total =
          tf.math.add(
              total,
              tf.math.mul(
                  tf.constant(i + 1f),
                  tf.reduceSum(tf.math.square(z), tf.constant(new int[] {0, 1}))));
    }
    return total;
  }

  static float[] floats(Tensor t) {
    TFloat32 f = (TFloat32) t;
    float[] out = new float[(int) f.size()];
    f.asRawTensor().data().asFloats().read(out);
    return out;
  }
}
