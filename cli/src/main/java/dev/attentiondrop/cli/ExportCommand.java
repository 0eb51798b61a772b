package dev.attentiondrop.cli;

import dev.attentiondrop.experiments.SourceRevision;
import dev.attentiondrop.savedmodels.Exporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
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

  @Option(names = "--version", description = "Version number (default: the next free one).")
  Integer version;

  @Option(names = "--overwrite", description = "Replace an existing version.")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    Path out = export(run, base, version, overwrite);
    System.out.println("exported " + out.toAbsolutePath());
    return 0;
  }

  static Path export(Path run, Path base, Integer version, boolean overwrite) throws IOException {
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
