package dev.attentiondrop.e2e;

import dev.attentiondrop.zoo.train.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Tiny models trained once per test JVM through the command line in a child JVM, shared by the
 * end-to-end tests: a ViT on the embedded Fashion-MNIST subset and a text model on
 * spam-assassin-mini (one epoch on 200 examples each, no attack evaluation).
 */
final class TrainedModels {
  private static Trained vit;
  private static Trained text;
  private static Trained vitCompiled;
  private static Path root;

  private TrainedModels() {}

  /** A finished training run: its directory, the CLI run that made it, and its first export. */
  record Trained(Path run, Cli.Run cli) {
    Path export() {
      return run.resolve("export/1");
    }
  }

  static synchronized Path root() throws IOException {
    if (root == null) {
      root = Path.of("target", "e2e").toAbsolutePath();
      RunDirectory.deleteRecursively(root);
      Files.createDirectories(root);
    }
    return root;
  }

  /**
   * The flags {@link #vit} trains with: {@code train -o COPY --resume} with these continues a copy
   * of its run (the config must match).
   */
  static final List<String> VIT_FLAGS =
      List.of(
          "--epochs",
          "1",
          "--train-limit",
          "200",
          "--no-progress",
          "--attack-eps",
          "",
          "--seed",
          "3");

  /** {@code train -o run} followed by {@code flags}. */
  static List<String> train(Path run, List<String> flags) {
    List<String> args = new ArrayList<>(List.of("train", "-o", run.toString()));
    args.addAll(flags);
    return args;
  }

  static synchronized Trained vit() throws IOException {
    if (vit == null) {
      Path run = root().resolve("vit-run");
      vit = new Trained(run, Cli.run(train(run, VIT_FLAGS)).assertSuccess());
    }
    return vit;
  }

  /** The ViT of {@link #vit} with {@code --attention-xla COMPILED_FUNCTION}. */
  static synchronized Trained vitCompiled() throws IOException {
    if (vitCompiled == null) {
      Path run = root().resolve("vit-compiled-run");
      List<String> flags = new ArrayList<>(VIT_FLAGS);
      flags.addAll(List.of("--attention-xla", "COMPILED_FUNCTION"));
      vitCompiled = new Trained(run, Cli.run(train(run, flags)).assertSuccess());
    }
    return vitCompiled;
  }

  static synchronized Trained text() throws IOException {
    if (text == null) {
      Path run = root().resolve("text-run");
      text =
          new Trained(
              run,
              Cli.run(
                      "train",
                      "--dataset",
                      "spam-assassin-mini",
                      "-o",
                      run.toString(),
                      "--epochs",
                      "1",
                      "--train-limit",
                      "200",
                      "--max-length",
                      "64",
                      "--vocabulary",
                      "1500",
                      "--no-progress",
                      "--attack-eps",
                      "",
                      "--seed",
                      "5")
                  .assertSuccess());
    }
    return text;
  }

  /**
   * The embedded Fashion-MNIST test images ({@code t10k-images-idx3-ubyte.gz}, 250 images), from
   * model-zoo's resources on the class path, copied to a file.
   */
  static synchronized Path testImages() throws IOException {
    Path file = root().resolve("t10k-images-idx3-ubyte.gz");
    if (!Files.exists(file)) {
      String resource = "dev/attentiondrop/demodata/fashion-mnist-mini/t10k-images-idx3-ubyte.gz";
      try (InputStream in = TrainedModels.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException(resource + " is not on the class path");
        }
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return file;
  }

  static Path fresh(String name) throws IOException {
    Path dir = root().resolve(name);
    RunDirectory.deleteRecursively(dir);
    return Files.createDirectories(dir);
  }

  static void copyRecursively(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
