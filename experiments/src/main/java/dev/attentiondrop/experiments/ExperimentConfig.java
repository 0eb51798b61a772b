package dev.attentiondrop.experiments;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.config.RegularizerConfig;
import dev.attentiondrop.zoo.train.ConsistencyConfig;
import dev.attentiondrop.zoo.train.TrainConfig;
import java.util.HashSet;
import java.util.List;

/**
 * An experiment grid, read from JSON ({@code experiments/quick.json}, {@code full.json}).
 *
 * @param name profile name
 * @param datasets each dataset with its base model (no attention regularizer), training budget,
 *     number of seeds and attack radii
 * @param methods the regularization methods compared
 * @param sweeps sensitivity sweeps of one parameter of one method
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExperimentConfig(
    String name, List<DatasetPlan> datasets, List<Method> methods, List<Sweep> sweeps) {

  public ExperimentConfig {
    Checks.notNull("name", name);
    datasets = List.copyOf(Checks.notNull("datasets", datasets));
    methods = List.copyOf(Checks.notNull("methods", methods));
    sweeps = sweeps == null ? List.of() : List.copyOf(sweeps);
    Checks.inRange("number of datasets", datasets.size(), 1, 100);
    Checks.inRange("number of methods", methods.size(), 1, 100);
    var names = new HashSet<String>();
    for (Method m : methods) {
      if (!names.add(m.name())) {
        throw new IllegalArgumentException(
            "method names must be unique, '" + m.name() + "' appears twice");
      }
    }
    var regimes = new HashSet<String>();
    for (DatasetPlan d : datasets) {
      if (!regimes.add(d.id())) {
        throw new IllegalArgumentException(
            "regime names must be unique, '" + d.id() + "' appears twice (give each a name)");
      }
      if (d.methods() != null) {
        for (String m : d.methods()) {
          if (!names.contains(m)) {
            throw new IllegalArgumentException(
                "regime '" + d.id() + "' runs unknown method '" + m + "'; methods: " + names);
          }
        }
      }
    }
    for (Sweep s : sweeps) {
      if (!names.contains(s.method())) {
        throw new IllegalArgumentException(
            "sweep of unknown method '" + s.method() + "'; methods: " + names);
      }
      if (datasets.stream().noneMatch(d -> d.id().equals(s.dataset()))) {
        throw new IllegalArgumentException(
            "sweep on unknown regime '" + s.dataset() + "'; regimes: " + regimes);
      }
    }
  }

  public Method method(String name) {
    return methods.stream()
        .filter(m -> m.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown method '" + name + "'"));
  }

  /**
   * One dataset of the grid.
   *
   * @param dataset dataset name
   * @param model base model; its regularizers, residual dropout and DropConnect come from the
   *     method
   * @param train training budget (epochs, batch, optimizer, train limit); the seed comes from the
   *     cell
   * @param seeds number of seeds of the final cells (0 .. seeds-1)
   * @param attackEps FGSM/PGD radii
   * @param pgdSteps PGD iterations
   * @param attackExamples test examples attacked
   * @param name the regime's name, unique in the grid and used in paths and tables (for example
   *     {@code fashion-mnist-small-noise20}); null: the dataset's name
   * @param methods the names of the methods run in this regime; null: all
   * @param tune whether methods with a {@code tune} spec are tuned here (null: yes); false runs
   *     them with their configured values (to spend the budget on seeds in the other regimes)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DatasetPlan(
      String dataset,
      ModelConfig model,
      TrainConfig train,
      int seeds,
      List<Double> attackEps,
      int pgdSteps,
      int attackExamples,
      String name,
      List<String> methods,
      Boolean tune) {
    public DatasetPlan {
      Checks.notNull("dataset", dataset);
      Checks.notNull("model", model);
      Checks.notNull("train", train);
      Checks.inRange("seeds", seeds, 1, 1000);
      attackEps = List.copyOf(Checks.notNull("attack_eps", attackEps));
      if (name != null && !name.matches("[a-z0-9][a-z0-9_-]*")) {
        throw new IllegalArgumentException(
            "a regime name must match [a-z0-9][a-z0-9_-]*, got '" + name + "'");
      }
      methods = methods == null ? null : List.copyOf(methods);
    }

    /**
     * The regime's name in paths and tables.
     *
     * @return {@code name}, or the dataset's name without one
     */
    public String id() {
      return name != null ? name : dataset;
    }

    /**
     * Whether the methods' tune specs are tuned in this regime.
     *
     * @return {@code tune}, true when null
     */
    public boolean tunes() {
      return tune == null || tune;
    }

    /**
     * Whether {@code method} runs in this regime.
     *
     * @param method a method of the grid
     * @return true when {@code methods} is null or names it
     */
    public boolean runs(Method method) {
      return methods == null || methods.contains(method.name());
    }

    /**
     * The number of seeds of {@code method}'s final cells here.
     *
     * @param method a method of the grid
     * @return {@code seeds}, capped by the method's own {@code seeds} when it has one
     */
    public int seedsOf(Method method) {
      return method.seeds() == null ? seeds : Math.min(seeds, method.seeds());
    }
  }

  /**
   * A regularization method.
   *
   * @param name short name used in paths and tables (for example {@code hard_mask})
   * @param regularizers attention chain
   * @param consistency consistency objective, or null
   * @param residualDropout dropout on the residual branches (the "dropout everywhere" recipe)
   * @param dropConnect DropConnect rate on the feed-forward kernels
   * @param tune the parameter tuned on the validation split, or null
   * @param seeds at most this many seeds in every regime, or null (the regime's number)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Method(
      String name,
      List<RegularizerConfig> regularizers,
      ConsistencyConfig consistency,
      double residualDropout,
      double dropConnect,
      Tune tune,
      Integer seeds) {
    public Method {
      Checks.notNull("method name", name);
      if (!name.matches("[a-z0-9_]+")) {
        throw new IllegalArgumentException("method name must match [a-z0-9_]+, got '" + name + "'");
      }
      regularizers = regularizers == null ? List.of() : List.copyOf(regularizers);
      if (seeds != null) {
        Checks.inRange("method seeds", seeds, 1, 1000);
      }
    }
  }

  /**
   * A parameter and the values tried.
   *
   * @param target {@code residual_dropout}, {@code drop_connect}, {@code consistency.lambda}, or
   *     {@code REGULARIZER.PARAM} (the first regularizer of that name in the chain)
   * @param values candidate values
   */
  public record Tune(String target, List<Double> values) {
    public Tune {
      Checks.notNull("target", target);
      values = List.copyOf(Checks.notNull("values", values));
      Checks.inRange("number of values", values.size(), 1, 100);
    }
  }

  /**
   * A sensitivity sweep: {@code method}'s {@code target} over {@code values}, on {@code dataset}.
   */
  public record Sweep(
      String dataset, String method, String target, List<Double> values, int seeds) {
    public Sweep {
      Checks.notNull("target", target);
      values = List.copyOf(Checks.notNull("values", values));
      Checks.inRange("seeds", seeds, 1, 1000);
    }
  }
}
