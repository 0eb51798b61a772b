package dev.attentiondrop.zoo.train;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The source revision recorded with exports and reports: {@code git rev-parse HEAD}, "-dirty" with local changes. */
public final class SourceRevision {
  private SourceRevision() {}

  public static String current() {
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
