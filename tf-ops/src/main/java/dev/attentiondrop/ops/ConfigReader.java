package dev.attentiondrop.ops;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads a regularizer's flat configuration ({@code key -> value}, values as numbers or as their
 * text, e.g. from a command line) with defaults for omitted keys. Unknown keys, values of the wrong
 * kind and unknown choices are errors that name the regularizer, the key and what is allowed.
 */
public final class ConfigReader {
  private final String owner;
  private final Map<String, ?> values;

  private ConfigReader(String owner, Map<String, ?> values) {
    this.owner = owner;
    this.values = values;
  }

  /**
   * A reader of {@code config} for the regularizer {@code owner}.
   *
   * @param owner the regularizer's name, for messages
   * @param config the configuration; {@code null} means empty
   * @param allowedKeys every key the regularizer accepts
   * @return the reader
   * @throws IllegalArgumentException for a key not in {@code allowedKeys}
   */
  public static ConfigReader of(String owner, Map<String, ?> config, List<String> allowedKeys) {
    Map<String, ?> values = config == null ? Map.of() : config;
    for (String key : values.keySet()) {
      if (!allowedKeys.contains(key)) {
        throw new IllegalArgumentException(
            "unknown parameter '"
                + key
                + "' for regularizer '"
                + owner
                + "'; allowed: "
                + String.join(", ", allowedKeys));
      }
    }
    return new ConfigReader(owner, values);
  }

  /**
   * Whether {@code key} is given.
   *
   * @param key the key
   * @return true when present with a non-null value
   */
  public boolean has(String key) {
    return values.get(key) != null;
  }

  /**
   * A real number.
   *
   * @param key the key
   * @param defaultValue the value when {@code key} is omitted
   * @return the value
   * @throws IllegalArgumentException when the value is not a number
   */
  public double real(String key, double defaultValue) {
    Object raw = values.get(key);
    if (raw == null) {
      return defaultValue;
    }
    return raw instanceof Number n ? n.doubleValue() : parse(key, raw, "a number");
  }

  /**
   * An integer (a number with no fractional part).
   *
   * @param key the key
   * @param defaultValue the value when {@code key} is omitted
   * @return the value
   * @throws IllegalArgumentException when the value is not an integer
   */
  public int integer(String key, int defaultValue) {
    Object raw = values.get(key);
    if (raw == null) {
      return defaultValue;
    }
    double d = raw instanceof Number n ? n.doubleValue() : parse(key, raw, "an integer");
    if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
      throw kind(key, raw, "an integer");
    }
    return (int) d;
  }

  /**
   * One of the constants of an enumeration, by its configuration name.
   *
   * @param <E> the enumeration
   * @param key the key
   * @param defaultValue the value when {@code key} is omitted
   * @param configName the configuration name of each constant (lower case)
   * @return the constant
   * @throws IllegalArgumentException when the value names no constant
   */
  public <E extends Enum<E>> E choice(String key, E defaultValue, Function<E, String> configName) {
    Object raw = values.get(key);
    if (raw == null) {
      return defaultValue;
    }
    String v = raw.toString().trim().toLowerCase(Locale.ROOT);
    List<E> constants = Arrays.asList(defaultValue.getDeclaringClass().getEnumConstants());
    for (E e : constants) {
      if (configName.apply(e).equals(v)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        key
            + " of regularizer '"
            + owner
            + "' must be one of "
            + constants.stream().map(configName).toList()
            + ", got '"
            + raw
            + "'");
  }

  private double parse(String key, Object raw, String kind) {
    try {
      return Double.parseDouble(raw.toString().trim());
    } catch (NumberFormatException e) {
      throw kind(key, raw, kind);
    }
  }

  private IllegalArgumentException kind(String key, Object raw, String kind) {
    return new IllegalArgumentException(
        key + " of regularizer '" + owner + "' must be " + kind + ", got '" + raw + "'");
  }

  /**
   * An unmodifiable, ordered configuration from alternating keys and values.
   *
   * @param keysAndValues {@code key1, value1, key2, value2, ...}
   * @return the map, in the order given
   */
  public static Map<String, Object> entries(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return Collections.unmodifiableMap(m);
  }
}
