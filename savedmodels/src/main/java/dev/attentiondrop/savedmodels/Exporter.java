package dev.attentiondrop.savedmodels;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.models.Tokenizer;
import dev.attentiondrop.zoo.train.CheckpointFormatException;
import dev.attentiondrop.zoo.train.Staging;
import dev.attentiondrop.zoo.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
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

  /**
   * What to export and where.
   *
   * @param modelDir a trained model folder: {@code config.json}, the {@code variables} checkpoint,
   *     {@code tokenizer.json} for text models
   * @param base the TF Serving base directory the version folder goes in
   * @param version the version number, or null for one more than the largest in {@code base}
   * @param overwrite whether an existing version folder may be replaced
   * @param extraAssets files copied into {@code assets/}, by the name they get there
   * @param textAssets files written into {@code assets/} with the given text, by name: the caller's
   *     metadata, such as {@code source_revision.txt} (the library records none itself)
   */
  public record Request(
      Path modelDir,
      Path base,
      Integer version,
      boolean overwrite,
      Map<String, Path> extraAssets,
      Map<String, String> textAssets) {

    /**
     * Checks the request.
     *
     * @param modelDir the trained model folder
     * @param base the base directory
     * @param version the version, or null for the next one
     * @param overwrite whether an existing version may be replaced
     * @param extraAssets files copied into {@code assets/}
     * @param textAssets texts written into {@code assets/}
     */
    public Request {
      Checks.notNull("model directory", modelDir);
      Checks.notNull("base directory", base);
      if (version != null) {
        Checks.inRange("version", version, 1, Integer.MAX_VALUE);
      }
      extraAssets = extraAssets == null ? Map.of() : Map.copyOf(extraAssets);
      textAssets = textAssets == null ? Map.of() : Map.copyOf(textAssets);
      for (String name : textAssets.keySet()) {
        assetName(name);
      }
      for (String name : extraAssets.keySet()) {
        assetName(name);
      }
    }

    /**
     * A request without extra assets.
     *
     * @param modelDir the trained model folder
     * @param base the base directory
     * @param version the version, or null for the next one
     * @param overwrite whether an existing version may be replaced
     */
    public Request(Path modelDir, Path base, Integer version, boolean overwrite) {
      this(modelDir, base, version, overwrite, Map.of(), Map.of());
    }
  }

  private static void assetName(String name) {
    if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      throw new IllegalArgumentException(
          "asset name must be a plain file name (no '/', not starting with '.'), got '"
              + name
              + "'");
    }
  }

  /**
   * Exports the current weights of a live {@link Trainer} (as after {@link Trainer#fit}) to {@code
   * base} in TF Serving's layout: the same SavedModel as exporting a saved run's {@code model/}
   * folder.
   *
   * @param trainer the trainer whose weights are exported
   * @param tokenizer the tokenizer of a text model (written as {@code assets/tokenizer.json}), or
   *     null for images
   * @param base the TF Serving base directory
   * @param version the version number, or null for the next one
   * @param textAssets the caller's metadata written into {@code assets/}, by file name
   * @return the version folder written
   * @throws IOException if a file cannot be written
   */
  public static Path export(
      Trainer trainer,
      Tokenizer tokenizer,
      Path base,
      Integer version,
      Map<String, String> textAssets)
      throws IOException {
    Checks.notNull("trainer", trainer);
    if (trainer.modelConfig().kind() == ModelConfig.Kind.TEXT && tokenizer == null) {
      throw new IllegalArgumentException("a text model is exported with its tokenizer; got null");
    }
    try (Staging staging = Staging.open(base)) {
      Path model = staging.create("model");
      trainer.save(model.resolve("variables").toString());
      Files.writeString(model.resolve("config.json"), Json.write(trainer.modelConfig()));
      if (tokenizer != null) {
        Files.writeString(model.resolve("tokenizer.json"), Json.write(tokenizer));
      }
      return export(new Request(model, base, version, false, Map.of(), textAssets));
    }
  }

  /**
   * Exports a trained model folder.
   *
   * @param request what to export and where
   * @return the version folder written
   * @throws IOException if a file cannot be read or written
   */
  public static Path export(Request request) throws IOException {
    Path modelDir = request.modelDir();
    Path configFile = modelDir.resolve("config.json");
    if (!Files.isRegularFile(configFile)
        || !Files.isRegularFile(modelDir.resolve("variables.index"))) {
      throw new IllegalArgumentException(
          modelDir
              + " is not a trained model folder: expected config.json and "
              + "variables.index (a run directory's model/ folder, written at the end of `attentiondrop train`)");
    }
    ModelConfig config = Json.read(configFile, ModelConfig.class);
    // opening the session recovers what a killed export left (a version it had moved aside goes
    // back) before the versions are counted; a live export's folders are left alone
    try (Staging staging = Staging.open(request.base())) {
      int version = request.version() != null ? request.version() : nextVersion(request.base());
      Path target = request.base().resolve(Integer.toString(version));
      if (Files.exists(target) && !request.overwrite()) {
        throw new IllegalArgumentException(
            "version "
                + version
                + " already exists in "
                + request.base()
                + "; choose another --model-version or pass --overwrite");
      }
      Path tmp = staging.create(Integer.toString(version));
      writeSavedModel(config, modelDir.resolve("variables").toString(), tmp);
      Path assets = Files.createDirectories(tmp.resolve("assets"));
      Files.copy(configFile, assets.resolve("config.json"));
      Files.writeString(assets.resolve("regularizers.json"), Json.write(config.regularizers()));
      copyIfPresent(modelDir.resolve("tokenizer.json"), assets.resolve("tokenizer.json"));
      copyIfPresent(modelDir.resolve("metrics.json"), assets.resolve("metrics.json"));
      for (Map.Entry<String, String> e : request.textAssets().entrySet()) {
        Files.writeString(assets.resolve(e.getKey()), e.getValue());
      }
      for (Map.Entry<String, Path> e : request.extraAssets().entrySet()) {
        copyIfPresent(e.getValue(), assets.resolve(e.getKey()));
      }
      return staging.commit(tmp, Integer.toString(version), request.overwrite());
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
          throw new CheckpointFormatException(
              checkpoint,
              "cannot restore the trained weights: missing, corrupt or of another model"
                  + " (TensorFlow: "
                  + Predictor.firstLine(e.getMessage())
                  + ")",
              e);
        }
        try {
          SavedModelBundle.exporter(dir.toString())
              .withTags(SavedModelBundle.DEFAULT_TAG)
              .withFunction(SessionFunction.create(serving.serving(), session))
              .withFunction(SessionFunction.create(serving.attention(), session))
              .export();
        } catch (RuntimeException e) {
          // TensorFlow reports a full or read-only disk as its own runtime error
          throw new IOException(
              dir
                  + ": cannot write the SavedModel (TensorFlow: "
                  + Predictor.firstLine(e.getMessage())
                  + ")",
              e);
        }
      }
    }
  }

  /** One more than the largest numeric version folder in {@code base}, or 1. */
  static int nextVersion(Path base) throws IOException {
    long largest = 0;
    try (Stream<Path> list = Files.list(base)) {
      for (String name : list.map(p -> p.getFileName().toString()).toList()) {
        // a version is a decimal number TF Serving would load; hidden temporary folders
        // (.tmp-*, .old-*), other names and numbers beyond the int range are not ours to count
        if (name.matches("[0-9]{1,10}")) {
          long v = Long.parseLong(name);
          if (v <= Integer.MAX_VALUE) {
            largest = Math.max(largest, v);
          }
        }
      }
    }
    if (largest == Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "next version (--model-version) of "
              + base
              + ": the largest version is already "
              + Integer.MAX_VALUE
              + "; pass --model-version with a free number in [1, "
              + Integer.MAX_VALUE
              + "]");
    }
    return (int) largest + 1;
  }

  private static void copyIfPresent(Path from, Path to) throws IOException {
    if (Files.isRegularFile(from)) {
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
