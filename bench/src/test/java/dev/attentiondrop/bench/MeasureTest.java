package dev.attentiondrop.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The paired ratio's confidence interval for the median")
class MeasureTest {

  /** {@code 1 - 2 P(B <= j)}, {@code B ~ Binomial(n, 1/2)}, exactly. */
  static double coverage(int n, int j) {
    BigInteger below = BigInteger.ZERO;
    BigInteger c = BigInteger.ONE;
    for (int i = 0; i <= j; i++) {
      below = below.add(c);
      c = c.multiply(BigInteger.valueOf(n - i)).divide(BigInteger.valueOf(i + 1));
    }
    BigDecimal p =
        new BigDecimal(below).divide(new BigDecimal(BigInteger.TWO.pow(n)), MathContext.DECIMAL64);
    return 1 - 2 * p.doubleValue();
  }

  @ParameterizedTest
  @ValueSource(ints = {6, 7, 10, 20, 30, 31, 60, 100})
  @DisplayName(
      "ranks (j, n-1-j): the narrowest symmetric pair that still covers the median with probability >= 0.95")
  void ranks(int n) {
    int[] r = Measure.medianRanks(n);
    int j = r[0];
    assertEquals(n - 1 - j, r[1]);
    assertTrue(coverage(n, j) >= 0.95, "coverage at j = " + j + ": " + coverage(n, j));
    if (j + 1 < n / 2) {
      assertTrue(coverage(n, j + 1) < 0.95, "a narrower pair would still cover: j = " + (j + 1));
    }
  }
}
