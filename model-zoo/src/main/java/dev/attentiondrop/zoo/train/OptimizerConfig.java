package dev.attentiondrop.zoo.train;

import dev.attentiondrop.ops.Checks;

/**
 * Adam or AdamW hyper-parameters.
 *
 * <pre>
 *   m_t = beta1 m_{t-1} + (1 - beta1) g_t          v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
 *   m^_t = m_t / (1 - beta1^t)                      v^_t = v_t / (1 - beta2^t)
 *   w_t = w_{t-1} - lr_t (m^_t / (sqrt(v^_t) + epsilon) + wd w_{t-1})     (wd = 0 for Adam)
 * </pre>
 *
 * with {@code t} counted from 1 at the first update (PyTorch's Adam/AdamW and Keras' Adam
 * convention). AdamW's decay is decoupled from the gradient (Loshchilov and Hutter).
 *
 * @param kind {@code adam} or {@code adamw}
 * @param learningRate peak learning rate, {@code > 0}
 * @param beta1 in {@code [0, 1)}
 * @param beta2 in {@code [0, 1)}
 * @param epsilon {@code > 0}
 * @param weightDecay decoupled decay (adamw only), {@code >= 0}
 */
public record OptimizerConfig(
    String kind,
    double learningRate,
    double beta1,
    double beta2,
    double epsilon,
    double weightDecay) {

  public OptimizerConfig {
    Checks.notNull("optimizer", kind);
    if (!kind.equals("adam") && !kind.equals("adamw")) {
      throw new IllegalArgumentException(
          "optimizer must be one of [adam, adamw], got '" + kind + "'");
    }
    Checks.positiveFinite("learning_rate", learningRate);
    Checks.inClosedOpen("beta1", beta1, 0, 1);
    Checks.inClosedOpen("beta2", beta2, 0, 1);
    Checks.positiveFinite("epsilon", epsilon);
    Checks.nonNegativeFinite("weight_decay", weightDecay);
    if (kind.equals("adam") && weightDecay != 0) {
      throw new IllegalArgumentException(
          "weight_decay applies to adamw only; got " + weightDecay + " with adam");
    }
  }

  public static OptimizerConfig adam(double lr) {
    return new OptimizerConfig("adam", lr, 0.9, 0.999, 1e-8, 0);
  }

  public static OptimizerConfig adamw(double lr, double weightDecay) {
    return new OptimizerConfig("adamw", lr, 0.9, 0.999, 1e-8, weightDecay);
  }
}
