package dev.attentiondrop.zoo.data;

import java.io.IOException;

/** A dataset file that is truncated, corrupt or inconsistent with its companion file. */
public final class DatasetFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Message {@code "<file>: expected <expected>, found <found>"}. */
  public DatasetFormatException(String file, String expected, String found) {
    super(file + ": expected " + expected + ", found " + found);
  }

  /** As {@link #DatasetFormatException(String, String, String)}, keeping the cause. */
  public DatasetFormatException(String file, String expected, String found, Throwable cause) {
    super(file + ": expected " + expected + ", found " + found, cause);
  }
}
