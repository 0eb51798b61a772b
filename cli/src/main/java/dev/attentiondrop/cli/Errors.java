package dev.attentiondrop.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.attentiondrop.savedmodels.SavedModelFormatException;
import dev.attentiondrop.serving.ConfigFiles.ConfigFileException;
import dev.attentiondrop.zoo.config.JsonFileException;
import dev.attentiondrop.zoo.data.DatasetFormatException;
import dev.attentiondrop.zoo.data.MissingDatasetException;
import dev.attentiondrop.zoo.train.CheckpointFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The one line a user reads for a failed command ({@code error: <what> (<file>): <why>}), and its
 * exit status, after the BSD {@code sysexits.h} codes. Java's bare messages ({@code For input
 * string: "abc"}, a path alone, {@code Input length = 1}) become sentences.
 */
final class Errors {
  private Errors() {}

  /** An unexpected failure: a bug, or TensorFlow's own error. */
  static final int INTERNAL = 1;

  /** A bad option or parameter value (picocli's usage errors too). */
  static final int USAGE = 2;

  /** An input file's content is wrong: corrupt, truncated, malformed, not UTF-8 (EX_DATAERR). */
  static final int DATA = 65;

  /** An input file, folder or dataset does not exist (EX_NOINPUT). */
  static final int NO_INPUT = 66;

  /** Reading or writing failed: a full or read-only disk, no permission (EX_IOERR). */
  static final int IO = 74;

  /** Bad content of a user's input file, found by a command (not by a library reader). */
  static final class InputDataException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    InputDataException(String message) {
      super(message);
    }

    InputDataException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Unwraps {@link UncheckedIOException} (from listeners and streams). */
  static Throwable unwrap(Throwable e) {
    while (e instanceof UncheckedIOException u && u.getCause() != null) {
      e = u.getCause();
    }
    return e;
  }

  /** Whether the failure is one the user can act on (bad input, a file, the disk). */
  static boolean expected(Throwable e) {
    e = unwrap(e);
    return e instanceof IllegalArgumentException
        || e instanceof IllegalStateException
        || e instanceof IOException;
  }

  /** The exit status of an expected failure. */
  static int status(Throwable e) {
    e = unwrap(e);
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof DatasetFormatException
          || c instanceof CheckpointFormatException
          || c instanceof SavedModelFormatException
          || c instanceof JsonFileException
          || c instanceof InputDataException
          || c instanceof ConfigFileException
          || c instanceof JsonProcessingException
          || c instanceof CharacterCodingException) {
        return DATA;
      }
    }
    if (e instanceof NoSuchFileException || e instanceof MissingDatasetException) {
      return NO_INPUT;
    }
    if (e instanceof IOException) {
      return IO;
    }
    return USAGE;
  }

  /** The sentence after {@code error: }. */
  static String message(Throwable e) {
    e = unwrap(e);
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
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().get();
  }
}
