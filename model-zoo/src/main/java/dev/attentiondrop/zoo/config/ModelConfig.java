package dev.attentiondrop.zoo.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.xla.XlaMode;
import dev.attentiondrop.zoo.layers.ClassificationHead.Pooling;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole classifier, as one immutable value: architecture, regularization, and the seed of its
 * initial weights. Built with {@link #builder}, validated when built, and round-tripped through
 * JSON with {@link Json}; {@code config -> model -> config} gives the identical value, and the same
 * config builds the identical graph.
 *
 * @param kind {@code vit} (images) or {@code text} (token ids)
 * @param imageSize square image side (vit)
 * @param patchSize patch side, dividing {@code imageSize} (vit)
 * @param vocabularySize tokenizer vocabulary including the reserved ids (text)
 * @param maxLength maximum sequence length (text)
 * @param numClasses number of classes
 * @param modelDim model width {@code d_model}, divisible by {@code heads}
 * @param heads attention heads
 * @param layers encoder blocks
 * @param mlpDim feed-forward hidden width
 * @param preNorm pre-LN (true, default) or post-LN blocks
 * @param pooling CLS token or mean pooling
 * @param residualDropout dropout on the residual branches, in {@code [0, 1)}
 * @param dropConnect DropConnect rate on the feed-forward kernels, in {@code [0, 1)}
 * @param layerNormEpsilon epsilon of every layer normalization
 * @param regularizers the attention chain, applied in order (normalized, defaults explicit)
 * @param seed seed of the initial weights
 * @param attentionXla how the attention core runs: {@link XlaMode#NONE} (plain kernels, the
 *     default) or {@link XlaMode#COMPILED_FUNCTION} (an XLA-compiled function, forward and
 *     backward, kept in exported SavedModels). Auto-clustering is a process-wide switch, not a
 *     model property: see {@code dev.attentiondrop.ops.xla.AutoClustering}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelConfig(
    String kind,
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

  public ModelConfig {
    Checks.notNull("kind", kind);
    if (!kind.equals("vit") && !kind.equals("text")) {
      throw new IllegalArgumentException("kind must be one of [vit, text], got '" + kind + "'");
    }
    if (kind.equals("vit")) {
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

  /** The number of tokens the encoder sees. */
  public int sequenceLength() {
    return kind.equals("vit") ? (imageSize / patchSize) * (imageSize / patchSize) + 1 : maxLength;
  }

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

  /** A small ViT for 28x28 images with 10 classes (patch 7, d 64, 4 heads, 2 layers). */
  public static Builder vit() {
    Builder b = new Builder();
    b.kind = "vit";
    b.imageSize = 28;
    b.patchSize = 7;
    b.pooling = Pooling.CLS;
    return b;
  }

  /** A small text classifier (vocabulary 4000, length 128, mean pooling, 2 classes). */
  public static Builder text() {
    Builder b = new Builder();
    b.kind = "text";
    b.vocabularySize = 4000;
    b.maxLength = 128;
    b.numClasses = 2;
    b.pooling = Pooling.MEAN;
    return b;
  }

  /** Builder with the small defaults above; each setter validates at {@link #build}. */
  public static final class Builder {
    private String kind;
    private Integer imageSize;
    private Integer patchSize;
    private Integer vocabularySize;
    private Integer maxLength;
    private int numClasses = 10;
    private int modelDim = 64;
    private int heads = 4;
    private int layers = 2;
    private int mlpDim = 128;
    private boolean preNorm = true;
    private Pooling pooling = Pooling.CLS;
    private double residualDropout = 0.0;
    private double dropConnect = 0.0;
    private double layerNormEpsilon = 1e-6;
    private List<RegularizerConfig> regularizers = new ArrayList<>();
    private long seed = 0;
    private XlaMode attentionXla = XlaMode.NONE;

    public Builder imageSize(int v) {
      this.imageSize = v;
      return this;
    }

    public Builder patchSize(int v) {
      this.patchSize = v;
      return this;
    }

    public Builder vocabularySize(int v) {
      this.vocabularySize = v;
      return this;
    }

    public Builder maxLength(int v) {
      this.maxLength = v;
      return this;
    }

    public Builder numClasses(int v) {
      this.numClasses = v;
      return this;
    }

    public Builder modelDim(int v) {
      this.modelDim = v;
      return this;
    }

    public Builder heads(int v) {
      this.heads = v;
      return this;
    }

    public Builder layers(int v) {
      this.layers = v;
      return this;
    }

    public Builder mlpDim(int v) {
      this.mlpDim = v;
      return this;
    }

    public Builder preNorm(boolean v) {
      this.preNorm = v;
      return this;
    }

    public Builder pooling(Pooling v) {
      this.pooling = v;
      return this;
    }

    public Builder residualDropout(double v) {
      this.residualDropout = v;
      return this;
    }

    public Builder dropConnect(double v) {
      this.dropConnect = v;
      return this;
    }

    public Builder layerNormEpsilon(double v) {
      this.layerNormEpsilon = v;
      return this;
    }

    public Builder seed(long v) {
      this.seed = v;
      return this;
    }

    public Builder attentionXla(XlaMode v) {
      this.attentionXla = v;
      return this;
    }

    /** Replaces the attention chain. */
    public Builder regularizers(List<RegularizerConfig> v) {
      this.regularizers = new ArrayList<>(v);
      return this;
    }

    /** Appends one regularizer to the attention chain, validating it now. */
    public Builder regularizer(String name, java.util.Map<String, Object> params) {
      this.regularizers.add(RegularizerRegistry.normalize(RegularizerConfig.of(name, params)));
      return this;
    }

    public ModelConfig build() {
      return new ModelConfig(
          kind,
          imageSize,
          patchSize,
          vocabularySize,
          maxLength,
          numClasses,
          modelDim,
          heads,
          layers,
          mlpDim,
          preNorm,
          pooling,
          residualDropout,
          dropConnect,
          layerNormEpsilon,
          regularizers,
          seed,
          attentionXla);
    }
  }
}
