package dev.attentiondrop.experiments;

import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.train.RobustnessConfig;
import dev.attentiondrop.zoo.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One training run of the grid: a dataset, a method (with its parameter values), a seed, and where
 * its run directory is. A cell is finished when its {@code summary.json} exists.
 *
 * @param phase {@code tuning}, {@code final} or {@code sweep}
 */
record Cell(
    String phase,
    String dataset,
    String method,
    String setting,
    long seed,
    ModelConfig model,
    TrainConfig train,
    Path directory) {

  boolean finished() {
    return Files.exists(directory.resolve("summary.json"));
  }

  /**
   * The cell of {@code method} on {@code plan} with {@code seed}; evaluation on validation for
   * tuning.
   */
  static Cell of(
      String phase,
      ExperimentConfig.DatasetPlan plan,
      ExperimentConfig.Method method,
      String setting,
      long seed,
      Path directory) {
    ModelConfig model =
        plan.model().toBuilder()
            .regularizers(method.regularizers())
            .residualDropout(method.residualDropout())
            .dropConnect(method.dropConnect())
            .seed(seed)
            .build();
    boolean tuning = phase.equals("tuning");
    TrainConfig train =
        plan.train().toBuilder()
            .seed(seed)
            .consistency(method.consistency())
            .evaluation(tuning ? TrainConfig.Evaluation.VALIDATION : TrainConfig.Evaluation.TEST)
            // tuning scores the last epoch on its own hold-out; selection is the final cells'
            .selection(tuning ? null : plan.train().selection())
            .robustness(
                tuning || plan.attackEps().isEmpty()
                    ? null
                    : RobustnessConfig.builder()
                        .eps(plan.attackEps())
                        .pgdSteps(plan.pgdSteps())
                        .examples(plan.attackExamples())
                        .build())
            .build();
    return new Cell(phase, plan.id(), method.name(), setting, seed, model, train, directory);
  }
}
