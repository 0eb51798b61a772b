package dev.attentiondrop.savedmodels;

import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.layers.CallContext;
import dev.attentiondrop.zoo.layers.Initializers;
import dev.attentiondrop.zoo.models.Classifier;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The inference graph of a model, for serving: no random op, no training-only op. Inputs and
 * outputs carry the names of the signatures.
 *
 * <ul>
 *   <li>{@code serving_default} (method {@code tensorflow/serving/predict}): input {@code images}
 *       float32 {@code [batch, S, S]} in [0, 1] (vit), or {@code token_ids} int32 {@code [batch,
 *       L]} and {@code mask} int32 {@code [batch, L]} (1 = token, 0 = padding) (text); outputs
 *       {@code probabilities} float32 {@code [batch, classes]}, {@code logits}, {@code label} int64
 *       {@code [batch]}.
 *   <li>{@code attention}: the same inputs; outputs {@code attention_layer_<i>} float32 {@code
 *       [batch, heads, L, L]}, the attention probabilities of each encoder layer.
 * </ul>
 */
public final class ServingGraph {
  /** The method name of both signatures, TF Serving's predict API. */
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";

  /** The key of the signature that returns the attention probabilities. */
  public static final String ATTENTION_KEY = "attention";

  private final Classifier model;
  private final Signature serving;
  private final Signature attention;

  /**
   * Builds the model's variables (initialized for restore, not randomly) and its inference graph
   * into {@code graph}, under the name scope {@code serving}: {@code probabilities =
   * softmax(logits)} and {@code label = argmax_c logits[:, c]} (int64).
   *
   * @param graph an empty graph to build into; the caller closes it
   * @param config the model's config ({@code vit} or {@code text})
   */
  public ServingGraph(Graph graph, ModelConfig config) {
    Ops tf = Ops.create(graph);
    this.model = new Classifier(tf, config, Initializers.forRestore());
    Ops serve = tf.withSubScope("serving");
    Signature.Builder s = Signature.builder().key(Signature.DEFAULT_KEY).methodName(PREDICT_METHOD);
    Signature.Builder a = Signature.builder().key(ATTENTION_KEY).methodName(PREDICT_METHOD);
    Classifier.Output out;
    if (config.kind() == ModelConfig.Kind.VIT) {
      Operand<TFloat32> images =
          serve
              .withName("images")
              .placeholder(
                  TFloat32.class,
                  Placeholder.shape(Shape.of(-1, config.imageSize(), config.imageSize())));
      s.input("images", images);
      a.input("images", images);
      out = model.call(serve, images, CallContext.inference());
    } else {
      Operand<TInt32> ids =
          serve
              .withName("token_ids")
              .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, config.maxLength())));
      Operand<TInt32> mask =
          serve
              .withName("mask")
              .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, config.maxLength())));
      for (Signature.Builder b : List.of(s, a)) {
        b.input("token_ids", ids).input("mask", mask);
      }
      var embedded = model.embedTokens(serve, ids, serve.math.notEqual(mask, serve.constant(0)));
      out = model.classify(serve, embedded, CallContext.inference());
    }
    Operand<TFloat32> logits = serve.withName("logits").identity(out.logits());
    s.output("logits", logits);
    s.output("probabilities", serve.withName("probabilities").nn.softmax(logits));
    s.output("label", serve.withName("label").math.argMax(logits, serve.constant(1), TInt64.class));
    for (int i = 0; i < out.attention().size(); i++) {
      a.output(
          "attention_layer_" + i,
          serve.withName("attention_layer_" + i).identity(out.attention().get(i)));
    }
    this.serving = s.build();
    this.attention = a.build();
  }

  /**
   * The classifier whose variables the graph holds, for restoring trained weights into them.
   *
   * @return the classifier
   */
  public Classifier model() {
    return model;
  }

  /**
   * The prediction signature.
   *
   * @return the {@code serving_default} signature
   */
  public Signature serving() {
    return serving;
  }

  /**
   * The attention signature.
   *
   * @return the {@link #ATTENTION_KEY} signature
   */
  public Signature attention() {
    return attention;
  }
}
