package dev.attentiondrop.zoo.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.data.Dataset;
import dev.attentiondrop.zoo.data.Datasets;
import dev.attentiondrop.zoo.data.ImageDataset;
import dev.attentiondrop.zoo.data.TextDataset;
import dev.attentiondrop.zoo.models.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import dev.attentiondrop.zoo.metrics.RobustAccuracy;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A whole training run: loads the data, trains for the configured epochs with evaluation after
 * each, writes the {@link RunDirectory}, and checkpoints every epoch so that {@code resume}
 * continues exactly where an interrupted run stopped.
 */
public final class TrainingRun {
  private TrainingRun() {}

  /**
   * Options that do not change the numbers a run produces (only whether it stops early).
   *
   * @param resume continue from the run directory's last checkpoint
   * @param progress show a progress bar
   * @param out where progress and per-epoch lines go
   * @param stopAfterEpoch stop (as if interrupted) after this epoch, 0 = never; a later run with
   *     {@code resume} continues it
   */
  public record Options(boolean resume, boolean progress, PrintStream out, int stopAfterEpoch) {
    public Options(boolean resume, boolean progress, PrintStream out) {
      this(resume, progress, out, 0);
    }

    public static Options quiet() {
      return new Options(false, false, new PrintStream(java.io.OutputStream.nullOutputStream()), 0);
    }

    public Options resuming() {
      return new Options(true, progress, out, stopAfterEpoch);
    }

    public Options stoppingAfter(int epoch) {
      return new Options(resume, progress, out, epoch);
    }
  }

  /** The run's per-epoch metrics, robust accuracies (if asked for) and where it was written. */
  public record Result(RunDirectory directory, List<EpochMetrics> epochs, Tokenizer tokenizer, List<RobustAccuracy> robustness) {
    public EpochMetrics last() {
      return epochs.get(epochs.size() - 1);
    }
  }

  /** Seed of the validation hold-out. */
  public static final long VALIDATION_SEED = 20250416L;

  /** Data prepared for a model: encoded train and test examples, and the tokenizer (text). */
  public record Data(Examples train, Examples test, Tokenizer tokenizer) {}

  /**
   * Loads {@code train.dataset()} and encodes it for {@code model}; checks they fit together. With
   * {@code evaluation = validation}, a seeded {@value TrainConfig#VALIDATION_FRACTION} of the
   * training split replaces the test split and is removed from training.
   */
  public static Data load(ModelConfig model, TrainConfig config) throws IOException {
    String dataset = config.dataset();
    int trainLimit = config.trainLimit();
    Dataset train = Datasets.load(dataset, "train");
    Dataset test = Datasets.load(dataset, "test");
    if (config.onValidation()) {
      int n = train.size();
      int held = (int) Math.round(TrainConfig.VALIDATION_FRACTION * n);
      int[] order = Permutation.of(n, VALIDATION_SEED);
      int[] fit = java.util.Arrays.copyOfRange(order, 0, n - held);
      int[] validation = java.util.Arrays.copyOfRange(order, n - held, n);
      java.util.Arrays.sort(fit);
      java.util.Arrays.sort(validation);
      test = train.subset("validation", validation);
      train = train.subset("train", fit);
    }
    if (train.classNames().size() != model.numClasses()) {
      throw new IllegalArgumentException("num_classes is " + model.numClasses() + " but dataset '" + dataset
          + "' has " + train.classNames().size() + " classes");
    }
    if (model.kind().equals("vit")) {
      if (!(train instanceof ImageDataset tr) || !(test instanceof ImageDataset te)) {
        throw new IllegalArgumentException("a vit model needs an image dataset; '" + dataset + "' holds texts");
      }
      if (tr.height() != model.imageSize() || tr.width() != model.imageSize()) {
        throw new IllegalArgumentException("image_size is " + model.imageSize() + " but dataset '" + dataset
            + "' has " + tr.height() + "x" + tr.width() + " images");
      }
      return new Data(Examples.of(tr).limit(trainLimit), Examples.of(te), null);
    }
    if (!(train instanceof TextDataset tr) || !(test instanceof TextDataset te)) {
      throw new IllegalArgumentException("a text model needs a text dataset; '" + dataset + "' holds images");
    }
    Tokenizer tokenizer = Tokenizer.fit(tr.texts(), model.vocabularySize());
    return new Data(Examples.of(tr, tokenizer, model.maxLength()).limit(trainLimit),
        Examples.of(te, tokenizer, model.maxLength()), tokenizer);
  }

  /** Records the source revision; a resumed run adds a line when the revision changed. */
  private static void recordRevision(RunDirectory dir, boolean resuming) throws IOException {
    String revision = SourceRevision.current();
    List<String> lines = resuming && Files.exists(dir.sourceRevision())
        ? new ArrayList<>(Files.readAllLines(dir.sourceRevision()))
        : new ArrayList<>();
    if (lines.isEmpty() || !lines.get(lines.size() - 1).equals(revision)) {
      lines.add(revision);
    }
    RunDirectory.writeAtomically(dir.sourceRevision(), String.join("\n", lines) + "\n");
  }

  /** Trains {@code model} as {@code train} says, writing {@code directory}. */
  public static Result run(ModelConfig model, TrainConfig train, Path directory, Options options) throws IOException {
    RunDirectory dir = new RunDirectory(directory);
    Data data = load(model, train);
    String configJson = Json.write(Map.of("model", model, "train", train));
    boolean resuming = options.resume() && Files.exists(dir.state());
    if (resuming) {
      JsonNode previous = Json.mapper().readTree(Files.readString(dir.config()));
      if (!previous.equals(Json.mapper().readTree(configJson))) {
        throw new IllegalArgumentException("cannot resume " + directory + ": its config.json differs from this run's config");
      }
    } else if (Files.exists(dir.metricsJsonl())) {
      throw new IllegalArgumentException("run directory " + directory
          + " already holds a run; pass --resume to continue it or choose another --output");
    }
    RunDirectory.writeAtomically(dir.config(), configJson);
    recordRevision(dir, resuming);
    if (data.tokenizer() != null) {
      RunDirectory.writeAtomically(dir.tokenizer(), Json.write(data.tokenizer()));
    }
    List<EpochMetrics> history = new ArrayList<>();
    List<RobustAccuracy> robust;
    try (Trainer trainer = new Trainer(model, train)) {
      int firstEpoch = 1;
      long step = 0;
      if (resuming) {
        JsonNode state = Json.mapper().readTree(Files.readString(dir.state()));
        int done = state.get("epoch").asInt();
        trainer.restore(dir.checkpoints().resolve(state.get("checkpoint").asText()).toString());
        step = trainer.stepsDone();
        firstEpoch = done + 1;
        for (String line : Files.readAllLines(dir.metricsJsonl())) {
          EpochMetrics m = Json.mapper().readValue(line, EpochMetrics.class);
          if (m.epoch() <= done) {
            history.add(m);
          }
        }
        options.out().printf("resuming %s after epoch %d (step %d)%n", directory, done, step);
      }
      LearningRateSchedule schedule = trainer.schedule(data.train().n());
      int perEpoch = trainer.stepsPerEpoch(data.train().n());
      for (int epoch = firstEpoch; epoch <= train.epochs(); epoch++) {
        int[] order = trainer.shuffle(data.train().n(), epoch);
        double lossSum = 0;
        int correct = 0;
        long start = System.nanoTime();
        double lr = 0;
        try (ProgressBar bar = options.progress() ? progressBar(epoch, train.epochs(), perEpoch, options.out()) : null) {
          for (int b = 0; b < perEpoch; b++) {
            int from = b * train.batchSize();
            int to = Math.min(data.train().n(), from + train.batchSize());
            lr = schedule.at(step);
            Trainer.StepResult r = trainer.step(data.train(), order, from, to, step++, lr);
            lossSum += r.loss() * r.size();
            correct += r.correct();
            if (bar != null) {
              double secs = (System.nanoTime() - start) / 1e9;
              bar.step();
              bar.setExtraMessage(String.format(" loss %.4f acc %.3f %.0f ex/s", lossSum / to, (double) correct / to, to / secs));
            }
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Evaluation eval = Evaluation.of(trainer.predict(data.test()), data.test().labels(), train.eceBins());
        if (epoch == train.epochs() && eval.report() != null) {
          RunDirectory.writeAtomically(dir.reliability(), Json.write(eval.report()));
        }
        EpochMetrics m = new EpochMetrics(epoch, step, lr, lossSum / data.train().n(), (double) correct / data.train().n(),
            eval.accuracy(), eval.nll(), eval.ece(), eval.brier(), seconds, data.train().n() / seconds);
        history.add(m);
        writeMetrics(dir, history);
        checkpoint(trainer, dir, epoch);
        options.out().printf("epoch %d/%d  train loss %.4f acc %.3f | test acc %.4f nll %.4f ece %.4f | %.1f s%n",
            epoch, train.epochs(), m.trainLoss(), m.trainAccuracy(), m.testAccuracy(), m.testNll(), m.testEce(), seconds);
        if (epoch == options.stopAfterEpoch() && epoch < train.epochs()) {
          options.out().printf("stopped after epoch %d; continue with --resume%n", epoch);
          return new Result(dir, history, data.tokenizer(), List.of());
        }
      }
      saveFinal(trainer, dir, data.tokenizer());
      robust = train.robustness() == null ? List.of() : Robustness.evaluate(trainer, data.test(), train.robustness(), options.out());
    }
    Result result = new Result(dir, history, data.tokenizer(), robust);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("test_accuracy", result.last().testAccuracy());
    summary.put("test_nll", result.last().testNll());
    summary.put("test_ece", result.last().testEce());
    summary.put("test_brier", result.last().testBrier());
    summary.put("epochs", result.last().epoch());
    summary.put("steps", result.last().step());
    for (RobustAccuracy r : robust) {
      Map<String, Double> perEps = new LinkedHashMap<>();
      for (int i = 0; i < r.eps().size(); i++) {
        perEps.put(Double.toString(r.eps().get(i)), r.accuracy().get(i));
      }
      summary.put(r.attack() + "_robust_accuracy", perEps);
    }
    RunDirectory.writeAtomically(dir.summary(), Json.write(summary));
    TrainingCurves.write(history, dir.curves());
    return result;
  }

  private static ProgressBar progressBar(int epoch, int epochs, int steps, PrintStream out) {
    return new ProgressBarBuilder()
        .setTaskName("epoch " + epoch + "/" + epochs)
        .setInitialMax(steps)
        .setStyle(ProgressBarStyle.ASCII)
        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(out))
        .setUpdateIntervalMillis(250)
        .continuousUpdate()
        .build();
  }

  private static void writeMetrics(RunDirectory dir, List<EpochMetrics> history) throws IOException {
    StringBuilder jsonl = new StringBuilder();
    StringBuilder csv = new StringBuilder(EpochMetrics.CSV_HEADER).append('\n');
    for (EpochMetrics m : history) {
      jsonl.append(Json.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(m)).append('\n');
      csv.append(m.csvRow()).append('\n');
    }
    RunDirectory.writeAtomically(dir.metricsJsonl(), jsonl.toString());
    RunDirectory.writeAtomically(dir.metricsCsv(), csv.toString());
  }

  /** Saves epoch {@code epoch}'s variables, then points state.json at them, then prunes. */
  private static void checkpoint(Trainer trainer, RunDirectory dir, int epoch) throws IOException {
    String name = "epoch-" + epoch;
    Path folder = dir.checkpoints().resolve(name);
    Files.createDirectories(folder);
    trainer.save(folder.resolve("ckpt").toString());
    RunDirectory.writeAtomically(dir.state(), Json.write(Map.of("epoch", epoch, "checkpoint", name + "/ckpt")));
    try (Stream<Path> old = Files.list(dir.checkpoints())) {
      for (Path p : old.filter(p -> Files.isDirectory(p) && !p.getFileName().toString().equals(name)).toList()) {
        RunDirectory.deleteRecursively(p);
      }
    }
  }

  private static void saveFinal(Trainer trainer, RunDirectory dir, Tokenizer tokenizer) throws IOException {
    Path tmp = dir.root().resolve("model.tmp");
    RunDirectory.deleteRecursively(tmp);
    Files.createDirectories(tmp);
    trainer.save(tmp.resolve("variables").toString());
    RunDirectory.writeAtomically(tmp.resolve("config.json"), Json.write(trainer.modelConfig()));
    if (tokenizer != null) {
      RunDirectory.writeAtomically(tmp.resolve("tokenizer.json"), Json.write(tokenizer));
    }
    RunDirectory.deleteRecursively(dir.model());
    Files.move(tmp, dir.model());
  }
}
