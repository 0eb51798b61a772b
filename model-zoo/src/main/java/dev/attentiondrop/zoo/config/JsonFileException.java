package dev.attentiondrop.zoo.config;

/**
 * A JSON file whose content cannot be read as the type asked for: not UTF-8 text, malformed JSON,
 * an unknown key or a value the type rejects. The message names the file.
 */
public final class JsonFileException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with message {@code "<file>: <why>"}.
   *
   * @param file the file, as named in messages
   * @param why what is wrong with its content
   * @param cause the reader's error
   */
  public JsonFileException(String file, String why, Throwable cause) {
    super(file + ": " + why, cause);
  }
}
