package dev.attentiondrop.bench.profile;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attentiondrop.bench.BenchModels;
import dev.attentiondrop.bench.BenchModels.BlockGraph;
import dev.attentiondrop.bench.Measure;
import dev.attentiondrop.ops.xla.XlaMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The op-profile comparison behind {@code attentiondrop bench --op-profile FILE}: for each variant
 * and length, the block model's step traced in TF Java ({@link OpProfile}); the same GraphDef and
 * the Keras form of {@code bench_tf.py} traced in Python TF ({@code bench/python/profile_ops.py});
 * the session-configuration knobs of plain at the longest length timed round-robin in one process;
 * and {@code TF_ENABLE_ONEDNN_OPTS} in alternating child JVMs. Writes one JSON object and, beside
 * it, the markdown of {@link OpProfileTables}.
 *
 * <p>Without the CLI: {@code java -cp CLASSPATH dev.attentiondrop.bench.profile.OpProfileRun --out
 * FILE [--variants plain,blur] [--seq-lens 128,512] [--batch 8] [--threads 2] [--warmup 5] [--steps
 * 10] [--knob-rounds 20] [--python PYTHON --repo DIR] [--no-knobs] [--no-onednn]}.
 */
public final class OpProfileRun {
  private OpProfileRun() {}

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * What to profile.
   *
   * @param out the JSON file to write (the markdown goes to the same name with {@code .md})
   * @param variants block variants
   * @param seqLens sequence lengths
   * @param batch batch size
   * @param threads intra-op = inter-op threads (and OMP/MKL in the Python child)
   * @param warmup untraced steps before tracing or timing
   * @param steps traced steps per profile
   * @param knobRounds round-robin rounds of the knob experiment (0: none)
   * @param onednnRuns child JVMs per {@code TF_ENABLE_ONEDNN_OPTS} setting (0: none)
   * @param python the Python TF interpreter, or null to skip the Python side
   * @param repo the repository root (holds bench/python), needed with {@code python}
   */
  public record Options(
      Path out,
      List<String> variants,
      List<Integer> seqLens,
      int batch,
      int threads,
      int warmup,
      int steps,
      int knobRounds,
      int onednnRuns,
      String python,
      Path repo) {}

  /**
   * Command-line entry (see the class comment); {@code --child-time} times plain in this process
   * for the oneDNN comparison.
   *
   * @param args the arguments
   * @throws Exception when a run fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String k = args[i];
      if (k.equals("--no-knobs") || k.equals("--no-onednn") || k.equals("--child-time")) {
        a.put(k, "true");
      } else {
        a.put(k, args[++i]);
      }
    }
    int batch = Integer.parseInt(a.getOrDefault("--batch", "8"));
    int threads = Integer.parseInt(a.getOrDefault("--threads", "2"));
    if (a.containsKey("--child-time")) {
      childTime(
          Integer.parseInt(a.getOrDefault("--seq-lens", "512")),
          batch,
          threads,
          Integer.parseInt(a.getOrDefault("--warmup", "5")),
          Integer.parseInt(a.getOrDefault("--steps", "20")));
      return;
    }
    if (a.containsKey("--export-only")) {
      Path dir = Files.createDirectories(Path.of(a.get("--export-only")));
      for (String t : a.getOrDefault("--seq-lens", "512").split(",")) {
        for (String v : a.getOrDefault("--variants", "plain").split(",")) {
          try (BlockGraph bg =
              BenchModels.blockGraph(
                  v,
                  XlaMode.NONE,
                  batch,
                  Integer.parseInt(t),
                  BenchModels.sessionConfig(threads))) {
            System.out.println(export(bg, v, Integer.parseInt(t), batch, dir));
          }
        }
      }
      return;
    }
    Options o =
        new Options(
            Path.of(a.getOrDefault("--out", "op-profile.json")),
            List.of(a.getOrDefault("--variants", "plain,hard_mask,blur").split(",")),
            Arrays.stream(a.getOrDefault("--seq-lens", "128,512").split(","))
                .map(Integer::valueOf)
                .toList(),
            batch,
            threads,
            Integer.parseInt(a.getOrDefault("--warmup", "5")),
            Integer.parseInt(a.getOrDefault("--steps", "10")),
            a.containsKey("--no-knobs")
                ? 0
                : Integer.parseInt(a.getOrDefault("--knob-rounds", "20")),
            a.containsKey("--no-onednn") ? 0 : 2,
            a.get("--python"),
            a.containsKey("--repo") ? Path.of(a.get("--repo")) : null);
    run(o, System.err);
  }

  /**
   * Runs the whole comparison and writes {@code o.out()} (JSON) and its markdown.
   *
   * @param o what to profile
   * @param log progress lines go here
   * @return the JSON object written
   * @throws IOException when a file cannot be written
   * @throws InterruptedException when interrupted while waiting for a child
   */
  public static Map<String, Object> run(Options o, java.io.PrintStream log)
      throws IOException, InterruptedException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("started", Instant.now().toString());
    root.put("load_before", loadAverage());
    root.put("batch", o.batch());
    root.put("threads", o.threads());
    root.put("warmup", o.warmup());
    root.put("steps", o.steps());
    root.put(
        "tf_java_env", envOf("TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"));
    Path graphs = Files.createTempDirectory("op-profile-graphs");
    List<Map<String, Object>> java = new ArrayList<>();
    List<String> manifests = new ArrayList<>();
    for (int t : o.seqLens()) {
      for (String v : o.variants()) {
        log.printf("op-profile: tf-java %s T=%d B=%d%n", v, t, o.batch());
        try (BlockGraph bg =
            BenchModels.blockGraph(
                v, XlaMode.NONE, o.batch(), t, BenchModels.sessionConfig(o.threads()))) {
          Map<String, Object> rec = new LinkedHashMap<>();
          rec.put("runtime", "tf-java");
          rec.put("variant", v);
          rec.put("seq_len", t);
          rec.put("batch", o.batch());
          Measure.Timing untraced = Measure.time(stepper(bg, bg.session()), o.warmup(), o.steps());
          rec.put("step_ms_untraced_median", untraced.median());
          long t0 = System.nanoTime();
          var runs = OpProfile.trace(bg, bg.session(), 1, o.steps());
          rec.put("step_ms_traced_mean", (System.nanoTime() - t0) / 1e6 / (o.steps() + 1));
          rec.put("built_op_counts", OpProfile.opCounts(bg.graph().toGraphDef()));
          rec.putAll(OpProfile.aggregate(runs).toMap(25));
          java.add(rec);
          manifests.add(export(bg, v, t, o.batch(), graphs).toString());
        }
      }
    }
    root.put("tf_java", java);
    if (o.python() != null) {
      root.put("python", python(o, manifests, graphs, log));
    }
    int tMax = o.seqLens().stream().mapToInt(Integer::intValue).max().orElse(512);
    if (o.knobRounds() > 0) {
      log.printf("op-profile: knobs, plain T=%d, %d rounds%n", tMax, o.knobRounds());
      root.put("knobs", knobs(o, tMax));
    }
    if (o.onednnRuns() > 0) {
      log.printf("op-profile: TF_ENABLE_ONEDNN_OPTS children, plain T=%d%n", tMax);
      root.put("onednn", onednn(o, tMax, log));
    }
    root.put("load_after", loadAverage());
    root.put("finished", Instant.now().toString());
    if (o.out().getParent() != null) {
      Files.createDirectories(o.out().getParent());
    }
    JSON.writeValue(o.out().toFile(), root);
    String name = o.out().getFileName().toString().replaceFirst("\\.jsonl?$", "");
    Files.writeString(o.out().resolveSibling(name + ".md"), OpProfileTables.markdown(root));
    try (var files = Files.list(graphs)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(graphs);
    return root;
  }

  private static BenchModels.Stepper stepper(BlockGraph bg, Session s) {
    return new BenchModels.Stepper() {
      @Override
      public void step(long step) {
        try (TInt64 sd = TInt64.vectorOf(7, step);
            Result r = bg.runner(s, sd).run()) {
          // timed
        }
      }

      @Override
      public void close() {}
    };
  }

  /** Writes the GraphDef and a manifest naming its feeds, fetch, target and initializers. */
  static Path export(BlockGraph bg, String variant, int t, int batch, Path dir) throws IOException {
    String base = "block-" + variant + "-T" + t + "-B" + batch;
    Path pb = dir.resolve(base + ".pb");
    Files.write(pb, bg.graph().toGraphDef().toByteArray());
    List<String> init = new ArrayList<>();
    Graph g = bg.graph();
    for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
      GraphOperation op = it.next();
      if (g.isInitializer(op)) {
        init.add(op.name());
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("variant", variant);
    m.put("seq_len", t);
    m.put("batch", batch);
    m.put("graph", pb.toString());
    m.put("x", bg.x().op().name() + ":0");
    m.put("labels", bg.labels().op().name() + ":0");
    m.put("seed", bg.seed().op().name() + ":0");
    m.put("x_shape", List.of(batch, t, BenchModels.D_MODEL));
    m.put("labels_shape", List.of(batch, BenchModels.CLASSES));
    m.put("train", bg.train().op().name());
    m.put("loss", bg.loss().asOutput().op().name() + ":" + bg.loss().asOutput().index());
    m.put("init", init);
    Path manifest = dir.resolve(base + ".json");
    JSON.writeValue(manifest.toFile(), m);
    return manifest;
  }

  private static Object python(Options o, List<String> manifests, Path dir, java.io.PrintStream log)
      throws IOException, InterruptedException {
    Path out = dir.resolve("python.json");
    List<String> cmd = new ArrayList<>();
    cmd.add(o.python());
    cmd.add(o.repo().resolve("bench/python/profile_ops.py").toString());
    cmd.addAll(List.of("--manifests", String.join(",", manifests)));
    cmd.addAll(List.of("--keras-variants", String.join(",", o.variants())));
    cmd.addAll(
        List.of(
            "--seq-lens",
            String.join(",", o.seqLens().stream().map(String::valueOf).toList()),
            "--batch",
            Integer.toString(o.batch()),
            "--threads",
            Integer.toString(o.threads()),
            "--warmup",
            Integer.toString(o.warmup()),
            "--steps",
            Integer.toString(o.steps()),
            "--out",
            out.toString()));
    log.println("op-profile: " + String.join(" ", cmd));
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    Measure.threadEnvironment(pb.environment(), o.threads());
    int rc = pb.start().waitFor();
    if (rc != 0) {
      return Map.of("error", "profile_ops.py exited with " + rc);
    }
    return JSON.readValue(out.toFile(), new TypeReference<Object>() {});
  }

  /** A named change of the session configuration, or of how the step is fed. */
  record Knob(String name, UnaryOperator<ConfigProto.Builder> config, boolean freshTensors) {}

  static List<Knob> knobList() {
    return List.of(
        new Knob("baseline", b -> b, false),
        new Knob("remapping_off", b -> rewrite(b, r -> r.setRemapping(OFF)), false),
        new Knob("layout_optimizer_off", b -> rewrite(b, r -> r.setLayoutOptimizer(OFF)), false),
        new Knob("constant_folding_off", b -> rewrite(b, r -> r.setConstantFolding(OFF)), false),
        new Knob(
            "arithmetic_optimization_off",
            b -> rewrite(b, r -> r.setArithmeticOptimization(OFF)),
            false),
        new Knob(
            "memory_optimization_off",
            b -> rewrite(b, r -> r.setMemoryOptimization(RewriterConfig.MemOptType.NO_MEM_OPT)),
            false),
        new Knob("grappler_off", b -> rewrite(b, r -> r.setDisableMetaOptimizer(true)), false),
        new Knob(
            "per_session_threads_inter2",
            b -> b.setUsePerSessionThreads(true).setInterOpParallelismThreads(2),
            false),
        new Knob(
            "per_session_threads_inter1",
            b -> b.setUsePerSessionThreads(true).setInterOpParallelismThreads(1),
            false),
        new Knob("fresh_input_tensors", b -> b, true));
  }

  private static final RewriterConfig.Toggle OFF = RewriterConfig.Toggle.OFF;

  private static ConfigProto.Builder rewrite(
      ConfigProto.Builder b, UnaryOperator<RewriterConfig.Builder> f) {
    f.apply(b.getGraphOptionsBuilder().getRewriteOptionsBuilder());
    return b;
  }

  /**
   * Plain at length {@code t}: one graph, a session per knob, steps round-robin (the order rotated
   * each round); per knob the median step and the median per-round ratio against the baseline with
   * its distribution-free 95% interval.
   */
  static Map<String, Object> knobs(Options o, int t) {
    List<Knob> knobs = knobList();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("variant", "plain");
    out.put("seq_len", t);
    out.put("load_before", loadAverage());
    try (BlockGraph bg =
        BenchModels.blockGraph(
            "plain", XlaMode.NONE, o.batch(), t, BenchModels.sessionConfig(o.threads()))) {
      int n = knobs.size();
      Session[] sessions = new Session[n];
      float[] xs = new float[(int) bg.xs().shape().size()];
      bg.xs().copyTo(DataBuffers.of(xs, false, false));
      float[] ys = new float[(int) bg.ys().shape().size()];
      bg.ys().copyTo(DataBuffers.of(ys, false, false));
      try {
        for (int i = 0; i < n; i++) {
          ConfigProto cfg =
              knobs
                  .get(i)
                  .config()
                  .apply(BenchModels.sessionConfig(o.threads()).toBuilder())
                  .build();
          sessions[i] = new Session(bg.graph(), cfg);
          sessions[i].initialize();
        }
        double[][] ms = new double[n][o.knobRounds()];
        long step = 0;
        for (int w = 0; w < o.warmup(); w++) {
          for (int i = 0; i < n; i++) {
            timedStep(bg, sessions[i], knobs.get(i).freshTensors(), xs, ys, step);
          }
          step++;
        }
        for (int r = 0; r < o.knobRounds(); r++) {
          for (int j = 0; j < n; j++) {
            int i = (j + r) % n;
            ms[i][r] = timedStep(bg, sessions[i], knobs.get(i).freshTensors(), xs, ys, step);
          }
          step++;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          double[] ratio = new double[o.knobRounds()];
          for (int r = 0; r < ratio.length; r++) {
            ratio[r] = ms[i][r] / ms[0][r];
          }
          Arrays.sort(ratio);
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("knob", knobs.get(i).name());
          row.put("median_ms", median(ms[i]));
          row.put("ratio_vs_baseline", median(ratio));
          if (ratio.length >= 6) {
            int[] ci = Measure.medianRanks(ratio.length);
            row.put("ratio_lo", ratio[ci[0]]);
            row.put("ratio_hi", ratio[ci[1]]);
          }
          rows.add(row);
        }
        out.put("rounds", o.knobRounds());
        out.put("results", rows);
      } finally {
        for (Session s : sessions) {
          if (s != null) {
            s.close();
          }
        }
      }
    }
    out.put("load_after", loadAverage());
    return out;
  }

  private static double timedStep(
      BlockGraph bg, Session s, boolean fresh, float[] xs, float[] ys, long step) {
    long t0 = System.nanoTime();
    if (fresh) {
      try (TFloat32 xt = TFloat32.tensorOf(bg.xs().shape(), DataBuffers.of(xs, true, false));
          TFloat32 yt = TFloat32.tensorOf(bg.ys().shape(), DataBuffers.of(ys, true, false));
          TInt64 sd = TInt64.vectorOf(7, step);
          Result r = bg.runner(s, xt, yt, sd).run()) {
        // timed
      }
    } else {
      try (TInt64 sd = TInt64.vectorOf(7, step);
          Result r = bg.runner(s, sd).run()) {
        // timed
      }
    }
    return (System.nanoTime() - t0) / 1e6;
  }

  /** Alternating child JVMs with TF_ENABLE_ONEDNN_OPTS unset, 1 and 0. */
  static List<Map<String, Object>> onednn(Options o, int t, java.io.PrintStream log)
      throws IOException, InterruptedException {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int run = 0; run < o.onednnRuns(); run++) {
      for (String setting : List.of("unset", "1", "0")) {
        List<String> cmd =
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g",
                "-cp",
                System.getProperty("java.class.path"),
                OpProfileRun.class.getName(),
                "--child-time",
                "--seq-lens",
                Integer.toString(t),
                "--batch",
                Integer.toString(o.batch()),
                "--threads",
                Integer.toString(o.threads()),
                "--warmup",
                Integer.toString(o.warmup()),
                "--steps",
                "20");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        Measure.threadEnvironment(pb.environment(), o.threads());
        pb.environment().remove("TF_ENABLE_ONEDNN_OPTS");
        if (!setting.equals("unset")) {
          pb.environment().put("TF_ENABLE_ONEDNN_OPTS", setting);
        }
        Process p = pb.start();
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("TF_ENABLE_ONEDNN_OPTS", setting);
        rec.put("run", run);
        try (BufferedReader r =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            if (line.startsWith("RESULT ")) {
              rec.putAll(
                  JSON.readValue(line.substring(7), new TypeReference<Map<String, Object>>() {}));
            }
          }
        }
        rec.put("rc", p.waitFor());
        log.println("op-profile: onednn " + rec);
        out.add(rec);
      }
    }
    return out;
  }

  /** The child of {@link #onednn}: times plain, counts oneDNN kernels in one traced step. */
  private static void childTime(int t, int batch, int threads, int warmup, int steps)
      throws IOException {
    try (BlockGraph bg =
        BenchModels.blockGraph(
            "plain", XlaMode.NONE, batch, t, BenchModels.sessionConfig(threads))) {
      BenchModels.Stepper stepper = stepper(bg, bg.session());
      for (int i = 0; i < warmup; i++) {
        stepper.step(-1 - i);
      }
      long cpu0 = processCpuNanos();
      long wall0 = System.nanoTime();
      Measure.Timing timing = Measure.time(stepper, 0, steps);
      double cpuMs = (processCpuNanos() - cpu0) / 1e6 / steps;
      double wallMs = (System.nanoTime() - wall0) / 1e6 / steps;
      OpProfile.Summary s = OpProfile.aggregate(OpProfile.trace(bg, bg.session(), 0, 1));
      int mkl = 0;
      for (var e : s.executedOps().entrySet()) {
        if (e.getKey().contains("Mkl") || e.getKey().contains("OneDnn")) {
          mkl += e.getValue();
        }
      }
      Map<String, Object> rec = new LinkedHashMap<>();
      rec.put("median_ms", timing.median());
      rec.put("min_ms", timing.min());
      // process CPU time per timed step (all threads): less sensitive to other load than wall time
      rec.put("cpu_ms_per_step", cpuMs);
      rec.put("wall_ms_per_step", wallMs);
      rec.put("onednn_kernels", mkl);
      rec.put("top_ops", s.toMap(0).get("op_types"));
      System.out.println("RESULT " + new ObjectMapper().writeValueAsString(rec));
    }
  }

  private static long processCpuNanos() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun.getProcessCpuTime()
        : -1;
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static Map<String, String> envOf(String... keys) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String k : keys) {
      m.put(k, System.getenv().getOrDefault(k, "unset"));
    }
    return m;
  }

  /** {@code /proc/loadavg}'s first three fields, or "unknown". */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
