package dev.attentiondrop.cli;

import dev.attentiondrop.savedmodels.Inspection;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code attentiondrop inspect DIR}. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Shows a SavedModel: tags, signatures (dtypes, shapes), functions marked for XLA, variable count",
      "and bytes, random or training-only ops, the stored model config, and whether every op is stock TensorFlow.",
      "Loads it once to restore every variable, so corrupt variables are an error (exit 65).",
      "Exit status 1 when the export holds a non-stock, random or training-only op."
    })
public final class InspectCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "A SavedModel version directory (BASE/<version>).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(dir)) {
      throw new NoSuchFileException(dir.toString());
    }
    Inspection i = Inspection.of(dir);
    Inspection.verifyVariables(dir, i.tags()); // before printing: a corrupt export is an error
    System.out.print(i.report());
    System.out.println("variables: restored, checksums verified");
    return i.nonStockOps().isEmpty() && i.randomOps().isEmpty() && i.trainingOps().isEmpty()
        ? 0
        : 1;
  }
}
