package dev.attentiondrop.zoo.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A dataset absent from the cache names the command that fetches it. */
class MissingCacheTest {

  @ParameterizedTest
  @ValueSource(strings = {"fashion-mnist", "mnist", "digits", "spam-assassin", "imdb"})
  void missingDatasetNamesTheFetchCommand(String name, @TempDir Path emptyCache) {
    var e =
        assertThrows(MissingDatasetException.class, () -> Datasets.load(name, "train", emptyCache));
    assertTrue(e.getMessage().contains("`scripts/fetch-data.sh " + name + "`"), e.getMessage());
    assertTrue(e.getMessage().contains(emptyCache.resolve(name).toString()), e.getMessage());
    assertTrue(e.getMessage().contains("ATTENTIONDROP_DATA=" + emptyCache), e.getMessage());
    assertEquals("scripts/fetch-data.sh " + name, e.fetchCommand());
  }
}
