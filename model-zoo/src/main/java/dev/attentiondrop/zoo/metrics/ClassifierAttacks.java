package dev.attentiondrop.zoo.metrics;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.layers.CallContext;
import dev.attentiondrop.zoo.models.Classifier;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@link Attacks} on a {@link Classifier}, called in inference mode ({@link
 * CallContext#inference()}) on the variables the classifier already owns, so the attack sees the
 * weights that the caller's session holds (a trained model, or its initial weights).
 *
 * <ul>
 *   <li>{@link #pixels}: vit models; the input is the images {@code [batch, S, S]}, clipped to
 *       {@link ValueRange#PIXELS}.
 *   <li>{@link #embeddings}: text models; the input is the token embeddings {@code [batch,
 *       max_length, d]} that {@link Classifier#embed} looks up (before positions are added), not
 *       clipped; the padding mask stays that of the clean token ids.
 * </ul>
 */
public final class ClassifierAttacks {
  private ClassifierAttacks() {}

  /**
   * The pixel attack of a vit classifier, with {@link Attacks#DEFAULT_BATCH_SIZE}.
   *
   * @param session the session holding the classifier's variables; the caller keeps and closes it
   * @param tf ops on the session's graph
   * @param model a classifier of kind {@code vit}
   * @return attacks on images {@code [n, S, S]}, clipped to {@link ValueRange#PIXELS}
   * @throws IllegalArgumentException if the model is not a vit
   */
  public static Attacks pixels(Session session, Ops tf, Classifier model) {
    return pixels(session, tf, model, Attacks.DEFAULT_BATCH_SIZE);
  }

  /**
   * The pixel attack of a vit classifier.
   *
   * @param session the session holding the classifier's variables; the caller keeps and closes it
   * @param tf ops on the session's graph
   * @param model a classifier of kind {@code vit}
   * @param batchSize examples per session run, {@code >= 1}
   * @return attacks on images {@code [n, S, S]}, clipped to {@link ValueRange#PIXELS}
   * @throws IllegalArgumentException if the model is not a vit
   */
  public static Attacks pixels(Session session, Ops tf, Classifier model, int batchSize) {
    ModelConfig c = Checks.notNull("model", model).config();
    if (c.kind() != ModelConfig.Kind.VIT) {
      throw new IllegalArgumentException(
          "pixel attacks need a vit model, got kind '" + c.kind() + "'");
    }
    long s = c.imageSize();
    return Attacks.create(
        session,
        tf,
        (t, images) -> model.call(t, images, CallContext.inference()).logits(),
        new long[] {s, s},
        c.numClasses(),
        ValueRange.PIXELS,
        batchSize);
  }

  /**
   * The input-embedding attack of a text classifier, with {@link Attacks#DEFAULT_BATCH_SIZE}.
   *
   * @param session the session holding the classifier's variables; the caller keeps and closes it
   * @param tf ops on the session's graph
   * @param model a classifier of kind {@code text}
   * @return attacks on the input embeddings, addressed by token ids
   * @throws IllegalArgumentException if the model is not a text model
   */
  public static EmbeddingAttack embeddings(Session session, Ops tf, Classifier model) {
    return embeddings(session, tf, model, Attacks.DEFAULT_BATCH_SIZE);
  }

  /**
   * The input-embedding attack of a text classifier.
   *
   * @param session the session holding the classifier's variables; the caller keeps and closes it
   * @param tf ops on the session's graph
   * @param model a classifier of kind {@code text}
   * @param batchSize examples per session run, {@code >= 1}
   * @return attacks on the input embeddings, addressed by token ids
   * @throws IllegalArgumentException if the model is not a text model
   */
  public static EmbeddingAttack embeddings(
      Session session, Ops tf, Classifier model, int batchSize) {
    return new EmbeddingAttack(session, tf, model, batchSize);
  }

  /**
   * Attacks on the input embeddings of a text classifier, addressed by token ids {@code int[n][
   * max_length]} (0 = padding): the clean point is the ids' embeddings, the attack perturbs every
   * position (padding included, which the masked model ignores), and the valid mask is fed from the
   * ids. Adversarial inputs are returned as flat embeddings {@code [n, max_length, d]}.
   */
  public static final class EmbeddingAttack {
    private final Session session;
    private final Classifier model;
    private final int length;
    private final int vocabulary;
    private final Placeholder<TInt32> ids;
    private final Operand<TFloat32> embedded;
    private final Placeholder<TBool> valid;
    private final Attacks attacks;

    private EmbeddingAttack(Session session, Ops tf, Classifier model, int batchSize) {
      ModelConfig c = Checks.notNull("model", model).config();
      if (c.kind() != ModelConfig.Kind.TEXT) {
        throw new IllegalArgumentException(
            "embedding attacks need a text model, got kind '" + c.kind() + "'");
      }
      this.session = Checks.notNull("session", session);
      this.model = model;
      this.length = c.maxLength();
      this.vocabulary = c.vocabularySize();
      Ops scope = tf.withSubScope("embedding_attack");
      this.ids =
          scope.withName("ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, length)));
      this.embedded = model.embed(tf, ids, CallContext.inference()).x();
      this.valid =
          scope.withName("valid").placeholder(TBool.class, Placeholder.shape(Shape.of(-1, length)));
      this.attacks =
          Attacks.create(
              session,
              tf,
              (t, x) ->
                  model
                      .classify(t, new Classifier.Embedded(x, valid), CallContext.inference())
                      .logits(),
              new long[] {length, c.modelDim()},
              c.numClasses(),
              null,
              batchSize);
    }

    /**
     * The generic attack on embeddings; feed it {@link #mask} of the same ids.
     *
     * @return attacks on flat embeddings {@code [n, max_length, d]}, not clipped
     */
    public Attacks attacks() {
      return attacks;
    }

    /**
     * The attacked classifier.
     *
     * @return the text classifier
     */
    public Classifier model() {
      return model;
    }

    /**
     * The clean input embeddings of {@code tokenIds} (token embeddings, before positions are
     * added).
     *
     * @param tokenIds {@code n >= 1} rows of {@code max_length} token ids in {@code [0,
     *     vocabulary_size)}, 0 = padding
     * @return the embeddings, flat {@code [n, max_length, d]}
     * @throws IllegalArgumentException for invalid ids
     */
    public float[] embed(int[][] tokenIds) {
      int[] flat = flatten(tokenIds);
      int n = tokenIds.length;
      try (TInt32 t = TInt32.tensorOf(Shape.of(n, length), DataBuffers.of(flat, true, false));
          Result r = session.runner().feed(ids, t).fetch(embedded).run()) {
        TFloat32 e = (TFloat32) r.get(0);
        float[] out = new float[(int) e.size()];
        e.copyTo(DataBuffers.of(out, false, false));
        return out;
      }
    }

    /**
     * Feeds the valid mask ({@code id != 0}) of {@code tokenIds} per batch.
     *
     * @param tokenIds {@code n >= 1} rows of {@code max_length} token ids in {@code [0,
     *     vocabulary_size)}, 0 = padding
     * @return side feeds of the boolean mask {@code [batch, max_length]} of each batch
     * @throws IllegalArgumentException for invalid ids
     */
    public SideFeeds mask(int[][] tokenIds) {
      int[] flat = flatten(tokenIds);
      return (from, to) -> {
        boolean[] v = new boolean[(to - from) * length];
        for (int j = 0; j < v.length; j++) {
          v[j] = flat[from * length + j] != 0;
        }
        Tensor t = TBool.tensorOf(Shape.of(to - from, length), DataBuffers.of(v, true, false));
        return Map.of(valid, t);
      };
    }

    /**
     * Clean accuracy of the model on {@code tokenIds}.
     *
     * @param tokenIds {@code n >= 1} rows of {@code max_length} token ids in {@code [0,
     *     vocabulary_size)}, 0 = padding
     * @param labels {@code n} class indices
     * @return the fraction of examples predicted correctly
     * @throws IllegalArgumentException for invalid ids or labels
     */
    public double accuracy(int[][] tokenIds, int[] labels) {
      return attacks.accuracy(embed(tokenIds), labels, mask(tokenIds));
    }

    /**
     * Adversarial embeddings of {@code tokenIds} under {@code spec}, starting from {@link #embed}.
     *
     * @param tokenIds {@code n >= 1} rows of {@code max_length} token ids in {@code [0,
     *     vocabulary_size)}, 0 = padding
     * @param labels {@code n} class indices
     * @param spec the attack
     * @return the adversarial embeddings, flat {@code [n, max_length, d]}
     * @throws IllegalArgumentException for invalid ids or labels
     */
    public float[] attack(int[][] tokenIds, int[] labels, AttackSpec spec) {
      return attacks.attack(embed(tokenIds), labels, spec, mask(tokenIds));
    }

    /**
     * FGSM on the embeddings {@code e} of {@code tokenIds}: {@code e' = e + eps * sign(grad_e L)}.
     *
     * @param tokenIds {@code n >= 1} rows of {@code max_length} token ids in {@code [0,
     *     vocabulary_size)}, 0 = padding
     * @param labels {@code n} class indices
     * @param eps the radius, finite, {@code >= 0}
     * @return the adversarial embeddings, flat {@code [n, max_length, d]}
     * @throws IllegalArgumentException for invalid ids or labels or {@code eps}
     */
    public float[] fgsm(int[][] tokenIds, int[] labels, double eps) {
      return attack(tokenIds, labels, new AttackSpec.Fgsm(eps));
    }

    /**
     * PGD on the embeddings of {@code tokenIds} (see {@link Attacks}).
     *
     * @param tokenIds {@code n >= 1} rows of {@code max_length} token ids in {@code [0,
     *     vocabulary_size)}, 0 = padding
     * @param labels {@code n} class indices
     * @param spec the PGD parameters
     * @return the adversarial embeddings, flat {@code [n, max_length, d]}
     * @throws IllegalArgumentException for invalid ids or labels
     */
    public float[] pgd(int[][] tokenIds, int[] labels, AttackSpec.Pgd spec) {
      return attack(tokenIds, labels, spec);
    }

    /**
     * Robust accuracy per eps (see {@link Attacks#robustAccuracy(float[], int[], double[],
     * DoubleFunction, SideFeeds)}).
     *
     * @param tokenIds {@code n >= 1} rows of {@code max_length} token ids in {@code [0,
     *     vocabulary_size)}, 0 = padding
     * @param labels {@code n} class indices
     * @param eps the radii, at least one
     * @param attackAt the attack at each radius; every radius must give the same kind of attack
     * @return the clean accuracy and the accuracy under attack at each radius
     * @throws IllegalArgumentException for invalid ids, labels, radii or attacks
     */
    public RobustAccuracy robustAccuracy(
        int[][] tokenIds,
        int[] labels,
        double[] eps,
        DoubleFunction<? extends AttackSpec> attackAt) {
      return attacks.robustAccuracy(embed(tokenIds), labels, eps, attackAt, mask(tokenIds));
    }

    private int[] flatten(int[][] tokenIds) {
      Checks.notNull("ids", tokenIds);
      if (tokenIds.length == 0) {
        throw new IllegalArgumentException("ids must have at least one row, got 0");
      }
      int[] flat = new int[tokenIds.length * length];
      for (int i = 0; i < tokenIds.length; i++) {
        int[] row = Checks.notNull("ids row " + i, tokenIds[i]);
        if (row.length != length) {
          throw new IllegalArgumentException(
              "ids row " + i + " must have max_length " + length + " ids, got " + row.length);
        }
        for (int j = 0; j < length; j++) {
          if (row[j] < 0 || row[j] >= vocabulary) {
            throw new IllegalArgumentException(
                "id ["
                    + i
                    + "]["
                    + j
                    + "] must be an integer in [0, "
                    + (vocabulary - 1)
                    + "], got "
                    + row[j]);
          }
          flat[i * length + j] = row[j];
        }
      }
      return flat;
    }
  }
}
