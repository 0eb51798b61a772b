package dev.attentiondrop.bench.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attentiondrop.bench.ChildRun;
import dev.attentiondrop.bench.Measure;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.config.RegularizerConfig;
import dev.attentiondrop.zoo.train.EpochMetrics;
import dev.attentiondrop.zoo.train.Examples;
import dev.attentiondrop.zoo.train.OptimizerConfig;
import dev.attentiondrop.zoo.train.RunDirectory;
import dev.attentiondrop.zoo.train.TrainConfig;
import dev.attentiondrop.zoo.train.TrainingListener;
import dev.attentiondrop.zoo.train.TrainingRun;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.TensorFlow;

/**
 * Training throughput end to end: the examples per second of {@code attentiondrop train}'s training
 * loop against the same model in Keras {@code model.fit}, same data, batch size, optimizer and
 * thread count, as ratios.
 *
 * <p>Each measurement is one child process. The TF Java side runs {@link TrainingRun#run}, the code
 * path of {@code attentiondrop train}, and takes the {@link EpochMetrics#examplesPerSecond} it
 * reports (and writes to {@code metrics.jsonl}) for the epochs after the first {@code
 * warmupEpochs}; the evaluation after each epoch is outside that time, as in the CLI. The Keras
 * side is {@code bench/python/train_keras.py}: the same architecture trained by {@code model.fit}
 * on the same examples (written by {@link #dump}), timed per epoch by a callback. Rounds alternate
 * the two sides (TF Java, Keras, TF Java, Keras, ...) so that a drifting machine load hits both;
 * the summary is the median of each side and the ratio of the medians, with the range of the
 * per-round ratios.
 *
 * <p>Models: {@code vit} ({@link ModelConfig#vit()} on {@code fashion-mnist-mini}: 28x28 images,
 * patch 7, d 64, 4 heads, 2 layers, MLP 128) and {@code text} ({@link ModelConfig#text()} on {@code
 * imdb-mini}: vocabulary 4000, 128 tokens, the same encoder, mean pooling), with the CLI's training
 * defaults (batch 64, AdamW lr 0.002 with weight decay 0.01, 10% warmup then cosine decay, global
 * gradient-norm clip 1). Variants: {@code none} (plain attention), {@code dropout} (attention
 * dropout 0.1; Keras: {@code MultiHeadAttention(dropout=0.1)}) and {@code hard_mask} ({@code
 * hard_mask:k=4,p=0.1}, the CLI's default regularizer; Keras: the same math in TF ops).
 */
public final class TrainThroughput {
  /** The models measured. */
  public static final List<String> MODELS = List.of("vit", "text");

  /** The attention variants measured. */
  public static final List<String> VARIANTS = List.of("none", "dropout", "hard_mask");

  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainThroughput() {}

  /**
   * What one bench run measures.
   *
   * @param models subset of {@link #MODELS}
   * @param variants subset of {@link #VARIANTS}
   * @param rounds alternating (TF Java, Keras) pairs of child processes per model and variant
   * @param warmupEpochs untimed epochs at the start of every child (graph building, tracing)
   * @param epochs timed epochs after them
   * @param batch batch size
   * @param threads intra-op = inter-op = OMP threads of both sides
   * @param tiny a tiny model (d 16, 2 heads, 1 layer, MLP 32) on 128 training examples, for tests
   * @param python the interpreter of the Keras side, or null to measure TF Java only
   * @param script {@code bench/python/train_keras.py}
   */
  public record Settings(
      List<String> models,
      List<String> variants,
      int rounds,
      int warmupEpochs,
      int epochs,
      int batch,
      int threads,
      boolean tiny,
      Path python,
      Path script) {
    /**
     * Validates the settings.
     *
     * @param models subset of {@link #MODELS}
     * @param variants subset of {@link #VARIANTS}
     * @param rounds pairs of child processes, {@code >= 1}
     * @param warmupEpochs untimed epochs, {@code >= 1}
     * @param epochs timed epochs, {@code >= 1}
     * @param batch batch size, {@code >= 1}
     * @param threads thread count, {@code >= 1}
     * @param tiny the tiny test model
     * @param python the Keras side's interpreter, or null
     * @param script the Keras side's script
     */
    public Settings {
      for (String m : models) {
        if (!MODELS.contains(m)) {
          throw new IllegalArgumentException("unknown model '" + m + "'; allowed: " + MODELS);
        }
      }
      for (String v : variants) {
        if (!VARIANTS.contains(v)) {
          throw new IllegalArgumentException("unknown variant '" + v + "'; allowed: " + VARIANTS);
        }
      }
      Checks.inRange("rounds", rounds, 1, 1000);
      Checks.inRange("warmup epochs", warmupEpochs, 1, 1000);
      Checks.inRange("epochs", epochs, 1, 1000);
      Checks.inRange("batch", batch, 1, 1 << 16);
      Checks.inRange("threads", threads, 1, 1024);
      models = List.copyOf(models);
      variants = List.copyOf(variants);
    }

    /**
     * The settings of the committed measurement: both models, every variant, 3 rounds of 2 warmup
     * and 5 timed epochs, batch 64, 2 threads.
     *
     * @param python the Keras side's interpreter, or null
     * @param script {@code bench/python/train_keras.py}
     * @return the settings
     */
    public static Settings defaults(Path python, Path script) {
      return new Settings(MODELS, VARIANTS, 3, 2, 5, 64, 2, false, python, script);
    }
  }

  /**
   * The dataset a model trains on: the CLI's embedded subsets.
   *
   * @param model {@code vit} or {@code text}
   * @return {@code fashion-mnist-mini} or {@code imdb-mini}
   */
  public static String dataset(String model) {
    return model.equals("vit") ? "fashion-mnist-mini" : "imdb-mini";
  }

  /**
   * The regularizer flag of a variant, as {@code attentiondrop train -r} takes it.
   *
   * @param variant one of {@link #VARIANTS}
   * @return the flag, or null for {@code none}
   */
  public static String regularizer(String variant) {
    return switch (variant) {
      case "none" -> null;
      case "dropout" -> "dropout:rate=0.1";
      case "hard_mask" -> "hard_mask:k=4,p=0.1";
      default -> throw new IllegalArgumentException("unknown variant '" + variant + "'");
    };
  }

  /**
   * The model {@code attentiondrop train --model MODEL -r REGULARIZER} builds (its size flags at
   * their defaults), or the tiny test model.
   *
   * @param model {@code vit} or {@code text}
   * @param variant one of {@link #VARIANTS}
   * @param tiny d 16, 2 heads, 1 layer, MLP 32 instead of the defaults
   * @return the config
   */
  public static ModelConfig modelConfig(String model, String variant, boolean tiny) {
    ModelConfig.Builder b =
        model.equals("vit")
            ? ModelConfig.vit().patchSize(7).imageSize(28).numClasses(10)
            : ModelConfig.text().maxLength(128).vocabularySize(4000).numClasses(2);
    String r = regularizer(variant);
    b.regularizers(r == null ? List.of() : List.of(RegularizerConfig.parse(r)));
    if (tiny) {
      b.modelDim(16).heads(2).layers(1).mlpDim(32);
    } else {
      b.modelDim(64).heads(4).layers(2).mlpDim(128);
    }
    return b.build();
  }

  /**
   * The training settings of {@code attentiondrop train} (AdamW lr 0.002, weight decay 0.01, 10%
   * warmup, cosine to 0, clip 1, seed 0) for {@code warmupEpochs + epochs} epochs, without the
   * attacks after training; evaluated on 50 test examples (untimed).
   *
   * @param model {@code vit} or {@code text}
   * @param s the settings
   * @return the config
   */
  public static TrainConfig trainConfig(String model, Settings s) {
    return TrainConfig.builder()
        .dataset(dataset(model))
        .epochs(s.warmupEpochs() + s.epochs())
        .batchSize(s.batch())
        .seed(0)
        .optimizer(
            OptimizerConfig.builder()
                .kind(OptimizerConfig.Kind.ADAMW)
                .learningRate(0.002)
                .weightDecay(0.01)
                .build())
        .warmupFraction(0.1)
        .minLrRatio(0.0)
        .clipNorm(1.0)
        .trainLimit(s.tiny() ? 128 : 0)
        .robustness(null)
        .evaluation(TrainConfig.Evaluation.TEST)
        .testLimit(50)
        .build();
  }

  /**
   * Writes the training examples of {@code model} for the Keras side: {@code meta.json} (model
   * config, variant, training settings), {@code x.bin} (float32 pixels or int32 token ids,
   * little-endian, example-major) and {@code y.bin} (int32 labels).
   *
   * @param model {@code vit} or {@code text}
   * @param variant one of {@link #VARIANTS}
   * @param s the settings
   * @param dir the directory written (created)
   * @throws IOException if it cannot be written or the data cannot be read
   */
  public static void dump(String model, String variant, Settings s, Path dir) throws IOException {
    ModelConfig mc = modelConfig(model, variant, s.tiny());
    TrainConfig tc = trainConfig(model, s);
    Examples train = TrainingRun.load(mc, tc).train();
    Files.createDirectories(dir);
    ByteBuffer x =
        ByteBuffer.allocate(4 * (train.images() ? train.pixels().length : train.ids().length))
            .order(ByteOrder.LITTLE_ENDIAN);
    if (train.images()) {
      x.asFloatBuffer().put(train.pixels());
    } else {
      x.asIntBuffer().put(train.ids());
    }
    Files.write(dir.resolve("x.bin"), x.array());
    ByteBuffer y = ByteBuffer.allocate(4 * train.n()).order(ByteOrder.LITTLE_ENDIAN);
    y.asIntBuffer().put(train.labels());
    Files.write(dir.resolve("y.bin"), y.array());
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("model", JSON.readValue(Json.write(mc), Map.class));
    meta.put("variant", variant);
    meta.put(
        "regularizer_params",
        mc.regularizers().isEmpty() ? Map.of() : mc.regularizers().get(0).params());
    meta.put("images", train.images());
    meta.put("n", train.n());
    meta.put("input_shape", train.inputShape());
    OptimizerConfig o = tc.optimizer();
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("batch_size", tc.batchSize());
    t.put("learning_rate", o.learningRate());
    t.put("weight_decay", o.weightDecay());
    t.put("beta1", o.beta1());
    t.put("beta2", o.beta2());
    t.put("epsilon", o.epsilon());
    t.put("clip_norm", tc.clipNorm());
    t.put("warmup_fraction", tc.warmupFraction());
    t.put("seed", tc.seed());
    meta.put("train", t);
    Files.writeString(dir.resolve("meta.json"), JSON.writeValueAsString(meta));
  }

  /**
   * The TF Java side, in this process: {@link TrainingRun#run} (what {@code attentiondrop train}
   * runs) into a temporary run directory, deleted afterwards.
   *
   * @param model {@code vit} or {@code text}
   * @param variant one of {@link #VARIANTS}
   * @param s the settings
   * @return the record: {@code examples_per_second} over the timed epochs, each epoch's figure, the
   *     median step time and more
   * @throws IOException if the data cannot be read or the run directory written
   */
  public static Map<String, Object> runJava(String model, String variant, Settings s)
      throws IOException {
    ModelConfig mc = modelConfig(model, variant, s.tiny());
    TrainConfig tc = trainConfig(model, s);
    Path dir = Files.createTempDirectory("train-throughput");
    List<Double> stepMs = new ArrayList<>();
    TrainingListener clock =
        new TrainingListener() {
          long last;

          @Override
          public void onEpochBegin(int epoch, int epochs, int steps) {
            last = System.nanoTime();
          }

          @Override
          public void onBatchEnd(BatchEnd b) {
            long now = System.nanoTime();
            if (b.epoch() > s.warmupEpochs()) {
              stepMs.add((now - last) / 1e6);
            }
            last = now;
          }
        };
    long t0 = System.nanoTime();
    TrainingRun.Result result;
    try {
      result =
          TrainingRun.run(
              mc, tc, dir.resolve("run"), TrainingRun.Options.quiet().withListeners(clock));
    } finally {
      RunDirectory.deleteRecursively(dir);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    List<EpochMetrics> epochs = result.epochs();
    List<EpochMetrics> timed = epochs.subList(s.warmupEpochs(), epochs.size());
    double seconds = timed.stream().mapToDouble(EpochMetrics::epochSeconds).sum();
    int n = (int) Math.round(epochs.get(0).examplesPerSecond() * epochs.get(0).epochSeconds());
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("side", "tf-java");
    r.put("model", model);
    r.put("variant", variant);
    r.put("n", n);
    r.put("batch", s.batch());
    r.put("warmup_epochs", s.warmupEpochs());
    r.put("epochs", s.epochs());
    r.put("examples_per_second", n * timed.size() / seconds);
    r.put(
        "epoch_examples_per_second", timed.stream().map(EpochMetrics::examplesPerSecond).toList());
    r.put("first_epoch_s", epochs.get(0).epochSeconds());
    r.put("step_ms_median", median(stepMs));
    r.put("final_loss", epochs.get(epochs.size() - 1).trainLoss());
    r.put("wall_s", wall);
    r.put("threads", s.threads());
    r.put("version", "tensorflow-java (TF " + TensorFlow.version() + ")");
    return r;
  }

  /**
   * Runs every model and variant: {@code rounds} alternating pairs of child processes (TF Java,
   * then Keras), prints each child's record and then each summary as one JSON line to {@code out}.
   *
   * @param s the settings
   * @param out where the JSON lines go
   * @param log where notes and failing children's errors go
   * @return every record printed, runs then summaries
   * @throws IOException if a child cannot be started or the data cannot be written
   * @throws InterruptedException if interrupted while waiting for a child
   */
  public static List<Map<String, Object>> run(Settings s, PrintStream out, PrintStream log)
      throws IOException, InterruptedException {
    List<Map<String, Object>> all = new ArrayList<>();
    if (s.python() == null) {
      log.println("note: no Python interpreter: the Keras side is skipped");
    }
    Path data = Files.createTempDirectory("train-throughput-data");
    try {
      for (String model : s.models()) {
        for (String variant : s.variants()) {
          Path dir = data.resolve(model + "-" + variant);
          if (s.python() != null) {
            dump(model, variant, s, dir);
          }
          List<Map<String, Object>> java = new ArrayList<>();
          List<Map<String, Object>> keras = new ArrayList<>();
          for (int round = 1; round <= s.rounds(); round++) {
            for (String side :
                s.python() == null ? List.of("tf-java") : List.of("tf-java", "keras")) {
              Map<String, Object> r =
                  side.equals("tf-java")
                      ? child(javaCommand(model, variant, s), s.threads(), log)
                      : runKeras(dir, s, log);
              if (r == null) {
                continue;
              }
              r.put("round", round);
              r.put("load_1min", load());
              (side.equals("tf-java") ? java : keras).add(r);
              all.add(r);
              out.println(JSON.writeValueAsString(r));
              out.flush();
            }
          }
          Map<String, Object> summary = summary(model, variant, java, keras);
          all.add(summary);
          out.println(JSON.writeValueAsString(summary));
          out.flush();
        }
      }
    } finally {
      RunDirectory.deleteRecursively(data);
    }
    return all;
  }

  /**
   * The summary of one model and variant: each side's median examples per second, their ratio (TF
   * Java / Keras, above 1: TF Java is faster) and the range of the per-round ratios.
   *
   * @param model the model
   * @param variant the variant
   * @param java the TF Java records
   * @param keras the Keras records, in the same rounds (may be empty)
   * @return the summary record
   */
  static Map<String, Object> summary(
      String model,
      String variant,
      List<Map<String, Object>> java,
      List<Map<String, Object>> keras) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("side", "summary");
    r.put("model", model);
    r.put("variant", variant);
    Double j = median(java.stream().map(TrainThroughput::exs).toList());
    Double k = median(keras.stream().map(TrainThroughput::exs).toList());
    r.put("tf_java_examples_per_second", j);
    r.put("keras_examples_per_second", k);
    r.put("ratio", j == null || k == null ? null : j / k);
    List<Double> ratios = new ArrayList<>();
    for (Map<String, Object> a : java) {
      for (Map<String, Object> b : keras) {
        if (a.get("round").equals(b.get("round"))) {
          ratios.add(exs(a) / exs(b));
        }
      }
    }
    r.put("ratio_min", ratios.stream().min(Comparator.naturalOrder()).orElse(null));
    r.put("ratio_max", ratios.stream().max(Comparator.naturalOrder()).orElse(null));
    r.put("tf_java_runs", java.size());
    r.put("keras_runs", keras.size());
    r.put(
        "tf_java_step_ms_median",
        median(java.stream().map(m -> ((Number) m.get("step_ms_median")).doubleValue()).toList()));
    r.put(
        "keras_step_ms_median",
        median(
            keras.stream()
                .filter(m -> m.get("step_ms_median") != null)
                .map(m -> ((Number) m.get("step_ms_median")).doubleValue())
                .toList()));
    return r;
  }

  private static double exs(Map<String, Object> r) {
    return ((Number) r.get("examples_per_second")).doubleValue();
  }

  static Double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return null;
    }
    double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int m = a.length / 2;
    return a.length % 2 == 1 ? a[m] : (a[m - 1] + a[m]) / 2;
  }

  private static List<String> javaCommand(String model, String variant, Settings s) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx2g");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(TrainThroughput.class.getName());
    cmd.addAll(
        List.of(
            "--child",
            model,
            variant,
            Integer.toString(s.warmupEpochs()),
            Integer.toString(s.epochs()),
            Integer.toString(s.batch()),
            Integer.toString(s.threads()),
            Boolean.toString(s.tiny())));
    return cmd;
  }

  /**
   * The Keras side: {@code train_keras.py} in a child process on the examples {@link #dump} wrote.
   *
   * @param dir the directory {@link #dump} wrote
   * @param s the settings (with {@code python} and {@code script} set)
   * @param log where a failing child's error goes
   * @return the child's record, or null when it failed (with a note in {@code log})
   * @throws IOException if the child cannot be started
   * @throws InterruptedException if interrupted while waiting for it
   */
  public static Map<String, Object> runKeras(Path dir, Settings s, PrintStream log)
      throws IOException, InterruptedException {
    Checks.notNull("python", s.python());
    return child(kerasCommand(dir, s), s.threads(), log);
  }

  private static List<String> kerasCommand(Path dir, Settings s) {
    return List.of(
        s.python().toString(),
        s.script().toString(),
        "--data",
        dir.toString(),
        "--warmup-epochs",
        Integer.toString(s.warmupEpochs()),
        "--epochs",
        Integer.toString(s.epochs()),
        "--threads",
        Integer.toString(s.threads()));
  }

  /** Runs a child with the thread variables set; its RESULT record, or null with a note. */
  private static Map<String, Object> child(List<String> cmd, int threads, PrintStream log)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Measure.threadEnvironment(pb.environment(), threads);
    ChildRun run = ChildRun.run(pb);
    if (run.exitCode() != 0 || run.results().isEmpty()) {
      log.println("note: child failed (exit " + run.exitCode() + "): " + String.join(" ", cmd));
      run.stderrTail().forEach(l -> log.println("  | " + l));
      return null;
    }
    Map<String, Object> rec = run.results().get(run.results().size() - 1);
    return rec;
  }

  /** The 1-minute load average, or -1 where unknown. */
  static double load() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * The TF Java child: {@code --child MODEL VARIANT WARMUP_EPOCHS EPOCHS BATCH THREADS TINY};
   * prints {@code RESULT {json}} of {@link #runJava}.
   *
   * @param args the arguments above
   * @throws IOException if the data cannot be read
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 8 || !args[0].equals("--child")) {
      throw new IllegalArgumentException(
          "usage: TrainThroughput --child MODEL VARIANT WARMUP_EPOCHS EPOCHS BATCH THREADS TINY;"
              + " got "
              + Arrays.toString(args)
              + " (run the bench with `attentiondrop bench --train-throughput`)");
    }
    Settings s =
        new Settings(
            List.of(args[1]),
            List.of(args[2]),
            1,
            Integer.parseInt(args[3]),
            Integer.parseInt(args[4]),
            Integer.parseInt(args[5]),
            Integer.parseInt(args[6]),
            Boolean.parseBoolean(args[7]),
            null,
            null);
    Map<String, Object> r = runJava(args[1], args[2], s);
    PrintStream out = System.out;
    out.println("RESULT " + JSON.writeValueAsString(r));
    out.flush();
  }
}
