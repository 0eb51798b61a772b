package dev.attentiondrop.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The one line a user reads for a failed command ({@code error: <what> (<file>): <why>}), and its
 * exit status. Java's bare messages ({@code For input string: "abc"}, a path alone, {@code Input
 * length = 1}) become sentences.
 */
final class Errors {
  private Errors() {}

  /** Exit status of bad input and failed commands. */
  static final int FAILED = 2;

  /** Exit status of an unexpected failure (a bug, or TensorFlow's own error). */
  static final int INTERNAL = 1;

  /** Whether the failure is one the user can act on (bad input, a file, the disk). */
  static boolean expected(Throwable e) {
    return e instanceof IllegalArgumentException
        || e instanceof IllegalStateException
        || e instanceof IOException;
  }

  /** The sentence after {@code error: }. */
  static String message(Throwable e) {
    if (e instanceof NoSuchFileException f) {
      return f.getFile() + ": no such file or folder";
    }
    if (e instanceof AccessDeniedException f) {
      return f.getFile() + ": permission denied";
    }
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile() + ": already exists";
    }
    if (e instanceof NotDirectoryException f) {
      return f.getFile() + ": not a folder";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getFile() + ": " + f.getReason();
    }
    if (e instanceof CharacterCodingException) {
      return "an input file is not UTF-8 text (" + e.getClass().getSimpleName() + ")";
    }
    if (e instanceof NumberFormatException) {
      String m = String.valueOf(e.getMessage());
      return "not a number: " + (m.startsWith("For input string: ") ? m.substring(18) : m);
    }
    if (e instanceof JsonProcessingException j) {
      return "invalid JSON: " + j.getOriginalMessage();
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
