package dev.attentiondrop.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the {@code attentiondrop} command line in a child JVM ({@code java -cp <this JVM's class
 * path> dev.attentiondrop.cli.Main ...}), as a user would, and captures what it prints.
 */
final class Cli {
  private Cli() {}

  /** The exit status, standard output and standard error of one run, and its wall time. */
  record Run(List<String> args, int exit, String out, String err, long millis) {
    Run assertSuccess() {
      if (exit != 0) {
        throw new AssertionError(
            "attentiondrop "
                + args
                + " exited "
                + exit
                + "\nstdout:\n"
                + out
                + "\nstderr:\n"
                + err);
      }
      return this;
    }

    /** The project's {@code error:} lines (TF's two absl start-up lines aside); no stack trace. */
    List<String> errors() {
      if (err.contains("\tat ")) {
        throw new AssertionError("a stack trace on standard error:\n" + err);
      }
      return err.lines().filter(l -> l.startsWith("error:")).toList();
    }
  }

  static Run run(String... args) {
    return run(List.of(args));
  }

  static Run run(List<String> args) {
    return run(args, null);
  }

  /**
   * Runs with standard output sent to {@code stdout} (a file or a device such as {@code
   * /dev/full}); {@code out} of the result is then empty.
   */
  static Run run(List<String> args, File stdout) {
    return run(new Child().stdout(stdout), args);
  }

  /**
   * Where a child JVM that crashes writes its {@code hs_err} file; the suites check it stays empty.
   */
  static final Path CRASH_LOGS = Path.of("target", "hs_err").toAbsolutePath();

  /** How a child runs besides its arguments: JVM options, environment, limits, standard output. */
  static final class Child {
    private File stdout;
    private final List<String> jvm = new ArrayList<>();
    private final Map<String, String> env = new HashMap<>();
    private Integer fileSizeLimitKb;

    /** Standard output to this file or device instead of a capture. */
    Child stdout(File f) {
      stdout = f;
      return this;
    }

    /** Halts the child at {@code point} (see {@code CrashPoint}): as kill -9 there. */
    Child crashAt(String point) {
      jvm.add("-Dattentiondrop.crash-at=" + point);
      return this;
    }

    /** An environment variable of the child. */
    Child env(String name, String value) {
      env.put(name, value);
      return this;
    }

    /**
     * The largest file the child may write ({@code ulimit -f}, in KiB): a full disk, unprivileged.
     */
    Child fileSizeLimitKb(int kb) {
      fileSizeLimitKb = kb;
      return this;
    }

    List<String> command(List<String> args) {
      List<String> cmd = new ArrayList<>();
      if (fileSizeLimitKb != null) {
        // bash sets the limit and execs the JVM, which ignores SIGXFSZ: writes fail with EFBIG
        cmd.addAll(
            List.of("bash", "-c", "ulimit -f " + fileSizeLimitKb + " && exec \"$@\"", "bash"));
      }
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xmx1g");
      cmd.add("-XX:-UsePerfData"); // no hsperfdata file (it would meet ulimit -f)
      // short runs: the C1 compiler and the serial collector start a child with ~40 % less CPU
      cmd.add("-XX:TieredStopAtLevel=1");
      cmd.add("-XX:+UseSerialGC");
      cmd.add("-XX:ErrorFile=" + CRASH_LOGS.resolve("hs_err_%p.log"));
      cmd.addAll(jvm);
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("dev.attentiondrop.cli.Main");
      cmd.addAll(args);
      return cmd;
    }
  }

  /** Runs {@code args} in a child as {@code child} says. */
  static Run run(Child child, List<String> args) {
    return exec(
        child.command(args),
        args,
        child.stdout,
        env -> {
          env.put("TF_CPP_MIN_LOG_LEVEL", "2");
          env.putAll(child.env);
        });
  }

  /** Starts {@code args} in a child and returns at once (for kill -9 at a chosen moment). */
  static Process start(List<String> args, Path log) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(new Child().command(args))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    return pb.start();
  }

  /**
   * Runs the {@code ./attentiondrop} launcher of the repository {@code repo} on this JVM's class
   * path (so it does not build), with TensorFlow's log level left to the launcher.
   */
  static Run launcher(Path repo, List<String> args) {
    List<String> cmd = new ArrayList<>(List.of("bash", repo.resolve("attentiondrop").toString()));
    cmd.addAll(args);
    return exec(
        cmd,
        args,
        null,
        env -> {
          env.remove("TF_CPP_MIN_LOG_LEVEL");
          env.put("ATTENTIONDROP_CLASSPATH", System.getProperty("java.class.path"));
        });
  }

  private static Run exec(
      List<String> cmd, List<String> args, File stdout, Consumer<Map<String, String>> env) {
    long start = System.nanoTime();
    try {
      Path out = Files.createTempFile("attentiondrop-cli", ".out");
      Path err = Files.createTempFile("attentiondrop-cli", ".err");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(cmd)
                .redirectOutput(stdout != null ? stdout : out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        env.accept(pb.environment());
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new AssertionError("attentiondrop " + args + " did not finish in 5 minutes");
        }
        return new Run(
            List.copyOf(args),
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8),
            (System.nanoTime() - start) / 1_000_000);
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
