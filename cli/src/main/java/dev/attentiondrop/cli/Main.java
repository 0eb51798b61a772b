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
      "Exit status: 0 done; 2 a bad option or parameter; 65 an input file's content is wrong"
          + " (corrupt, truncated, malformed, not UTF-8); 66 an input file or dataset does not"
          + " exist; 74 a read or write failed (full or read-only disk, standard output); 1 an"
          + " unexpected failure. Every failure prints one 'error:' line; --debug (anywhere) adds"
          + " the stack trace."
    },
    subcommands = {
      TrainAndExportCommand.class,
      ExportCommand.class,
      PredictCommand.class,
      InspectCommand.class,
      ServeCommand.class,
      ServeBenchCommand.class,
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

  /**
   * Runs the command line; a failure prints one {@code error:} line and returns its exit status
   * (see the class's footer: 2 usage, 65 data, 66 no input, 74 I/O, 1 internal).
   *
   * @param args the command line
   * @return the exit status
   */
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
            return Errors.status(ex);
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
    cli.setParameterExceptionHandler(
        (ex, line) -> {
          // one line, as every other failure; the usage is one --help away
          CommandLine where = ex.getCommandLine();
          where
              .getErr()
              .println(
                  "error: "
                      + ex.getMessage()
                      + " (see '"
                      + where.getCommandSpec().qualifiedName()
                      + " --help')");
          if (debug) {
            ex.printStackTrace(where.getErr());
          }
          return Errors.USAGE;
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
  public static final int STDOUT_FAILED = Errors.IO;

  public static void main(String[] args) {
    System.exit(execute(args));
  }
}
