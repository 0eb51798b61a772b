package dev.attentiondrop.savedmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Exporter: the next version of a TF Serving base directory")
class NextVersionTest {

  @Test
  @DisplayName(
      "one more than the largest version; other names, temporaries and huge numbers ignored")
  void next(@TempDir Path base) throws IOException {
    assertEquals(1, Exporter.nextVersion(base));
    for (String name :
        new String[] {
          "3", "12", "007", ".tmp-13-x", ".old-14-y", "abc", "99999999999", "2147483648"
        }) {
      Files.createDirectory(base.resolve(name));
    }
    assertEquals(13, Exporter.nextVersion(base));
  }

  @Test
  @DisplayName("no overflow past 2147483647: an error that names --model-version")
  void noOverflow(@TempDir Path base) throws IOException {
    Files.createDirectory(base.resolve("2147483647"));
    var e = assertThrows(IllegalArgumentException.class, () -> Exporter.nextVersion(base));
    assertTrue(e.getMessage().contains("--model-version"), e.getMessage());
    assertTrue(e.getMessage().contains("2147483647"), e.getMessage());
  }
}
