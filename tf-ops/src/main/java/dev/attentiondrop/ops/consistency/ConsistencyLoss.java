package dev.attentiondrop.ops.consistency;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.family.TFloating;

/**
 * The consistency term of Consistency-Regularized AttentionDrop.
 *
 * <p>For output logits {@code z_1 .. z_K} ({@code [batch, classes]}) of {@code K >= 2} passes with
 * independent AttentionDrop noise:
 *
 * <pre>
 *   L_cons = lambda * mean_{a &lt; b} D(softmax(z_a), softmax(z_b))
 *   KL(P || Q) = mean_batch sum_c P_c (log P_c - log Q_c)
 * </pre>
 *
 * with {@code D = KL} (the paper, {@code K = 2}) or the symmetric mean of both directions (R-Drop).
 * Log-probabilities come from {@code LogSoftmax}, so the loss is finite for any finite logits.
 * Gradients flow into every pass (no stop-gradient; the paper states none).
 *
 * @param lambda weight {@code lambda}, finite and {@code >= 0}
 * @param divergence which divergence
 */
public record ConsistencyLoss(double lambda, Divergence divergence) {

  /**
   * Validates the components.
   *
   * @param lambda weight {@code lambda}, finite and {@code >= 0}
   * @param divergence which divergence
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public ConsistencyLoss {
    Checks.nonNegativeFinite("lambda", lambda);
    Checks.notNull("divergence", divergence);
  }

  /**
   * The paper's form, {@code lambda * KL(P1 || P2)}.
   *
   * @param lambda the weight {@code lambda} of the consistency term
   * @return the paper's form, {@code lambda * KL(P1 || P2)}
   */
  public static ConsistencyLoss kl(double lambda) {
    return new ConsistencyLoss(lambda, Divergence.KL);
  }

  /**
   * R-Drop's form, {@code lambda * (KL(P1||P2) + KL(P2||P1)) / 2}.
   *
   * @param lambda the weight {@code lambda} of the consistency term
   * @return R-Drop's form, {@code lambda * (KL(P1||P2) + KL(P2||P1)) / 2}
   */
  public static ConsistencyLoss symmetric(double lambda) {
    return new ConsistencyLoss(lambda, Divergence.SYMMETRIC_KL);
  }

  /**
   * {@code lambda * mean over pairs a < b of D(z_a, z_b)}; a scalar.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param passLogits the output logits of the {@code K} passes
   * @return {@code lambda * mean over pairs a < b of D(z_a, z_b)}
   */
  public <T extends TFloating> Operand<T> call(Ops tf, List<Operand<T>> passLogits) {
    Checks.notNull("passLogits", passLogits);
    Checks.inRange("K (number of passes)", passLogits.size(), 2, Integer.MAX_VALUE);
    List<Operand<T>> pairs = new ArrayList<>();
    for (int a = 0; a < passLogits.size(); a++) {
      for (int b = a + 1; b < passLogits.size(); b++) {
        pairs.add(divergence(tf, passLogits.get(a), passLogits.get(b)));
      }
    }
    Operand<T> first = passLogits.get(0);
    Operand<T> mean =
        tf.math.div(
            pairs.size() == 1 ? pairs.get(0) : tf.math.addN(pairs),
            Tensors.scalarLike(tf, pairs.size(), first));
    return tf.math.mul(Tensors.scalarLike(tf, lambda, first), mean);
  }

  /**
   * {@code L_task + L_cons}, with {@code L_task} the mean of the per-pass task losses.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param taskLosses the task losses of the {@code K} passes
   * @param passLogits the output logits of the {@code K} passes
   * @return {@code L_task + L_cons}, with {@code L_task} the mean of the per-pass task losses
   */
  public <T extends TFloating> Operand<T> total(
      Ops tf, List<Operand<T>> taskLosses, List<Operand<T>> passLogits) {
    Checks.inRange("number of task losses", taskLosses.size(), 1, Integer.MAX_VALUE);
    Operand<T> task =
        tf.math.div(
            taskLosses.size() == 1 ? taskLosses.get(0) : tf.math.addN(taskLosses),
            Tensors.scalarLike(tf, taskLosses.size(), taskLosses.get(0)));
    return tf.math.add(task, call(tf, passLogits));
  }

  /**
   * The divergence of this loss between two passes, unweighted.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param zP logits of {@code P}
   * @param zQ logits of {@code Q}
   * @return the divergence of this loss between two passes, unweighted
   */
  public <T extends TFloating> Operand<T> divergence(Ops tf, Operand<T> zP, Operand<T> zQ) {
    return switch (divergence) {
      case KL -> kl(tf, zP, zQ);
      case SYMMETRIC_KL ->
          tf.math.mul(Tensors.scalarLike(tf, 0.5, zP), tf.math.add(kl(tf, zP, zQ), kl(tf, zQ, zP)));
    };
  }

  /**
   * {@code KL(softmax(zP) || softmax(zQ))} over the last axis, averaged over the others.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param zP logits of {@code P}
   * @param zQ logits of {@code Q}
   * @return {@code KL(softmax(zP) || softmax(zQ))} over the last axis, averaged over the others
   */
  public static <T extends TFloating> Operand<T> kl(Ops tf, Operand<T> zP, Operand<T> zQ) {
    Operand<T> logP = tf.nn.logSoftmax(zP);
    Operand<T> logQ = tf.nn.logSoftmax(zQ);
    Operand<T> p = tf.math.exp(logP);
    Operand<T> perRow =
        tf.reduceSum(
            tf.math.mul(p, tf.math.sub(logP, logQ)),
            Tensors.axis(tf, -1),
            ReduceSum.keepDims(false));
    return tf.math.mean(perRow, tf.range(tf.constant(0), tf.rank(perRow), tf.constant(1)));
  }
}
