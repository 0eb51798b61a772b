package dev.attentiondrop.savedmodels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks that a directory looks like a SavedModel before TensorFlow is asked to load it. */
final class SavedModels {
  private SavedModels() {}

  /** A clear error for a missing directory, a missing saved_model.pb or missing variables. */
  static void checkLayout(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + " is not a directory");
    }
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      String hint = "";
      try (var list = Files.list(dir)) {
        if (list.anyMatch(
            p ->
                p.getFileName().toString().matches("\\d+")
                    && Files.isRegularFile(p.resolve("saved_model.pb")))) {
          hint = " (it holds numbered versions: pass one of them, e.g. " + dir.resolve("1") + ")";
        }
      } catch (IOException ignored) {
        // no hint
      }
      throw new IllegalArgumentException(dir + " is not a SavedModel: no saved_model.pb" + hint);
    }
    if (!Files.isRegularFile(dir.resolve("variables/variables.index"))) {
      throw new IllegalArgumentException(
          dir + " is not a complete SavedModel: variables/variables.index is missing");
    }
    try (var list = Files.list(dir.resolve("variables"))) {
      if (list.noneMatch(p -> p.getFileName().toString().startsWith("variables.data-"))) {
        throw new IllegalArgumentException(
            dir + " is not a complete SavedModel: variables/variables.data-* is missing");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read " + dir.resolve("variables") + ": " + e.getMessage());
    }
  }
}
