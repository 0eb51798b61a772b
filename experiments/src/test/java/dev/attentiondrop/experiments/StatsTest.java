package dev.attentiondrop.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attentiondrop.ops.testing.PythonReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Report statistics agree with SciPy")
class StatsTest {
  @Test
  @DisplayName("t confidence intervals and paired t-test p-values")
  void matchesScipy(@TempDir Path dir) throws Exception {
    double[][] samples = {{0.81, 0.79, 0.84, 0.80, 0.83}, {0.012, -0.004, 0.009}, {1.5, 2.5}};
    StringBuilder py =
        new StringBuilder(
            "import json, sys\nimport numpy as np\nfrom scipy import stats\nout = []\n");
    for (double[] s : samples) {
      py.append("x = np.array(")
          .append(Arrays.toString(s))
          .append(")\n")
          .append("h = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))\n")
          .append("out.append([x.mean(), h, stats.ttest_1samp(x, 0.0).pvalue])\n");
    }
    py.append("print(json.dumps(out))\n");
    Path script = dir.resolve("stats_ref.py");
    Files.writeString(script, py);
    PythonReference.python();
    String json = PythonReference.run(script.toString());
    double[][] ref = new ObjectMapper().readValue(json, double[][].class);
    for (int i = 0; i < samples.length; i++) {
      Stats.Interval in = Stats.interval(samples[i]);
      assertEquals(ref[i][0], in.mean(), 1e-12, "mean " + i);
      assertEquals(ref[i][1], in.halfWidth(), 1e-9, "CI half-width " + i);
      assertEquals(ref[i][2], Stats.pairedP(samples[i]), 1e-9, "p-value " + i);
    }
  }

  @Test
  @DisplayName("Holm's adjustment: a hand-worked family, monotone, NaN left out")
  void holm() {
    // sorted 0.005, 0.01, 0.03, 0.04 (m = 4): 4 x 0.005 = 0.02, 3 x 0.01 = 0.03,
    // 2 x 0.03 = 0.06, max(0.06, 1 x 0.04) = 0.06; back in the input order:
    double[] adjusted = Stats.holm(new double[] {0.01, 0.04, 0.03, 0.005});
    double[] expected = {0.03, 0.06, 0.06, 0.02};
    for (int k = 0; k < 4; k++) {
      assertEquals(expected[k], adjusted[k], 1e-15, "p " + k);
    }
    double[] capped = Stats.holm(new double[] {0.6, Double.NaN, 0.2});
    assertEquals(0.6, capped[0], 1e-15); // m = 2: 2 x 0.2 = 0.4, max(0.4, 0.6)
    assertTrue(Double.isNaN(capped[1]));
    assertEquals(0.4, capped[2], 1e-15);
    assertEquals(1.0, Stats.holm(new double[] {0.9, 0.8})[0], 0.0, "capped at 1");
  }
}
