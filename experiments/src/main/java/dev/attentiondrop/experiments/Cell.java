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
    boolean withoutSelection = plan.train().selection() == null;
    TrainConfig train =
        plan.train().toBuilder()
            .seed(seed)
            .consistency(method.consistency())
            // tuning never scores on the test split: with selection it reads the hold-out's
            // accuracy at the selected epoch; without, the last epoch on a 20 % hold-out
            .evaluation(
                tuning && withoutSelection
                    ? TrainConfig.Evaluation.VALIDATION
                    : TrainConfig.Evaluation.TEST)
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
