package dev.attentiondrop.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attentiondrop.bench.BenchModels;
import dev.attentiondrop.bench.Charts;
import dev.attentiondrop.bench.ChildRun;
import dev.attentiondrop.bench.Measure;
import dev.attentiondrop.bench.profile.OpProfileRun;
import dev.attentiondrop.bench.train.TrainThroughput;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.kernels.FusedKernels;
import dev.attentiondrop.ops.xla.AutoClustering;
import dev.attentiondrop.ops.xla.XlaMode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tensorflow.TensorFlow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attentiondrop bench}: the time of one training step (forward, backward, Adam) per
 * regularizer, against plain attention dropout, in TF Java (XLA off and on), Python TF/Keras and
 * PyTorch. Every measurement group runs in a child process (one per runtime, model, XLA mode and
 * sequence length), so XLA auto-clustering can be switched per group and the peak RSS is that
 * group's. The harness is explicit, not JMH: {@code warmup} untimed steps, then the median of
 * {@code reps} timed steps; the peak RSS ({@code VmHWM}) is reset before each variant is built.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Times one training step (forward, backward, Adam update) of a transformer block (d_model 64, "
            + "4 heads, FFN 128) and of the small ViT, for plain attention dropout and every regularizer, with XLA off and "
            + "on, in TF Java, Python TF/Keras and PyTorch side by side (child processes, same thread count). Prints "
            + "medians, ratios against plain measured in the same group, peak RSS and the achieved GFLOP/s of the "
            + "attention matmuls. See docs/performance.md.")
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--profile",
      defaultValue = "default",
      description =
          "tiny (a smoke test), quick (T=128 and 512, 4 variants, a few minutes) or default (everything). Default: ${DEFAULT-VALUE}")
  String profile;

  @Option(
      names = "--format",
      defaultValue = "text",
      description = "text or json (one JSON object per line per measurement)")
  String format;

  @Option(
      names = "--runtimes",
      split = ",",
      description = "subset of tf-java, tf-python, torch (profile default)")
  List<String> runtimes;

  @Option(names = "--models", split = ",", description = "subset of block, vit (profile default)")
  List<String> models;

  @Option(
      names = "--variants",
      split = ",",
      description =
          "subset of "
              + "plain, hard_mask, hard_mask_neg_inf, blur, dropkey, drophead, dropattention, relaxed, consistency")
  List<String> variants;

  @Option(
      names = "--seq-lens",
      split = ",",
      description = "sequence lengths of the block (profile default)")
  List<Integer> seqLens;

  @Option(
      names = "--xla",
      split = ",",
      description = "subset of NONE, COMPILED_FUNCTION, AUTO_CLUSTERING (profile default)")
  List<String> xla;

  @Option(names = "--batch", description = "batch size (profile default)")
  Integer batch;

  @Option(names = "--reps", description = "timed steps per measurement (profile default)")
  Integer reps;

  @Option(names = "--warmup", description = "untimed steps before timing (profile default)")
  Integer warmup;

  @Option(
      names = "--budget-ms",
      description =
          "time at most this many ms of steps per measurement, but at least 3 steps "
              + "(the first timed step decides; profile default: quick/tiny unlimited, default 3000)")
  Double budgetMs;

  @Option(
      names = "--threads",
      defaultValue = "2",
      description = "intra-op = inter-op = OMP/MKL threads. Default: ${DEFAULT-VALUE}")
  int threads;

  @Option(names = "--output", description = "also write the JSON lines to this file")
  Path output;

  @Option(names = "--chart-dir", description = "write bench_ratio.png and bench_ms_vs_t.png here")
  Path chartDir;

  @Option(
      names = "--repo",
      description = "repository root (holds bench/python); default: found from the classes")
  Path repo;

  @Option(
      names = "--paired",
      description =
          "TF Java only: time plain and each variant alternately, step by step, in "
              + "one process, and report the median of the per-pair ratios with a distribution-free 95%% CI (paired_ratio, "
              + "paired_ratio_lo/hi): robust to load drifting during a run. Use many --reps (30+).")
  boolean paired;

  @Option(
      names = "--kernels",
      defaultValue = "auto",
      description =
          "TF Java: the regularizers' fused CPU kernels: auto (where the library loads), stock "
              + "(stock ops only) or fused. Default: ${DEFAULT-VALUE}")
  String kernels;

  @Option(
      names = "--train-throughput",
      description =
          "Instead: examples/s of `attentiondrop train`'s training loop (vit on fashion-mnist-mini, "
              + "text on imdb-mini) against the same model in Keras model.fit, in alternating child "
              + "processes, as JSON lines with the ratio TF Java / Keras. Takes --models (vit, text), "
              + "--variants (none, dropout, hard_mask), --reps (rounds, default 3), --warmup (untimed "
              + "epochs, default 2), --train-epochs, --batch (default 64), --threads, --output; "
              + "--profile tiny: a tiny model, one round. See docs/performance-train.md.")
  boolean trainThroughput;

  @Option(
      names = "--train-epochs",
      description = "--train-throughput: timed epochs per child (default 5; tiny 1)")
  Integer trainEpochs;

  @Option(names = "--child", hidden = true, description = "run one group in this process")
  boolean child;

  @Option(
      names = "--op-profile",
      description =
          "instead of timing: a per-kernel profile (FULL_TRACE step stats) of the block step in TF Java, of "
              + "the same GraphDef and of the Keras form in Python TF, plus session-config knobs, written to this "
              + "JSON file (and a .md beside it); honours --variants, --seq-lens, --batch, --threads, --warmup, "
              + "--reps (traced steps). See docs/performance-profile.md.")
  Path opProfile;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The settings a profile fills in. */
  record Plan(
      List<String> runtimes,
      List<String> models,
      List<String> variants,
      List<Integer> seqLens,
      List<String> xla,
      int batch,
      int reps,
      int warmup,
      double budgetMs) {}

  Plan plan() {
    Plan p =
        switch (profile) {
          case "tiny" ->
              new Plan(
                  List.of("tf-java"),
                  List.of("block"),
                  List.of("plain"),
                  List.of(16),
                  List.of("NONE"),
                  2,
                  2,
                  1,
                  0);
          case "quick" ->
              new Plan(
                  List.of("tf-java", "tf-python", "torch"),
                  List.of("block", "vit"),
                  List.of("plain", "hard_mask", "blur", "consistency"),
                  List.of(128, 512),
                  List.of("NONE", "COMPILED_FUNCTION"),
                  8,
                  5,
                  2,
                  0);
          case "default" ->
              new Plan(
                  List.of("tf-java", "tf-python", "torch"),
                  List.of("block", "vit"),
                  BenchModels.VARIANTS,
                  List.of(64, 128, 256, 512, 1024),
                  List.of("NONE", "COMPILED_FUNCTION", "AUTO_CLUSTERING"),
                  4,
                  5,
                  1,
                  0);
          default ->
              throw new IllegalArgumentException(
                  "unknown profile '" + profile + "'; allowed: tiny, quick, default");
        };
    List<String> vs = variants != null ? variants : p.variants();
    for (String v : vs) {
      BenchModels.regularizers(v); // validates
    }
    List<String> xs = new ArrayList<>();
    for (String x : xla != null ? xla : p.xla()) {
      try {
        xs.add(XlaMode.valueOf(x.toUpperCase(Locale.ROOT)).name());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--xla must be one of " + Arrays.toString(XlaMode.values()) + ", got '" + x + "'");
      }
    }
    List<String> rs = runtimes != null ? runtimes : p.runtimes();
    for (String r : rs) {
      if (!List.of("tf-java", "tf-python", "torch").contains(r)) {
        throw new IllegalArgumentException(
            "unknown runtime '" + r + "'; allowed: tf-java, tf-python, torch");
      }
    }
    List<String> ms = models != null ? models : p.models();
    for (String m : ms) {
      if (!List.of("block", "vit").contains(m)) {
        throw new IllegalArgumentException("unknown model '" + m + "'; allowed: block, vit");
      }
    }
    List<Integer> ts = seqLens != null ? seqLens : p.seqLens();
    for (int t : ts) {
      Checks.inRange("--seq-lens", t, 1, 1 << 16);
    }
    if (batch != null) {
      Checks.inRange("--batch", batch, 1, 1 << 16);
    }
    if (reps != null) {
      Checks.inRange("--reps", reps, 1, 1_000_000);
    }
    if (warmup != null) {
      Checks.inRange("--warmup", warmup, 0, 1_000_000);
    }
    if (budgetMs != null && !(budgetMs > 0)) {
      throw new IllegalArgumentException("--budget-ms must be in (0, +inf], got " + budgetMs);
    }
    Checks.inRange("--threads", threads, 1, 1024);
    if (!List.of("auto", "stock", "fused").contains(kernels)) {
      throw new IllegalArgumentException("--kernels " + kernels + ": allowed: auto, stock, fused");
    }
    return new Plan(
        rs,
        ms,
        vs,
        ts,
        xs,
        batch != null ? batch : p.batch(),
        reps != null ? reps : p.reps(),
        warmup != null ? warmup : p.warmup(),
        budgetMs != null ? budgetMs : profile.equals("default") ? 3000 : Double.POSITIVE_INFINITY);
  }

  @Override
  public Integer call() throws Exception {
    if (opProfile != null) {
      Path root = repo != null ? repo : findRepo();
      OpProfileRun.run(
          new OpProfileRun.Options(
              opProfile,
              variants != null ? variants : List.of("plain", "hard_mask", "blur"),
              seqLens != null ? seqLens : List.of(128, 512),
              batch != null ? batch : 8,
              threads,
              warmup != null ? warmup : 5,
              reps != null ? reps : 10,
              20,
              2,
              python("tf-python", root),
              root),
          System.err);
      return 0;
    }
    if (trainThroughput) {
      return trainThroughput();
    }
    Plan plan = plan();
    if (child) {
      runChild(plan);
      return 0;
    }
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException("format must be text or json, got '" + format + "'");
    }
    PrintStream out = System.out;
    PrintStream log = System.err;
    double peakGflops = peakGflops();
    List<Map<String, Object>> all = new ArrayList<>();
    if (output != null && output.getParent() != null) {
      Files.createDirectories(output.getParent());
    }
    if (output != null) {
      Files.writeString(output, "");
    }
    if (format.equals("text")) {
      out.printf(
          "attentiondrop bench: profile %s, batch %d, %d warmup + median of %d steps, %d threads, %s%n",
          profile, plan.batch(), plan.warmup(), plan.reps(), threads, Instant.now());
      out.println(
          "vs_plain: against plain of the same runtime, XLA mode and T; vs_plain0: against plain with XLA off");
      out.printf("peak fp32 estimate %.1f GFLOP/s (%s)%n", peakGflops, peakDescription());
      out.printf(
          "%-9s %-5s %-17s %5s %4s %-17s %10s %8s %10s %9s %9s%n",
          "runtime",
          "model",
          "variant",
          "T",
          "B",
          "xla",
          "median_ms",
          "vs_plain",
          "vs_plain0",
          "peak_MB",
          "attn_GF/s");
    }
    Path root = repo != null ? repo : findRepo();
    for (String runtime : plan.runtimes()) {
      for (String model : plan.models()) {
        if (!runtime.equals("tf-java") && (model.equals("vit") || paired)) {
          continue; // the Python scripts time the block, unpaired
        }
        List<Integer> lens =
            model.equals("vit") ? List.of(BenchModels.vitLength()) : plan.seqLens();
        List<String> modes = runtime.equals("tf-java") ? plan.xla() : List.of("NONE");
        for (String mode : modes) {
          for (int t : lens) {
            List<String> command = childCommand(runtime, model, mode, t, plan, root);
            if (command == null) {
              continue;
            }
            List<Map<String, Object>> group = runGroup(command, runtime, mode, log);
            finish(group, peakGflops);
            againstPlainNone(group, all);
            for (Map<String, Object> r : group) {
              all.add(r);
              String line = JSON.writeValueAsString(r);
              if (output != null) {
                Files.writeString(output, line + "\n", StandardOpenOption.APPEND);
              }
              if (format.equals("json")) {
                out.println(line);
              } else if (r.get("median_ms") == null) {
                out.printf(
                    "%-9s %-5s %-17s %5s %4s %-17s FAILED: %s%n",
                    r.get("runtime"),
                    r.get("model"),
                    r.get("variant"),
                    r.get("seq_len"),
                    r.get("batch"),
                    r.get("xla"),
                    r.get("error"));
              } else if (r.get("paired_ratio") != null) {
                out.printf(
                    Locale.ROOT,
                    "%-9s %-5s %-17s %5d %4d %-17s %10.2f paired ratio %.3f (95%% CI %.3f-%.3f, %d pairs)%n",
                    r.get("runtime"),
                    r.get("model"),
                    r.get("variant"),
                    r.get("seq_len"),
                    r.get("batch"),
                    r.get("xla"),
                    (Double) r.get("median_ms"),
                    (Double) r.get("paired_ratio"),
                    (Double) r.get("paired_ratio_lo"),
                    (Double) r.get("paired_ratio_hi"),
                    (Integer) r.get("reps"));
              } else {
                out.printf(
                    Locale.ROOT,
                    "%-9s %-5s %-17s %5d %4d %-17s %10.2f %8s %10s %9.0f %9.2f%n",
                    r.get("runtime"),
                    r.get("model"),
                    r.get("variant"),
                    r.get("seq_len"),
                    r.get("batch"),
                    r.get("xla"),
                    (Double) r.get("median_ms"),
                    r.get("ratio_vs_plain") == null
                        ? "-"
                        : String.format(Locale.ROOT, "%.3f", r.get("ratio_vs_plain")),
                    r.get("ratio_vs_plain_none") == null
                        ? "-"
                        : String.format(Locale.ROOT, "%.3f", r.get("ratio_vs_plain_none")),
                    (Double) r.get("peak_rss_mb"),
                    (Double) r.get("attn_gflops"));
              }
              out.flush();
            }
          }
        }
      }
    }
    if (format.equals("text")) {
      crossRuntimeSummary(all, out);
    }
    if (chartDir != null) {
      for (Path p : Charts.write(all, chartDir)) {
        log.println("wrote " + p);
      }
    }
    return 0;
  }

  /** {@code --train-throughput}: see {@link TrainThroughput}. */
  private int trainThroughput() throws IOException, InterruptedException {
    boolean tiny = profile.equals("tiny");
    Path root = repo != null ? repo : findRepo();
    String py = python("tf-python", root);
    TrainThroughput.Settings s =
        new TrainThroughput.Settings(
            models != null ? models : TrainThroughput.MODELS,
            variants != null ? variants : TrainThroughput.VARIANTS,
            reps != null ? reps : tiny ? 1 : 3,
            warmup != null ? warmup : tiny ? 1 : 2,
            trainEpochs != null ? trainEpochs : tiny ? 1 : 5,
            batch != null ? batch : tiny ? 32 : 64,
            threads,
            tiny,
            py == null ? null : Path.of(py),
            root.resolve("bench/python/train_keras.py"));
    List<Map<String, Object>> records = TrainThroughput.run(s, System.out, System.err);
    if (output != null) {
      if (output.getParent() != null) {
        Files.createDirectories(output.getParent());
      }
      List<String> lines = new ArrayList<>();
      for (Map<String, Object> r : records) {
        lines.add(JSON.writeValueAsString(r));
      }
      Files.write(output, lines);
    }
    return 0;
  }

  /**
   * {@code ratio_vs_plain_none}: against plain of the same runtime, model, length and batch with
   * XLA off (the groups with XLA off run first), so a variant in its best formulation can be
   * compared with the plain default.
   */
  static void againstPlainNone(List<Map<String, Object>> group, List<Map<String, Object>> earlier) {
    List<Map<String, Object>> pool = new ArrayList<>(earlier);
    pool.addAll(group);
    for (Map<String, Object> r : group) {
      Double plain = null;
      for (Map<String, Object> p : pool) {
        if ("plain".equals(p.get("variant"))
            && "NONE".equals(p.get("xla"))
            && p.get("median_ms") != null
            && p.get("runtime").equals(r.get("runtime"))
            && p.get("model").equals(r.get("model"))
            && p.get("seq_len").equals(r.get("seq_len"))
            && p.get("batch").equals(r.get("batch"))) {
          plain = ((Number) p.get("median_ms")).doubleValue();
        }
      }
      r.put(
          "ratio_vs_plain_none",
          plain == null || r.get("median_ms") == null
              ? null
              : ((Number) r.get("median_ms")).doubleValue() / plain);
    }
  }

  /** Ratios against plain of the same group, attention FLOPs and GFLOP/s. */
  static void finish(List<Map<String, Object>> group, double peakGflops) {
    Double plain = null;
    for (Map<String, Object> r : group) {
      if ("plain".equals(r.get("variant")) && r.get("median_ms") != null) {
        plain = ((Number) r.get("median_ms")).doubleValue();
      }
    }
    for (Map<String, Object> r : group) {
      if (r.get("median_ms") == null) {
        r.put("ratio_vs_plain", null);
        continue;
      }
      double ms = ((Number) r.get("median_ms")).doubleValue();
      r.put("ratio_vs_plain", plain == null ? null : ms / plain);
      int b = ((Number) r.get("batch")).intValue();
      int t = ((Number) r.get("seq_len")).intValue();
      int layers = ((Number) r.get("layers")).intValue();
      int passes = BenchModels.passes((String) r.get("variant"));
      double dk = BenchModels.D_MODEL / (double) BenchModels.HEADS;
      // QK^T and AV: 2*B*H*T*T*d each; forward + backward = 3x forward
      double flop = 3 * 2 * (2.0 * b * passes * BenchModels.HEADS * t * t * dk) * layers;
      r.put("attn_gflop", flop / 1e9);
      r.put("attn_gflops", flop / 1e9 / (ms / 1e3));
      r.put("peak_gflops_est", peakGflops);
    }
  }

  List<String> childCommand(String runtime, String model, String mode, int t, Plan plan, Path root)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    String vs = String.join(",", plan.variants());
    if (runtime.equals("tf-java")) {
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xmx4g");
      cmd.add("-D" + FusedKernels.MODE_PROPERTY + "=" + kernels);
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(Main.class.getName());
      cmd.addAll(
          List.of(
              "bench",
              "--child",
              "--models",
              model,
              "--xla",
              mode,
              "--seq-lens",
              Integer.toString(t),
              "--variants",
              vs,
              "--batch",
              Integer.toString(plan.batch()),
              "--reps",
              Integer.toString(plan.reps()),
              "--warmup",
              Integer.toString(plan.warmup()),
              "--threads",
              Integer.toString(threads),
              "--profile",
              profile,
              "--budget-ms",
              Double.toString(plan.budgetMs())));
      if (paired) {
        cmd.add("--paired");
      }
      return cmd;
    }
    String python = python(runtime, root);
    if (python == null) {
      return null;
    }
    cmd.add(python);
    cmd.add(
        root.resolve("bench/python/" + (runtime.equals("torch") ? "bench_torch.py" : "bench_tf.py"))
            .toString());
    cmd.addAll(
        List.of(
            "--seq-len",
            Integer.toString(t),
            "--variants",
            vs,
            "--batch",
            Integer.toString(plan.batch()),
            "--reps",
            Integer.toString(plan.reps()),
            "--warmup",
            Integer.toString(plan.warmup()),
            "--threads",
            Integer.toString(threads),
            "--budget-ms",
            Double.toString(plan.budgetMs())));
    return cmd;
  }

  private final Map<String, String> pythons = new LinkedHashMap<>();

  /** The interpreter of a Python runtime (creating its cached venv once), or null with a note. */
  String python(String runtime, Path root) throws IOException, InterruptedException {
    if (pythons.containsKey(runtime)) {
      return pythons.get(runtime);
    }
    Path script =
        runtime.equals("torch")
            ? root.resolve("bench/python/torch_env.sh")
            : root.resolve("tests/python/env.sh");
    String python = null;
    if (Files.exists(script)) {
      Process p =
          new ProcessBuilder("bash", script.toString())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() == 0 && !text.isEmpty()) {
        python = text.lines().reduce((a, b) -> b).orElse(null);
      }
    }
    if (python == null) {
      System.err.println(
          "note: "
              + runtime
              + " skipped: "
              + script
              + " did not give a python interpreter"
              + (runtime.equals("torch") ? " (torch could not be installed)" : ""));
    }
    pythons.put(runtime, python);
    return python;
  }

  /** Runs one child; returns its RESULT records (with runtime and xla filled in). */
  List<Map<String, Object>> runGroup(
      List<String> command, String runtime, String mode, PrintStream log)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env =
        AutoClustering.childEnvironment(System.getenv(), mode.equals("AUTO_CLUSTERING"));
    Measure.threadEnvironment(env, threads);
    pb.environment().clear();
    pb.environment().putAll(env);
    ChildRun run = ChildRun.run(pb);
    List<Map<String, Object>> records = new ArrayList<>();
    for (Map<String, Object> rec : run.results()) {
      rec.put("runtime", runtime);
      rec.put("xla", runtime.equals("tf-java") ? mode : "NONE");
      records.add(order(rec));
    }
    if (run.exitCode() != 0) {
      log.println(
          "note: child failed (exit "
              + run.exitCode()
              + "): "
              + String.join(
                  " ", command.subList(Math.max(0, command.size() - 16), command.size())));
      run.stderrTail().forEach(l -> log.println("  | " + l));
    }
    return records;
  }

  /** The record with the leading fields first. */
  static Map<String, Object> order(Map<String, Object> rec) {
    Map<String, Object> o = new LinkedHashMap<>();
    for (String k :
        List.of(
            "runtime",
            "model",
            "variant",
            "seq_len",
            "batch",
            "xla",
            "median_ms",
            "ratio_vs_plain",
            "peak_rss_mb")) {
      o.put(k, rec.get(k));
    }
    o.putAll(rec);
    return o;
  }

  /** Child side: one model, one XLA mode, one length, every variant. */
  void runChild(Plan plan) throws IOException {
    String model = plan.models().get(0);
    XlaMode mode = XlaMode.valueOf(plan.xla().get(0));
    int t = model.equals("vit") ? BenchModels.vitLength() : plan.seqLens().get(0);
    if (paired) {
      runPairedChild(plan, model, mode, t);
      return;
    }
    double base = Measure.rssMb();
    for (String variant : plan.variants()) {
      System.gc();
      boolean reset = Measure.resetPeakRss();
      long b0 = System.nanoTime();
      Map<String, Object> r = row(model, variant, t, plan);
      try (BenchModels.Stepper s = stepper(model, variant, mode, plan, t)) {
        double buildS = (System.nanoTime() - b0) / 1e9;
        Measure.Timing timing = Measure.time(s, plan.warmup(), plan.reps(), plan.budgetMs());
        r.put("median_ms", timing.median());
        r.put("min_ms", timing.min());
        r.put("max_ms", timing.max());
        r.put("reps", timing.reps());
        r.put("warmup", plan.warmup());
        r.put("peak_rss_mb", Measure.peakRssMb());
        r.put("peak_rss_scope", reset ? "variant" : "process");
        r.put("base_rss_mb", base);
        r.put("build_s", buildS);
        r.put("threads", threads);
        r.put("auto_clustering_active", AutoClustering.isActive());
        r.put("tf_version", TensorFlow.version());
        print(r);
      } catch (RuntimeException e) {
        printFailure(row(model, variant, t, plan), variant, e);
      }
    }
  }

  /** The identifying fields every result row starts with. */
  private static Map<String, Object> row(String model, String variant, int t, Plan plan) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model", model);
    r.put("variant", variant);
    r.put("seq_len", t);
    r.put("batch", plan.batch());
    r.put("layers", model.equals("vit") ? 2 : 1);
    String mode = System.getProperty(FusedKernels.MODE_PROPERTY, "auto");
    r.put("kernels", !mode.equals("stock") && FusedKernels.available() ? "fused" : "stock");
    return r;
  }

  private static void print(Map<String, Object> r) {
    try {
      System.out.println("RESULT " + JSON.writeValueAsString(r));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    System.out.flush();
  }

  /**
   * One failing variant (an op XLA cannot compile, say) must not lose the group: a row with the
   * error.
   */
  private static void printFailure(Map<String, Object> r, String variant, RuntimeException e) {
    String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString());
    r.put("median_ms", null);
    r.put("error", msg.length() > 300 ? msg.substring(0, 300) : msg);
    print(r);
    System.err.println(variant + ": " + e);
  }

  /**
   * Child side of {@code --paired}: plain stays built; each variant alternates with it step by
   * step.
   */
  void runPairedChild(Plan plan, String model, XlaMode mode, int t) {
    try (BenchModels.Stepper plain = stepper(model, "plain", mode, plan, t)) {
      long[] plainStep = {0};
      for (int i = 0; i < plan.warmup(); i++) {
        plain.step(plainStep[0]++);
      }
      for (String variant : plan.variants()) {
        if (variant.equals("plain")) {
          continue;
        }
        Map<String, Object> r = row(model, variant, t, plan);
        try (BenchModels.Stepper v = stepper(model, variant, mode, plan, t)) {
          Measure.Paired m = Measure.paired(plain, v, plainStep, plan.warmup(), plan.reps());
          r.put("median_ms", m.variantMedian());
          r.put("plain_median_ms", m.plainMedian());
          r.put("paired_ratio", m.ratio());
          r.put("paired_ratio_lo", m.lo());
          r.put("paired_ratio_hi", m.hi());
          r.put("reps", m.pairs());
          r.put("warmup", plan.warmup());
          r.put("threads", threads);
          print(r);
        } catch (RuntimeException e) {
          printFailure(r, variant, e);
        }
      }
    }
  }

  private BenchModels.Stepper stepper(
      String model, String variant, XlaMode mode, Plan plan, int t) {
    return model.equals("vit")
        ? BenchModels.vit(variant, mode, plan.batch())
        : BenchModels.block(variant, mode, plan.batch(), t, threads);
  }

  /** TF Java (best XLA mode and NONE) against Python TF and PyTorch, per variant and length. */
  static void crossRuntimeSummary(List<Map<String, Object>> all, PrintStream out) {
    Map<String, Map<String, Double>> byKey = new LinkedHashMap<>();
    for (Map<String, Object> r : all) {
      if (!"block".equals(r.get("model")) || r.get("median_ms") == null) {
        continue;
      }
      String key = r.get("variant") + " T=" + r.get("seq_len");
      String col = r.get("runtime") + "/" + r.get("xla");
      byKey
          .computeIfAbsent(key, k -> new LinkedHashMap<>())
          .put(col, ((Number) r.get("median_ms")).doubleValue());
    }
    if (byKey.isEmpty()) {
      return;
    }
    out.println();
    out.println(
        "block, cross-runtime (ms; java/tf, java/torch = best TF Java mode / other runtime, < 1: TF Java is faster)");
    out.printf(
        "%-26s %10s %10s %10s %10s %10s %9s %9s%n",
        "variant",
        "java/NONE",
        "java/COMP",
        "java/AUTO",
        "tf-python",
        "torch",
        "java/tf",
        "java/torch");
    for (var e : byKey.entrySet()) {
      Map<String, Double> m = e.getValue();
      Double j = null;
      for (String mode : List.of("NONE", "COMPILED_FUNCTION", "AUTO_CLUSTERING")) {
        Double v = m.get("tf-java/" + mode);
        if (v != null && (j == null || v < j)) {
          j = v;
        }
      }
      Double py = m.get("tf-python/NONE");
      Double to = m.get("torch/NONE");
      out.printf(
          Locale.ROOT,
          "%-26s %10s %10s %10s %10s %10s %9s %9s%n",
          e.getKey(),
          f(m.get("tf-java/NONE")),
          f(m.get("tf-java/COMPILED_FUNCTION")),
          f(m.get("tf-java/AUTO_CLUSTERING")),
          f(py),
          f(to),
          j == null || py == null ? "-" : f(j / py),
          j == null || to == null ? "-" : f(j / to));
    }
  }

  private static String f(Double d) {
    return d == null ? "-" : String.format(Locale.ROOT, "%.3f", d);
  }

  /**
   * The repository root: three levels above savedmodels/target/classes, else the working directory.
   */
  static Path findRepo() {
    try {
      Path p =
          Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path q = p; q != null; q = q.getParent()) {
        if (Files.isDirectory(q.resolve("bench/python"))) {
          return q;
        }
      }
    } catch (Exception e) {
      // fall through
    }
    for (Path q = Path.of("").toAbsolutePath(); q != null; q = q.getParent()) {
      if (Files.isDirectory(q.resolve("bench/python"))) {
        return q;
      }
    }
    return Path.of("").toAbsolutePath();
  }

  /**
   * An estimate of the machine's fp32 peak: cores x clock (from /proc/cpuinfo, MHz) x FLOPs per
   * cycle (32 with AVX2 and FMA: two 256-bit FMA units, 8 lanes x 2 FLOPs each; 16 otherwise).
   */
  static double peakGflops() {
    int cores = Runtime.getRuntime().availableProcessors();
    return cores * cpuMhz() / 1000.0 * flopsPerCycle();
  }

  static String peakDescription() {
    return String.format(
        Locale.ROOT,
        "estimate: %d cores x %.0f MHz x %d FLOP/cycle",
        Runtime.getRuntime().availableProcessors(),
        cpuMhz(),
        flopsPerCycle());
  }

  private static double cpuMhz() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("cpu MHz")) {
          return Double.parseDouble(line.split(":")[1].trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return Double.NaN;
  }

  private static int flopsPerCycle() {
    try {
      String info = Files.readString(Path.of("/proc/cpuinfo"));
      return info.contains(" avx2") && info.contains(" fma") ? 32 : 16;
    } catch (IOException | RuntimeException e) {
      return 16;
    }
  }
}
