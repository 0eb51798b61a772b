package dev.attentiondrop.zoo.train;

import java.util.HashMap;
import java.util.Map;

/**
 * Named points in the file-writing code where a test can stop the process as abruptly as {@code
 * kill -9} does: with the system property {@code attentiondrop.crash-at=NAME} (or {@code NAME:N},
 * the {@code N}-th time), reaching point {@code NAME} halts the JVM at once (exit status 137; no
 * {@code finally} block, no shutdown hook runs, the operating system releases the files and locks).
 * Without the property nothing happens. The reliability tests use it to check that every such point
 * leaves the files recoverable.
 *
 * <p>Points: {@code atomic-write.written} (a temporary file written, not yet renamed), {@code
 * staging.staged} (a result written in its work folder), {@code staging.aside} (the old result
 * moved aside, the new one not yet in place), {@code staging.committed} (the result in place, the
 * session not closed), {@code train.checkpoint-saved} (an epoch's variables saved, {@code
 * state.json} not yet updated).
 */
public final class CrashPoint {
  private CrashPoint() {}

  /** The system property naming the point to halt at. */
  public static final String PROPERTY = "attentiondrop.crash-at";

  /**
   * Halts the JVM with status 137 if {@code name} is the point the system property names.
   *
   * @param name the point reached
   */
  public static void reach(String name) {
    String at = System.getProperty(PROPERTY);
    if (at == null || !(at.equals(name) || at.startsWith(name + ":"))) {
      return;
    }
    int nth = at.equals(name) ? 1 : Integer.parseInt(at.substring(name.length() + 1));
    synchronized (REACHED) {
      if (REACHED.merge(name, 1, Integer::sum) == nth) {
        Runtime.getRuntime().halt(137);
      }
    }
  }

  private static final Map<String, Integer> REACHED = new HashMap<>();
}
