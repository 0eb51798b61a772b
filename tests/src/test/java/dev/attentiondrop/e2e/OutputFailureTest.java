package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Outputs that cannot be written are errors, never a silent exit 0 or a replaced file. */
@DisplayName("predict and inspect: failed writes are errors")
class OutputFailureTest {

  @Test
  @DisplayName("standard output on a full disk (/dev/full): exit 74 and one error line")
  void fullStandardOutput() throws Exception {
    Path export = TrainedModels.vit().export();
    File full = new File("/dev/full");
    Cli.Run predict =
        Cli.run(
            List.of(
                "predict",
                "--model",
                export.toString(),
                "--input",
                TrainedModels.testImages().toString()),
            full);
    assertEquals(74, predict.exit(), predict.err());
    assertEquals(
        List.of("error: standard output: a write failed (full disk or closed pipe?)"),
        predict.errors());
    Cli.Run inspect = Cli.run(List.of("inspect", export.toString()), full);
    assertEquals(74, inspect.exit(), inspect.err());
  }

  @Test
  @DisplayName("--output that is a device or the input itself is refused; nothing is replaced")
  void outputsThatAreNotNewFiles() throws Exception {
    Path export = TrainedModels.vit().export();
    Path images = TrainedModels.fresh("output-failure").resolve("images.idx.gz");
    Files.copy(TrainedModels.testImages(), images);
    byte[] before = Files.readAllBytes(images);
    Cli.Run device =
        Cli.run(
            "predict",
            "--model",
            export.toString(),
            "--input",
            images.toString(),
            "--output",
            "/dev/full");
    assertEquals(74, device.exit(), device.err());
    assertEquals(
        List.of("error: /dev/full: not a regular file; it is not replaced"), device.errors());
    assertTrue(!Files.isRegularFile(Path.of("/dev/full")), "/dev/full is still a device");
    Cli.Run same =
        Cli.run(
            "predict",
            "--model",
            export.toString(),
            "--input",
            images.toString(),
            "--output",
            images.toString());
    assertEquals(2, same.exit(), same.err());
    assertEquals(1, same.errors().size(), same.err());
    assertTrue(same.errors().get(0).contains("is the --input file"), same.err());
    assertArrayEquals(before, Files.readAllBytes(images), "the input is untouched");
  }

  @Test
  @DisplayName("inspect restores the variables: one flipped byte in them is an error, exit 2")
  void inspectVerifiesTheVariables() throws Exception {
    Path good = TrainedModels.vit().export();
    Cli.Run ok = Cli.run("inspect", good.toString());
    assertEquals(0, ok.exit(), ok.err());
    assertTrue(ok.out().contains("variables: restored, checksums verified"), ok.out());

    Path flipped = PredictorTest.brokenCopy("flipped-byte");
    Path data;
    try (var list = Files.list(flipped.resolve("variables"))) {
      data =
          list.filter(p -> p.getFileName().toString().startsWith("variables.data-"))
              .findFirst()
              .orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(data);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(data, bytes);
    Cli.Run bad = Cli.run("inspect", flipped.toString());
    assertEquals(65, bad.exit(), bad.err());
    assertEquals(1, bad.errors().size(), bad.err());
    assertTrue(
        bad.errors().get(0).startsWith("error: " + flipped + ": the variables are corrupt"),
        bad.err());
    assertEquals("", bad.out(), "no report for a corrupt export");
  }
}
