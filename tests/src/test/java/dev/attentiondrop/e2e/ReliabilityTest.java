package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.train.RunDirectory;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Bad input across the commands, from the outside: each case runs the command line in a child JVM
 * and checks its exit status (2 usage, 65 data, 66 no input, 74 I/O), that standard error holds
 * exactly one {@code error:} line containing the expected words (TensorFlow's two absl start-up
 * lines aside), no stack trace, no {@code hs_err} crash file, and that the case's folder holds
 * afterwards exactly what it held before (no partial output, no temporary file, nothing deleted).
 * The children run two at a time.
 */
@DisplayName("reliability: bad input, full disks and unwritable outputs, from the outside")
class ReliabilityTest {

  /** One bad invocation and what it must give. */
  record Case(String name, List<String> args, int exit, String message, Cli.Child child) {}

  private final List<Case> cases = new ArrayList<>();
  private Path dir;

  private void add(String name, int exit, String message, String... args) {
    add(name, exit, message, new Cli.Child(), args);
  }

  private void add(String name, int exit, String message, Cli.Child child, String... args) {
    cases.add(new Case(name, List.of(args), exit, message, child));
  }

  private void add(String name, int exit, String message, List<String> args) {
    cases.add(new Case(name, args, exit, message, new Cli.Child()));
  }

  /** {@code train --resume} of a copy of {@link TrainedModels#vit}'s run, with its flags. */
  private static List<String> resumeOfVit(Path copy) {
    List<String> args = TrainedModels.train(copy, TrainedModels.VIT_FLAGS);
    args.add("--resume");
    return args;
  }

  private String file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content).toString();
  }

  private String file(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content).toString();
  }

  private static String row(int n, String value) {
    return String.join(",", Collections.nCopies(n, value));
  }

  private static byte[] gzip(byte[] raw) throws IOException {
    var bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(raw);
    }
    return bytes.toByteArray();
  }

  private static byte[] idx(int magic, int n, int rows, int cols, int dataBytes) {
    ByteBuffer b = ByteBuffer.allocate(16 + dataBytes);
    b.putInt(magic).putInt(n).putInt(rows).putInt(cols);
    return b.array();
  }

  private void usage() throws IOException {
    String out = dir.resolve("never").toString();
    add("train: not an int", 2, "Invalid value for option '--epochs'", "train", "--epochs", "x");
    add("train: epochs 0", 2, "epochs must be an integer in [1, 100000]", "train", "--epochs", "0");
    add("train: batch 0", 2, "batch", "train", "--batch-size", "0", "-o", out);
    add("train: lr < 0", 2, "learning", "train", "--lr", "-1", "-o", out);
    add("train: dim 0", 2, "model_dim", "train", "--dim", "0", "-o", out);
    add("train: heads not dividing dim", 2, "heads", "train", "--heads", "3", "-o", out);
    add("train: p > 1", 2, "p must be", "train", "-r", "hard_mask:p=1.5", "-o", out);
    add(
        "train: even blur width",
        2,
        "w must be an odd integer",
        "train",
        "-r",
        "blur:w=4",
        "-o",
        out);
    add("train: unknown regularizer", 2, "nosuch", "train", "-r", "nosuch", "-o", out);
    add("train: unknown key", 2, "bogus", "train", "-r", "hard_mask:bogus=1", "-o", out);
    add("train: unknown dataset", 2, "nosuch", "train", "--dataset", "nosuch", "-o", out);
    add("train: unknown optimizer", 2, "sgd", "train", "--optimizer", "sgd", "-o", out);
    add(
        "train: unknown XLA mode",
        2,
        "--attention-xla must be one of",
        "train",
        "--attention-xla",
        "FOO",
        "-o",
        out);
    add("train: lambda < 0", 2, "lambda", "train", "--consistency", "lambda=-1", "-o", out);
    add(
        "train: bad --max-memory",
        2,
        "--max-memory must be a size",
        "train",
        "--max-memory",
        "lots",
        "-o",
        out);
    add(
        "train: d_model 65536",
        2,
        "model too large (--dim 65536",
        "train",
        "--dim",
        "65536",
        "-o",
        out);
    add("train: mlp 2^20", 2, "model too large", "train", "--mlp-dim", "1048576", "-o", out);
    add(
        "train: under --max-memory",
        2,
        "more than --max-memory 1.0 MiB",
        "train",
        "--max-memory",
        "1m",
        "-o",
        out);
    add("train: unknown flag", 2, "Unknown option: '--bogus'", "train", "--bogus");
    add("train: warmup > 1", 2, "warmup", "train", "--warmup", "2", "-o", out);
    add("train: patch not dividing the image", 2, "patch", "train", "--patch", "5", "-o", out);
    add("train: attack eps not a number", 2, "abc", "train", "--attack-eps", "abc", "-o", out);
    add("train: negative train limit", 2, "train_limit", "train", "--train-limit", "-1", "-o", out);
    add("train: ece bins 0", 2, "ece_bins", "train", "--ece-bins", "0", "-o", out);
    add("train: seed not a number", 2, "Invalid value for option '--seed'", "train", "--seed", "x");
    add(
        "train: label noise 1.5",
        2,
        "--label-noise must be RATE",
        "train",
        "--label-noise",
        "1.5",
        "-o",
        out);
    add(
        "train: label noise kind",
        2,
        "sideways",
        "train",
        "--label-noise",
        "0.2:sideways",
        "-o",
        out);
    add(
        "train: --patience without --validation",
        2,
        "--patience needs --validation",
        "train",
        "--patience",
        "2",
        "-o",
        out);
    add(
        "train: validation fraction 0.9",
        2,
        "validation_fraction must be in (0, 0.5]",
        "train",
        "--validation",
        "0.9",
        "-o",
        out);
    add("predict: no --model", 2, "Missing required option", "predict", "--input", out);
    add(
        "predict: batch 0",
        2,
        "--batch-size must be an integer in [1, 65536]",
        "predict",
        "--model",
        out,
        "--input",
        out,
        "--batch-size",
        "0");
    add(
        "export: version 0",
        2,
        "--model-version must be an integer in [1, 2147483647]",
        "export",
        "--run",
        out,
        "--model-version",
        "0");
    add(
        "export: version beyond int",
        2,
        "Invalid value for option '--model-version'",
        "export",
        "--run",
        out,
        "--model-version",
        "2147483648");
    add("bench: reps -1", 2, "--reps", "bench", "--reps", "-1");
    add("bench: seq len 0", 2, "--seq-lens", "bench", "--seq-lens", "0");
    add("bench: threads 0", 2, "--threads", "bench", "--threads", "0");
    add("unknown command", 2, "Unmatched argument", "frobnicate");
    add("inspect: no folder", 2, "Missing required parameter", "inspect");
  }

  private void missing() throws IOException {
    String vit = TrainedModels.vit().export().toString();
    String none = dir.resolve("none").toString();
    add(
        "predict: missing input",
        66,
        none + ": no such file or folder",
        "predict",
        "--model",
        vit,
        "--input",
        none);
    add(
        "predict: missing model",
        66,
        none + ": no such file or folder",
        "predict",
        "--model",
        none,
        "--input",
        TrainedModels.testImages().toString());
    add("export: missing run", 66, none + ": no such file or folder", "export", "--run", none);
    add("inspect: missing folder", 66, none + ": no such file or folder", "inspect", none);
    add(
        "train: missing model config",
        66,
        "no such file",
        "train",
        "--model-config",
        dir.resolve("none.json").toString());
    add("train: --resume of nothing", 2, "no run to resume", "train", "--resume", "-o", none);
    add(
        "train: dataset not cached",
        66,
        "is not cached",
        new Cli.Child().env("ATTENTIONDROP_DATA", dir.resolve("empty-cache").toString()),
        "train",
        "--dataset",
        "mnist",
        "-o",
        none);
  }

  private void data() throws IOException {
    String vit = TrainedModels.vit().export().toString();
    String text = TrainedModels.text().export().toString();
    int per = 28 * 28;
    add(
        "csv: not UTF-8",
        65,
        "row 1: not UTF-8 text",
        "predict",
        "--model",
        vit,
        "--input",
        file("latin1.csv", concat(row(per, "0.5") + "\n", new byte[] {(byte) 0xff, 0x31})));
    add(
        "csv: wrong width",
        65,
        "row 0: expected 784 pixel values, got 3",
        "predict",
        "--model",
        vit,
        "--input",
        file("narrow.csv", "0.1,0.2,0.3\n"));
    add(
        "csv: not a number",
        65,
        "row 1 value 5: not a number: 'abc'",
        "predict",
        "--model",
        vit,
        "--input",
        file("abc.csv", row(per, "0") + "\n" + row(5, "0") + ",abc," + row(per - 6, "0") + "\n"));
    add(
        "csv: pixel 1.5",
        65,
        "pixel values must be in [0, 1], got 1.5",
        "predict",
        "--model",
        vit,
        "--input",
        file("bright.csv", "1.5," + row(per - 1, "0") + "\n"));
    add(
        "csv: NaN pixel",
        65,
        "got NaN",
        "predict",
        "--model",
        vit,
        "--input",
        file("nan.csv", "NaN," + row(per - 1, "0") + "\n"));
    add(
        "csv: only blank rows",
        65,
        "holds no examples",
        "predict",
        "--model",
        vit,
        "--input",
        file("blank.csv", "\n  \n\n"));
    add(
        "json: truncated",
        65,
        "invalid JSON at line",
        "predict",
        "--model",
        vit,
        "--input",
        file("cut.json", "{\"instances\": [[0.1, 0.2"));
    add(
        "json: object as pixels",
        65,
        "instance 0: pixel values must be numbers",
        "predict",
        "--model",
        vit,
        "--input",
        file("obj.json", "{\"instances\": [{\"a\": 1}]}"));
    add(
        "json: wrong pixel count",
        65,
        "instance 1: expected 784 pixel values, got 2",
        "predict",
        "--model",
        vit,
        "--input",
        file("count.json", "[[" + row(per, "0") + "], [0.1, 0.2]]"));
    add(
        "json: no instances",
        65,
        "expected {\"instances\": [...]} or a JSON array",
        "predict",
        "--model",
        vit,
        "--input",
        file("noinst.json", "{\"inputs\": 1}"));
    add(
        "json: instances not a list",
        65,
        "\"instances\" must be a list",
        "predict",
        "--model",
        vit,
        "--input",
        file("notlist.json", "{\"instances\": 3}"));
    add(
        "json: empty",
        65,
        "holds no examples",
        "predict",
        "--model",
        vit,
        "--input",
        file("empty.json", "{\"instances\": []}"));
    add(
        "json: not UTF-8",
        65,
        "invalid JSON",
        "predict",
        "--model",
        vit,
        "--input",
        file("latin1.json", concat("[\"caf", new byte[] {(byte) 0xe9, '"', ']'})));
    byte[] images = Files.readAllBytes(TrainedModels.testImages());
    add(
        "idx: truncated gzip",
        65,
        "truncated or corrupt",
        "predict",
        "--model",
        vit,
        "--input",
        file("cut-images.idx.gz", Arrays.copyOf(images, 3000)));
    add(
        "idx: wrong magic",
        65,
        "IDX magic number 0x00000803",
        "predict",
        "--model",
        vit,
        "--input",
        file("magic.idx", idx(0x0801, 1, 28, 28, per)));
    add(
        "idx: header declares more images",
        65,
        "(truncated)",
        "predict",
        "--model",
        vit,
        "--input",
        file("short.idx", idx(0x0803, 1000, 28, 28, 5 * per)));
    add(
        "idx: trailing data",
        65,
        "trailing data",
        "predict",
        "--model",
        vit,
        "--input",
        file("long.idx", idx(0x0803, 1, 28, 28, 2 * per)));
    add(
        "idx: gzip bomb (zeros far past the header)",
        65,
        "trailing data",
        "predict",
        "--model",
        vit,
        "--input",
        file("bomb.idx.gz", gzip(idx(0x0803, 1, 28, 28, 64 << 20))));
    add(
        "idx: absurd sizes",
        65,
        "rows x cols",
        "predict",
        "--model",
        vit,
        "--input",
        file("huge.idx", idx(0x0803, 1, 1 << 15, 1 << 15, 0)));
    add(
        "idx: 14x14 images",
        65,
        "holds 14x14 images; the model takes 28x28",
        "predict",
        "--model",
        vit,
        "--input",
        file("small.idx", idx(0x0803, 1, 14, 14, 196)));
    add(
        "text json: a number",
        65,
        "instance 1: a text is a string or {\"text\": \"...\"}, got 123",
        "predict",
        "--model",
        text,
        "--input",
        file("num.json", "[\"ok\", 123]"));
    add(
        "text json: wrong key",
        65,
        "got {\"txt\":\"hello\"}",
        "predict",
        "--model",
        text,
        "--input",
        file("txt.json", "{\"instances\": [{\"txt\": \"hello\"}]}"));
    add(
        "text csv: not UTF-8",
        65,
        "row 0: not UTF-8 text",
        "predict",
        "--model",
        text,
        "--input",
        file("latin1-text.csv", new byte[] {'c', 'a', 'f', (byte) 0xe9, '\n'}));
    add(
        "model config: bad JSON",
        65,
        "invalid ModelConfig",
        "train",
        "--model-config",
        file("bad-model.json", "{\"kind\": \"vit\", \"heads\": }"),
        "-o",
        dir.resolve("r1").toString());
    add(
        "model config: unknown key",
        65,
        "hedas",
        "train",
        "--model-config",
        file("typo-model.json", "{\"kind\": \"vit\", \"hedas\": 4}"),
        "-o",
        dir.resolve("r2").toString());
    add(
        "model config: not UTF-8",
        65,
        "not UTF-8 text",
        "train",
        "--model-config",
        file("latin1-model.json", new byte[] {'{', '"', (byte) 0xe9, '"', '}'}),
        "-o",
        dir.resolve("r3").toString());
  }

  /** Corrupt copies of the trained run and its export. */
  private void corrupt() throws IOException {
    Path export = dir.resolve("export-cut");
    TrainedModels.copyRecursively(TrainedModels.vit().export(), export);
    byte[] pb = Files.readAllBytes(export.resolve("saved_model.pb"));
    Files.write(export.resolve("saved_model.pb"), Arrays.copyOf(pb, pb.length / 2));
    add(
        "inspect: truncated saved_model.pb",
        65,
        "saved_model.pb: corrupt or truncated",
        "inspect",
        export.toString());
    add(
        "predict: truncated saved_model.pb",
        65,
        "TensorFlow cannot load this SavedModel",
        "predict",
        "--model",
        export.toString(),
        "--input",
        TrainedModels.testImages().toString());

    Path run = dir.resolve("run-corrupt");
    TrainedModels.copyRecursively(TrainedModels.vit().run(), run);
    RunDirectory.deleteRecursively(run.resolve("export"));
    flipByte(run.resolve("model"));
    Files.createDirectories(dir.resolve("never-export")); // the base may be made; nothing in it
    add(
        "export: corrupt weights",
        65,
        "cannot restore the trained weights",
        "export",
        "--run",
        run.toString(),
        "--base",
        dir.resolve("never-export").toString());

    Path state = dir.resolve("run-bad-state");
    TrainedModels.copyRecursively(TrainedModels.vit().run(), state);
    Files.writeString(state.resolve("checkpoints/state.json"), "{\"epoch\": 1, \"checkpoint\"");
    add("resume: corrupt state.json", 65, "state.json", resumeOfVit(state));
    Path escape = dir.resolve("run-escaping-state");
    TrainedModels.copyRecursively(TrainedModels.vit().run(), escape);
    Files.writeString(
        escape.resolve("checkpoints/state.json"),
        "{\"epoch\": 1, \"checkpoint\": \"../../../elsewhere/ckpt\"}");
    add(
        "resume: state.json pointing outside",
        65,
        "expected {\"epoch\": 1..1",
        resumeOfVit(escape));
    Path ckpt = dir.resolve("run-bad-checkpoint");
    TrainedModels.copyRecursively(TrainedModels.vit().run(), ckpt);
    flipByte(ckpt.resolve("checkpoints/epoch-1"));
    add("resume: corrupt checkpoint", 65, "cannot restore the checkpoint", resumeOfVit(ckpt));
    Path noTokenizer = dir.resolve("text-no-tokenizer");
    TrainedModels.copyRecursively(TrainedModels.text().export(), noTokenizer);
    Files.delete(noTokenizer.resolve("assets/tokenizer.json"));
    add(
        "predict: text export without its tokenizer",
        2,
        "has no assets/tokenizer.json",
        "predict",
        "--model",
        noTokenizer.toString(),
        "--input",
        file("t.csv", "hello\n"));
  }

  private static void flipByte(Path folder) throws IOException {
    Path data;
    try (Stream<Path> list = Files.walk(folder)) {
      data =
          list.filter(p -> p.getFileName().toString().contains(".data-")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(data);
    for (int i = 100; i < bytes.length; i += 4096) {
      bytes[i] ^= 0x10; // one byte in every 4 KiB: the weights as well as the optimizer's slots
    }
    Files.write(data, bytes);
  }

  /** A run that fails on a full disk: outside the folder whose listing must not change. */
  private Path fullRun;

  private static final List<String> FULL_RUN_FLAGS =
      List.of("--epochs", "1", "--train-limit", "64", "--attack-eps", "", "--no-progress");

  private void io() throws IOException {
    fullRun = TrainedModels.fresh("reliability-full-run").resolve("run");
    String vit = TrainedModels.vit().export().toString();
    String images = TrainedModels.testImages().toString();
    add(
        "predict --output /dev/full",
        74,
        "/dev/full: not a regular file",
        "predict",
        "--model",
        vit,
        "--input",
        images,
        "--output",
        "/dev/full");
    add(
        "predict > /dev/full",
        74,
        "standard output: a write failed",
        new Cli.Child().stdout(new File("/dev/full")),
        "predict",
        "--model",
        vit,
        "--input",
        images);
    add(
        "inspect > /dev/full",
        74,
        "standard output: a write failed",
        new Cli.Child().stdout(new File("/dev/full")),
        "inspect",
        vit);
    String plain = file("plain.txt", "a file, not a folder");
    add(
        "predict --output under a file",
        74,
        "plain.txt",
        "predict",
        "--model",
        vit,
        "--input",
        images,
        "--output",
        plain + "/out.jsonl");
    add(
        "predict --output on a full disk (ulimit -f 16)",
        74,
        "File too large",
        new Cli.Child().fileSizeLimitKb(16),
        "predict",
        "--model",
        vit,
        "--input",
        images,
        "--output",
        dir.resolve("full.jsonl").toString());
    Files.createDirectories(dir.resolve("full-export"));
    add(
        "export on a full disk (ulimit -f 16)",
        74,
        "cannot write the SavedModel",
        new Cli.Child().fileSizeLimitKb(16),
        "export",
        "--run",
        TrainedModels.vit().run().toString(),
        "--base",
        dir.resolve("full-export").toString());
    add(
        "export --base is a file",
        74,
        "plain.txt",
        "export",
        "--run",
        TrainedModels.vit().run().toString(),
        "--base",
        plain);
    List<String> train = new ArrayList<>(List.of("train", "-o", fullRun.toString()));
    train.addAll(FULL_RUN_FLAGS);
    cases.add(
        new Case(
            "train on a full disk (ulimit -f 64)",
            train,
            74,
            "cannot write the checkpoint",
            new Cli.Child().fileSizeLimitKb(64)));
  }

  private static byte[] concat(String head, byte[] tail) {
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    byte[] all = Arrays.copyOf(h, h.length + tail.length);
    System.arraycopy(tail, 0, all, h.length, tail.length);
    return all;
  }

  private static List<String> listing(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  @TestFactory
  Stream<DynamicTest> everyCase() throws Exception {
    dir = TrainedModels.fresh("reliability");
    Files.createDirectories(Cli.CRASH_LOGS);
    TrainedModels.vit();
    TrainedModels.text();
    usage();
    missing();
    data();
    corrupt();
    io();
    List<String> before = listing(dir);
    List<String> crashLogsBefore = listing(Cli.CRASH_LOGS);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<Cli.Run>> runs = new ArrayList<>();
    for (Case c : cases) {
      runs.add(pool.submit(() -> Cli.run(c.child(), c.args())));
    }
    pool.shutdown();
    List<Cli.Run> results = new ArrayList<>();
    for (Future<Cli.Run> f : runs) {
      results.add(f.get());
    }
    List<String> after = listing(dir);
    List<String> crashLogsAfter = listing(Cli.CRASH_LOGS);
    List<DynamicTest> tests = new ArrayList<>();
    tests.add(
        DynamicTest.dynamicTest(
            "at least 60 cases", () -> assertTrue(cases.size() >= 60, cases.size() + " cases")));
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      Cli.Run r = results.get(i);
      tests.add(
          DynamicTest.dynamicTest(
              c.name() + " -> " + c.exit(),
              () -> {
                String context = c.args() + "\nstderr:\n" + r.err();
                assertEquals(c.exit(), r.exit(), context);
                List<String> errors = r.errors(); // fails on a stack trace
                assertEquals(1, errors.size(), context);
                assertTrue(errors.get(0).contains(c.message()), context);
                List<String> other =
                    r.err()
                        .lines()
                        .filter(l -> !l.startsWith("error:"))
                        .filter(l -> !l.startsWith("WARNING: All log messages before absl"))
                        .filter(l -> !l.matches("I0000 .*"))
                        .filter(l -> !l.isBlank())
                        .toList();
                assertEquals(List.of(), other, "nothing but the error line: " + context);
              }));
    }
    tests.add(
        DynamicTest.dynamicTest(
            "no file made, changed in kind or removed in the cases' folder",
            () ->
                assertEquals(
                    before.stream().collect(Collectors.joining("\n")),
                    after.stream().collect(Collectors.joining("\n")))));
    tests.add(
        DynamicTest.dynamicTest(
            "the run that failed on a full disk resumes to the end once there is space",
            () -> {
              List<String> resume = new ArrayList<>(List.of("train", "--resume", "-o"));
              resume.add(fullRun.toString());
              resume.addAll(FULL_RUN_FLAGS);
              Cli.Run r = Cli.run(resume).assertSuccess();
              assertTrue(r.out().contains("starting it again from epoch 1"), r.out());
              assertTrue(Files.isRegularFile(fullRun.resolve("summary.json")));
              assertEquals(
                  List.of(),
                  listing(fullRun).stream()
                      .filter(n -> Path.of(n).getFileName().toString().startsWith("."))
                      .toList(),
                  "no hidden temporary left in the run");
            }));
    tests.add(
        DynamicTest.dynamicTest(
            "no JVM crash file (hs_err)", () -> assertEquals(crashLogsBefore, crashLogsAfter)));
    return tests.stream();
  }
}
