package dev.attentiondrop.serving.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Half precision against IEEE 754's definition: every bit pattern, and the rounding edges. */
class Float16Test {
  /** The value of a half bit pattern from the formula (sign, exponent, fraction). */
  static double reference(int bits) {
    int sign = (bits >> 15) == 0 ? 1 : -1;
    int exp = (bits >> 10) & 0x1f;
    int frac = bits & 0x3ff;
    if (exp == 0x1f) {
      return frac == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
    }
    return exp == 0
        ? sign * frac * Math.pow(2, -24)
        : sign * (1 + frac / 1024.0) * Math.pow(2, exp - 15);
  }

  @Test
  void everyHalfConvertsExactlyAndBack() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float f = Float16.toFloat((short) bits);
      double ref = reference(bits);
      if (Double.isNaN(ref)) {
        assertTrue(Float.isNaN(f));
        assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(f))));
        continue;
      }
      assertEquals(ref, f, 0.0, "bits " + Integer.toHexString(bits));
      assertEquals((short) bits, Float16.fromFloat(f), "round trip of " + f);
    }
  }

  @Test
  void roundsToNearestEven() {
    float ulp1 = (float) Math.pow(2, -10); // spacing of halves in [1, 2)
    assertEquals(Float16.fromFloat(1f), Float16.fromFloat(1f + ulp1 / 2), "tie to even: down");
    assertEquals(
        Float16.fromFloat(1f + 2 * ulp1), Float16.fromFloat(1f + 1.5f * ulp1), "tie to even: up");
    assertEquals(Float16.fromFloat(1f + ulp1), Float16.fromFloat(1f + 0.51f * ulp1));
    assertEquals((short) 0x7bff, Float16.fromFloat(65504f), "largest half");
    assertEquals((short) 0x7bff, Float16.fromFloat(65519f));
    assertEquals((short) 0x7c00, Float16.fromFloat(65520f), "rounds to infinity");
    assertEquals((short) 0x0001, Float16.fromFloat((float) Math.pow(2, -24)), "smallest subnormal");
    assertEquals((short) 0x0000, Float16.fromFloat((float) Math.pow(2, -25)), "tie to even: zero");
    assertEquals((short) 0x0002, Float16.fromFloat((float) (3 * Math.pow(2, -25))), "tie: to 2");
    assertEquals((short) 0x8000, Float16.fromFloat(-0f));
    assertEquals((short) 0x0400, Float16.fromFloat((float) Math.pow(2, -14)), "smallest normal");
  }
}
