package dev.attentiondrop.zoo.metrics;

/**
 * The closed interval {@code [lo, hi]} an attacked input is clipped to, e.g. {@link #PIXELS}. Clean
 * inputs must lie in it.
 */
public record ValueRange(double lo, double hi) {
  /** Image pixels: {@code [0, 1]}. */
  public static final ValueRange PIXELS = new ValueRange(0, 1);

  public ValueRange {
    if (!(Double.isFinite(lo) && Double.isFinite(hi) && lo < hi)) {
      throw new IllegalArgumentException(
          "value range must be finite with lo < hi, got [" + lo + ", " + hi + "]");
    }
  }

  public boolean contains(double v) {
    return v >= lo && v <= hi;
  }

  public float clip(float v) {
    return (float) Math.min(hi, Math.max(lo, v));
  }
}
