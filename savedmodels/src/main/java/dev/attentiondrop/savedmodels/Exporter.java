package dev.attentiondrop.savedmodels;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.train.RunDirectory;
import dev.attentiondrop.zoo.train.SourceRevision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;

/**
 * Exports a trained model (a run's {@code model/} folder: {@code config.json}, the {@code
 * variables} checkpoint, and {@code tokenizer.json} for text) as a SavedModel in TF Serving's
 * layout:
 *
 * <pre>
 *   BASE/&lt;version&gt;/saved_model.pb
 *   BASE/&lt;version&gt;/variables/
 *   BASE/&lt;version&gt;/assets/config.json, tokenizer.json, metrics.json, source_revision.txt, ...
 * </pre>
 *
 * The version is written to a hidden temporary folder in {@code BASE} and renamed into place, so a
 * crash never leaves a partial version; an existing version is only replaced when asked.
 */
public final class Exporter {
  private Exporter() {}

  /** What to export and where. */
  public record Request(Path modelDir, Path base, Integer version, boolean overwrite, Map<String, Path> extraAssets) {
    public Request {
      Checks.notNull("model directory", modelDir);
      Checks.notNull("base directory", base);
      if (version != null) {
        Checks.inRange("version", version, 1, Integer.MAX_VALUE);
      }
      extraAssets = extraAssets == null ? Map.of() : Map.copyOf(extraAssets);
    }
  }

  /** Exports and returns the version folder. */
  public static Path export(Request request) throws IOException {
    Path modelDir = request.modelDir();
    Path configFile = modelDir.resolve("config.json");
    if (!Files.isRegularFile(configFile) || !Files.isRegularFile(modelDir.resolve("variables.index"))) {
      throw new IllegalArgumentException(modelDir + " is not a trained model folder: expected config.json and "
          + "variables.index (a run directory's model/ folder, written at the end of `attentiondrop train`)");
    }
    ModelConfig config = Json.read(Files.readString(configFile), ModelConfig.class);
    Files.createDirectories(request.base());
    int version = request.version() != null ? request.version() : nextVersion(request.base());
    Path target = request.base().resolve(Integer.toString(version));
    if (Files.exists(target) && !request.overwrite()) {
      throw new IllegalArgumentException("version " + version + " already exists in " + request.base()
          + "; choose another --version or pass --overwrite");
    }
    Path tmp = request.base().resolve(".tmp-" + version + "-" + UUID.randomUUID());
    try {
      writeSavedModel(config, modelDir.resolve("variables").toString(), tmp);
      Path assets = Files.createDirectories(tmp.resolve("assets"));
      Files.copy(configFile, assets.resolve("config.json"));
      Files.writeString(assets.resolve("regularizers.json"), Json.write(config.regularizers()));
      copyIfPresent(modelDir.resolve("tokenizer.json"), assets.resolve("tokenizer.json"));
      copyIfPresent(modelDir.resolve("metrics.json"), assets.resolve("metrics.json"));
      Files.writeString(assets.resolve("source_revision.txt"), SourceRevision.current() + "\n");
      for (Map.Entry<String, Path> e : request.extraAssets().entrySet()) {
        copyIfPresent(e.getValue(), assets.resolve(e.getKey()));
      }
      if (Files.exists(target)) {
        Path old = request.base().resolve(".old-" + version + "-" + UUID.randomUUID());
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        RunDirectory.deleteRecursively(old);
      } else {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      }
      return target;
    } finally {
      RunDirectory.deleteRecursively(tmp);
    }
  }

  /** Builds the serving graph, restores the trained weights and writes the SavedModel. */
  static void writeSavedModel(ModelConfig config, String checkpoint, Path dir) throws IOException {
    try (Graph graph = new Graph()) {
      ServingGraph serving = new ServingGraph(graph, config);
      try (Session session = new Session(graph)) {
        try {
          session.restore(checkpoint);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("cannot restore the trained weights from " + checkpoint + ": "
              + Predictor.firstLine(e.getMessage()), e);
        }
        SavedModelBundle.exporter(dir.toString())
            .withTags(SavedModelBundle.DEFAULT_TAG)
            .withFunction(SessionFunction.create(serving.serving(), session))
            .withFunction(SessionFunction.create(serving.attention(), session))
            .export();
      }
    }
  }

  /** One more than the largest numeric version folder in {@code base}, or 1. */
  static int nextVersion(Path base) throws IOException {
    try (Stream<Path> list = Files.list(base)) {
      return list.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+"))
          .mapToInt(Integer::parseInt).max().orElse(0) + 1;
    }
  }

  private static void copyIfPresent(Path from, Path to) throws IOException {
    if (Files.isRegularFile(from)) {
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

}
