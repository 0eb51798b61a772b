package dev.attentiondrop.zoo.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

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
 *
 * @param root the run folder {@code RUN}
 */
public record RunDirectory(Path root) {

  /**
   * The configs.
   *
   * @return {@code RUN/config.json}
   */
  public Path config() {
    return root.resolve("config.json");
  }

  /**
   * The source revision file.
   *
   * @return {@code RUN/source_revision.txt}
   */
  public Path sourceRevision() {
    return root.resolve("source_revision.txt");
  }

  /**
   * The tokenizer of a text model.
   *
   * @return {@code RUN/tokenizer.json}
   */
  public Path tokenizer() {
    return root.resolve("tokenizer.json");
  }

  /**
   * The per-epoch metrics as JSON lines.
   *
   * @return {@code RUN/metrics.jsonl}
   */
  public Path metricsJsonl() {
    return root.resolve("metrics.jsonl");
  }

  /**
   * The per-epoch metrics as CSV.
   *
   * @return {@code RUN/metrics.csv}
   */
  public Path metricsCsv() {
    return root.resolve("metrics.csv");
  }

  /**
   * The checkpoint folder of the latest epoch.
   *
   * @return {@code RUN/checkpoints}
   */
  public Path checkpoints() {
    return root.resolve("checkpoints");
  }

  /**
   * The training state saved with the checkpoint, for {@code --resume}.
   *
   * @return {@code RUN/checkpoints/state.json}
   */
  public Path state() {
    return checkpoints().resolve("state.json");
  }

  /**
   * The final model folder.
   *
   * @return {@code RUN/model}
   */
  public Path model() {
    return root.resolve("model");
  }

  /**
   * The final test metrics.
   *
   * @return {@code RUN/summary.json}
   */
  public Path summary() {
    return root.resolve("summary.json");
  }

  /**
   * The final calibration report.
   *
   * @return {@code RUN/reliability.json}
   */
  public Path reliability() {
    return root.resolve("reliability.json");
  }

  /**
   * The training curves.
   *
   * @return {@code RUN/curves.png}
   */
  public Path curves() {
    return root.resolve("curves.png");
  }

  /**
   * Deletes {@code p} and everything below it; nothing happens if it does not exist.
   *
   * @param p a file or folder
   * @throws IOException if a file cannot be deleted
   */
  public static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  /**
   * Writes {@code text} to {@code file} atomically: as UTF-8 to the sibling {@code <file>.tmp},
   * then renamed over {@code file}. Creates the parent folders.
   *
   * @param file the file to write or replace
   * @param text its new content
   * @throws IOException if writing or renaming fails (the file system must support atomic moves)
   */
  public static void writeAtomically(Path file, String text) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
