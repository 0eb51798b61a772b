package dev.attentiondrop.ops.xla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.OptimizerOptions;

@DisplayName("AutoClustering flags and environments")
class AutoClusteringTest {
  @Test
  @DisplayName("which TF_XLA_FLAGS values cluster on CPU")
  void isActive() {
    assertFalse(AutoClustering.isActive(null, false));
    assertFalse(AutoClustering.isActive(null, true));
    assertTrue(AutoClustering.isActive(AutoClustering.FLAGS, false));
    assertTrue(AutoClustering.isActive("--tf_xla_cpu_global_jit --tf_xla_auto_jit=1", false));
    assertFalse(AutoClustering.isActive("--tf_xla_auto_jit=2", false));
    assertFalse(AutoClustering.isActive("--tf_xla_auto_jit=2", true));
    assertFalse(AutoClustering.isActive("--tf_xla_cpu_global_jit", false));
    assertTrue(AutoClustering.isActive("--tf_xla_cpu_global_jit", true));
    assertFalse(AutoClustering.isActive("--tf_xla_cpu_global_jit --tf_xla_auto_jit=0", false));
  }

  @Test
  @DisplayName("child environments add or remove the flags, keeping the rest")
  void childEnvironment() {
    Map<String, String> base =
        Map.of("PATH", "/bin", AutoClustering.ENV, "--tf_xla_min_cluster_size=2");
    Map<String, String> on = AutoClustering.childEnvironment(base, true);
    assertEquals("/bin", on.get("PATH"));
    assertEquals("--tf_xla_min_cluster_size=2 " + AutoClustering.FLAGS, on.get(AutoClustering.ENV));
    assertTrue(AutoClustering.isActive(on.get(AutoClustering.ENV), false));
    assertEquals(
        AutoClustering.FLAGS,
        AutoClustering.childEnvironment(Map.of(), true).get(AutoClustering.ENV));
    assertFalse(AutoClustering.childEnvironment(base, false).containsKey(AutoClustering.ENV));
  }

  @Test
  @DisplayName("the session configuration asks for global_jit_level ON_2")
  void sessionConfig() {
    assertEquals(
        OptimizerOptions.GlobalJitLevel.ON_2,
        AutoClustering.sessionConfig().getGraphOptions().getOptimizerOptions().getGlobalJitLevel());
  }
}
