package dev.attentiondrop.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attentiondrop train}: {@link TrainCommand}, then the export of the trained model. */
@Command(name = "train")
public final class TrainAndExportCommand extends TrainCommand {
  @Option(
      names = "--no-export",
      description = "Do not export a SavedModel to RUN/export/<version> at the end.")
  boolean noExport;

  @Override
  public Integer call() throws Exception {
    int status = super.call();
    if (status == 0 && !noExport && finishedRun() != null) {
      Path out = ExportCommand.export(finishedRun(), null, null, false);
      System.out.println("SavedModel: " + out.toAbsolutePath());
    }
    return status;
  }
}
