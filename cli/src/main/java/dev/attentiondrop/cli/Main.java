package dev.attentiondrop.cli;

import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code attentiondrop COMMAND ...}. */
@Command(
    name = "attentiondrop",
    mixinStandardHelpOptions = true,
    version = "attentiondrop 0.1.0",
    description =
        "Attention regularizers for transformers in TensorFlow Java (AttentionDrop, arXiv 2504.12088).",
    footer = {
      "",
      "TensorFlow's own log lines are hidden: the launcher sets TF_CPP_MIN_LOG_LEVEL=2 unless it is"
          + " set, and drops two absl start-up lines; pass --tf-logs (anywhere) to see them all.",
      "",
      "Exit status: 0 done; 2 bad input or a failed command (one 'error:' line); 1 an unexpected"
          + " failure; 74 standard output could not be written. --debug (anywhere) adds the stack"
          + " trace."
    },
    subcommands = {
      TrainAndExportCommand.class,
      ExportCommand.class,
      PredictCommand.class,
      InspectCommand.class,
      ExperimentCommand.class,
      ReportCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Runs the command line; bad input prints a clear message and exits with status 2. */
  public static int execute(String... args) {
    // --debug (anywhere on the line) adds the stack trace to the error line
    boolean debug = Arrays.asList(args).contains("--debug");
    String[] rest = Arrays.stream(args).filter(a -> !a.equals("--debug")).toArray(String[]::new);
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(
        (ex, line, parsed) -> {
          if (debug) {
            ex.printStackTrace(line.getErr());
          }
          if (Errors.expected(ex)) {
            line.getErr().println("error: " + Errors.message(ex));
            return Errors.FAILED;
          }
          line.getErr()
              .println(
                  "error: internal: "
                      + ex.getClass().getSimpleName()
                      + ": "
                      + Errors.message(ex)
                      + (debug ? "" : " (run with --debug for the stack trace)"));
          return Errors.INTERNAL;
        });
    CommandLine train = cli.getSubcommands().get("train");
    train
        .getCommandSpec()
        .usageMessage()
        .footer(
            String.format(
                String.join("%n", train.getCommandSpec().usageMessage().footer()),
                TrainCommand.regularizerHelp()));
    int status = cli.execute(rest);
    if (System.out.checkError()) {
      // PrintStream swallows write errors (a full disk, a closed pipe): report them, never exit 0
      System.err.println("error: standard output: a write failed (full disk or closed pipe?)");
      return status == 0 ? STDOUT_FAILED : status;
    }
    return status;
  }

  /** Exit status when standard output could not be written (sysexits' EX_IOERR). */
  public static final int STDOUT_FAILED = 74;

  public static void main(String[] args) {
    System.exit(execute(args));
  }
}
