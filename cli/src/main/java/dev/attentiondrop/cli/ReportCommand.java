package dev.attentiondrop.cli;

import dev.attentiondrop.experiments.ResultsReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attentiondrop report --input DIR}. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Writes the results report (markdown + PNG figures) from an experiment folder: per dataset, mean +- 95%% CI",
      "over seeds, paired differences against attention dropout and R-Drop with paired t-tests, the paper's",
      "claims judged holds / fails / inconclusive, reliability diagrams, accuracy/ECE bars, robust accuracy",
      "against eps, cost, and sensitivity curves."
    })
public final class ReportCommand implements Callable<Integer> {
  @Option(
      names = "--input",
      required = true,
      description = "Experiment folder written by `attentiondrop experiment`.")
  Path input;

  @Option(
      names = {"-o", "--output"},
      description =
          "Markdown file (default: ${DEFAULT-VALUE}); figures go to figures/results/ beside it.",
      defaultValue = "docs/results.md")
  Path output;

  @Override
  public Integer call() throws Exception {
    ResultsReport.write(
        input, output, "attentiondrop report --input " + input + " --output " + output);
    System.out.println("wrote " + output.toAbsolutePath());
    return 0;
  }
}
