package dev.attentiondrop.serving.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One model to serve: TF Serving's {@code ModelConfig} (name, base path, version policy, version
 * labels).
 *
 * @param name the name requests use ({@code /v1/models/NAME}, {@code model_spec.name})
 * @param basePath the folder holding numbered version folders
 * @param policy which versions to serve
 * @param labels version labels ({@code /labels/L}, {@code model_spec.version_label})
 */
public record ServedModel(
    String name, Path basePath, VersionPolicy policy, Map<String, Long> labels) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-]+");

  /**
   * Checks the name and copies the labels.
   *
   * @param name letters, digits, {@code _ . -}
   * @param basePath the base path
   * @param policy the version policy
   * @param labels label to version
   */
  public ServedModel {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "model name must be letters, digits, '_', '.' or '-', got '" + name + "'");
    }
    if (basePath == null) {
      throw new IllegalArgumentException("model " + name + " needs a base path");
    }
    policy = policy == null ? VersionPolicy.latest() : policy;
    labels = Map.copyOf(labels == null ? Map.of() : labels);
  }

  /**
   * A model served with the default policy (latest version) and no labels.
   *
   * @param name the name
   * @param basePath the base path
   * @return the config
   */
  public static ServedModel of(String name, Path basePath) {
    return new ServedModel(name, basePath, VersionPolicy.latest(), Map.of());
  }
}
