package dev.attentiondrop.zoo.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.xla.XlaMode;
import dev.attentiondrop.zoo.layers.ClassificationHead.Pooling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A whole classifier, as one immutable value: architecture, regularization, and the seed of its
 * initial weights. Built with {@link #builder} (or {@link #vit}, {@link #text}), validated when
 * built, and round-tripped through JSON with {@link Json}; JSON is read through the {@link
 * Builder}, so a key left out takes the builder's default ({@code {"kind": "vit"}} alone is a valid
 * config). {@code config -> model -> config} gives the identical value, and the same config builds
 * the identical graph.
 *
 * <p>The encoder sees {@code T = (image_size / patch_size)^2 + 1} tokens (patches and a CLS token)
 * for vit and {@code T = max_length} for text; each block's attention has {@code heads} heads of
 * width {@code model_dim / heads}.
 *
 * @param kind {@link Kind#VIT} (images) or {@link Kind#TEXT} (token ids); JSON {@code "vit"} or
 *     {@code "text"}, required
 * @param imageSize square image side (vit; default 28, null for text)
 * @param patchSize patch side, dividing {@code imageSize} (vit; default 7, null for text)
 * @param vocabularySize tokenizer vocabulary including the reserved ids (text; default 4000, null
 *     for vit)
 * @param maxLength maximum sequence length (text; default 128, null for vit)
 * @param numClasses number of classes, in {@code [2, 2^20]} (default 10 for vit, 2 for text)
 * @param modelDim model width {@code d_model}, divisible by {@code heads} (default 64)
 * @param heads attention heads, in {@code [1, model_dim]} (default 4)
 * @param layers encoder blocks, in {@code [1, 256]} (default 2)
 * @param mlpDim feed-forward hidden width (default 128)
 * @param preNorm pre-LN (true, default) or post-LN blocks
 * @param pooling CLS token (vit default) or mean pooling (text default)
 * @param residualDropout dropout on the residual branches, in {@code [0, 1)} (default 0)
 * @param dropConnect DropConnect rate on the feed-forward kernels, in {@code [0, 1)} (default 0)
 * @param layerNormEpsilon epsilon of every layer normalization, {@code > 0} (default {@code 1e-6})
 * @param regularizers the attention chain, applied in order (normalized, defaults explicit; default
 *     none)
 * @param seed seed of the initial weights (default 0)
 * @param attentionXla how the attention core runs: {@link XlaMode#NONE} (plain kernels, the
 *     default) or {@link XlaMode#COMPILED_FUNCTION} (an XLA-compiled function, forward and
 *     backward, kept in exported SavedModels). Auto-clustering is a process-wide switch, not a
 *     model property: see {@code dev.attentiondrop.ops.xla.AutoClustering}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonDeserialize(builder = ModelConfig.Builder.class)
public record ModelConfig(
    Kind kind,
    Integer imageSize,
    Integer patchSize,
    Integer vocabularySize,
    Integer maxLength,
    int numClasses,
    int modelDim,
    int heads,
    int layers,
    int mlpDim,
    boolean preNorm,
    Pooling pooling,
    double residualDropout,
    double dropConnect,
    double layerNormEpsilon,
    List<RegularizerConfig> regularizers,
    long seed,
    XlaMode attentionXla) {

  /** What the model classifies; JSON names are the lowercase constant names. */
  public enum Kind {
    /** A vision transformer over square single-channel images. */
    VIT,
    /** A transformer over token ids. */
    TEXT;

    /**
     * The JSON name.
     *
     * @return {@code "vit"} or {@code "text"}
     */
    @JsonValue
    @Override
    public String toString() {
      return Json.enumName(this);
    }

    /**
     * The kind named {@code name}.
     *
     * @param name {@code "vit"} or {@code "text"}
     * @return the kind
     * @throws IllegalArgumentException for any other name, listing the allowed ones
     */
    @JsonCreator
    public static Kind of(String name) {
      return Json.enumValue("kind", Kind.class, name);
    }
  }

  /**
   * Validates every field; see the component descriptions for the ranges.
   *
   * @param kind {@link Kind#VIT} (images) or {@link Kind#TEXT} (token ids); JSON {@code "vit"} or
   *     {@code "text"}, required
   * @param imageSize square image side (vit; default 28, null for text)
   * @param patchSize patch side, dividing {@code imageSize} (vit; default 7, null for text)
   * @param vocabularySize tokenizer vocabulary including the reserved ids (text; default 4000, null
   *     for vit)
   * @param maxLength maximum sequence length (text; default 128, null for vit)
   * @param numClasses number of classes, in {@code [2, 2^20]} (default 10 for vit, 2 for text)
   * @param modelDim model width {@code d_model}, divisible by {@code heads} (default 64)
   * @param heads attention heads, in {@code [1, model_dim]} (default 4)
   * @param layers encoder blocks, in {@code [1, 256]} (default 2)
   * @param mlpDim feed-forward hidden width (default 128)
   * @param preNorm pre-LN (true, default) or post-LN blocks
   * @param pooling CLS token (vit default) or mean pooling (text default)
   * @param residualDropout dropout on the residual branches, in {@code [0, 1)} (default 0)
   * @param dropConnect DropConnect rate on the feed-forward kernels, in {@code [0, 1)} (default 0)
   * @param layerNormEpsilon epsilon of every layer normalization, {@code > 0} (default {@code
   *     1e-6})
   * @param regularizers the attention chain, applied in order (normalized, defaults explicit;
   *     default none)
   * @param seed seed of the initial weights (default 0)
   * @param attentionXla how the attention core runs: {@link XlaMode#NONE} (plain kernels, the
   *     default) or {@link XlaMode#COMPILED_FUNCTION} (an XLA-compiled function, forward and
   *     backward, kept in exported SavedModels). Auto-clustering is a process-wide switch, not a
   *     model property: see {@code dev.attentiondrop.ops.xla.AutoClustering}.
   * @throws IllegalArgumentException naming the first invalid field, its allowed range and the
   *     value given
   */
  public ModelConfig {
    Checks.notNull("kind", kind);
    if (kind == Kind.VIT) {
      Checks.inRange("image_size", Checks.notNull("image_size", imageSize), 1, 4096);
      Checks.inRange("patch_size", Checks.notNull("patch_size", patchSize), 1, imageSize);
      if (imageSize % patchSize != 0) {
        throw new IllegalArgumentException(
            "patch_size must divide image_size " + imageSize + ", got " + patchSize);
      }
    } else {
      Checks.inRange(
          "vocabulary_size", Checks.notNull("vocabulary_size", vocabularySize), 3, 1 << 24);
      Checks.inRange("max_length", Checks.notNull("max_length", maxLength), 1, 1 << 16);
    }
    Checks.inRange("num_classes", numClasses, 2, 1 << 20);
    Checks.inRange("model_dim", modelDim, 1, 1 << 16);
    Checks.inRange("heads", heads, 1, modelDim);
    if (modelDim % heads != 0) {
      throw new IllegalArgumentException(
          "heads must divide model_dim " + modelDim + ", got " + heads);
    }
    Checks.inRange("layers", layers, 1, 256);
    Checks.inRange("mlp_dim", mlpDim, 1, 1 << 20);
    Checks.notNull("pooling", pooling);
    Checks.inClosedOpen("residual_dropout", residualDropout, 0, 1);
    Checks.inClosedOpen("drop_connect", dropConnect, 0, 1);
    Checks.positiveFinite("layer_norm_epsilon", layerNormEpsilon);
    List<RegularizerConfig> normalized = new ArrayList<>();
    for (RegularizerConfig r : regularizers == null ? List.<RegularizerConfig>of() : regularizers) {
      RegularizerConfig n = RegularizerRegistry.normalize(r);
      if (n.layers() != null) {
        for (int l : n.layers()) {
          Checks.inRange("layer index of regularizer '" + n.name() + "'", l, 0, layers - 1);
        }
      }
      normalized.add(n);
    }
    regularizers = List.copyOf(normalized);
    attentionXla = attentionXla == null ? XlaMode.NONE : attentionXla;
    if (attentionXla == XlaMode.AUTO_CLUSTERING) {
      throw new IllegalArgumentException(
          "attention_xla must be one of [NONE, COMPILED_FUNCTION], got "
              + "AUTO_CLUSTERING: auto-clustering is process-wide (TF_XLA_FLAGS before TensorFlow loads, see "
              + "AutoClustering), not a property of one model");
    }
  }

  /**
   * The number of tokens the encoder sees.
   *
   * @return {@code (image_size / patch_size)^2 + 1} for vit, {@code max_length} for text
   */
  public int sequenceLength() {
    return kind == Kind.VIT ? (imageSize / patchSize) * (imageSize / patchSize) + 1 : maxLength;
  }

  /**
   * A builder holding this config's values, to derive a changed copy.
   *
   * @return a new builder; {@code toBuilder().build()} equals this config
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.kind = kind;
    b.imageSize = imageSize;
    b.patchSize = patchSize;
    b.vocabularySize = vocabularySize;
    b.maxLength = maxLength;
    b.numClasses = numClasses;
    b.modelDim = modelDim;
    b.heads = heads;
    b.layers = layers;
    b.mlpDim = mlpDim;
    b.preNorm = preNorm;
    b.pooling = pooling;
    b.residualDropout = residualDropout;
    b.dropConnect = dropConnect;
    b.layerNormEpsilon = layerNormEpsilon;
    b.regularizers = new ArrayList<>(regularizers);
    b.seed = seed;
    b.attentionXla = attentionXla;
    return b;
  }

  /**
   * A builder of a model of {@code kind} with the defaults of {@link Builder}.
   *
   * @param kind vit or text
   * @return a new builder
   */
  public static Builder builder(Kind kind) {
    return new Builder().kind(kind);
  }

  /**
   * A small ViT for 28x28 images with 10 classes (patch 7, d 64, 4 heads, 2 layers, CLS pooling).
   *
   * @return {@code builder(Kind.VIT)}
   */
  public static Builder vit() {
    return builder(Kind.VIT);
  }

  /**
   * A small text classifier (vocabulary 4000, length 128, mean pooling, 2 classes).
   *
   * @return {@code builder(Kind.TEXT)}
   */
  public static Builder text() {
    return builder(Kind.TEXT);
  }

  /**
   * The one place the defaults are written. Setters only record; {@link #build} validates. The
   * kind-dependent fields ({@code image_size 28}, {@code patch_size 7} for vit; {@code
   * vocabulary_size 4000}, {@code max_length 128} for text; {@code num_classes} 10 for vit and 2
   * for text; {@code pooling} CLS for vit and MEAN for text) take their default at {@code build} if
   * not set, so a JSON object may list its keys in any order.
   */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private Kind kind;
    private Integer imageSize;
    private Integer patchSize;
    private Integer vocabularySize;
    private Integer maxLength;
    private Integer numClasses;
    private int modelDim = 64;
    private int heads = 4;
    private int layers = 2;
    private int mlpDim = 128;
    private boolean preNorm = true;
    private Pooling pooling;
    private double residualDropout = 0.0;
    private double dropConnect = 0.0;
    private double layerNormEpsilon = 1e-6;
    private List<RegularizerConfig> regularizers = new ArrayList<>();
    private long seed = 0;
    private XlaMode attentionXla = XlaMode.NONE;

    private Builder() {}

    /**
     * Sets the kind (required).
     *
     * @param v vit or text
     * @return this builder
     */
    public Builder kind(Kind v) {
      this.kind = v;
      return this;
    }

    /**
     * Sets the image side (vit).
     *
     * @param v side in pixels
     * @return this builder
     */
    public Builder imageSize(int v) {
      this.imageSize = v;
      return this;
    }

    /**
     * Sets the patch side (vit).
     *
     * @param v side in pixels, dividing the image side
     * @return this builder
     */
    public Builder patchSize(int v) {
      this.patchSize = v;
      return this;
    }

    /**
     * Sets the vocabulary size (text).
     *
     * @param v ids including the reserved ones
     * @return this builder
     */
    public Builder vocabularySize(int v) {
      this.vocabularySize = v;
      return this;
    }

    /**
     * Sets the maximum sequence length (text).
     *
     * @param v tokens
     * @return this builder
     */
    public Builder maxLength(int v) {
      this.maxLength = v;
      return this;
    }

    /**
     * Sets the number of classes.
     *
     * @param v classes
     * @return this builder
     */
    public Builder numClasses(int v) {
      this.numClasses = v;
      return this;
    }

    /**
     * Sets the model width.
     *
     * @param v {@code d_model}
     * @return this builder
     */
    public Builder modelDim(int v) {
      this.modelDim = v;
      return this;
    }

    /**
     * Sets the number of attention heads.
     *
     * @param v heads, dividing {@code d_model}
     * @return this builder
     */
    public Builder heads(int v) {
      this.heads = v;
      return this;
    }

    /**
     * Sets the number of encoder blocks.
     *
     * @param v blocks
     * @return this builder
     */
    public Builder layers(int v) {
      this.layers = v;
      return this;
    }

    /**
     * Sets the feed-forward hidden width.
     *
     * @param v width
     * @return this builder
     */
    public Builder mlpDim(int v) {
      this.mlpDim = v;
      return this;
    }

    /**
     * Chooses pre-LN (true) or post-LN (false) blocks.
     *
     * @param v whether layer normalization precedes each sub-layer
     * @return this builder
     */
    public Builder preNorm(boolean v) {
      this.preNorm = v;
      return this;
    }

    /**
     * Sets the pooling of the classification head.
     *
     * @param v CLS or MEAN
     * @return this builder
     */
    public Builder pooling(Pooling v) {
      this.pooling = v;
      return this;
    }

    /**
     * Sets the residual-branch dropout rate.
     *
     * @param v rate in {@code [0, 1)}
     * @return this builder
     */
    public Builder residualDropout(double v) {
      this.residualDropout = v;
      return this;
    }

    /**
     * Sets the DropConnect rate of the feed-forward kernels.
     *
     * @param v rate in {@code [0, 1)}
     * @return this builder
     */
    public Builder dropConnect(double v) {
      this.dropConnect = v;
      return this;
    }

    /**
     * Sets the layer-normalization epsilon.
     *
     * @param v epsilon, {@code > 0}
     * @return this builder
     */
    public Builder layerNormEpsilon(double v) {
      this.layerNormEpsilon = v;
      return this;
    }

    /**
     * Sets the seed of the initial weights.
     *
     * @param v seed
     * @return this builder
     */
    public Builder seed(long v) {
      this.seed = v;
      return this;
    }

    /**
     * Sets how the attention core runs.
     *
     * @param v NONE or COMPILED_FUNCTION
     * @return this builder
     */
    public Builder attentionXla(XlaMode v) {
      this.attentionXla = v;
      return this;
    }

    /**
     * Replaces the attention chain.
     *
     * @param v the regularizers, in order
     * @return this builder
     */
    public Builder regularizers(List<RegularizerConfig> v) {
      this.regularizers = new ArrayList<>(v);
      return this;
    }

    /**
     * Appends one regularizer to the attention chain, validating it now.
     *
     * @param name registered name
     * @param params its parameters (missing ones take the registry's defaults)
     * @return this builder
     * @throws IllegalArgumentException for an unknown name or an invalid parameter
     */
    public Builder regularizer(String name, Map<String, Object> params) {
      this.regularizers.add(RegularizerRegistry.normalize(RegularizerConfig.of(name, params)));
      return this;
    }

    /**
     * Validates and builds the config, filling the kind-dependent defaults not set.
     *
     * @return the config
     * @throws IllegalArgumentException naming the first invalid field
     */
    public ModelConfig build() {
      boolean vit = Checks.notNull("kind", kind) == Kind.VIT;
      return new ModelConfig(
          kind,
          imageSize != null || !vit ? imageSize : Integer.valueOf(28),
          patchSize != null || !vit ? patchSize : Integer.valueOf(7),
          vocabularySize != null || vit ? vocabularySize : Integer.valueOf(4000),
          maxLength != null || vit ? maxLength : Integer.valueOf(128),
          numClasses != null ? numClasses : vit ? 10 : 2,
          modelDim,
          heads,
          layers,
          mlpDim,
          preNorm,
          pooling != null ? pooling : vit ? Pooling.CLS : Pooling.MEAN,
          residualDropout,
          dropConnect,
          layerNormEpsilon,
          regularizers,
          seed,
          attentionXla);
    }
  }
}
