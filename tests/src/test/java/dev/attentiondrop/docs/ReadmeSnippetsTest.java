package dev.attentiondrop.docs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every Java and pom snippet of the README is code that the examples project (a user's project,
 * built by CI against the installed artifacts) compiles and runs: its lines appear, in order and
 * contiguous, in one of the examples' files.
 */
@DisplayName("README snippets are the examples project's code")
class ReadmeSnippetsTest {
  static final Path REPO = Path.of(System.getProperty("attentiondrop.repo", ".."));

  @Test
  @DisplayName("each ```java and ```xml block of the README is in examples/, line for line")
  void readmeSnippetsAreTested() throws IOException {
    List<List<String>> blocks = blocks(Files.readAllLines(REPO.resolve("README.md")));
    assertFalse(blocks.isEmpty(), "the README has snippets");
    assertInExamples(blocks);
  }

  @Test
  @DisplayName("the Java snippet of docs/models.md that says it is a test is the examples' test")
  void docsSnippetIsTested() throws IOException {
    List<List<String>> blocks = blocks(Files.readAllLines(REPO.resolve("docs/models.md")));
    List<List<String>> tests =
        blocks.stream().filter(b -> b.contains("class DocsSnippetTest {")).toList();
    assertFalse(tests.isEmpty(), "docs/models.md shows DocsSnippetTest");
    assertInExamples(tests);
  }

  static void assertInExamples(List<List<String>> blocks) throws IOException {
    List<List<String>> sources = new ArrayList<>();
    try (Stream<Path> files = Files.walk(REPO.resolve("examples"))) {
      for (Path f : files.filter(p -> p.toString().matches(".*\\.(java|xml)$")).toList()) {
        if (!f.toString().contains("/target/")) {
          sources.add(normalized(Files.readAllLines(f)));
        }
      }
    }
    for (List<String> block : blocks) {
      List<String> lines = normalized(block);
      assertTrue(
          sources.stream().anyMatch(s -> contains(s, lines)),
          "this README snippet is not in examples/ (change both together):\n"
              + String.join("\n", block));
    }
  }

  static List<List<String>> blocks(List<String> readme) {
    List<List<String>> blocks = new ArrayList<>();
    List<String> current = null;
    for (String line : readme) {
      if (current == null && (line.equals("```java") || line.equals("```xml"))) {
        current = new ArrayList<>();
      } else if (current != null && line.equals("```")) {
        blocks.add(current);
        current = null;
      } else if (current != null) {
        current.add(line);
      }
    }
    return blocks;
  }

  /** Trimmed, without blank lines: indentation differs between a file and a snippet. */
  static List<String> normalized(List<String> lines) {
    return lines.stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  static boolean contains(List<String> file, List<String> block) {
    for (int i = 0; i + block.size() <= file.size(); i++) {
      if (file.subList(i, i + block.size()).equals(block)) {
        return true;
      }
    }
    return false;
  }
}
