package dev.attentiondrop.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.train.RunDirectory;
import dev.attentiondrop.zoo.train.TrainingRun;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Runs an {@link ExperimentConfig} into an output folder, resumably:
 *
 * <ol>
 *   <li>tuning: for each dataset and each method with a {@code tune} spec, one run per value with
 *       seed 0, trained on 80% of the training split and scored on the 20% validation hold-out; the
 *       value with the best validation accuracy is kept ({@code tuning/.../chosen.json});
 *   <li>final: each dataset x method x seed with the chosen value, scored once on the test split,
 *       with FGSM/PGD robust accuracy;
 *   <li>sweeps: each swept value x seed, on the test split.
 * </ol>
 *
 * Every cell is a {@link TrainingRun} directory; finished cells (with a summary.json) are skipped
 * and an interrupted cell resumes from its last checkpoint.
 */
public final class ExperimentRunner {
  private ExperimentRunner() {}

  /** Runs the grid; returns the final cells' summaries (dataset, method, seed -> summary.json). */
  public static List<Map<String, Object>> run(
      ExperimentConfig config, Path out, boolean progress, PrintStream log) throws IOException {
    Files.createDirectories(out);
    Path stored = out.resolve("experiment.json");
    String json = Json.write(config);
    if (Files.exists(stored)
        && !Json.mapper().readTree(Files.readString(stored)).equals(Json.mapper().readTree(json))) {
      throw new IllegalArgumentException(
          out + " holds another experiment (experiment.json differs); choose another --output");
    }
    RunDirectory.writeAtomically(stored, json);
    long start = System.nanoTime();
    try (ProgressBar bar =
        progress
            ? new ProgressBarBuilder()
                .setTaskName(config.name())
                .setStyle(ProgressBarStyle.ASCII)
                .setInitialMax(countCells(config))
                .setConsumer(new ConsoleProgressBarConsumer(log))
                .build()
            : null) {
      for (ExperimentConfig.DatasetPlan plan : config.datasets()) {
        for (ExperimentConfig.Method method : config.methods()) {
          if (!plan.runs(method)) {
            continue;
          }
          ExperimentConfig.Method tuned = plan.tunes() ? tune(plan, method, out, bar, log) : method;
          for (int s = 0; s < plan.seedsOf(method); s++) {
            runCell(
                Cell.of(
                    "final", plan, tuned, "tuned", s, finalDir(out, plan.id(), method.name(), s)),
                bar,
                log);
          }
        }
      }
      for (ExperimentConfig.Sweep sweep : config.sweeps()) {
        ExperimentConfig.DatasetPlan plan =
            config.datasets().stream()
                .filter(d -> d.id().equals(sweep.dataset()))
                .findFirst()
                .orElseThrow();
        ExperimentConfig.Method base = tunedOrBase(plan, config.method(sweep.method()), out);
        for (double v : sweep.values()) {
          ExperimentConfig.Method m = Targets.apply(base, sweep.target(), v);
          for (int s = 0; s < sweep.seeds(); s++) {
            Path dir =
                out.resolve("sweeps")
                    .resolve(plan.id())
                    .resolve(m.name())
                    .resolve(Targets.label(sweep.target(), v))
                    .resolve("seed-" + s);
            runCell(Cell.of("sweep", plan, m, Targets.label(sweep.target(), v), s, dir), bar, log);
          }
        }
      }
    }
    List<Map<String, Object>> rows = collectFinal(config, out);
    log.printf(
        "%nexperiment '%s' done in %.1f min; test accuracy (mean over seeds):%n",
        config.name(), (System.nanoTime() - start) / 6e10);
    Map<String, List<Double>> byCell = new LinkedHashMap<>();
    for (Map<String, Object> r : rows) {
      byCell
          .computeIfAbsent(
              r.getOrDefault("regime", r.get("dataset")) + "  " + r.get("method"),
              k -> new ArrayList<>())
          .add(((Number) r.get("test_accuracy")).doubleValue());
    }
    byCell.forEach(
        (k, v) ->
            log.printf(
                "  %-45s %.4f  (n=%d)%n",
                k,
                v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
                v.size()));
    return rows;
  }

  static Path finalDir(Path out, String dataset, String method, long seed) {
    return out.resolve("runs").resolve(dataset).resolve(method).resolve("seed-" + seed);
  }

  static Path tuningDir(Path out, String dataset, String method) {
    return out.resolve("tuning").resolve(dataset).resolve(method);
  }

  /** The method with its tuned value (running the tuning cells first when needed). */
  private static ExperimentConfig.Method tune(
      ExperimentConfig.DatasetPlan plan,
      ExperimentConfig.Method method,
      Path out,
      ProgressBar bar,
      PrintStream log)
      throws IOException {
    if (method.tune() == null) {
      return method;
    }
    Path dir = tuningDir(out, plan.id(), method.name());
    double best = Double.NaN;
    double bestAccuracy = -1;
    Map<String, Double> scores = new LinkedHashMap<>();
    for (double v : method.tune().values()) {
      String label = Targets.label(method.tune().target(), v);
      Cell cell =
          Cell.of(
              "tuning",
              plan,
              Targets.apply(method, method.tune().target(), v),
              label,
              0,
              dir.resolve(label));
      runCell(cell, bar, log);
      JsonNode summary = Json.read(cell.directory().resolve("summary.json"), JsonNode.class);
      // with best-epoch selection: the hold-out's accuracy at the selected epoch (the test split
      // is never a tuning criterion); without: evaluation = validation made test_* the hold-out's
      double acc =
          summary.has("validation_accuracy")
              ? summary.get("validation_accuracy").asDouble()
              : summary.get("test_accuracy").asDouble();
      scores.put(label, acc);
      if (acc > bestAccuracy) {
        bestAccuracy = acc;
        best = v;
      }
    }
    Map<String, Object> chosen = new LinkedHashMap<>();
    chosen.put("target", method.tune().target());
    chosen.put("value", best);
    chosen.put("validation_accuracy", scores);
    RunDirectory.writeAtomically(dir.resolve("chosen.json"), Json.write(chosen));
    return Targets.apply(method, method.tune().target(), best);
  }

  /** The method with its tuned value if tuning already chose one, else as configured. */
  static ExperimentConfig.Method tunedOrBase(
      ExperimentConfig.DatasetPlan plan, ExperimentConfig.Method method, Path out)
      throws IOException {
    Path chosen = tuningDir(out, plan.id(), method.name()).resolve("chosen.json");
    if (method.tune() == null || !plan.tunes() || !Files.exists(chosen)) {
      return method;
    }
    JsonNode c = Json.mapper().readTree(Files.readString(chosen));
    return Targets.apply(method, c.get("target").asText(), c.get("value").asDouble());
  }

  private static void runCell(Cell cell, ProgressBar bar, PrintStream log) throws IOException {
    if (!cell.finished()) {
      TrainingRun.Options quiet =
          TrainingRun.Options.quiet().resuming().recordingRevision(SourceRevision.current());
      try {
        var result = TrainingRun.run(cell.model(), cell.train(), cell.directory(), quiet);
        TrainingCurves.write(result.epochs(), result.directory().curves());
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "cell " + cell.directory() + " failed: " + e.getMessage(), e);
      }
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("phase", cell.phase());
      meta.put("dataset", cell.dataset());
      meta.put("method", cell.method());
      meta.put("setting", cell.setting());
      meta.put("seed", cell.seed());
      RunDirectory.writeAtomically(cell.directory().resolve("cell.json"), Json.write(meta));
    }
    if (bar != null) {
      bar.step();
      bar.setExtraMessage(
          " "
              + cell.phase()
              + " "
              + cell.dataset()
              + " "
              + cell.method()
              + " "
              + cell.setting()
              + " seed "
              + cell.seed());
    }
  }

  static int countCells(ExperimentConfig c) {
    int n = 0;
    for (var plan : c.datasets()) {
      for (var m : c.methods()) {
        if (plan.runs(m)) {
          n += (m.tune() == null || !plan.tunes() ? 0 : m.tune().values().size()) + plan.seedsOf(m);
        }
      }
    }
    for (var s : c.sweeps()) {
      n += s.values().size() * s.seeds();
    }
    return n;
  }

  /** One row per final cell: dataset, method, seed, and its summary.json values. */
  static List<Map<String, Object>> collectFinal(ExperimentConfig config, Path out)
      throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (var plan : config.datasets()) {
      for (var m : config.methods()) {
        for (int s = 0; s < plan.seedsOf(m) && plan.runs(m); s++) {
          Path summary = finalDir(out, plan.id(), m.name(), s).resolve("summary.json");
          if (!Files.exists(summary)) {
            continue;
          }
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("dataset", plan.dataset());
          if (plan.name() != null) {
            row.put("regime", plan.id());
          }
          row.put("method", m.name());
          row.put("seed", s);
          row.putAll(Json.mapper().readValue(Files.readString(summary), Map.class));
          rows.add(row);
        }
      }
    }
    return rows;
  }
}
