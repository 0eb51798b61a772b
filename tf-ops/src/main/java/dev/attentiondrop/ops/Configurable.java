package dev.attentiondrop.ops;

import java.util.Map;

/**
 * A regularizer described by a name and a flat configuration, as TensorFlow Java's activations are:
 * every implementing class also has a {@code public static final String NAME} and a static {@code
 * fromConfig(Map<String, Object>)} that applies the defaults for omitted keys and rejects unknown
 * ones, with {@code fromConfig(r.config()).config().equals(r.config())}.
 */
public interface Configurable {
  /**
   * The registered name of this kind of regularizer, its class's {@code NAME}.
   *
   * @return the name, e.g. {@code "hard_mask"}
   */
  String name();

  /**
   * Every parameter with its value, defaults explicit: {@code Integer}, {@code Double} or (for
   * choices) lower-case {@code String} values, in the order of the class's {@code KEYS}.
   *
   * @return an unmodifiable map
   */
  Map<String, Object> config();
}
