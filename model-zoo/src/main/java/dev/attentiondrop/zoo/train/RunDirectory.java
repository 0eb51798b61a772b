package dev.attentiondrop.zoo.train;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
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

  /** What {@link #writeAtomically(Path, Body)} writes: the whole content, onto a stream. */
  @FunctionalInterface
  public interface Body {
    /**
     * Writes the content.
     *
     * @param out the stream (buffered; do not close it)
     * @throws IOException if writing fails
     */
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes {@code text} (UTF-8) to {@code file} atomically, as {@link #writeAtomically(Path,
   * Body)}.
   *
   * @param file the file to write
   * @param text its content
   * @throws IOException if the folder cannot be made or a write fails (the file is then unchanged)
   */
  public static void writeAtomically(Path file, String text) throws IOException {
    writeAtomically(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Writes {@code file} atomically: into a new temporary file created exclusively in the same
   * folder (a hidden, randomly named sibling: an existing file or planted link is never written
   * through), flushed and synced to disk, then renamed over {@code file}. A failed write (a full
   * disk, say) deletes the temporary file and leaves {@code file} as it was; readers see the old
   * content or the new, never a part.
   *
   * @param file the file to write
   * @param body writes the content
   * @throws IOException if the folder cannot be made, a write fails, or {@code file} exists and is
   *     not a regular file (a folder, a device, a link: never replaced)
   */
  public static void writeAtomically(Path file, Body body) throws IOException {
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)
        && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(file + ": not a regular file; it is not replaced");
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    removeStaleTemporaries(dir, file.getFileName().toString());
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    boolean moved = false;
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
          OutputStream out =
              new BufferedOutputStream(
                  new Named(file, Channels.newOutputStream(channel)), 1 << 16)) {
        // held until closed, after the rename: a later write of this file tells a live temporary
        // file (locked) from one that a killed process left (free), and removes only the latter
        channel.lock();
        body.writeTo(out);
        out.flush();
        try {
          channel.force(true);
        } catch (IOException e) {
          throw Named.failed(file, e);
        }
        CrashPoint.reach("atomic-write.written");
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /**
   * Deletes the temporary files that killed writers of {@code dir/name} left ({@code
   * .name.<digits>.tmp}, unlocked: no live process writes them). Other files are not looked at.
   *
   * @param dir the folder
   * @param name the file name whose temporaries are removed
   * @return how many were deleted
   * @throws IOException if the folder cannot be listed or a file cannot be deleted
   */
  static int removeStaleTemporaries(Path dir, String name) throws IOException {
    Pattern ours = Pattern.compile("\\." + Pattern.quote(name) + "\\.[0-9]+\\.tmp");
    int removed = 0;
    List<Path> candidates;
    try (Stream<Path> entries = Files.list(dir)) {
      candidates =
          entries
              .filter(p -> ours.matcher(p.getFileName().toString()).matches())
              .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
              .toList();
    }
    for (Path p : candidates) {
      try (FileChannel channel =
          FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        FileLock lock;
        try {
          lock = channel.tryLock();
        } catch (OverlappingFileLockException live) {
          continue; // written by this process now
        }
        if (lock != null && Files.deleteIfExists(p)) {
          removed++;
        }
      } catch (NoSuchFileException gone) {
        // renamed or removed meanwhile
      }
    }
    return removed;
  }

  /** A stream whose write errors (a full disk: {@code File too large}, ...) name the file. */
  private static final class Named extends FilterOutputStream {
    private final Path file;

    Named(Path file, OutputStream out) {
      super(out);
      this.file = file;
    }

    static IOException failed(Path file, IOException e) {
      return new IOException(file + ": cannot write (" + e.getMessage() + ")", e);
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException e) {
        throw failed(file, e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw failed(file, e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw failed(file, e);
      }
    }
  }
}
