package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("RunDirectory.writeAtomically: all or nothing, never through a planted link")
class RunDirectoryTest {

  @Test
  @DisplayName("a link planted at the old temporary name is not written through")
  void plantedLinkIsNotFollowed(@TempDir Path dir) throws IOException {
    Path victim = Files.writeString(dir.resolve("victim.txt"), "keep me");
    Files.createSymbolicLink(dir.resolve("config.json.tmp"), victim);
    Files.createSymbolicLink(dir.resolve(".config.json.tmp"), victim);
    RunDirectory.writeAtomically(dir.resolve("config.json"), "{}");
    assertEquals("keep me", Files.readString(victim));
    assertEquals("{}", Files.readString(dir.resolve("config.json")));
  }

  @Test
  @DisplayName("a failing write leaves the old content and no temporary file")
  void failedWriteChangesNothing(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("out.jsonl"), "old\n");
    var e =
        assertThrows(
            IOException.class,
            () ->
                RunDirectory.writeAtomically(
                    file,
                    out -> {
                      out.write("half a li".getBytes());
                      throw new IOException("No space left on device");
                    }));
    assertEquals("No space left on device", e.getMessage());
    assertEquals("old\n", Files.readString(file));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "no temporary file left");
    }
  }

  @Test
  @DisplayName("a folder, a device or a link at the target is refused, not replaced")
  void onlyRegularFilesAreReplaced(@TempDir Path dir) throws IOException {
    Path folder = Files.createDirectory(dir.resolve("folder"));
    var e = assertThrows(IOException.class, () -> RunDirectory.writeAtomically(folder, "x"));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    assertTrue(Files.isDirectory(folder));
    Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("elsewhere"));
    assertThrows(IOException.class, () -> RunDirectory.writeAtomically(link, "x"));
    assertTrue(Files.isSymbolicLink(link));
    var dev =
        assertThrows(
            IOException.class, () -> RunDirectory.writeAtomically(Path.of("/dev/full"), "x"));
    assertTrue(dev.getMessage().contains("not a regular file"), dev.getMessage());
  }

  @Test
  @DisplayName("a write removes the unlocked temporaries a killed writer of that file left, only")
  void staleTemporariesOfTheSameFile(@TempDir Path dir) throws IOException {
    Path stale = Files.writeString(dir.resolve(".state.json.123456789.tmp"), "killed mid-write");
    Path otherFile = Files.writeString(dir.resolve(".metrics.csv.42.tmp"), "another file's");
    Path notOurs = Files.writeString(dir.resolve(".state.json.backup.tmp"), "the user's");
    RunDirectory.writeAtomically(dir.resolve("state.json"), "{}");
    assertTrue(Files.notExists(stale), "the stale temporary is removed");
    assertTrue(Files.exists(otherFile), "another file's temporary is not this write's business");
    assertTrue(Files.exists(notOurs), "a name outside the pattern is not ours");
    assertEquals("{}", Files.readString(dir.resolve("state.json")));
  }
}
