package dev.attentiondrop.cli;

import dev.attentiondrop.experiments.SourceRevision;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.savedmodels.Exporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attentiondrop export}. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Exports a trained run as a SavedModel for serving, in TF Serving's layout BASE/<version>/",
      "(saved_model.pb, variables/, assets/ with config, regularizers, tokenizer, metrics, source revision).",
      "Signatures: serving_default (probabilities, logits, label) and attention (per-layer attention)."
    })
public final class ExportCommand implements Callable<Integer> {
  @Option(
      names = "--run",
      required = true,
      description = "Run directory written by `attentiondrop train`.")
  Path run;

  @Option(names = "--base", description = "Base directory of the versions (default: RUN/export).")
  Path base;

  @Option(
      names = "--model-version",
      description =
          "Version number, in [1, 2147483647] (default: one more than the largest in BASE).")
  Integer version;

  @Option(names = "--overwrite", description = "Replace an existing version.")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    if (version != null) {
      Checks.inRange("--model-version", version, 1, Integer.MAX_VALUE);
    }
    Path out = export(run, base, version, overwrite);
    System.out.println("exported " + out.toAbsolutePath());
    notes(out.getParent());
    return 0;
  }

  /** Notes on the base's other names that are not versions this exporter counts. */
  static void notes(Path base) throws IOException {
    try (Stream<Path> entries = Files.list(base)) {
      for (Path p : entries.sorted().toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith(".")
            || (name.matches("[0-9]{1,10}") && Long.parseLong(name) <= Integer.MAX_VALUE)) {
          continue;
        }
        System.out.println(
            name.matches("[0-9]+")
                ? "note: "
                    + p
                    + " is beyond the versions counted here ([1, 2147483647]); TF Serving, which"
                    + " takes int64 versions, would serve it as the latest instead"
                : "note: " + p + " is not a version folder; export and TF Serving ignore it");
      }
    }
  }

  static Path export(Path run, Path base, Integer version, boolean overwrite) throws IOException {
    if (!Files.exists(run)) {
      throw new NoSuchFileException(run.toString());
    }
    Path model = run.resolve("model");
    if (!Files.isDirectory(model)) {
      throw new IllegalArgumentException(
          run + " has no model/ folder: is it a finished `attentiondrop train` run?");
    }
    return Exporter.export(
        new Exporter.Request(
            model,
            base != null ? base : run.resolve("export"),
            version,
            overwrite,
            Map.of(
                "metrics.json",
                run.resolve("summary.json"),
                "training_metrics.csv",
                run.resolve("metrics.csv")),
            Map.of("source_revision.txt", SourceRevision.current() + "\n")));
  }
}
