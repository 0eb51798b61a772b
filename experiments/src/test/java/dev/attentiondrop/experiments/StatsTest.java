package dev.attentiondrop.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
