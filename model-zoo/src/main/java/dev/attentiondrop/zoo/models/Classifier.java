package dev.attentiondrop.zoo.models;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.attention.AttentionMasks;
import dev.attentiondrop.ops.random.SeedSalts;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.config.RegularizerRegistry;
import dev.attentiondrop.zoo.layers.CallContext;
import dev.attentiondrop.zoo.layers.ClassificationHead;
import dev.attentiondrop.zoo.layers.Embedding;
import dev.attentiondrop.zoo.layers.Encoder;
import dev.attentiondrop.zoo.layers.Initializers;
import dev.attentiondrop.zoo.layers.Layer;
import dev.attentiondrop.zoo.layers.PatchEmbedding;
import dev.attentiondrop.zoo.layers.PositionalEmbedding;
import dev.attentiondrop.zoo.layers.TransformerEncoderBlock;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A transformer classifier built from a {@link ModelConfig}.
 *
 * <ul>
 *   <li>{@code vit}: images {@code [batch, S, S]} in [0, 1] are cut into patches, embedded, a
 *       learned CLS token is prepended and learned positions added.
 *   <li>{@code text}: token ids {@code [batch, max_length]} (0 = padding) are embedded and learned
 *       positions added; padding keys are masked in every attention layer.
 * </ul>
 *
 * Then the encoder stack (each layer with the regularizers of the config that apply to it) and the
 * classification head. The call is split in {@link #embed} and {@link #classify} so that
 * adversarial attacks can perturb pixels (vit) or input embeddings (text).
 */
public final class Classifier extends Layer {
  private final ModelConfig config;
  private final PatchEmbedding patches;
  private final Variable<TFloat32> clsToken;
  private final Embedding tokens;
  private final PositionalEmbedding positions;
  private final Encoder encoder;
  private final ClassificationHead head;

  /**
   * Embedded inputs: {@code x [batch, length, d]} and the valid positions (null: all valid).
   *
   * @param x the embedded sequence {@code [batch, length, d]}, before the positional embedding
   * @param valid TBool {@code [batch, length]}, true at real tokens and false at padding; null when
   *     every position is valid (vit)
   */
  public record Embedded(Operand<TFloat32> x, Operand<TBool> valid) {}

  /**
   * Class logits {@code [batch, classes]} and each layer's attention probabilities.
   *
   * @param logits unnormalized class scores {@code [batch, classes]}
   * @param attention the attention probabilities of each encoder layer, in layer order
   */
  public record Output(Operand<TFloat32> logits, List<Operand<TFloat32>> attention) {}

  /**
   * A model with its initial weights drawn from {@code config.seed()}.
   *
   * @param tf the ops of the graph the variables are created in
   * @param config the architecture, not null
   * @throws IllegalArgumentException for a null {@code config}
   */
  public Classifier(Ops tf, ModelConfig config) {
    this(tf, config, new Initializers(Checks.notNull("config", config).seed()));
  }

  /**
   * A model whose initial weights come from {@code init} (see {@link Initializers#forRestore}).
   *
   * @param tf the ops of the graph the variables are created in (under the scope {@code model})
   * @param config the architecture, not null
   * @param init initializers of every weight
   * @throws IllegalArgumentException for a null {@code config}
   */
  public Classifier(Ops tf, ModelConfig config, Initializers init) {
    super("model");
    this.config = Checks.notNull("config", config);
    Ops scope = tf.withSubScope("model");
    int d = config.modelDim();
    if (config.kind() == ModelConfig.Kind.VIT) {
      this.patches =
          add(
              new PatchEmbedding(
                  scope,
                  "patches",
                  config.imageSize(),
                  config.imageSize(),
                  config.patchSize(),
                  d,
                  init));
      Ops s = scope.withSubScope("cls");
      this.clsToken = addWeight(s, "token", init.zeros(s, 1, 1, d));
      this.tokens = null;
    } else {
      this.patches = null;
      this.clsToken = null;
      this.tokens = add(new Embedding(scope, "tokens", config.vocabularySize(), d, init));
    }
    this.positions =
        add(new PositionalEmbedding(scope, "positions", config.sequenceLength(), d, init));
    List<RegularizerChain> chains = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      chains.add(RegularizerRegistry.chainFor(config.regularizers(), l));
    }
    var block =
        TransformerEncoderBlock.builder()
            .modelDim(d)
            .numHeads(config.heads())
            .mlpDim(config.mlpDim())
            .preNorm(config.preNorm())
            .residualDropout(config.residualDropout())
            .dropConnect(config.dropConnect())
            .layerNormEpsilon(config.layerNormEpsilon())
            .attentionXla(config.attentionXla())
            .initializers(init);
    this.encoder = add(new Encoder(scope, "encoder", block, chains));
    this.head =
        add(
            new ClassificationHead(
                scope,
                "head",
                d,
                config.numClasses(),
                config.pooling(),
                config.layerNormEpsilon(),
                init));
  }

  /**
   * The config this model was built from (the same value: config -> model -> config).
   *
   * @return the config
   */
  public ModelConfig config() {
    return config;
  }

  /**
   * Token table (text models), for attacks on embeddings.
   *
   * @return the token embedding, or null for a vit model
   */
  public Embedding tokenEmbedding() {
    return tokens;
  }

  /**
   * The embedded input: images {@code TFloat32 [batch, S, S]} for vit, ids {@code TInt32 [batch,
   * max_length]} for text.
   *
   * <p>vit: the patch embeddings {@code [batch, (S/p)^2, d]} with the learned CLS token prepended,
   * {@code x [batch, (S/p)^2 + 1, d]}, all valid. text: {@code embedTokens(ids, ids != 0)}.
   *
   * @param tf the ops of the graph being built
   * @param input images (vit) or token ids (text)
   * @param ctx training mode and seed (the patch projection gets its own fork)
   * @return the embedded sequence and its valid positions
   */
  @SuppressWarnings("unchecked")
  public Embedded embed(Ops tf, Operand<?> input, CallContext ctx) {
    if (patches != null) {
      Operand<TFloat32> images = (Operand<TFloat32>) input;
      Operand<TFloat32> p = patches.call(tf, images, ctx.fork(tf, SeedSalts.PATCHES));
      Operand<TFloat32> cls =
          tf.broadcastTo(
              clsToken,
              tf.stack(List.of(dim0(tf, p), tf.constant(1), tf.constant(config.modelDim()))));
      return new Embedded(tf.concat(List.of(cls, p), tf.constant(1)), null);
    }
    Operand<TInt32> ids = (Operand<TInt32>) input;
    return embedTokens(tf, ids, tf.math.notEqual(ids, tf.constant(0)));
  }

  /**
   * Text models: token ids with an explicit validity mask {@code [batch, max_length]}.
   *
   * @param tf the ops of the graph being built
   * @param ids token ids {@code TInt32 [batch, max_length]}
   * @param valid TBool {@code [batch, max_length]}, true at the positions attended to
   * @return the token embeddings {@code [batch, max_length, d]} and {@code valid}
   * @throws IllegalArgumentException for a vit model
   */
  public Embedded embedTokens(Ops tf, Operand<TInt32> ids, Operand<TBool> valid) {
    if (tokens == null) {
      throw new IllegalArgumentException(
          "embedTokens needs a text model, this one is '" + config.kind() + "'");
    }
    return new Embedded(tokens.call(tf, ids), valid);
  }

  /**
   * Positions, encoder and head on embedded inputs: {@code x + P}, the encoder stack (padding keys
   * masked when {@code valid} is set), then the classification head.
   *
   * @param tf the ops of the graph being built
   * @param embedded the output of {@link #embed} or {@link #embedTokens}, possibly perturbed
   * @param ctx training mode, seed and stacked passes (encoder and head get their own forks)
   * @return the logits and each layer's attention probabilities
   */
  public Output classify(Ops tf, Embedded embedded, CallContext ctx) {
    Operand<TFloat32> x = positions.call(tf, embedded.x());
    Operand<TBool> keyMask =
        embedded.valid() == null ? null : AttentionMasks.padding(tf, embedded.valid());
    var encoded = encoder.call(tf, x, keyMask, ctx.fork(tf, SeedSalts.ENCODER));
    Operand<TBool> valid =
        ctx.tileIfPending(tf, embedded.valid()); // the encoder stacked the passes
    Operand<TFloat32> logits =
        head.call(tf, encoded.output(), valid, ctx.tiled().fork(tf, SeedSalts.HEAD));
    return new Output(logits, encoded.attention());
  }

  /**
   * {@code classify(embed(input))}.
   *
   * @param tf the ops of the graph being built
   * @param input images {@code TFloat32 [batch, S, S]} (vit) or token ids {@code TInt32 [batch,
   *     max_length]} (text)
   * @param ctx training mode, seed and stacked passes
   * @return the logits and each layer's attention probabilities
   */
  public Output call(Ops tf, Operand<?> input, CallContext ctx) {
    return classify(tf, embed(tf, input, ctx), ctx);
  }

  private static Operand<TInt32> dim0(Ops tf, Operand<?> x) {
    return tf.reshape(
        tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1})),
        tf.constant(new int[0]));
  }
}
