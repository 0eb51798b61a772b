package com.example.attentiondrop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.zoo.layers.CallContext;
import dev.attentiondrop.zoo.layers.Initializers;
import dev.attentiondrop.zoo.layers.TransformerEncoderBlock;
import dev.attentiondrop.zoo.train.Optimizer;
import dev.attentiondrop.zoo.train.OptimizerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The snippet of docs/models.md, section 3 ("Building and training a block"), verbatim: a pre-LN
 * {@link TransformerEncoderBlock} with Hard Attention Masking in its attention chain, trained with
 * our Adam on gradients from {@code Graph.addGradients}. The task: every position must output the
 * mean of its sequence, which only attention can compute.
 */
@DisplayName("docs/models.md: a block with a regularizer chain trains (loss decreases)")
class DocsSnippetTest {

  @Test
  void blockWithHardMaskTrains() {
    int batch = 16, length = 8, dim = 16, steps = 60;
    // A fixed batch: x ~ N(0, 1) [batch, length, dim]; target: the mean over the positions.
    Random random = new Random(0);
    float[] xs = new float[batch * length * dim];
    float[] ys = new float[xs.length];
    for (int b = 0; b < batch; b++) {
      for (int d = 0; d < dim; d++) {
        float sum = 0;
        for (int t = 0; t < length; t++) {
          xs[(b * length + t) * dim + d] = (float) random.nextGaussian();
          sum += xs[(b * length + t) * dim + d];
        }
        for (int t = 0; t < length; t++) {
          ys[(b * length + t) * dim + d] = sum / length;
        }
      }
    }
    Shape shape = Shape.of(batch, length, dim);

    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      // Each of the top-4 logits of every query row is dropped with p = 0.1 (training only).
      RegularizerChain chain = RegularizerChain.ofLogits(HardAttentionMask.of(4, 0.1));
      // d_model 16, 4 heads, MLP 32; defaults: pre-LN, no dropout, no DropConnect, epsilon 1e-6.
      var block =
          TransformerEncoderBlock.builder()
              .modelDim(dim)
              .numHeads(4)
              .mlpDim(32)
              .regularizers(chain)
              .initializers(new Initializers(42))
              .build(tf, "block");

      var x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, length, dim)));
      var target = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, length, dim)));
      var seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2))); // fed [0, step]
      var allAxes = tf.constant(new int[] {0, 1, 2});

      // Training branch (regularizer on) and inference branch: two calls, one set of variables.
      Operand<TFloat32> trainOut = block.call(tf, x, null, CallContext.training(seed)).output();
      Operand<TFloat32> evalOut = block.call(tf, x, null, CallContext.inference()).output();
      Operand<TFloat32> loss = tf.math.mean(tf.math.squaredDifference(trainOut, target), allAxes);
      Operand<TFloat32> evalLoss =
          tf.math.mean(tf.math.squaredDifference(evalOut, target), allAxes);

      // d loss / d w for every variable of the block, then one Adam update.
      List<Variable<TFloat32>> weights = block.variables();
      Output<?>[] ws = weights.stream().map(Variable::asOutput).toArray(Output<?>[]::new);
      List<Operand<TFloat32>> grads = new ArrayList<>();
      for (Output<?> grad : g.addGradients(loss.asOutput(), ws)) {
        @SuppressWarnings("unchecked")
        Operand<TFloat32> gf = (Operand<TFloat32>) grad;
        grads.add(gf);
      }
      grads = Optimizer.clipByGlobalNorm(tf, grads, 1.0, new ArrayList<>());
      Op train =
          new Optimizer(OptimizerConfig.adam(1e-2)).update(tf, weights, grads, tf.constant(1e-2f));

      try (Session session = new Session(g);
          TFloat32 xT = TFloat32.tensorOf(shape, DataBuffers.of(xs, true, false));
          TFloat32 yT = TFloat32.tensorOf(shape, DataBuffers.of(ys, true, false))) {
        session.initialize();
        float before = scalar(session.runner().feed(x, xT).feed(target, yT).fetch(evalLoss));
        float firstStep = 0, lastStep = 0;
        for (long step = 0; step < steps; step++) {
          try (TInt64 s = TInt64.vectorOf(0L, step)) { // a fresh mask every step
            float l =
                scalar(
                    session
                        .runner()
                        .feed(x, xT)
                        .feed(target, yT)
                        .feed(seed, s)
                        .addTarget(train)
                        .fetch(loss));
            if (step == 0) {
              firstStep = l;
            }
            lastStep = l;
          }
        }
        float after = scalar(session.runner().feed(x, xT).feed(target, yT).fetch(evalLoss));
        System.out.printf(
            "DocsSnippetTest: %d block parameters; training loss %.4f (step 1) -> %.4f "
                + "(step %d); inference loss %.4f -> %.4f%n",
            block.parameterCount(), firstStep, lastStep, steps, before, after);
        assertTrue(lastStep < 0.5f * firstStep, "training loss " + firstStep + " -> " + lastStep);
        assertTrue(after < 0.5f * before, "inference loss " + before + " -> " + after);
      }
    }
  }

  private static float scalar(Session.Runner runner) {
    try (Result r = runner.run()) {
      return ((TFloat32) r.get(0)).getFloat();
    }
  }
}
