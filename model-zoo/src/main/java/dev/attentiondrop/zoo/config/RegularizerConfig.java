package dev.attentiondrop.zoo.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.attentiondrop.ops.Checks;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One regularizer of the attention chain, by registered name, with its parameters and the encoder
 * layers it applies to ({@code null}: every layer). Parameters are validated and completed with
 * defaults by {@link RegularizerRegistry#normalize}.
 *
 * <p>JSON: {@code {"name": "hard_mask", "params": {"k": 8, "p": 0.1, "fill": "zero"}}}
 *
 * @param name the registered name of the regularizer, e.g. {@code "hard_mask"}
 * @param params its parameters by key (sorted); values as numbers or their text
 * @param layers the encoder layers it applies to, 0-based; {@code null} for every layer
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RegularizerConfig(String name, Map<String, Object> params, List<Integer> layers) {

  /**
   * Copies the parameters (sorted by key) and layers.
   *
   * @param name the registered name of the regularizer
   * @param params its parameters; {@code null} means none
   * @param layers the encoder layers it applies to; {@code null} for every layer
   * @throws IllegalArgumentException when {@code name} is null
   */
  public RegularizerConfig {
    Checks.notNull("regularizer name", name);
    params = params == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(params));
    layers = layers == null ? null : List.copyOf(layers);
  }

  /**
   * A regularizer of every encoder layer.
   *
   * @param name the registered name
   * @param params its parameters
   * @return the config
   */
  public static RegularizerConfig of(String name, Map<String, Object> params) {
    return new RegularizerConfig(name, params, null);
  }

  /**
   * Whether this regularizer acts in encoder layer {@code layer}.
   *
   * @param layer the encoder layer, 0-based
   * @return true when {@code layers} is null or contains {@code layer}
   */
  public boolean appliesTo(int layer) {
    return layers == null || layers.contains(layer);
  }

  /**
   * Parses the command-line form {@code name[:key=value,key=value][@layers=0;1]}, for example
   * {@code hard_mask:k=8,p=0.1}.
   *
   * @param text the command-line form
   * @return the config, values as text (see {@link RegularizerRegistry#normalize})
   * @throws IllegalArgumentException for a malformed {@code key=value} or {@code @layers} part
   */
  public static RegularizerConfig parse(String text) {
    String spec = text.trim();
    List<Integer> layers = null;
    int at = spec.indexOf('@');
    if (at >= 0) {
      String l = spec.substring(at + 1).trim();
      if (!l.startsWith("layers=")) {
        throw new IllegalArgumentException("expected '@layers=0;1' in '" + text + "'");
      }
      layers =
          Arrays.stream(l.substring(7).split(";")).map(String::trim).map(Integer::valueOf).toList();
      spec = spec.substring(0, at);
    }
    int colon = spec.indexOf(':');
    String name = colon < 0 ? spec : spec.substring(0, colon);
    Map<String, Object> params = new TreeMap<>();
    if (colon >= 0 && colon + 1 < spec.length()) {
      for (String kv : spec.substring(colon + 1).split(",")) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "expected key=value, got '" + kv + "' in '" + text + "'");
        }
        params.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
      }
    }
    return new RegularizerConfig(name.trim(), params, layers);
  }
}
