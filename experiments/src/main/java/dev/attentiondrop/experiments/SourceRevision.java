package dev.attentiondrop.experiments;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The source revision recorded with runs, exports and reports: {@code git rev-parse HEAD}, "-dirty"
 * with local changes. Read once per process: the code a process runs does not change while it runs,
 * even if the working tree does.
 */
public final class SourceRevision {
  private SourceRevision() {}

  /** Read on first use (the JVM initializes a holder class once, thread-safely). */
  private static final class Holder {
    static final String REVISION = read();
  }

  public static String current() {
    return Holder.REVISION;
  }

  private static String read() {
    try {
      String rev = git("rev-parse", "HEAD");
      String status = git("status", "--porcelain", "--untracked-files=no");
      return rev.isEmpty() ? "unknown" : rev + (status.isEmpty() ? "" : "-dirty");
    } catch (Exception e) {
      return "unknown";
    }
  }

  private static String git(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "git";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      return "";
    }
    return out;
  }
}
