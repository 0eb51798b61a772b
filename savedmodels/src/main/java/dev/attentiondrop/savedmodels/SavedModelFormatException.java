package dev.attentiondrop.savedmodels;

/**
 * A SavedModel that TensorFlow cannot load: a truncated or corrupt {@code saved_model.pb},
 * variables that fail their checksums or do not match the graph.
 */
public final class SavedModelFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with message {@code "<dir>: <why>"}.
   *
   * @param dir the SavedModel folder or file, as named in messages
   * @param why what is wrong with it
   * @param cause TensorFlow's or the protobuf parser's error, or null
   */
  public SavedModelFormatException(String dir, String why, Throwable cause) {
    super(dir + ": " + why, cause);
  }
}
