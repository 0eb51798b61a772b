package dev.attentiondrop.ops;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;

/**
 * Eager parameter validation. Every message names the parameter, the value received and the allowed
 * range, for example {@code "p must be in [0, 1], got 1.5"}.
 */
public final class Checks {
  private Checks() {}

  /**
   * {@code lo <= value <= hi}.
   *
   * @param name the parameter's name, for the message
   * @param value the value to check
   * @param lo the lower bound
   * @param hi the upper bound
   * @return {@code value}, unchanged
   */
  public static double inClosed(String name, double value, double lo, double hi) {
    if (!(value >= lo && value <= hi)) {
      throw new IllegalArgumentException(
          name + " must be in [" + fmt(lo) + ", " + fmt(hi) + "], got " + fmt(value));
    }
    return value;
  }

  /**
   * {@code lo <= value < hi}.
   *
   * @param name the parameter's name, for the message
   * @param value the value to check
   * @param lo the lower bound
   * @param hi the upper bound
   * @return {@code value}, unchanged
   */
  public static double inClosedOpen(String name, double value, double lo, double hi) {
    if (!(value >= lo && value < hi)) {
      throw new IllegalArgumentException(
          name + " must be in [" + fmt(lo) + ", " + fmt(hi) + "), got " + fmt(value));
    }
    return value;
  }

  /**
   * {@code lo < value <= hi}.
   *
   * @param name the parameter's name, for the message
   * @param value the value to check
   * @param lo the lower bound
   * @param hi the upper bound
   * @return {@code value}, unchanged
   */
  public static double inOpenClosed(String name, double value, double lo, double hi) {
    if (!(value > lo && value <= hi)) {
      throw new IllegalArgumentException(
          name + " must be in (" + fmt(lo) + ", " + fmt(hi) + "], got " + fmt(value));
    }
    return value;
  }

  /**
   * A finite {@code value > 0}.
   *
   * @param name the parameter's name, for the message
   * @param value the value to check
   * @return {@code value}, unchanged
   */
  public static double positiveFinite(String name, double value) {
    if (!(value > 0 && Double.isFinite(value))) {
      throw new IllegalArgumentException(
          name + " must be finite and in (0, +inf), got " + fmt(value));
    }
    return value;
  }

  /**
   * A finite {@code value >= 0}.
   *
   * @param name the parameter's name, for the message
   * @param value the value to check
   * @return {@code value}, unchanged
   */
  public static double nonNegativeFinite(String name, double value) {
    if (!(value >= 0 && Double.isFinite(value))) {
      throw new IllegalArgumentException(
          name + " must be finite and in [0, +inf), got " + fmt(value));
    }
    return value;
  }

  /**
   * {@code lo <= value <= hi} for integers.
   *
   * @param name the parameter's name, for the message
   * @param value the value to check
   * @param lo the lower bound
   * @param hi the upper bound
   * @return {@code value}, unchanged
   */
  public static int inRange(String name, int value, int lo, int hi) {
    if (value < lo || value > hi) {
      throw new IllegalArgumentException(
          name + " must be an integer in [" + lo + ", " + hi + "], got " + value);
    }
    return value;
  }

  /**
   * An odd integer in {@code [lo, hi]}.
   *
   * @param name the parameter's name, for the message
   * @param value the value to check
   * @param lo the lower bound
   * @param hi the upper bound
   * @return {@code value}, unchanged
   */
  public static int oddInRange(String name, int value, int lo, int hi) {
    if (value < lo || value > hi || value % 2 == 0) {
      throw new IllegalArgumentException(
          name + " must be an odd integer in [" + lo + ", " + hi + "], got " + value);
    }
    return value;
  }

  /**
   * Non-null.
   *
   * @param <V> the type of the value
   * @param name the parameter's name, for the message
   * @param value the value to check
   * @return {@code value}, unchanged
   */
  public static <V> V notNull(String name, V value) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    return value;
  }

  /**
   * The static rank of {@code operand}, when known, equals {@code rank}. An operand of unknown rank
   * passes here; the graph ops then check at run time.
   *
   * @param name the parameter's name, for the message
   * @param operand the tensor
   * @param rank the required rank
   * @param layout the expected layout, for the message, e.g. {@code "[batch, heads, queries,
   *     keys]"}
   */
  public static void rank(String name, Operand<?> operand, int rank, String layout) {
    Shape shape = operand.shape();
    if (!shape.isUnknown() && shape.numDimensions() != rank) {
      throw new IllegalArgumentException(
          name
              + " must have rank "
              + rank
              + " "
              + layout
              + ", got rank "
              + shape.numDimensions()
              + " with shape "
              + shape);
    }
  }

  static String fmt(double v) {
    if (v == Double.POSITIVE_INFINITY) {
      return "+inf";
    }
    if (v == Double.NEGATIVE_INFINITY) {
      return "-inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }
}
