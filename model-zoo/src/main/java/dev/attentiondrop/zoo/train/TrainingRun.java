package dev.attentiondrop.zoo.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.data.Dataset;
import dev.attentiondrop.zoo.data.Datasets;
import dev.attentiondrop.zoo.data.ImageDataset;
import dev.attentiondrop.zoo.data.TextDataset;
import dev.attentiondrop.zoo.metrics.RobustAccuracy;
import dev.attentiondrop.zoo.models.Tokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A whole training run: loads the data, trains for the configured epochs with evaluation after
 * each, writes the {@link RunDirectory}, and checkpoints every epoch so that {@code resume}
 * continues exactly where an interrupted run stopped.
 */
public final class TrainingRun {
  private TrainingRun() {}

  /**
   * Options that do not change the numbers a run produces (only what it reports and whether it
   * stops early). Start from {@link #quiet()} and refine with the {@code with*} methods.
   *
   * @param resume continue from the run directory's last checkpoint
   * @param out where the per-epoch lines go
   * @param stopAfterEpoch stop (as if interrupted) after this epoch, 0 = never; a later run with
   *     {@code resume} continues it
   * @param listeners called by the fit loop after the run's own bookkeeping (a progress bar, say)
   * @param sourceRevision the revision of the code that trains, recorded in {@code
   *     source_revision.txt}; null records nothing (the library never asks git itself)
   */
  public record Options(
      boolean resume,
      PrintStream out,
      int stopAfterEpoch,
      List<TrainingListener> listeners,
      String sourceRevision) {

    /**
     * Checks and copies the fields.
     *
     * @param resume continue from the last checkpoint
     * @param out where the per-epoch lines go
     * @param stopAfterEpoch stop after this epoch, 0 = never
     * @param listeners the fit loop's listeners
     * @param sourceRevision the revision recorded, or null
     */
    public Options {
      Checks.notNull("out", out);
      Checks.inRange("stopAfterEpoch", stopAfterEpoch, 0, Integer.MAX_VALUE);
      listeners = List.copyOf(Checks.notNull("listeners", listeners));
    }

    /**
     * A fresh run that prints nothing, has no listeners and records no revision.
     *
     * @return the options
     */
    public static Options quiet() {
      return new Options(
          false, new PrintStream(OutputStream.nullOutputStream()), 0, List.of(), null);
    }

    /**
     * These options, continuing the run directory's last checkpoint when it has one.
     *
     * @return the options
     */
    public Options resuming() {
      return new Options(true, out, stopAfterEpoch, listeners, sourceRevision);
    }

    /**
     * These options, stopping (as if interrupted) after epoch {@code epoch}.
     *
     * @param epoch the last epoch to run, {@code >= 1}
     * @return the options
     */
    public Options stoppingAfter(int epoch) {
      return new Options(resume, out, epoch, listeners, sourceRevision);
    }

    /**
     * These options, printing a line per epoch to {@code stream}.
     *
     * @param stream where the lines go
     * @return the options
     */
    public Options printingTo(PrintStream stream) {
      return new Options(resume, stream, stopAfterEpoch, listeners, sourceRevision);
    }

    /**
     * These options with {@code more} listeners after the current ones.
     *
     * @param more listeners to add
     * @return the options
     */
    public Options withListeners(TrainingListener... more) {
      List<TrainingListener> all = new ArrayList<>(listeners);
      all.addAll(List.of(more));
      return new Options(resume, out, stopAfterEpoch, all, sourceRevision);
    }

    /**
     * These options, recording {@code revision} as the source revision that trained the run.
     *
     * @param revision the revision (a commit id, a release version), not null
     * @return the options
     */
    public Options recordingRevision(String revision) {
      return new Options(
          resume, out, stopAfterEpoch, listeners, Checks.notNull("revision", revision));
    }
  }

  /**
   * The run's per-epoch metrics, robust accuracies (if asked for) and where it was written.
   *
   * @param directory the run directory
   * @param epochs the metrics of every epoch so far (resumed runs include the earlier ones)
   * @param tokenizer the tokenizer of a text model, else null
   * @param robustness FGSM/PGD robust accuracies, empty unless asked for
   * @param selected the epoch whose weights the run keeps: the best on validation with {@link
   *     TrainConfig#selection}, else the last
   * @param finished whether training ended (all epochs, or stopped early), not paused
   * @param summary what {@code summary.json} holds (empty when paused): the kept weights' test
   *     metrics ({@code test_accuracy}, {@code test_nll}, {@code test_ece}, {@code test_brier}),
   *     {@code train_accuracy}, {@code generalization_gap}, and with selection the best and last
   *     epochs' metrics
   */
  public record Result(
      RunDirectory directory,
      List<EpochMetrics> epochs,
      Tokenizer tokenizer,
      List<RobustAccuracy> robustness,
      EpochMetrics selected,
      boolean finished,
      Map<String, Object> summary) {
    /**
     * The metrics of the last epoch run.
     *
     * @return the last epoch's metrics
     */
    public EpochMetrics last() {
      return epochs.get(epochs.size() - 1);
    }
  }

  /** Seed of the validation hold-out. */
  public static final long VALIDATION_SEED = 20250416L;

  /**
   * Data prepared for a model: encoded train and test examples, and the tokenizer (text).
   *
   * @param train the training examples (after the limit, the hold-out and the label noise)
   * @param test the evaluation examples (the validation hold-out when evaluating on validation)
   * @param tokenizer the tokenizer fitted on the training examples (text), else null
   * @param validation the selection hold-out ({@link TrainConfig#selection}), else null
   * @param cleanLabels the training labels before the noise ({@link TrainConfig#labelNoise}), else
   *     null
   */
  public record Data(
      Examples train, Examples test, Tokenizer tokenizer, Examples validation, int[] cleanLabels) {
    /**
     * Data without a validation hold-out or label noise.
     *
     * @param train the training examples
     * @param test the evaluation examples
     * @param tokenizer the tokenizer (text), else null
     */
    public Data(Examples train, Examples test, Tokenizer tokenizer) {
      this(train, test, tokenizer, null, null);
    }
  }

  /** Salt of the label-noise draws: they are seeded by {@code train.seed ^ NOISE_SALT}. */
  public static final long NOISE_SALT = 0x6e6f697365L;

  /**
   * Loads {@code train.dataset()} and encodes it for {@code model}; checks they fit together. With
   * {@code evaluation = validation}, a seeded {@value TrainConfig#VALIDATION_FRACTION} of the
   * training split replaces the test split and is removed from training.
   *
   * @param model the model the data must fit
   * @param config the training config naming the dataset
   * @return the encoded data
   * @throws IOException if a file cannot be read
   */
  public static Data load(ModelConfig model, TrainConfig config) throws IOException {
    String dataset = config.dataset();
    if (dataset == null) {
      throw new IllegalArgumentException(
          "train.dataset is not set: a training run loads its data by name; for data in memory,"
              + " use Trainer.fit");
    }
    int trainLimit = config.trainLimit();
    Dataset train = Datasets.load(dataset, "train");
    Dataset test = Datasets.load(dataset, "test");
    if (config.onValidation()) {
      int n = train.size();
      int held = (int) Math.round(TrainConfig.VALIDATION_FRACTION * n);
      int[] order = Permutation.of(n, VALIDATION_SEED);
      int[] fit = Arrays.copyOfRange(order, 0, n - held);
      int[] validation = Arrays.copyOfRange(order, n - held, n);
      Arrays.sort(fit);
      Arrays.sort(validation);
      test = train.subset("validation", validation);
      train = train.subset("train", fit);
    }
    if (train.classNames().size() != model.numClasses()) {
      throw new IllegalArgumentException(
          "num_classes is "
              + model.numClasses()
              + " but dataset '"
              + dataset
              + "' has "
              + train.classNames().size()
              + " classes");
    }
    // the regime, at the dataset level so that a text model's vocabulary sees the kept training
    // examples only: a stratified subset, then the selection hold-out, then (encoded) label noise
    int classes = train.classNames().size();
    Integer testLimit = config.testLimit();
    if (testLimit != null && testLimit > 0 && testLimit < test.size()) {
      test =
          test.subset(
              test.split(),
              Examples.stratified(test.labels(), classes, testLimit, Examples.LIMIT_SEED)[0]);
    }
    if (trainLimit > 0 && trainLimit < train.size()) {
      train =
          train.subset(
              "train",
              Examples.stratified(train.labels(), classes, trainLimit, Examples.LIMIT_SEED)[0]);
    }
    Dataset validation = null;
    if (config.selection() != null) {
      int n = train.size();
      int held = (int) Math.round(config.selection().validationFraction() * n);
      if (held < 1 || held >= n) {
        throw new IllegalArgumentException(
            "selection: validation_fraction "
                + config.selection().validationFraction()
                + " of "
                + n
                + " training examples holds out "
                + held
                + "; it must leave at least one on each side");
      }
      int[][] parts = Examples.stratified(train.labels(), classes, n - held, VALIDATION_SEED);
      validation = train.subset("validation", parts[1]);
      train = train.subset("train", parts[0]);
    }
    Examples fit;
    Examples eval;
    Examples held = null;
    Tokenizer tokenizer = null;
    if (model.kind() == ModelConfig.Kind.VIT) {
      if (!(train instanceof ImageDataset tr) || !(test instanceof ImageDataset te)) {
        throw new IllegalArgumentException(
            "a vit model needs an image dataset; '" + dataset + "' holds texts");
      }
      if (tr.height() != model.imageSize() || tr.width() != model.imageSize()) {
        throw new IllegalArgumentException(
            "image_size is "
                + model.imageSize()
                + " but dataset '"
                + dataset
                + "' has "
                + tr.height()
                + "x"
                + tr.width()
                + " images");
      }
      fit = Examples.of(tr);
      eval = Examples.of(te);
      held = validation == null ? null : Examples.of((ImageDataset) validation);
    } else {
      if (!(train instanceof TextDataset tr) || !(test instanceof TextDataset te)) {
        throw new IllegalArgumentException(
            "a text model needs a text dataset; '" + dataset + "' holds images");
      }
      tokenizer = Tokenizer.fit(tr.texts(), model.vocabularySize());
      fit = Examples.of(tr, tokenizer, model.maxLength());
      eval = Examples.of(te, tokenizer, model.maxLength());
      held =
          validation == null
              ? null
              : Examples.of((TextDataset) validation, tokenizer, model.maxLength());
    }
    int[] clean = null;
    if (config.labelNoise() != null) {
      clean = fit.labels();
      fit = fit.withLabelNoise(config.labelNoise(), config.seed() ^ NOISE_SALT);
    }
    return new Data(fit, eval, tokenizer, held, clean);
  }

  /** Records the source revision; a resumed run adds a line when the revision changed. */
  private static void recordRevision(RunDirectory dir, boolean resuming, String revision)
      throws IOException {
    if (revision == null) {
      return;
    }
    List<String> lines =
        resuming && Files.exists(dir.sourceRevision())
            ? new ArrayList<>(Files.readAllLines(dir.sourceRevision()))
            : new ArrayList<>();
    if (lines.isEmpty() || !lines.get(lines.size() - 1).equals(revision)) {
      lines.add(revision);
    }
    RunDirectory.writeAtomically(dir.sourceRevision(), String.join("\n", lines) + "\n");
  }

  /**
   * Trains {@code model} as {@code train} says on the dataset it names, writing {@code directory}
   * (see {@link RunDirectory}) and a checkpoint after every epoch.
   *
   * @param model the model
   * @param train the training config; {@code dataset} must be set
   * @param directory the run directory, new or (with {@link Options#resuming()}) to continue
   * @param options what to print, listeners, the revision to record
   * @return the run's metrics
   * @throws IOException if the data cannot be read or a file cannot be written
   */
  public static Result run(ModelConfig model, TrainConfig train, Path directory, Options options)
      throws IOException {
    RunDirectory dir = new RunDirectory(directory);
    Data data = load(model, train);
    String configJson = Json.write(Map.of("model", model, "train", train));
    boolean resuming = options.resume() && Files.exists(dir.state());
    // a run killed before its first checkpoint resumes from the start (its files are ours)
    boolean restarting = options.resume() && !resuming && Files.exists(dir.config());
    if (resuming || restarting) {
      JsonNode previous = Json.mapper().readTree(Files.readString(dir.config()));
      if (!previous.equals(Json.mapper().readTree(configJson))) {
        throw new IllegalArgumentException(
            "cannot resume " + directory + ": its config.json differs from this run's config");
      }
      if (restarting) {
        options
            .out()
            .printf("no checkpoint in %s yet: starting it again from epoch 1%n", directory);
      }
    } else if (Files.exists(dir.metricsJsonl())) {
      throw new IllegalArgumentException(
          "run directory "
              + directory
              + " already holds a run; pass --resume to continue it or choose another --output");
    } else if (Files.exists(directory) && !Files.exists(dir.config())) {
      // never write into (and later prune) a folder of the user's
      boolean empty;
      if (!Files.isDirectory(directory)) {
        empty = false;
      } else {
        // a run killed before its config.json was renamed into place leaves only the temporary
        // file of that write: ours, so removed, and the folder counts as empty
        RunDirectory.removeStaleTemporaries(directory, "config.json");
        try (Stream<Path> entries = Files.list(directory)) {
          empty = entries.findAny().isEmpty();
        }
      }
      if (!empty) {
        throw new IllegalArgumentException(
            "run directory (--output) "
                + directory
                + ": it exists and is not a run directory (no config.json)"
                + (Files.isDirectory(directory) ? " and not empty" : "")
                + "; choose a new or empty folder");
      }
    }
    RunDirectory.writeAtomically(dir.config(), configJson);
    recordRevision(dir, resuming, options.sourceRevision());
    if (data.tokenizer() != null) {
      RunDirectory.writeAtomically(dir.tokenizer(), Json.write(data.tokenizer()));
    }
    List<EpochMetrics> history = new ArrayList<>();
    List<RobustAccuracy> robust;
    Map<String, Object> summary = new LinkedHashMap<>();
    EpochMetrics resultSelected;
    try (Trainer trainer = new Trainer(model, train)) {
      int firstEpoch = 1;
      SelectionConfig selection = train.selection();
      double[] bestNll = {Double.POSITIVE_INFINITY};
      int[] bestEpoch = {0};
      if (resuming) {
        JsonNode state = Json.read(dir.state(), JsonNode.class);
        if (selection != null && state.has("best_epoch")) {
          bestEpoch[0] = state.get("best_epoch").asInt();
          bestNll[0] = state.get("best_validation_nll").asDouble();
        }
        JsonNode epoch = state.path("epoch");
        String checkpoint = state.path("checkpoint").asText("");
        if (!epoch.canConvertToInt()
            || epoch.asInt() < 1
            || epoch.asInt() > train.epochs()
            || !checkpoint.matches("epoch-[0-9]+/ckpt")) {
          throw new CheckpointFormatException(
              dir.state().toString(),
              "expected {\"epoch\": 1.."
                  + train.epochs()
                  + ", \"checkpoint\": \"epoch-N/ckpt\"}, found "
                  + Json.mapper()
                      .writer()
                      .without(SerializationFeature.INDENT_OUTPUT)
                      .writeValueAsString(state),
              null);
        }
        int done = epoch.asInt();
        trainer.restore(dir.checkpoints().resolve(checkpoint).toString());
        firstEpoch = done + 1;
        for (String line : Files.readAllLines(dir.metricsJsonl())) {
          EpochMetrics m = Json.mapper().readValue(line, EpochMetrics.class);
          if (m.epoch() <= done) {
            history.add(m);
          }
        }
        options
            .out()
            .printf("resuming %s after epoch %d (step %d)%n", directory, done, trainer.stepsDone());
      }
      boolean[] stopped = {false};
      boolean[] stoppedEarly = {false};
      TrainingListener bookkeeping =
          new TrainingListener() {
            @Override
            public void onEpochEnd(EpochMetrics epochEnd, Evaluation eval) {
              // with selection the epochs are evaluated on the hold-out only: the test split is
              // looked at once, at the end, so model selection never sees it
              EpochMetrics m = selection == null ? epochEnd : epochEnd.asValidation();
              try {
                history.add(m);
                writeMetrics(dir, history);
                if (selection != null && m.validationNll() < bestNll[0]) {
                  bestNll[0] = m.validationNll();
                  bestEpoch[0] = m.epoch();
                  saveBest(trainer, dir);
                }
                checkpoint(
                    trainer,
                    dir,
                    m.epoch(),
                    selection == null
                        ? Map.of()
                        : Map.of("best_epoch", bestEpoch[0], "best_validation_nll", bestNll[0]));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              options
                  .out()
                  .printf(
                      "epoch %d/%d  train loss %.4f acc %.3f | %s acc %.4f nll %.4f ece %.4f%s | %.1f s%n",
                      m.epoch(),
                      train.epochs(),
                      m.trainLoss(),
                      m.trainAccuracy(),
                      selection == null ? "test" : "val",
                      selection == null ? m.testAccuracy() : m.validationAccuracy(),
                      selection == null ? m.testNll() : m.validationNll(),
                      selection == null ? m.testEce() : m.validationEce(),
                      selection != null && bestEpoch[0] == m.epoch() ? " (best)" : "",
                      m.epochSeconds());
              if (selection != null
                  && selection.patience() > 0
                  && m.epoch() - bestEpoch[0] >= selection.patience()
                  && m.epoch() < train.epochs()) {
                options
                    .out()
                    .printf(
                        "early stop after epoch %d: no better validation NLL for %d epochs (best:"
                            + " epoch %d)%n",
                        m.epoch(), selection.patience(), bestEpoch[0]);
                stoppedEarly[0] = true;
                trainer.stopTraining();
              } else if (m.epoch() == options.stopAfterEpoch() && m.epoch() < train.epochs()) {
                options.out().printf("stopped after epoch %d; continue with --resume%n", m.epoch());
                stopped[0] = true;
                trainer.stopTraining();
              }
            }
          };
      List<TrainingListener> listeners = new ArrayList<>();
      listeners.add(bookkeeping);
      listeners.addAll(options.listeners());
      if (selection != null
          && selection.patience() > 0
          && firstEpoch > 1
          && firstEpoch <= train.epochs()
          && firstEpoch - 1 - bestEpoch[0] >= selection.patience()) {
        stoppedEarly[0] = true; // it had stopped early before it was interrupted: do not go on
      } else {
        try {
          trainer.fit(
              data.train(),
              selection == null ? data.test() : data.validation(),
              firstEpoch,
              listeners);
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
      }
      if (stopped[0]) {
        EpochMetrics last = history.get(history.size() - 1);
        return new Result(dir, history, data.tokenizer(), List.of(), last, false, Map.of());
      }
      EpochMetrics end = history.get(history.size() - 1);
      int bins = train.eceBins();
      float[][] endTrainProbabilities = trainer.predict(data.train());
      Evaluation endTrain = Evaluation.of(endTrainProbabilities, data.train().labels(), bins);
      Evaluation endTest = evaluate(trainer, data.test(), bins);
      EpochMetrics selected = end;
      float[][] trainProbabilities = endTrainProbabilities;
      Evaluation selectedTrain = endTrain;
      Evaluation test = endTest;
      if (selection != null && bestEpoch[0] > 0 && bestEpoch[0] != end.epoch()) {
        trainer.restore(dir.checkpoints().resolve("best").resolve("ckpt").toString());
        int chosen = bestEpoch[0];
        selected = history.stream().filter(h -> h.epoch() == chosen).findFirst().orElseThrow();
        trainProbabilities = trainer.predict(data.train());
        selectedTrain = Evaluation.of(trainProbabilities, data.train().labels(), bins);
        test = evaluate(trainer, data.test(), bins);
      }
      if (test.report() != null) {
        RunDirectory.writeAtomically(dir.reliability(), Json.write(test.report()));
      }
      saveFinal(trainer, dir, data.tokenizer());
      robust =
          train.robustness() == null
              ? List.of()
              : Robustness.evaluate(trainer, data.test(), train.robustness(), options.out());
      summary.put("test_accuracy", test.accuracy());
      summary.put("test_nll", test.nll());
      summary.put("test_ece", test.ece());
      summary.put("test_brier", test.brier());
      summary.put("epochs", end.epoch());
      summary.put("steps", end.step());
      summary.put("train_examples", data.train().n());
      summary.put("test_examples", data.test().n());
      summary.put("train_accuracy", selectedTrain.accuracy());
      summary.put("generalization_gap", selectedTrain.accuracy() - test.accuracy());
      if (data.cleanLabels() != null) {
        summary.put("label_noise_rate", train.labelNoise().rate());
        summary.put("label_noise_flipped", flipped(data.cleanLabels(), data.train().labels()));
        summary.put(
            "train_accuracy_clean",
            Evaluation.of(trainProbabilities, data.cleanLabels(), bins).accuracy());
      }
      if (selection != null) {
        summary.put("selected_epoch", selected.epoch());
        summary.put("stopped_early", stoppedEarly[0]);
        // recomputed on the kept weights: equal to the selected epoch's, as the tests check
        Evaluation validation = evaluate(trainer, data.validation(), bins);
        summary.put("validation_accuracy", validation.accuracy());
        summary.put("validation_nll", validation.nll());
        summary.put("validation_ece", validation.ece());
        summary.put("end_test_accuracy", endTest.accuracy());
        summary.put("end_test_nll", endTest.nll());
        summary.put("end_test_ece", endTest.ece());
        summary.put("end_train_accuracy", endTrain.accuracy());
        summary.put("end_generalization_gap", endTrain.accuracy() - endTest.accuracy());
      }
      resultSelected = selected;
    }
    Result result =
        new Result(dir, history, data.tokenizer(), robust, resultSelected, true, summary);
    for (RobustAccuracy r : robust) {
      Map<String, Double> perEps = new LinkedHashMap<>();
      for (int i = 0; i < r.eps().size(); i++) {
        perEps.put(Double.toString(r.eps().get(i)), r.accuracy().get(i));
      }
      summary.put(r.attack() + "_robust_accuracy", perEps);
    }
    RunDirectory.writeAtomically(dir.summary(), Json.write(summary));
    return result;
  }

  private static void writeMetrics(RunDirectory dir, List<EpochMetrics> history)
      throws IOException {
    StringBuilder jsonl = new StringBuilder();
    StringBuilder csv = new StringBuilder(EpochMetrics.CSV_HEADER).append('\n');
    for (EpochMetrics m : history) {
      jsonl
          .append(
              Json.mapper()
                  .writer()
                  .without(SerializationFeature.INDENT_OUTPUT)
                  .writeValueAsString(m))
          .append('\n');
      csv.append(m.csvRow()).append('\n');
    }
    RunDirectory.writeAtomically(dir.metricsJsonl(), jsonl.toString());
    RunDirectory.writeAtomically(dir.metricsCsv(), csv.toString());
  }

  /** Saves epoch {@code epoch}'s variables, then points state.json at them, then prunes. */
  private static void checkpoint(
      Trainer trainer, RunDirectory dir, int epoch, Map<String, Object> extra) throws IOException {
    String name = "epoch-" + epoch;
    Path folder = dir.checkpoints().resolve(name);
    Files.createDirectories(folder);
    trainer.save(folder.resolve("ckpt").toString());
    CrashPoint.reach("train.checkpoint-saved");
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("epoch", epoch);
    state.put("checkpoint", name + "/ckpt");
    state.putAll(extra);
    RunDirectory.writeAtomically(dir.state(), Json.write(state));
    try (Stream<Path> old = Files.list(dir.checkpoints())) {
      for (Path p :
          old.filter(
                  p -> Files.isDirectory(p) && p.getFileName().toString().matches("epoch-[0-9]+"))
              .filter(p -> !p.getFileName().toString().equals(name))
              .toList()) {
        RunDirectory.deleteRecursively(p);
      }
    }
  }

  /** Saves the best epoch's variables as {@code checkpoints/best/}, replacing the last best. */
  private static void saveBest(Trainer trainer, RunDirectory dir) throws IOException {
    try (Staging staging = Staging.open(dir.checkpoints())) {
      Path tmp = staging.create("best");
      trainer.save(tmp.resolve("ckpt").toString());
      staging.commit(tmp, "best", true);
    }
  }

  /** Clean (inference-mode) metrics of the trainer's current weights on {@code examples}. */
  private static Evaluation evaluate(Trainer trainer, Examples examples, int bins) {
    return Evaluation.of(trainer.predict(examples), examples.labels(), bins);
  }

  /** The fraction of labels that differ. */
  private static double flipped(int[] clean, int[] noisy) {
    int d = 0;
    for (int i = 0; i < clean.length; i++) {
      d += clean[i] != noisy[i] ? 1 : 0;
    }
    return (double) d / clean.length;
  }

  private static void saveFinal(Trainer trainer, RunDirectory dir, Tokenizer tokenizer)
      throws IOException {
    // a kill at any point leaves model/ as it was or complete (Staging recovers the rest)
    try (Staging staging = Staging.open(dir.root())) {
      Path tmp = staging.create("model");
      trainer.save(tmp.resolve("variables").toString());
      RunDirectory.writeAtomically(tmp.resolve("config.json"), Json.write(trainer.modelConfig()));
      if (tokenizer != null) {
        RunDirectory.writeAtomically(tmp.resolve("tokenizer.json"), Json.write(tokenizer));
      }
      staging.commit(tmp, "model", true);
    }
  }
}
