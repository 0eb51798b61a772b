package dev.attentiondrop.cli;

import dev.attentiondrop.experiments.ExperimentConfig;
import dev.attentiondrop.experiments.ExperimentRunner;
import dev.attentiondrop.zoo.config.Json;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attentiondrop experiment --config FILE}. */
@Command(
    name = "experiment",
    mixinStandardHelpOptions = true,
    description = {
      "Runs an experiment grid (datasets x methods x seeds, tuning on a validation split, sensitivity sweeps)",
      "from a JSON config, one run directory per cell. Resumable: finished cells are skipped, an interrupted",
      "cell continues from its checkpoint. Shipped profiles: experiments/quick.json (minutes), experiments/full.json."
    })
public final class ExperimentCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "Experiment config JSON.")
  Path config;

  @Option(
      names = {"-o", "--output"},
      description = "Output folder (default: runs/experiments/<name>).")
  Path output;

  @Option(names = "--no-progress", description = "No progress bar.")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    ExperimentConfig c = Json.read(config, ExperimentConfig.class);
    Path out = output != null ? output : Path.of("runs", "experiments", c.name());
    ExperimentRunner.run(c, out, !noProgress, System.out);
    System.out.println(
        "results in "
            + out.toAbsolutePath()
            + "; write the report with: attentiondrop report --input "
            + out);
    return 0;
  }
}
