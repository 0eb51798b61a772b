package dev.attentiondrop.zoo.metrics;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A differentiable classifier as a graph function: given the float32 input {@code [batch,
 * ...example shape]} (pixels, input embeddings, or any features), the class logits {@code [batch,
 * classes]}. {@link Attacks} calls it once, on a placeholder, and differentiates the loss with
 * respect to that placeholder; every op on the path needs a gradient in TensorFlow Java's C++
 * registry. Build the model in inference mode (no dropout noise) and reuse the variables of the
 * trained model so that the attack sees the weights the session holds.
 */
@FunctionalInterface
public interface AdversarialModel {
  /**
   * Builds the model's logits on {@code input}.
   *
   * @param tf ops on the graph of the attack's session
   * @param input the float32 input {@code [batch, ...example shape]}
   * @return the float32 class logits {@code [batch, classes]}, differentiable with respect to
   *     {@code input}
   */
  Operand<TFloat32> logits(Ops tf, Operand<TFloat32> input);
}
