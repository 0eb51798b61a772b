package dev.attentiondrop.cli;

import dev.attentiondrop.experiments.SourceRevision;
import dev.attentiondrop.experiments.TrainingCurves;
import dev.attentiondrop.ops.xla.XlaMode;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.config.RegularizerConfig;
import dev.attentiondrop.zoo.config.RegularizerRegistry;
import dev.attentiondrop.zoo.data.Datasets;
import dev.attentiondrop.zoo.train.ConsistencyConfig;
import dev.attentiondrop.zoo.train.LabelNoiseConfig;
import dev.attentiondrop.zoo.train.MemoryEstimate;
import dev.attentiondrop.zoo.train.OptimizerConfig;
import dev.attentiondrop.zoo.train.RobustnessConfig;
import dev.attentiondrop.zoo.train.SelectionConfig;
import dev.attentiondrop.zoo.train.TrainConfig;
import dev.attentiondrop.zoo.train.TrainingRun;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attentiondrop train}: trains a classifier and writes its run directory. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Trains a transformer classifier with attention regularizers and writes a run directory "
          + "(config.json, metrics.jsonl/csv, checkpoints/, model/, summary.json, curves.png).",
      "With no arguments: a small ViT with Hard Attention Masking (k=4, p=0.1) on the embedded "
          + "Fashion-MNIST subset (1000 train / 250 test images), 10 epochs.",
      ""
    },
    footer = {
      "",
      "Regularizers (-r NAME[:key=value,...][@layers=0;1], repeatable, applied in order):",
      "%s",
      "Examples:",
      "  attentiondrop train -r blur:sigma_max=1,w=5 --consistency lambda=1",
      "  attentiondrop train --dataset spam-assassin-mini -r dropout:rate=0.1",
      "  attentiondrop train --model-config model.json --epochs 30 -o runs/exp1"
    })
public class TrainCommand implements Callable<Integer> {
  private Path finished;

  /** The run directory of a run that finished all its epochs (null before, or when interrupted). */
  protected Path finishedRun() {
    return finished;
  }

  @Option(
      names = "--dataset",
      description = "Dataset: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
      completionCandidates = DatasetNames.class,
      defaultValue = Datasets.DEFAULT)
  String dataset;

  @Option(
      names = "--model",
      description = "Architecture: vit or text (default: vit for image data, text otherwise).")
  String model;

  @Option(
      names = "--model-config",
      description =
          "A model config JSON file; replaces every model flag (--model, sizes, -r, "
              + "--no-regularizer, --residual-dropout, --dropconnect) and the weight seed.")
  Path modelConfig;

  @Option(
      names = "--dim",
      description = "Model width d_model (default: ${DEFAULT-VALUE}).",
      defaultValue = "64")
  int dim;

  @Option(
      names = "--heads",
      description = "Attention heads (default: ${DEFAULT-VALUE}).",
      defaultValue = "4")
  int heads;

  @Option(
      names = "--layers",
      description = "Encoder blocks (default: ${DEFAULT-VALUE}).",
      defaultValue = "2")
  int layers;

  @Option(
      names = "--mlp-dim",
      description = "Feed-forward width (default: ${DEFAULT-VALUE}).",
      defaultValue = "128")
  int mlpDim;

  @Option(
      names = "--patch",
      description = "ViT patch size, dividing the image side (default: ${DEFAULT-VALUE}).",
      defaultValue = "7")
  int patch;

  @Option(
      names = "--max-length",
      description = "Text: tokens per example (default: ${DEFAULT-VALUE}).",
      defaultValue = "128")
  int maxLength;

  @Option(
      names = "--vocabulary",
      description = "Text: vocabulary size incl. padding and OOV (default: ${DEFAULT-VALUE}).",
      defaultValue = "4000")
  int vocabulary;

  @Option(
      names = {"-r", "--regularizer"},
      description = "Attention regularizer (see below). Default: hard_mask:k=4,p=0.1.")
  List<String> regularizers;

  @Option(names = "--no-regularizer", description = "Plain attention (no attention regularizer).")
  boolean none;

  @Option(
      names = "--residual-dropout",
      description = "Dropout on residual branches (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  double residualDropout;

  @Option(
      names = "--dropconnect",
      description = "DropConnect rate on feed-forward kernels (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  double dropConnect;

  @Option(
      names = "--attention-xla",
      description =
          "How attention runs: NONE (plain kernels) or COMPILED_FUNCTION "
              + "(XLA-compiled function, forward and backward, kept in the export); default: ${DEFAULT-VALUE}.",
      defaultValue = "NONE")
  String attentionXla;

  @Option(
      names = "--consistency",
      description =
          "Consistency loss: lambda=1,divergence=kl|symmetric_kl,passes=2,mode=batched|sequential. "
              + "AttentionDrop-consistency: divergence=kl; R-Drop: divergence=symmetric_kl with -r dropout.")
  String consistency;

  @Option(
      names = "--epochs",
      description = "Epochs (default: ${DEFAULT-VALUE}).",
      defaultValue = "10")
  int epochs;

  @Option(
      names = "--batch-size",
      description = "Batch size (default: ${DEFAULT-VALUE}).",
      defaultValue = "64")
  int batchSize;

  @Option(
      names = "--lr",
      description = "Peak learning rate (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.002")
  double lr;

  @Option(
      names = "--optimizer",
      description = "adam or adamw (default: ${DEFAULT-VALUE}).",
      defaultValue = "adamw")
  String optimizer;

  @Option(
      names = "--weight-decay",
      description = "AdamW decoupled weight decay (default: 0.01 with adamw; adam takes none).")
  Double weightDecay;

  @Option(
      names = "--warmup",
      description = "Warmup fraction of all steps (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.1")
  double warmup;

  @Option(
      names = "--clip-norm",
      description = "Global gradient-norm clip, 0 = off (default: ${DEFAULT-VALUE}).",
      defaultValue = "1.0")
  double clipNorm;

  @Option(
      names = "--ece-bins",
      description = "ECE bins (default: ${DEFAULT-VALUE}).",
      defaultValue = "15")
  int eceBins;

  @Option(
      names = "--train-limit",
      description = "Use at most this many training examples, 0 = all (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  int trainLimit;

  @Option(
      names = "--attack-eps",
      description =
          "After training, FGSM and PGD robust accuracy at these L-inf radii "
              + "(pixels in [0,1] for images, embedding units for text), e.g. 0.01,0.03 (default: ${DEFAULT-VALUE}; empty = none).",
      defaultValue = "0.01,0.03")
  String attackEps;

  @Option(
      names = "--pgd-steps",
      description = "PGD iterations (default: ${DEFAULT-VALUE}).",
      defaultValue = "10")
  int pgdSteps;

  @Option(
      names = "--attack-examples",
      description = "Test examples attacked (default: ${DEFAULT-VALUE}).",
      defaultValue = "250")
  int attackExamples;

  @Option(
      names = "--seed",
      description = "Seed of weights, shuffling and noise (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  long seed;

  @Option(
      names = {"-o", "--output"},
      description = "Run directory (default: runs/train-<timestamp>).")
  Path output;

  @Option(
      names = "--resume",
      description = "Continue the run in --output from its last checkpoint.")
  boolean resume;

  @Option(
      names = "--test-limit",
      description =
          "Evaluate on at most this many test examples: a class-stratified subset, the same for"
              + " every seed (default: 0 = all).")
  int testLimit;

  @Option(
      names = "--label-noise",
      description =
          "Label noise on the training examples only: RATE in [0, 1) (symmetric) or RATE:pair"
              + " (class c becomes c+1), seeded by --seed; validation and test labels stay clean.")
  String labelNoise;

  @Option(
      names = "--validation",
      description =
          "Hold out this fraction (0, 0.5] of the training examples (stratified, clean labels),"
              + " evaluate it every epoch and keep the epoch with the lowest validation NLL.")
  Double validation;

  @Option(
      names = "--patience",
      description =
          "With --validation: stop after this many epochs without a better validation NLL"
              + " (default: 0 = train all epochs).")
  Integer patience;

  @Option(
      names = "--max-memory",
      description =
          "Refuse sizes whose training would need more memory than this (e.g. 8g; default: this"
              + " machine's memory). The estimate counts weights, gradients, Adam moments and one"
              + " batch's activations.")
  String maxMemory;

  @Option(names = "--no-progress", description = "No progress bar.")
  boolean noProgress;

  /** The registered regularizers, for the help footer. */
  public static String regularizerHelp() {
    return RegularizerRegistry.describe()
            .lines()
            .map(l -> "  " + l)
            .reduce((a, b) -> a + "%n" + b)
            .orElse("")
        + "%n";
  }

  static final class DatasetNames extends ArrayList<String> {
    DatasetNames() {
      super(Datasets.NAMES);
    }
  }

  ModelConfig modelConfig(Datasets.Description data) throws IOException {
    boolean images = data.images();
    int classes = data.classes().size();
    if (modelConfig != null) {
      return Json.read(modelConfig, ModelConfig.class);
    }
    ModelConfig.Kind kind =
        model != null
            ? Json.enumValue("--model", ModelConfig.Kind.class, model)
            : images ? ModelConfig.Kind.VIT : ModelConfig.Kind.TEXT;
    ModelConfig.Builder b =
        kind == ModelConfig.Kind.VIT
            ? ModelConfig.vit().patchSize(patch).imageSize(images ? data.imageSide() : 28)
            : ModelConfig.text().maxLength(maxLength).vocabularySize(vocabulary);
    List<RegularizerConfig> regs = new ArrayList<>();
    if (!none) {
      for (String r : regularizers == null ? List.of("hard_mask:k=4,p=0.1") : regularizers) {
        regs.add(RegularizerConfig.parse(r));
      }
    }
    return b.numClasses(classes)
        .modelDim(dim)
        .heads(heads)
        .layers(layers)
        .mlpDim(mlpDim)
        .residualDropout(residualDropout)
        .dropConnect(dropConnect)
        .seed(seed)
        .regularizers(regs)
        .attentionXla(xlaMode(attentionXla))
        .build();
  }

  static XlaMode xlaMode(String name) {
    try {
      return XlaMode.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--attention-xla must be one of [NONE, COMPILED_FUNCTION], got '" + name + "'");
    }
  }

  @Override
  public Integer call() throws Exception {
    ModelConfig mc = modelConfig(Datasets.describe(dataset)); // TrainingRun reads the data once
    OptimizerConfig.Builder opt =
        OptimizerConfig.builder().kind(OptimizerConfig.Kind.of(optimizer)).learningRate(lr);
    if (weightDecay != null) {
      opt.weightDecay(weightDecay);
    }
    TrainConfig tc =
        TrainConfig.builder()
            .dataset(dataset)
            .epochs(epochs)
            .batchSize(batchSize)
            .seed(seed)
            .optimizer(opt.build())
            .warmupFraction(warmup)
            .minLrRatio(0.0)
            .clipNorm(clipNorm)
            .consistency(consistency == null ? null : ConsistencyConfig.parse(consistency))
            .eceBins(eceBins)
            .trainLimit(trainLimit)
            .robustness(
                attackEps == null || attackEps.isBlank()
                    ? null
                    : RobustnessConfig.parseEps(attackEps, pgdSteps, attackExamples))
            .evaluation(TrainConfig.Evaluation.TEST)
            .labelNoise(labelNoise == null ? null : LabelNoiseConfig.parse(labelNoise))
            .selection(selection())
            .testLimit(testLimit == 0 ? null : testLimit)
            .build();
    checkMemory(mc, tc);
    Path out =
        output != null
            ? output
            : Path.of(
                "runs",
                "train-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    System.out.printf(
        "training %s (%d layers, d_model %d, %d heads) on %s; attention regularizers: %s%n",
        mc.kind(),
        mc.layers(),
        mc.modelDim(),
        mc.heads(),
        dataset,
        mc.regularizers().isEmpty()
            ? "none"
            : mc.regularizers().stream().map(r -> r.name() + r.params()).toList());
    TrainingRun.Options options =
        TrainingRun.Options.quiet()
            .printingTo(System.out)
            .recordingRevision(SourceRevision.current());
    if (resume) {
      if (!Files.isRegularFile(out.resolve("config.json"))) {
        throw new IllegalArgumentException(
            "--resume "
                + out
                + ": no run to resume (no config.json there); run without --resume to start it");
      }
      options = options.resuming();
    }
    TrainingRun.Result result;
    try (ProgressBarListener bar = noProgress ? null : new ProgressBarListener(System.out)) {
      result = TrainingRun.run(mc, tc, out, bar == null ? options : options.withListeners(bar));
    }
    if (result.finished()) {
      TrainingCurves.write(result.epochs(), result.directory().curves());
      finished = out;
    }
    var summary = result.summary();
    if (!summary.isEmpty()) {
      System.out.printf(
          "%ntest accuracy %.4f  NLL %.4f  ECE %.4f  Brier %.4f%s%n",
          summary.get("test_accuracy"),
          summary.get("test_nll"),
          summary.get("test_ece"),
          summary.get("test_brier"),
          summary.containsKey("selected_epoch")
              ? "  (epoch " + summary.get("selected_epoch") + ", best on validation)"
              : "");
    }
    System.out.printf("run directory: %s%n", out.toAbsolutePath());
    return 0;
  }

  /** Refuses a model whose training cannot fit in {@code --max-memory}, before building it. */
  private void checkMemory(ModelConfig mc, TrainConfig tc) {
    long limit =
        maxMemory != null
            ? MemoryEstimate.parseBytes("--max-memory", maxMemory)
            : ((com.sun.management.OperatingSystemMXBean)
                    ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    MemoryEstimate need = MemoryEstimate.of(mc, tc);
    if (need.totalBytes() > limit) {
      throw new IllegalArgumentException(
          String.format(
              "model too large (--dim %d, --mlp-dim %d, --layers %d, --batch-size %d): training"
                  + " needs %s, more than %s %s; choose smaller sizes%s",
              mc.modelDim(),
              mc.mlpDim(),
              mc.layers(),
              tc.batchSize(),
              need.describe(),
              maxMemory != null ? "--max-memory" : "this machine's memory",
              MemoryEstimate.bytes(limit),
              maxMemory != null ? "" : " or pass --max-memory to override"));
    }
  }

  private SelectionConfig selection() {
    if (validation == null) {
      if (patience != null) {
        throw new IllegalArgumentException(
            "--patience needs --validation (the hold-out whose NLL it watches)");
      }
      return null;
    }
    SelectionConfig.Builder b = SelectionConfig.builder().validationFraction(validation);
    if (patience != null) {
      b.patience(patience);
    }
    return b.build();
  }
}
