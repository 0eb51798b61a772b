package dev.attentiondrop.zoo.train;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Adam/AdamW as explicit graph updates (see {@link OptimizerConfig} for the math). The step counter
 * is incremented first and every moment and weight update reads the incremented value, so the bias
 * correction of update {@code t} uses {@code t} (TF Java's framework Adam was observed to apply
 * {@code t + 1}). All updates wait for all gradients (control dependencies), so no weight changes
 * before every gradient of the step is computed.
 */
public final class Optimizer {
  private final OptimizerConfig config;
  private final List<Variable<TFloat32>> slots = new ArrayList<>();
  private Variable<TFloat32> step;

  /**
   * An optimizer with the given hyper-parameters; it builds nothing until {@link #update}.
   *
   * @param config the Adam/AdamW hyper-parameters ({@code learningRate} is not read here: the rate
   *     is the {@code lr} operand of {@link #update})
   */
  public Optimizer(OptimizerConfig config) {
    this.config = config;
  }

  /**
   * The optimizer's own variables, for checkpoints.
   *
   * @return a new list: the step counter, then the first and second moments {@code m, v} of each
   *     weight in order; empty before {@link #update}
   */
  public List<Variable<TFloat32>> variables() {
    List<Variable<TFloat32>> all = new ArrayList<>();
    if (step != null) {
      all.add(step);
    }
    all.addAll(slots);
    return all;
  }

  /**
   * The step counter variable.
   *
   * @return the float32 scalar counting the updates applied ({@code t} of the last one), or {@code
   *     null} before {@link #update}
   */
  public Variable<TFloat32> step() {
    return step;
  }

  /**
   * Builds one update of {@code weights} from {@code gradients} at learning rate {@code lr} (a
   * scalar, for example fed per step from a schedule); returns the op that applies it. Running the
   * op increments the step counter to {@code t}, then for every weight {@code w} with gradient
   * {@code g}:
   *
   * <pre>
   *   m = beta1 m + (1 - beta1) g        v = beta2 v + (1 - beta2) g^2
   *   w = w - lr (m / (1 - beta1^t) / (sqrt(v / (1 - beta2^t)) + epsilon) + wd w)
   * </pre>
   *
   * with {@code wd} the config's weight decay (the term is omitted when it is 0), all after every
   * gradient is computed. Call it once per graph: it creates the step counter and the moment slots
   * (zeros) under the name scope {@code optimizer}.
   *
   * @param tf ops on the training graph
   * @param weights the trainable variables
   * @param gradients the gradient of the loss for each weight, in the same order
   * @param lr the float32 scalar learning rate
   * @return a no-op that depends on every weight update
   * @throws IllegalArgumentException if there are not as many gradients as weights
   */
  public Op update(
      Ops tf,
      List<Variable<TFloat32>> weights,
      List<Operand<TFloat32>> gradients,
      Operand<TFloat32> lr) {
    if (weights.size() != gradients.size()) {
      throw new IllegalArgumentException(
          weights.size() + " weights but " + gradients.size() + " gradients");
    }
    Ops opt = tf.withSubScope("optimizer");
    step = opt.withName("step").variable(opt.constant(0f));
    List<Op> gradientDeps = new ArrayList<>();
    for (Operand<TFloat32> g : gradients) {
      gradientDeps.add(opt.identity(g));
    }
    Ops after = opt.withControlDependencies(gradientDeps);
    Operand<TFloat32> t = after.assignAdd(step, after.constant(1f));
    float b1 = (float) config.beta1();
    float b2 = (float) config.beta2();
    Operand<TFloat32> c1 =
        after.math.sub(after.constant(1f), after.math.pow(after.constant(b1), t));
    Operand<TFloat32> c2 =
        after.math.sub(after.constant(1f), after.math.pow(after.constant(b2), t));
    List<Op> updates = new ArrayList<>();
    for (int i = 0; i < weights.size(); i++) {
      Variable<TFloat32> w = weights.get(i);
      Operand<TFloat32> g = gradients.get(i);
      Ops s = opt.withSubScope("slot" + i);
      Operand<TFloat32> zeros = s.zeros(s.constant(w.shape()), TFloat32.class);
      Variable<TFloat32> m = s.withName("m").variable(zeros);
      Variable<TFloat32> v = s.withName("v").variable(zeros);
      slots.add(m);
      slots.add(v);
      Operand<TFloat32> mNew =
          after.assign(
              m,
              after.math.add(
                  after.math.mul(after.constant(b1), m),
                  after.math.mul(after.constant(1 - b1), g)));
      Operand<TFloat32> vNew =
          after.assign(
              v,
              after.math.add(
                  after.math.mul(after.constant(b2), v),
                  after.math.mul(after.constant(1 - b2), after.math.square(g))));
      Operand<TFloat32> direction =
          after.math.div(
              after.math.div(mNew, c1),
              after.math.add(
                  after.math.sqrt(after.math.div(vNew, c2)),
                  after.constant((float) config.epsilon())));
      if (config.weightDecay() > 0) {
        direction =
            after.math.add(
                direction, after.math.mul(after.constant((float) config.weightDecay()), w));
      }
      updates.add(after.assignSub(w, after.math.mul(lr, direction)));
    }
    return opt.withControlDependencies(updates).noOp();
  }

  /**
   * {@code d loss / d w} for every weight, in order, through {@code Graph.addGradients}.
   *
   * @param graph the graph holding {@code loss} and the weights
   * @param loss the scalar loss
   * @param weights the variables to differentiate with respect to
   * @return one gradient per weight, in order
   */
  public static List<Operand<TFloat32>> gradients(
      Graph graph, Operand<TFloat32> loss, List<Variable<TFloat32>> weights) {
    Output<?>[] ws = new Output<?>[weights.size()];
    for (int i = 0; i < ws.length; i++) {
      ws[i] = weights.get(i).asOutput();
    }
    List<Operand<TFloat32>> gradients = new ArrayList<>();
    for (Output<?> g : graph.addGradients(loss.asOutput(), ws)) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> gf = (Operand<TFloat32>) g;
      gradients.add(gf);
    }
    return gradients;
  }

  /**
   * Scales gradients so their global L2 norm is at most {@code clipNorm}: {@code g_i * clipNorm /
   * max(norm, clipNorm)}. Returns the clipped gradients; the global norm is appended to {@code
   * normOut}.
   *
   * <p>{@code norm = sqrt(sum_i sum(g_i^2))} over all gradients; the scale {@code clipNorm /
   * max(norm, clipNorm)} is 1 when {@code norm <= clipNorm}.
   *
   * @param tf ops on the training graph
   * @param gradients the gradients to clip
   * @param clipNorm the largest global norm allowed, {@code > 0}
   * @param normOut receives the global norm (before clipping), a float32 scalar
   * @return the clipped gradients, in order
   */
  public static List<Operand<TFloat32>> clipByGlobalNorm(
      Ops tf, List<Operand<TFloat32>> gradients, double clipNorm, List<Operand<TFloat32>> normOut) {
    List<Operand<TFloat32>> squares = new ArrayList<>();
    for (Operand<TFloat32> g : gradients) {
      squares.add(tf.reduceSum(tf.math.square(g), allAxes(tf, g)));
    }
    Operand<TFloat32> norm = tf.math.sqrt(tf.math.addN(squares));
    normOut.add(norm);
    Operand<TFloat32> c = tf.constant((float) clipNorm);
    Operand<TFloat32> scale = tf.math.div(c, tf.math.maximum(norm, c));
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (Operand<TFloat32> g : gradients) {
      out.add(tf.math.mul(g, scale));
    }
    return out;
  }

  static Operand<TInt32> allAxes(Ops tf, Operand<?> x) {
    int rank = x.shape().numDimensions();
    int[] axes = new int[rank];
    for (int i = 0; i < rank; i++) {
      axes[i] = i;
    }
    return tf.constant(axes);
  }
}
