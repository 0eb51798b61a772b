package dev.attentiondrop.zoo.data;

import java.io.IOException;

/** A dataset file that is truncated, corrupt or inconsistent with its companion file. */
public final class DatasetFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with message {@code "<file>: expected <expected>, found <found>"}.
   *
   * @param file the file (or resource) that was read, as named in messages
   * @param expected what the reader expected to find
   * @param found what it found instead
   */
  public DatasetFormatException(String file, String expected, String found) {
    super(file + ": expected " + expected + ", found " + found);
  }

  /**
   * As {@link #DatasetFormatException(String, String, String)}, keeping the cause.
   *
   * @param file the file (or resource) that was read, as named in messages
   * @param expected what the reader expected to find
   * @param found what it found instead
   * @param cause the underlying error, for example a gzip stream's {@link java.io.IOException}
   */
  public DatasetFormatException(String file, String expected, String found, Throwable cause) {
    super(file + ": expected " + expected + ", found " + found, cause);
  }
}
