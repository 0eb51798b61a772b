package dev.attentiondrop.zoo.metrics;

import dev.attentiondrop.ops.Checks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleFunction;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * L-infinity adversarial attacks (FGSM, PGD) and robust accuracy against an {@link
 * AdversarialModel}, run from Java in a caller-held {@link Session}.
 *
 * <p>{@link #create} adds to the session's graph, once: a float32 input placeholder {@code [batch,
 * ...exampleShape]}, a float32 one-hot label placeholder {@code [batch, classes]}, the model's
 * logits on the input, the loss {@code L = mean_i softmaxCrossEntropy(logits_i, onehot_i)} and its
 * gradient with respect to the input. The attack loop then runs in Java: per batch it feeds the
 * current point, fetches {@code grad_x L} and updates the point in float64 arithmetic, storing
 * float32. Only the sign of the gradient is used, so the {@code 1/batch} of the mean does not
 * matter.
 *
 * <ul>
 *   <li>FGSM: {@code x' = clip(x0 + eps * sign(g(x0)))}.
 *   <li>PGD: {@code x = clip(proj(x0 + u))} with {@code u} the random start (or 0), then {@code
 *       steps} times {@code x <- clip(proj(x + stepSize * sign(g(x))))}, where {@code proj} clamps
 *       each value to {@code [x0 - eps, x0 + eps]}.
 * </ul>
 *
 * {@code sign(0) = 0}. {@code clip} clamps to the {@link ValueRange} when one is given (pixels:
 * {@code [0, 1]}) and is the identity otherwise (input embeddings); clean inputs must lie inside
 * the range, so every adversarial value lies in the intersection of the eps-ball and the range.
 *
 * <p>Inputs are flat row-major float arrays holding {@code n * prod(exampleShape)} values; labels
 * are {@code n} class indices. Examples are processed in batches of {@link #batchSize()}; each
 * example's attack does not depend on the batching (the model must not mix examples, as a model in
 * inference mode does not). Every {@link Tensor} and {@link Result} opened here is closed here; the
 * session and graph belong to the caller.
 */
public final class Attacks {
  /** Examples per session run unless set otherwise. */
  public static final int DEFAULT_BATCH_SIZE = 128;

  private final Session session;
  private final Placeholder<TFloat32> input;
  private final Placeholder<TFloat32> onehot;
  private final Operand<TFloat32> logits;
  private final Operand<TFloat32> loss;
  private final Output<TFloat32> gradient;
  private final long[] exampleShape;
  private final int exampleSize;
  private final int classes;
  private final ValueRange clip;
  private final int batchSize;

  private Attacks(
      Session session,
      Ops tf,
      AdversarialModel model,
      long[] exampleShape,
      int classes,
      ValueRange clip,
      int batchSize) {
    this.session = Checks.notNull("session", session);
    Checks.notNull("tf", tf);
    Checks.notNull("model", model);
    Checks.notNull("example shape", exampleShape);
    long size = 1;
    for (long d : exampleShape) {
      if (d < 1) {
        throw new IllegalArgumentException(
            "example shape must have dimensions in [1, +inf), got "
                + Arrays.toString(exampleShape));
      }
      size = Math.multiplyExact(size, d);
    }
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "example shape " + Arrays.toString(exampleShape) + " is too large");
    }
    this.exampleShape = exampleShape.clone();
    this.exampleSize = (int) size;
    this.classes = Checks.inRange("classes", classes, 2, 1 << 20);
    this.clip = clip;
    this.batchSize = Checks.inRange("batch size", batchSize, 1, Integer.MAX_VALUE);

    Ops scope = tf.withSubScope("attack");
    long[] batched = new long[exampleShape.length + 1];
    batched[0] = -1;
    System.arraycopy(exampleShape, 0, batched, 1, exampleShape.length);
    this.input =
        scope.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(batched)));
    this.onehot =
        scope
            .withName("onehot_labels")
            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, classes)));
    this.logits = Checks.notNull("model logits", model.logits(tf, input));
    Shape ls = logits.shape();
    if (!ls.isUnknown()
        && (ls.numDimensions() != 2 || (ls.size(1) >= 0 && ls.size(1) != classes))) {
      throw new IllegalArgumentException(
          "model logits must have shape [batch, " + classes + "], got " + ls);
    }
    this.loss =
        scope.math.mean(
            scope.nn.softmaxCrossEntropyWithLogits(logits, onehot).loss(), scope.constant(0));
    Output<TFloat32> g = scope.gradients(loss, List.of(input)).dy(0);
    if (g == null) {
      throw new IllegalArgumentException("the model's logits do not depend on its input");
    }
    this.gradient = g;
  }

  /**
   * Builds the attack graph for {@code model} into the graph of {@code session}, with {@link
   * #DEFAULT_BATCH_SIZE}: the placeholders, logits, loss and gradient described in the class
   * comment, under the name scope {@code attack}.
   *
   * @param session the session that holds the model's variables; the caller keeps and closes it
   * @param tf ops on the session's graph (the model's variables must be in that graph)
   * @param model the differentiable classifier, called once on the input placeholder
   * @param exampleShape the shape of one example, without the batch dimension, every dimension
   *     {@code >= 1}
   * @param classes number of classes (the logits' last dimension), in {@code [2, 2^20]}
   * @param clip the value range of valid inputs, or {@code null} for none
   * @return the attacks
   * @throws IllegalArgumentException if an argument is invalid, the logits are not {@code [batch,
   *     classes]}, or the logits do not depend on the input
   */
  public static Attacks create(
      Session session,
      Ops tf,
      AdversarialModel model,
      long[] exampleShape,
      int classes,
      ValueRange clip) {
    return new Attacks(session, tf, model, exampleShape, classes, clip, DEFAULT_BATCH_SIZE);
  }

  /**
   * {@link #create(Session, Ops, AdversarialModel, long[], int, ValueRange)} with a batch size.
   *
   * @param session the session that holds the model's variables; the caller keeps and closes it
   * @param tf ops on the session's graph (the model's variables must be in that graph)
   * @param model the differentiable classifier, called once on the input placeholder
   * @param exampleShape the shape of one example, without the batch dimension, every dimension
   *     {@code >= 1}
   * @param classes number of classes (the logits' last dimension), in {@code [2, 2^20]}
   * @param clip the value range of valid inputs, or {@code null} for none
   * @param batchSize examples per session run, {@code >= 1}
   * @return the attacks
   * @throws IllegalArgumentException if an argument is invalid, the logits are not {@code [batch,
   *     classes]}, or the logits do not depend on the input
   */
  public static Attacks create(
      Session session,
      Ops tf,
      AdversarialModel model,
      long[] exampleShape,
      int classes,
      ValueRange clip,
      int batchSize) {
    return new Attacks(session, tf, model, exampleShape, classes, clip, batchSize);
  }

  /**
   * The shape of one example.
   *
   * @return a copy of the example shape, without the batch dimension
   */
  public long[] exampleShape() {
    return exampleShape.clone();
  }

  /**
   * The number of values of one example.
   *
   * @return {@code prod(exampleShape())}
   */
  public int exampleSize() {
    return exampleSize;
  }

  /**
   * The number of classes.
   *
   * @return the logits' last dimension
   */
  public int classes() {
    return classes;
  }

  /**
   * The range adversarial values are clipped to.
   *
   * @return the clip range, or {@code null} for none
   */
  public ValueRange clip() {
    return clip;
  }

  /**
   * The number of examples per session run.
   *
   * @return the batch size
   */
  public int batchSize() {
    return batchSize;
  }

  // ---------------------------------------------------------------- model queries

  /**
   * The model's logits on {@code x}.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param side extra feeds per batch (for example a padding mask), or {@code null} for none
   * @return the logits {@code [n, classes]}, flat row-major
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range
   */
  public float[] logits(float[] x, SideFeeds side) {
    int n = examples(x, null);
    float[] out = new float[n * classes];
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      Fetched f = run(x, from, to, null, side, false);
      System.arraycopy(f.logits, 0, out, from * classes, f.logits.length);
    }
    return out;
  }

  /**
   * {@link #logits(float[], SideFeeds)} without extra feeds.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @return the logits {@code [n, classes]}, flat row-major
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range
   */
  public float[] logits(float[] x) {
    return logits(x, SideFeeds.NONE);
  }

  /**
   * Predicted classes: {@code argmax_c z[i][c]} of the logits, the lowest index on ties.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param side extra feeds per batch (for example a padding mask), or {@code null} for none
   * @return {@code n} class indices
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range
   */
  public int[] predict(float[] x, SideFeeds side) {
    float[] z = logits(x, side);
    int n = z.length / classes;
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (z[i * classes + c] > z[i * classes + best]) {
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  }

  /**
   * {@link #predict(float[], SideFeeds)} without extra feeds.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @return {@code n} class indices
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range
   */
  public int[] predict(float[] x) {
    return predict(x, SideFeeds.NONE);
  }

  /**
   * Accuracy: the fraction of examples predicted correctly, {@code (1/n) sum_i [predict(x)_i =
   * y_i]}.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param side extra feeds per batch (for example a padding mask), or {@code null} for none
   * @return the accuracy, in {@code [0, 1]}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it
   */
  public double accuracy(float[] x, int[] labels, SideFeeds side) {
    examples(x, labels);
    int[] pred = predict(x, side);
    int correct = 0;
    for (int i = 0; i < pred.length; i++) {
      if (pred[i] == labels[i]) {
        correct++;
      }
    }
    return (double) correct / pred.length;
  }

  /**
   * {@link #accuracy(float[], int[], SideFeeds)} without extra feeds.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @return the accuracy, in {@code [0, 1]}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it
   */
  public double accuracy(float[] x, int[] labels) {
    return accuracy(x, labels, SideFeeds.NONE);
  }

  /**
   * The loss {@code L(x) = (1/n) sum_i crossEntropy_i} over all {@code n} examples, {@code
   * crossEntropy_i = logsumexp(z_i) - z_i[y_i]} of the logits {@code z_i}: the float32 batch means
   * of the graph, weighted by batch size.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param side extra feeds per batch (for example a padding mask), or {@code null} for none
   * @return the mean cross-entropy in nats
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it
   */
  public double loss(float[] x, int[] labels, SideFeeds side) {
    int n = examples(x, labels);
    double total = 0;
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      total += run(x, from, to, labels, side, true).loss * (to - from);
    }
    return total / n;
  }

  /**
   * {@link #loss(float[], int[], SideFeeds)} without extra feeds.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @return the mean cross-entropy in nats
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it
   */
  public double loss(float[] x, int[] labels) {
    return loss(x, labels, SideFeeds.NONE);
  }

  /**
   * The gradient {@code dL / dx} of {@link #loss(float[], int[], SideFeeds)} (the mean over all
   * {@code n} examples): each batch's gradient of its own mean, scaled by {@code batch / n}.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param side extra feeds per batch (for example a padding mask), or {@code null} for none
   * @return the gradient, same layout as {@code x}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it
   */
  public float[] gradient(float[] x, int[] labels, SideFeeds side) {
    int n = examples(x, labels);
    float[] out = new float[x.length];
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      float[] g = run(x, from, to, labels, side, true).gradient;
      double scale = (double) (to - from) / n; // batch mean -> mean over all examples
      for (int j = 0; j < g.length; j++) {
        out[from * exampleSize + j] = (float) (g[j] * scale);
      }
    }
    return out;
  }

  /**
   * {@link #gradient(float[], int[], SideFeeds)} without extra feeds.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @return the gradient, same layout as {@code x}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it
   */
  public float[] gradient(float[] x, int[] labels) {
    return gradient(x, labels, SideFeeds.NONE);
  }

  // ---------------------------------------------------------------- attacks

  /**
   * FGSM at radius {@code eps}: {@code x' = clip(x + eps * sign(grad_x L(x)))}, one step.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param eps the radius, finite, {@code >= 0}
   * @param side extra feeds per batch (for example a padding mask), or {@code null} for none
   * @return the adversarial inputs, same layout as {@code x}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it, or
   *     {@code eps} is invalid
   */
  public float[] fgsm(float[] x, int[] labels, double eps, SideFeeds side) {
    return attack(x, labels, new AttackSpec.Fgsm(eps), side);
  }

  /**
   * {@link #fgsm(float[], int[], double, SideFeeds)} without extra feeds.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param eps the radius, finite, {@code >= 0}
   * @return the adversarial inputs, same layout as {@code x}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it, or
   *     {@code eps} is invalid
   */
  public float[] fgsm(float[] x, int[] labels, double eps) {
    return fgsm(x, labels, eps, SideFeeds.NONE);
  }

  /**
   * PGD as in the class comment; the random start (if any) is {@link #uniformNoise
   * uniformNoise(spec.seed(), x.length, spec.eps())}.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param spec the PGD parameters
   * @param side extra feeds per batch (for example a padding mask), or {@code null} for none
   * @return the adversarial inputs, same layout as {@code x}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it
   */
  public float[] pgd(float[] x, int[] labels, AttackSpec.Pgd spec, SideFeeds side) {
    return attack(x, labels, spec, side);
  }

  /**
   * {@link #pgd(float[], int[], AttackSpec.Pgd, SideFeeds)} without extra feeds.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param spec the PGD parameters
   * @return the adversarial inputs, same layout as {@code x}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it
   */
  public float[] pgd(float[] x, int[] labels, AttackSpec.Pgd spec) {
    return pgd(x, labels, spec, SideFeeds.NONE);
  }

  /**
   * PGD from the given start offset {@code start} (same length as {@code x}; projected onto the
   * eps-ball and clipped), ignoring the spec's {@code randomStart} and {@code seed}; {@code null}
   * starts at the clean input. For reproducing a run with externally drawn noise: {@code x =
   * clip(proj(x0 + start))}, then {@code spec.steps()} times {@code x <- clip(proj(x + stepSize *
   * sign(g(x))))}, {@code g} being the gradient of the batch's mean loss.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param spec the PGD parameters (its {@code randomStart} and {@code seed} are ignored)
   * @param start the start offset, {@code x.length} finite values, or {@code null} for none
   * @param side extra feeds per batch (for example a padding mask), or {@code null} for none
   * @return the adversarial inputs, same layout as {@code x}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it, or
   *     {@code start} has the wrong length or a non-finite value
   */
  public float[] pgdFrom(
      float[] x, int[] labels, AttackSpec.Pgd spec, float[] start, SideFeeds side) {
    int n = examples(x, labels);
    Checks.notNull("pgd spec", spec);
    if (start != null) {
      if (start.length != x.length) {
        throw new IllegalArgumentException(
            "start must have " + x.length + " values like x, got " + start.length);
      }
      for (int j = 0; j < start.length; j++) {
        if (!Float.isFinite(start[j])) {
          throw new IllegalArgumentException(
              "start value " + j + " must be finite, got " + start[j]);
        }
      }
    }
    float[] out = new float[x.length];
    double eps = spec.eps();
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      int lo = from * exampleSize;
      int hi = to * exampleSize;
      float[] x0 = Arrays.copyOfRange(x, lo, hi);
      float[] cur = new float[x0.length];
      for (int j = 0; j < cur.length; j++) {
        double u = start == null ? 0 : start[lo + j];
        cur[j] = step(x0[j], x0[j], u, eps);
      }
      for (int s = 0; s < spec.steps(); s++) {
        float[] g =
            run(cur, 0, to - from, Arrays.copyOfRange(labels, from, to), offset(side, from), true)
                .gradient;
        for (int j = 0; j < cur.length; j++) {
          cur[j] = step(x0[j], cur[j], spec.stepSize() * Math.signum(g[j]), eps);
        }
      }
      System.arraycopy(cur, 0, out, lo, cur.length);
    }
    return out;
  }

  /**
   * {@link #pgdFrom(float[], int[], AttackSpec.Pgd, float[], SideFeeds)} without extra feeds.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param spec the PGD parameters (its {@code randomStart} and {@code seed} are ignored)
   * @param start the start offset, {@code x.length} finite values, or {@code null} for none
   * @return the adversarial inputs, same layout as {@code x}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it, or
   *     {@code start} has the wrong length or a non-finite value
   */
  public float[] pgdFrom(float[] x, int[] labels, AttackSpec.Pgd spec, float[] start) {
    return pgdFrom(x, labels, spec, start, SideFeeds.NONE);
  }

  /**
   * Runs {@code spec} on every example: FGSM, or PGD (with the random start of {@link #pgd(float[],
   * int[], AttackSpec.Pgd, SideFeeds)}).
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param spec the attack
   * @param side extra feeds per batch (for example a padding mask), or {@code null} for none
   * @return the adversarial inputs, same layout as {@code x}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it
   */
  public float[] attack(float[] x, int[] labels, AttackSpec spec, SideFeeds side) {
    int n = examples(x, labels);
    Checks.notNull("attack spec", spec);
    if (spec instanceof AttackSpec.Pgd pgd) {
      float[] start = pgd.randomStart() ? uniformNoise(pgd.seed(), x.length, pgd.eps()) : null;
      return pgdFrom(x, labels, pgd, start, side);
    }
    double eps = spec.eps();
    float[] out = new float[x.length];
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      float[] g = run(x, from, to, labels, side, true).gradient;
      int lo = from * exampleSize;
      for (int j = 0; j < g.length; j++) {
        out[lo + j] = step(x[lo + j], x[lo + j], eps * Math.signum(g[j]), eps);
      }
    }
    return out;
  }

  /**
   * {@link #attack(float[], int[], AttackSpec, SideFeeds)} without extra feeds.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param spec the attack
   * @return the adversarial inputs, same layout as {@code x}
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it
   */
  public float[] attack(float[] x, int[] labels, AttackSpec spec) {
    return attack(x, labels, spec, SideFeeds.NONE);
  }

  /**
   * Accuracy on adversarial inputs for each radius: {@code attackAt.apply(eps)} gives the attack at
   * that radius (its {@code eps()} must equal it), for example {@code AttackSpec.Fgsm::new} or
   * {@code e -> AttackSpec.Pgd.relative(e, 10, 0.25, true, 7)}. At {@code eps = 0} every attack
   * returns the clean input, so the accuracy there is the clean accuracy.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param eps the radii, at least one
   * @param attackAt the attack at each radius; every radius must give the same kind of attack
   * @param side extra feeds per batch (for example a padding mask), or {@code null} for none
   * @return the attack's name, {@code n}, the clean accuracy, and the radii with the accuracy on
   *     the adversarial inputs at each
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it,
   *     {@code eps} is empty, or {@code attackAt} gives a wrong radius or two kinds of attack
   */
  public RobustAccuracy robustAccuracy(
      float[] x,
      int[] labels,
      double[] eps,
      DoubleFunction<? extends AttackSpec> attackAt,
      SideFeeds side) {
    int n = examples(x, labels);
    Checks.notNull("eps", eps);
    Checks.notNull("attackAt", attackAt);
    if (eps.length == 0) {
      throw new IllegalArgumentException("eps must list at least one radius, got none");
    }
    double clean = accuracy(x, labels, side);
    List<Double> radii = new ArrayList<>();
    List<Double> acc = new ArrayList<>();
    String name = null;
    for (double e : eps) {
      AttackSpec spec = Checks.notNull("attack at eps " + e, attackAt.apply(e));
      if (spec.eps() != e) {
        throw new IllegalArgumentException(
            "attackAt(" + e + ") must return an attack with that eps, got eps " + spec.eps());
      }
      if (name != null && !name.equals(spec.name())) {
        throw new IllegalArgumentException(
            "attackAt must give one kind of attack, got " + name + " and " + spec.name());
      }
      name = spec.name();
      radii.add(e);
      acc.add(accuracy(attack(x, labels, spec, side), labels, side));
    }
    return new RobustAccuracy(name, n, clean, radii, acc);
  }

  /**
   * {@link #robustAccuracy(float[], int[], double[], DoubleFunction, SideFeeds)} without extra
   * feeds.
   *
   * @param x the inputs, {@code n * exampleSize()} finite values, row-major, inside the clip range
   *     if there is one
   * @param labels {@code n} class indices in {@code [0, classes())}
   * @param eps the radii, at least one
   * @param attackAt the attack at each radius; every radius must give the same kind of attack
   * @return the attack's name, {@code n}, the clean accuracy, and the radii with the accuracy on
   *     the adversarial inputs at each
   * @throws IllegalArgumentException if {@code x} is empty, not a multiple of {@link
   *     #exampleSize()}, not finite or outside the clip range, or the labels do not match it,
   *     {@code eps} is empty, or {@code attackAt} gives a wrong radius or two kinds of attack
   */
  public RobustAccuracy robustAccuracy(
      float[] x, int[] labels, double[] eps, DoubleFunction<? extends AttackSpec> attackAt) {
    return robustAccuracy(x, labels, eps, attackAt, SideFeeds.NONE);
  }

  /**
   * The random start of PGD: {@code size} values {@code (2 u - 1) eps} with {@code u} the
   * successive {@link SplittableRandom#nextDouble()} of {@code new SplittableRandom(seed)}, as
   * float32 (so in {@code [-eps, eps]} up to float rounding; the attack projects them anyway).
   *
   * @param seed the seed of the generator
   * @param size the number of values, {@code >= 0}
   * @param eps the radius, finite, {@code >= 0}
   * @return the noise
   * @throws IllegalArgumentException if {@code size} is negative or {@code eps} invalid
   */
  public static float[] uniformNoise(long seed, int size, double eps) {
    Checks.inRange("size", size, 0, Integer.MAX_VALUE);
    if (!(eps >= 0 && Double.isFinite(eps))) {
      throw new IllegalArgumentException("eps must be finite and in [0, +inf), got " + eps);
    }
    SplittableRandom r = new SplittableRandom(seed);
    float[] out = new float[size];
    for (int j = 0; j < size; j++) {
      out[j] = (float) ((2 * r.nextDouble() - 1) * eps);
    }
    return out;
  }

  // ---------------------------------------------------------------- internals

  /** {@code clip(proj_{[x0 - eps, x0 + eps]}(x + delta))} in float64, stored as float32. */
  private float step(float x0, float x, double delta, double eps) {
    double v = x + delta;
    v = Math.min(x0 + eps, Math.max(x0 - eps, v));
    if (clip != null) {
      v = Math.min(clip.hi(), Math.max(clip.lo(), v));
    }
    return (float) v;
  }

  private static SideFeeds offset(SideFeeds side, int from) {
    SideFeeds s = side == null ? SideFeeds.NONE : side;
    return from == 0 ? s : (a, b) -> s.forBatch(a + from, b + from);
  }

  /** Validates the inputs; returns the number of examples. */
  private int examples(float[] x, int[] labels) {
    Checks.notNull("x", x);
    if (x.length == 0 || x.length % exampleSize != 0) {
      throw new IllegalArgumentException(
          "x must hold a positive multiple of "
              + exampleSize
              + " values (example shape "
              + Arrays.toString(exampleShape)
              + "), got "
              + x.length);
    }
    int n = x.length / exampleSize;
    for (int j = 0; j < x.length; j++) {
      if (!Float.isFinite(x[j])) {
        throw new IllegalArgumentException("x value " + j + " must be finite, got " + x[j]);
      }
      if (clip != null && !clip.contains(x[j])) {
        throw new IllegalArgumentException(
            "x value "
                + j
                + " must be in the clip range ["
                + clip.lo()
                + ", "
                + clip.hi()
                + "], got "
                + x[j]);
      }
    }
    if (labels != null) {
      if (labels.length != n) {
        throw new IllegalArgumentException(
            "labels has " + labels.length + " entries but x holds " + n + " examples");
      }
      for (int i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= classes) {
          throw new IllegalArgumentException(
              "label " + i + " must be an integer in [0, " + (classes - 1) + "], got " + labels[i]);
        }
      }
    }
    return n;
  }

  private record Fetched(float[] logits, double loss, float[] gradient) {}

  /** One session run on examples {@code [from, to)} of {@code x}. */
  private Fetched run(
      float[] x, int from, int to, int[] labels, SideFeeds side, boolean withGradient) {
    int n = to - from;
    long[] shape = new long[exampleShape.length + 1];
    shape[0] = n;
    System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
    float[] slice = Arrays.copyOfRange(x, from * exampleSize, to * exampleSize);
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      TFloat32 xt = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(slice, true, false));
      fed.add(xt);
      runner.feed(input, xt);
      Map<Operand<?>, Tensor> extra = (side == null ? SideFeeds.NONE : side).forBatch(from, to);
      for (Map.Entry<Operand<?>, Tensor> e : extra.entrySet()) {
        fed.add(e.getValue());
        runner.feed(e.getKey(), e.getValue());
      }
      runner.fetch(logits);
      if (withGradient) {
        float[] y = new float[n * classes];
        for (int i = 0; i < n; i++) {
          y[i * classes + labels[from + i]] = 1f;
        }
        TFloat32 yt = TFloat32.tensorOf(Shape.of(n, classes), DataBuffers.of(y, true, false));
        fed.add(yt);
        runner.feed(onehot, yt);
        runner.fetch(loss);
        runner.fetch(gradient);
      }
      try (Result result = runner.run()) {
        float[] z = read((TFloat32) result.get(0), n * classes, "logits");
        if (!withGradient) {
          return new Fetched(z, Double.NaN, null);
        }
        double l = ((TFloat32) result.get(1)).getFloat();
        float[] g = read((TFloat32) result.get(2), slice.length, "gradient");
        return new Fetched(z, l, g);
      }
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  private static float[] read(TFloat32 t, int expected, String what) {
    if (t.size() != expected) {
      throw new IllegalStateException(
          what
              + " has "
              + t.size()
              + " values, expected "
              + expected
              + " (shape "
              + t.shape()
              + ")");
    }
    float[] out = new float[expected];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }
}
