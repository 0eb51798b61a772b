package dev.attentiondrop.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.config.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The shipped profiles parse, and the full one is the grid issue 12 asks for. */
@DisplayName("experiments/quick.json and full.json")
class ProfilesTest {
  private static final Set<String> PAPER_ROWS =
      Set.of("none", "attention_dropout", "rdrop", "hard_mask", "blur", "blur_consistency");

  private static ExperimentConfig read(String name) throws IOException {
    // the module's folder is experiments/, where the profiles are
    return Json.read(Path.of(name), ExperimentConfig.class);
  }

  @Test
  @DisplayName("full: two datasets x four regimes, selection everywhere, seeds as promised")
  void full() throws IOException {
    ExperimentConfig c = read("full.json");
    assertEquals(
        List.of(
            "fashion-mnist-1k",
            "fashion-mnist-4k",
            "fashion-mnist-1k-noise20",
            "fashion-mnist-1k-noise40",
            "imdb-2k",
            "imdb-4k",
            "imdb-2k-noise20",
            "imdb-2k-noise40"),
        c.datasets().stream().map(ExperimentConfig.DatasetPlan::id).toList());
    int cells = 0;
    for (var d : c.datasets()) {
      assertTrue(d.train().selection() != null, d.id() + ": best epoch on a hold-out");
      boolean noisy = d.id().contains("noise");
      assertEquals(noisy, d.train().labelNoise() != null, d.id());
      for (var m : c.methods()) {
        if (!d.runs(m)) {
          assertTrue(!d.tunes(), d.id() + ": the tuned regime runs every method");
          continue;
        }
        int seeds = d.seedsOf(m);
        assertTrue(seeds >= (PAPER_ROWS.contains(m.name()) ? 5 : 3), d.id() + " " + m.name());
        cells += seeds + (d.tunes() && m.tune() != null ? m.tune().values().size() : 0);
      }
      for (String m :
          List.of(
              "none",
              "attention_dropout",
              "rdrop",
              "hard_mask",
              "blur",
              "blur_consistency",
              "dropconnect")) {
        assertTrue(d.runs(c.method(m)), d.id() + " runs " + m);
      }
    }
    for (var s : c.sweeps()) {
      cells += s.values().size() * s.seeds();
    }
    assertEquals(346, cells);
    assertEquals(cells, ExperimentRunner.countCells(c), "the progress bar's count");
  }

  @Test
  @DisplayName("quick: the regime controls and IMDB are covered")
  void quick() throws IOException {
    ExperimentConfig c = read("quick.json");
    assertTrue(c.datasets().stream().anyMatch(d -> d.train().labelNoise() != null));
    assertTrue(c.datasets().stream().anyMatch(d -> d.train().selection() != null));
    assertTrue(c.datasets().stream().anyMatch(d -> d.dataset().equals("imdb-mini")));
  }
}
