package dev.attentiondrop.experiments;

import dev.attentiondrop.zoo.config.RegularizerConfig;
import dev.attentiondrop.zoo.train.ConsistencyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Sets a tuned or swept parameter of a method (see {@link ExperimentConfig.Tune#target}). */
final class Targets {
  private Targets() {}

  static ExperimentConfig.Method apply(ExperimentConfig.Method m, String target, double value) {
    switch (target) {
      case "residual_dropout":
        return new ExperimentConfig.Method(
            m.name(),
            m.regularizers(),
            m.consistency(),
            value,
            m.dropConnect(),
            m.tune(),
            m.seeds());
      case "drop_connect":
        return new ExperimentConfig.Method(
            m.name(),
            m.regularizers(),
            m.consistency(),
            m.residualDropout(),
            value,
            m.tune(),
            m.seeds());
      case "consistency.lambda":
        {
          ConsistencyConfig c = m.consistency();
          if (c == null) {
            throw new IllegalArgumentException(
                "method '" + m.name() + "' has no consistency objective to set lambda of");
          }
          return new ExperimentConfig.Method(
              m.name(),
              m.regularizers(),
              c.toBuilder().lambda(value).build(),
              m.residualDropout(),
              m.dropConnect(),
              m.tune(),
              m.seeds());
        }
      default:
        break;
    }
    int dot = target.indexOf('.');
    if (dot <= 0) {
      throw new IllegalArgumentException(
          "target must be residual_dropout, drop_connect, consistency.lambda or "
              + "REGULARIZER.PARAM, got '"
              + target
              + "'");
    }
    String reg = target.substring(0, dot);
    String param = target.substring(dot + 1);
    List<RegularizerConfig> regs = new ArrayList<>(m.regularizers());
    for (int i = 0; i < regs.size(); i++) {
      RegularizerConfig r = regs.get(i);
      if (r.name().equals(reg)) {
        var params = new TreeMap<>(r.params());
        params.put(param, value);
        regs.set(i, new RegularizerConfig(r.name(), params, r.layers()));
        return new ExperimentConfig.Method(
            m.name(),
            regs,
            m.consistency(),
            m.residualDropout(),
            m.dropConnect(),
            m.tune(),
            m.seeds());
      }
    }
    throw new IllegalArgumentException(
        "method '" + m.name() + "' has no regularizer '" + reg + "' (target " + target + ")");
  }

  /** A path-safe label: {@code hard_mask.p=0.3}. */
  static String label(String target, double value) {
    return target
        + "="
        + (value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value));
  }
}
