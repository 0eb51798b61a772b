package dev.attentiondrop.zoo.train;

/**
 * A checkpoint (a run's {@code checkpoints/} or {@code model/} variables, or its {@code
 * state.json}) that is missing files, truncated, corrupt or written for another model: TensorFlow
 * cannot restore it.
 */
public final class CheckpointFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with message {@code "<checkpoint>: <why>"}.
   *
   * @param checkpoint the checkpoint prefix or file, as named in messages
   * @param why what is wrong with it
   * @param cause TensorFlow's or the JSON reader's error, or null
   */
  public CheckpointFormatException(String checkpoint, String why, Throwable cause) {
    super(checkpoint + ": " + why, cause);
  }
}
