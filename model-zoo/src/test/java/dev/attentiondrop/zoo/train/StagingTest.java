package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Staging folders: committed atomically, a dead session's leftovers recovered, a live one's not.
 */
class StagingTest {
  private static final String ID = "0123456789abcdef0123456789abcdef";

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  @DisplayName("commit puts the result in place, replaces an old one, and leaves nothing hidden")
  void commitAndReplace(@TempDir Path base) throws IOException {
    try (Staging s = Staging.open(base)) {
      Path tmp = s.create("1");
      Files.writeString(tmp.resolve("a.txt"), "first");
      assertEquals(base.resolve("1"), s.commit(tmp, "1", true));
    }
    try (Staging s = Staging.open(base)) {
      Path tmp = s.create("1");
      Files.writeString(tmp.resolve("b.txt"), "second");
      s.commit(tmp, "1", true);
    }
    assertEquals(List.of("1"), names(base));
    assertEquals(List.of("b.txt"), names(base.resolve("1")));
  }

  @Test
  @DisplayName("commit without replace refuses an existing result and keeps it")
  void noReplace(@TempDir Path base) throws IOException {
    Files.writeString(Files.createDirectories(base.resolve("1")).resolve("a.txt"), "theirs");
    try (Staging s = Staging.open(base)) {
      Path tmp = s.create("1");
      Assertions.assertThrows(FileAlreadyExistsException.class, () -> s.commit(tmp, "1", false));
    }
    assertEquals(List.of("1"), names(base));
    assertEquals("theirs", Files.readString(base.resolve("1/a.txt")));
  }

  @Test
  @DisplayName("closing without a commit removes the work folder and the lock")
  void abandoned(@TempDir Path base) throws IOException {
    try (Staging s = Staging.open(base)) {
      Files.writeString(s.create("7").resolve("x"), "half");
    }
    assertEquals(List.of(), names(base));
  }

  @Test
  @DisplayName(
      "a dead session (lock file free): .tmp deleted, .old moved back if its place is empty")
  void deadSessionRecovered(@TempDir Path base) throws IOException {
    Files.writeString(base.resolve(".attentiondrop-" + ID + ".lock"), "");
    Files.createDirectories(base.resolve(".tmp-3-" + ID));
    Files.writeString(Files.createDirectories(base.resolve(".old-2-" + ID)).resolve("v"), "two");
    Files.createDirectories(base.resolve(".old-1-" + ID));
    Files.createDirectories(base.resolve("1"));
    Files.writeString(base.resolve(".tmp-9-" + ID.replace('0', 'f')), "an orphan, no lock file");
    Files.createDirectories(base.resolve(".tmp-notours"));
    Files.writeString(base.resolve("notes.txt"), "the user's");
    assertEquals(2, Staging.recoverStale(base));
    assertEquals(List.of(".tmp-notours", "1", "2", "notes.txt"), names(base));
    assertEquals("two", Files.readString(base.resolve("2/v")));
  }

  @Test
  @DisplayName("a live session in this process is left alone")
  void liveSessionHere(@TempDir Path base) throws IOException {
    try (Staging s = Staging.open(base)) {
      Path tmp = s.create("4");
      assertEquals(0, Staging.recoverStale(base));
      try (Staging other = Staging.open(base)) {
        assertTrue(Files.isDirectory(tmp), "the first session's folder survives the second's open");
        other.commit(other.create("5"), "5", true);
      }
      s.commit(tmp, "4", true);
    }
    assertEquals(List.of("4", "5"), names(base));
  }

  /** Holds a staging session in a child process until its standard input closes. */
  public static final class Holder {
    public static void main(String[] args) throws IOException {
      Staging s = Staging.open(Path.of(args[0]));
      s.create("6");
      System.out.println("ready");
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait
      }
    }
  }

  @Test
  @DisplayName("another live process's session is left alone; after kill -9 it is recovered")
  void otherProcessKilled(@TempDir Path base) throws Exception {
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Holder.class.getName(),
                base.toString())
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("ready", out.readLine());
      assertEquals(0, Staging.recoverStale(base));
      assertEquals(2, names(base).size(), names(base).toString()); // lock file + work folder
      child.destroyForcibly(); // SIGKILL
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      assertEquals(1, Staging.recoverStale(base));
      assertEquals(List.of(), names(base));
    } finally {
      child.destroyForcibly();
    }
  }
}
