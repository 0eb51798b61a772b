package dev.attentiondrop.zoo.config;

import dev.attentiondrop.ops.LogitsRegularizer;
import dev.attentiondrop.ops.ProbabilityRegularizer;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.beyond.DropAttention;
import dev.attentiondrop.ops.beyond.DropHead;
import dev.attentiondrop.ops.beyond.DropKey;
import dev.attentiondrop.ops.beyond.RateSchedule;
import dev.attentiondrop.ops.beyond.RelaxedAttention;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.blur.Boundary;
import dev.attentiondrop.ops.blur.SigmaScope;
import dev.attentiondrop.ops.hardmask.FillMode;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.hardmask.TopK;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The attention regularizers by name. Each entry declares its parameters (type, default, and for
 * enumerations the allowed values); the tf-ops constructors check ranges. Unknown names and
 * parameters get errors that list what is allowed.
 *
 * <table>
 *   <tr><th>name</th><th>parameters (default)</th><th>stage</th></tr>
 *   <tr><td>hard_mask</td><td>k (8) or k_fraction, p (0.1), fill (zero | neg_inf)</td><td>logits</td></tr>
 *   <tr><td>blur</td><td>sigma_max (1.0), w (5), scope (batch | head | example), boundary (zero_pad | renormalized)</td><td>logits</td></tr>
 *   <tr><td>dropkey</td><td>rate (0.1), rate_last (= rate)</td><td>logits</td></tr>
 *   <tr><td>dropout</td><td>rate (0.1)</td><td>probabilities</td></tr>
 *   <tr><td>drophead</td><td>rate (0.1)</td><td>probabilities</td></tr>
 *   <tr><td>dropattention</td><td>rate (0.1), window (1)</td><td>probabilities</td></tr>
 *   <tr><td>relaxed</td><td>gamma (0.1)</td><td>probabilities</td></tr>
 * </table>
 */
public final class RegularizerRegistry {
  private RegularizerRegistry() {}

  enum Type {
    INT,
    DOUBLE,
    CHOICE
  }

  record Param(String name, Type type, Object defaultValue, List<String> choices) {
    static Param integer(String name, Integer def) {
      return new Param(name, Type.INT, def, List.of());
    }

    static Param real(String name, Double def) {
      return new Param(name, Type.DOUBLE, def, List.of());
    }

    static Param choice(String name, String def, String... choices) {
      return new Param(name, Type.CHOICE, def, List.of(choices));
    }
  }

  record Entry(String name, List<Param> params, Function<Map<String, Object>, Object> factory) {}

  private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

  static {
    register(
        "hard_mask",
        List.of(
            Param.integer("k", 8),
            Param.real("k_fraction", null),
            Param.real("p", 0.1),
            Param.choice("fill", "zero", "zero", "neg_inf")),
        p -> {
          TopK k =
              p.containsKey("k_fraction")
                  ? TopK.fraction((Double) p.get("k_fraction"))
                  : TopK.count((Integer) p.get("k"));
          return new HardAttentionMask(
              k, (Double) p.get("p"), FillMode.valueOf(upper(p.get("fill"))));
        });
    register(
        "blur",
        List.of(
            Param.real("sigma_max", 1.0),
            Param.integer("w", 5),
            Param.choice("scope", "batch", "batch", "head", "example"),
            Param.choice("boundary", "zero_pad", "zero_pad", "renormalized")),
        p ->
            new BlurredAttentionSmoothing(
                (Double) p.get("sigma_max"),
                (Integer) p.get("w"),
                SigmaScope.valueOf("PER_" + upper(p.get("scope"))),
                Boundary.valueOf(upper(p.get("boundary")))));
    register(
        "dropkey",
        List.of(Param.real("rate", 0.1), Param.real("rate_last", null)),
        p -> // rate_last defaults to rate
        new DropKey(
                new RateSchedule(
                    (Double) p.get("rate"), (Double) p.getOrDefault("rate_last", p.get("rate")))));
    register(
        "dropout",
        List.of(Param.real("rate", 0.1)),
        p -> new AttentionDropout((Double) p.get("rate")));
    register(
        "drophead", List.of(Param.real("rate", 0.1)), p -> new DropHead((Double) p.get("rate")));
    register(
        "dropattention",
        List.of(Param.real("rate", 0.1), Param.integer("window", 1)),
        p -> new DropAttention((Double) p.get("rate"), (Integer) p.get("window")));
    register(
        "relaxed",
        List.of(Param.real("gamma", 0.1)),
        p -> new RelaxedAttention((Double) p.get("gamma")));
  }

  private static void register(
      String name, List<Param> params, Function<Map<String, Object>, Object> factory) {
    ENTRIES.put(name, new Entry(name, params, factory));
  }

  private static String upper(Object o) {
    return o.toString().toUpperCase(Locale.ROOT);
  }

  /** The registered names, in a stable order. */
  public static List<String> names() {
    return List.copyOf(ENTRIES.keySet());
  }

  /** A one-line description of every entry and its parameters, for help texts. */
  public static String describe() {
    StringBuilder sb = new StringBuilder();
    for (Entry e : ENTRIES.values()) {
      sb.append(e.name()).append(": ");
      List<String> ps = new ArrayList<>();
      for (Param p : e.params()) {
        String s = p.name();
        if (p.type() == Type.CHOICE) {
          s += " in {" + String.join(", ", p.choices()) + "}";
        }
        if (p.defaultValue() != null) {
          s += " (default " + p.defaultValue() + ")";
        }
        ps.add(s);
      }
      sb.append(String.join(", ", ps)).append('\n');
    }
    return sb.toString();
  }

  private static Entry entry(String name) {
    Entry e = ENTRIES.get(name);
    if (e == null) {
      throw new IllegalArgumentException(
          "unknown regularizer '" + name + "'; allowed: " + String.join(", ", ENTRIES.keySet()));
    }
    return e;
  }

  /**
   * Checks names and types, fills defaults, and builds the regularizer once so that ranges are
   * checked now. Returns the canonical config: typed values, defaults explicit, keys sorted.
   */
  public static RegularizerConfig normalize(RegularizerConfig config) {
    Entry e = entry(config.name());
    Map<String, Object> out = new TreeMap<>();
    List<String> allowed = e.params().stream().map(Param::name).toList();
    for (String key : config.params().keySet()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            "unknown parameter '"
                + key
                + "' for regularizer '"
                + e.name()
                + "'; allowed: "
                + String.join(", ", allowed));
      }
    }
    boolean fractionGiven = config.params().containsKey("k_fraction");
    for (Param p : e.params()) {
      Object raw = config.params().get(p.name());
      if (raw == null) {
        if (p.defaultValue() == null || (p.name().equals("k") && fractionGiven)) {
          continue;
        }
        raw = p.defaultValue();
      }
      out.put(p.name(), convert(e.name(), p, raw));
    }
    if (e.name().equals("dropkey") && !out.containsKey("rate_last")) {
      out.put("rate_last", out.get("rate")); // explicit: a constant schedule unless told otherwise
    }
    if (fractionGiven && config.params().containsKey("k")) {
      throw new IllegalArgumentException("regularizer 'hard_mask' takes k or k_fraction, not both");
    }
    e.factory().apply(out);
    return new RegularizerConfig(e.name(), out, config.layers());
  }

  private static Object convert(String reg, Param p, Object raw) {
    try {
      return switch (p.type()) {
        case INT ->
            Integer.valueOf(
                exactInt(raw instanceof Number n ? n : Double.valueOf(raw.toString().trim())));
        case DOUBLE ->
            raw instanceof Number n
                ? Double.valueOf(n.doubleValue())
                : Double.valueOf(raw.toString().trim());
        case CHOICE -> {
          String v = raw.toString().trim().toLowerCase(Locale.ROOT);
          if (!p.choices().contains(v)) {
            throw new IllegalArgumentException(
                p.name()
                    + " of regularizer '"
                    + reg
                    + "' must be one of "
                    + p.choices()
                    + ", got '"
                    + raw
                    + "'");
          }
          yield v;
        }
      };
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException(
          p.name()
              + " of regularizer '"
              + reg
              + "' must be "
              + (p.type() == Type.INT ? "an integer" : "a number")
              + ", got '"
              + raw
              + "'");
    }
  }

  private static int exactInt(Number n) {
    double d = n.doubleValue();
    if (d != Math.rint(d)) {
      throw new NumberFormatException();
    }
    return (int) d;
  }

  /** The regularizer a (normalized or not) config describes. */
  public static Object create(RegularizerConfig config) {
    RegularizerConfig n = normalize(config);
    return entry(n.name()).factory().apply(n.params());
  }

  /** The chain of encoder layer {@code layer}: the configs that apply to it, in order. */
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
