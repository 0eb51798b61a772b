package dev.attentiondrop.zoo.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The files of one training run:
 *
 * <pre>
 *   RUN/config.json          model and training configs
 *   RUN/source_revision.txt  the source revision that trained it (one line per session on resume)
 *   RUN/tokenizer.json       text models: the tokenizer fitted on the training split
 *   RUN/metrics.jsonl        one JSON object per epoch ({@link EpochMetrics})
 *   RUN/metrics.csv          the same as CSV
 *   RUN/checkpoints/         the latest epoch's variables and state.json (for --resume)
 *   RUN/model/               the final weights (checkpoint) with config.json and tokenizer.json
 *   RUN/summary.json         final test metrics (and FGSM/PGD robust accuracy when asked for)
 *   RUN/reliability.json     final calibration report with the reliability-diagram bins
 *   RUN/curves.png           train loss, train/test accuracy and test ECE per epoch
 * </pre>
 *
 * Files are written to a temporary sibling and renamed, so a crash never leaves one half-written.
 */
public record RunDirectory(Path root) {

  public Path config() {
    return root.resolve("config.json");
  }

  public Path sourceRevision() {
    return root.resolve("source_revision.txt");
  }

  public Path tokenizer() {
    return root.resolve("tokenizer.json");
  }

  public Path metricsJsonl() {
    return root.resolve("metrics.jsonl");
  }

  public Path metricsCsv() {
    return root.resolve("metrics.csv");
  }

  public Path checkpoints() {
    return root.resolve("checkpoints");
  }

  public Path state() {
    return checkpoints().resolve("state.json");
  }

  public Path model() {
    return root.resolve("model");
  }

  public Path summary() {
    return root.resolve("summary.json");
  }

  public Path reliability() {
    return root.resolve("reliability.json");
  }

  public Path curves() {
    return root.resolve("curves.png");
  }

  /** Deletes {@code p} and everything below it; nothing happens if it does not exist. */
  public static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  /** Writes {@code text} to {@code file} atomically (temporary file + rename). */
  public static void writeAtomically(Path file, String text) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
