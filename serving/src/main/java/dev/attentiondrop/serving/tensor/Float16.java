package dev.attentiondrop.serving.tensor;

/**
 * IEEE 754 half precision to and from float, rounding to nearest even as NumPy and TensorFlow do
 * (Java 17 has no {@code Float.floatToFloat16}).
 */
final class Float16 {
  private Float16() {}

  static float toFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  static short fromFloat(float f) {
    int x = Float.floatToRawIntBits(f);
    int sign = (x >>> 16) & 0x8000;
    int u = x & 0x7fffffff;
    if (u >= 0x7f800000) {
      int nan = u > 0x7f800000 ? 0x200 | ((u >>> 13) & 0x3ff) : 0;
      return (short) (sign | 0x7c00 | nan);
    }
    if (u >= 0x477ff000) {
      return (short) (sign | 0x7c00); // 65520 and above round to infinity
    }
    int k;
    int shift;
    int m;
    if (u < 0x38800000) { // below 2^-14: a subnormal half (or zero)
      if (u < 0x33000000) {
        return (short) sign;
      }
      int e = u >>> 23;
      m = (u & 0x7fffff) | 0x800000;
      shift = 126 - e;
      k = m >>> shift;
    } else {
      m = u - 0x38000000;
      shift = 13;
      k = m >>> shift;
    }
    int rem = m & ((1 << shift) - 1);
    int halfway = 1 << (shift - 1);
    if (rem > halfway || (rem == halfway && (k & 1) == 1)) {
      k++;
    }
    return (short) (sign | k);
  }
}
