package dev.attentiondrop.zoo.config;

import dev.attentiondrop.ops.Configurable;
import dev.attentiondrop.ops.LogitsRegularizer;
import dev.attentiondrop.ops.ProbabilityRegularizer;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.beyond.DropAttention;
import dev.attentiondrop.ops.beyond.DropHead;
import dev.attentiondrop.ops.beyond.DropKey;
import dev.attentiondrop.ops.beyond.RelaxedAttention;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.blur.Boundary;
import dev.attentiondrop.ops.blur.SigmaScope;
import dev.attentiondrop.ops.hardmask.FillMode;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The attention regularizers by name: a list of regularizer types, each with its {@code NAME},
 * configuration {@code KEYS} and {@code fromConfig}. Parameters, defaults and checks belong to the
 * regularizer classes; unknown names and parameters get errors that list what is allowed.
 *
 * <table>
 *   <caption>The registered regularizers (defaults in the classes' {@code DEFAULT_*} constants)</caption>
 *   <tr><th>name</th><th>class</th><th>stage</th></tr>
 *   <tr><td>hard_mask</td><td>{@link HardAttentionMask}</td><td>logits</td></tr>
 *   <tr><td>blur</td><td>{@link BlurredAttentionSmoothing}</td><td>logits</td></tr>
 *   <tr><td>dropkey</td><td>{@link DropKey}</td><td>logits</td></tr>
 *   <tr><td>dropout</td><td>{@link AttentionDropout}</td><td>probabilities</td></tr>
 *   <tr><td>drophead</td><td>{@link DropHead}</td><td>probabilities</td></tr>
 *   <tr><td>dropattention</td><td>{@link DropAttention}</td><td>probabilities</td></tr>
 *   <tr><td>relaxed</td><td>{@link RelaxedAttention}</td><td>probabilities</td></tr>
 * </table>
 */
public final class RegularizerRegistry {
  private RegularizerRegistry() {}

  /** One regularizer type: its name, configuration keys, factory and its keys' choices. */
  private record Entry(
      String name,
      List<String> keys,
      Function<Map<String, ?>, ? extends Configurable> factory,
      Map<String, List<String>> choices) {
    Entry(String name, List<String> keys, Function<Map<String, ?>, ? extends Configurable> f) {
      this(name, keys, f, Map.of());
    }
  }

  /** The configuration names of an enumeration's constants. */
  private static <E extends Enum<E>> List<String> choices(E[] values, Function<E, String> name) {
    return Arrays.stream(values).map(name).toList();
  }

  private static final List<Entry> ENTRIES =
      List.of(
          new Entry(
              HardAttentionMask.NAME,
              HardAttentionMask.KEYS,
              HardAttentionMask::fromConfig,
              Map.of("fill", choices(FillMode.values(), FillMode::configName))),
          new Entry(
              BlurredAttentionSmoothing.NAME,
              BlurredAttentionSmoothing.KEYS,
              BlurredAttentionSmoothing::fromConfig,
              Map.of(
                  "scope", choices(SigmaScope.values(), SigmaScope::configName),
                  "boundary", choices(Boundary.values(), Boundary::configName))),
          new Entry(DropKey.NAME, DropKey.KEYS, DropKey::fromConfig),
          new Entry(AttentionDropout.NAME, AttentionDropout.KEYS, AttentionDropout::fromConfig),
          new Entry(DropHead.NAME, DropHead.KEYS, DropHead::fromConfig),
          new Entry(DropAttention.NAME, DropAttention.KEYS, DropAttention::fromConfig),
          new Entry(RelaxedAttention.NAME, RelaxedAttention.KEYS, RelaxedAttention::fromConfig));

  /**
   * The registered names, in a stable order.
   *
   * @return the names
   */
  public static List<String> names() {
    return ENTRIES.stream().map(Entry::name).toList();
  }

  /**
   * The configuration of every registered regularizer with all keys omitted: its defaults.
   *
   * @return name to default configuration, in registration order
   */
  public static Map<String, Map<String, Object>> defaults() {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (Entry e : ENTRIES) {
      out.put(e.name(), e.factory().apply(Map.of()).config());
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * A one-line description of every entry and its parameters, for help texts.
   *
   * @return one line per regularizer
   */
  public static String describe() {
    StringBuilder sb = new StringBuilder();
    for (Entry e : ENTRIES) {
      Map<String, Object> defaults = e.factory().apply(Map.of()).config();
      List<String> ps = new ArrayList<>();
      for (String key : e.keys()) {
        String p = key;
        if (e.choices().containsKey(key)) {
          p += " in {" + String.join(", ", e.choices().get(key)) + "}";
        }
        ps.add(defaults.containsKey(key) ? p + " (default " + defaults.get(key) + ")" : p);
      }
      sb.append(e.name()).append(": ").append(String.join(", ", ps)).append('\n');
    }
    return sb.toString();
  }

  private static Entry entry(String name) {
    for (Entry e : ENTRIES) {
      if (e.name().equals(name)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        "unknown regularizer '" + name + "'; allowed: " + String.join(", ", names()));
  }

  /**
   * Builds the regularizer once (so that names, keys, types and ranges are checked now) and returns
   * its canonical config: typed values, defaults explicit, keys sorted.
   *
   * @param config a regularizer config, normalized or not
   * @return the canonical config, with the same layers
   * @throws IllegalArgumentException for an unknown name, key or choice, or a bad value
   */
  public static RegularizerConfig normalize(RegularizerConfig config) {
    return new RegularizerConfig(config.name(), build(config).config(), config.layers());
  }

  private static Configurable build(RegularizerConfig config) {
    return entry(config.name()).factory().apply(config.params());
  }

  /**
   * The regularizer a (normalized or not) config describes.
   *
   * @param config the config
   * @return a {@link LogitsRegularizer} or a {@link ProbabilityRegularizer}
   * @throws IllegalArgumentException for an unknown name, key or choice, or a bad value
   */
  public static Object create(RegularizerConfig config) {
    return build(config);
  }

  /**
   * The chain of encoder layer {@code layer}: the configs that apply to it, in order.
   *
   * @param configs the configured regularizers
   * @param layer the encoder layer, 0-based
   * @return the chain
   */
  public static RegularizerChain chainFor(List<RegularizerConfig> configs, int layer) {
    List<LogitsRegularizer> logits = new ArrayList<>();
    List<ProbabilityRegularizer> probabilities = new ArrayList<>();
    for (RegularizerConfig c : configs) {
      if (!c.appliesTo(layer)) {
        continue;
      }
      Object r = create(c);
      if (r instanceof LogitsRegularizer l) {
        logits.add(l);
      } else {
        probabilities.add((ProbabilityRegularizer) r);
      }
    }
    return new RegularizerChain(logits, probabilities);
  }
}
