package dev.attentiondrop.zoo.metrics;

/**
 * The closed interval {@code [lo, hi]} an attacked input is clipped to, e.g. {@link #PIXELS}. Clean
 * inputs must lie in it.
 *
 * @param lo the lower bound, finite
 * @param hi the upper bound, finite, {@code > lo}
 */
public record ValueRange(double lo, double hi) {
  /** Image pixels: {@code [0, 1]}. */
  public static final ValueRange PIXELS = new ValueRange(0, 1);

  /**
   * Validates the bounds.
   *
   * @param lo the lower bound, finite
   * @param hi the upper bound, finite, {@code > lo}
   * @throws IllegalArgumentException if a bound is not finite or {@code lo >= hi}
   */
  public ValueRange {
    if (!(Double.isFinite(lo) && Double.isFinite(hi) && lo < hi)) {
      throw new IllegalArgumentException(
          "value range must be finite with lo < hi, got [" + lo + ", " + hi + "]");
    }
  }

  /**
   * Whether a value lies in the range.
   *
   * @param v a value
   * @return {@code lo <= v && v <= hi} (false for NaN)
   */
  public boolean contains(double v) {
    return v >= lo && v <= hi;
  }

  /**
   * Clamps a value to the range.
   *
   * @param v a value
   * @return {@code min(hi, max(lo, v))}, as float32
   */
  public float clip(float v) {
    return (float) Math.min(hi, Math.max(lo, v));
  }
}
