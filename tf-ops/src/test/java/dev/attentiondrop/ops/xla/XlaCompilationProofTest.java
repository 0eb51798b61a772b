package dev.attentiondrop.ops.xla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proof that XLA compiles: {@link XlaProbe} runs in a child JVM with {@code
 * XLA_FLAGS=--xla_dump_to=DIR}, and TensorFlow writes {@code module_*} files into {@code DIR} for
 * every computation XLA compiles, named after the function or cluster.
 */
@DisplayName("XLA compiles the attention (dump files from a child process)")
class XlaCompilationProofTest {
  @TempDir Path tmp;

  /** What a probe run printed and which computations XLA compiled, by name and count. */
  record Run(double loss, boolean autoFlag, Map<String, Integer> modules) {
    int count(String prefix) {
      return modules.entrySet().stream()
          .filter(e -> e.getKey().startsWith(prefix))
          .mapToInt(Map.Entry::getValue)
          .sum();
    }
  }

  Run probe(String name, String tfXlaFlags, String... args)
      throws IOException, InterruptedException {
    Path dump = tmp.resolve(name);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                XlaProbe.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.remove(AutoClustering.ENV);
    env.put("XLA_FLAGS", "--xla_dump_to=" + dump);
    if (tfXlaFlags != null) {
      env.put(AutoClustering.ENV, tfXlaFlags);
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "probe timed out");
    assertEquals(0, p.exitValue(), "probe failed:\n" + out);
    Matcher m = Pattern.compile("PROBE loss=(\\S+) grad=\\S+ auto=(\\S+)").matcher(out);
    assertTrue(m.find(), out);
    // module_0001.attention_vjp_mEX2p3xKzkE__.74.before_optimizations.txt -> attention_vjp_...
    // module_0071.cluster_0__XlaCompiledKernel_true__(...)_.424.before_optimizations.txt
    Pattern file = Pattern.compile("module_\\d+\\.(.+)\\.\\d+\\.before_optimizations\\.txt");
    Map<String, Integer> modules = new TreeMap<>();
    if (Files.isDirectory(dump)) {
      try (Stream<Path> files = Files.list(dump)) {
        files
            .map(f -> file.matcher(f.getFileName().toString()))
            .filter(Matcher::matches)
            .forEach(f -> modules.merge(f.group(1), 1, Integer::sum));
      }
    }
    return new Run(Double.parseDouble(m.group(1)), Boolean.parseBoolean(m.group(2)), modules);
  }

  @Test
  @DisplayName("COMPILED_FUNCTION compiles forward and backward; NONE compiles nothing; same loss")
  void compiledFunction() throws Exception {
    Run none = probe("none", null, "NONE");
    assertEquals(Map.of(), none.modules(), "nothing compiled without XLA");
    Run compiled = probe("compiled", null, "COMPILED_FUNCTION");
    assertEquals(1, compiled.count("attention_forward"), compiled.modules().toString());
    assertEquals(1, compiled.count("attention_vjp"), compiled.modules().toString());
    assertEquals(2, compiled.modules().size(), "nothing else: " + compiled.modules());
    assertEquals(none.loss(), compiled.loss(), 1e-5 * Math.abs(none.loss()));
  }

  @Test
  @DisplayName("AUTO_CLUSTERING: TF_XLA_FLAGS clusters the graph on CPU; same loss")
  void autoClusteringFromEnvironment() throws Exception {
    Run none = probe("none", null, "AUTO_CLUSTERING");
    assertEquals(Map.of(), none.modules(), "no clustering without the flags");
    Run auto = probe("auto", AutoClustering.FLAGS, "AUTO_CLUSTERING");
    assertTrue(auto.autoFlag(), "the child sees the flags");
    assertTrue(auto.count("cluster_") >= 1, auto.modules().toString());
    assertEquals(none.loss(), auto.loss(), 1e-5 * Math.abs(none.loss()));
  }

  @Test
  @DisplayName(
      "on CPU the session's global_jit_level alone clusters nothing; with "
          + "--tf_xla_cpu_global_jit it does")
  void sessionConfigOnCpu() throws Exception {
    Run sessionOnly = probe("session", null, "AUTO_CLUSTERING", "--session-jit");
    assertEquals(Map.of(), sessionOnly.modules());
    assertTrue(!sessionOnly.autoFlag());
    Run withCpuFlag =
        probe("session-cpu", AutoClustering.CPU_FLAG, "AUTO_CLUSTERING", "--session-jit");
    assertTrue(withCpuFlag.count("cluster_") >= 1, withCpuFlag.modules().toString());
    assertTrue(withCpuFlag.autoFlag());
    Run autoJitOnly = probe("autojit-only", "--tf_xla_auto_jit=2", "AUTO_CLUSTERING");
    assertEquals(Map.of(), autoJitOnly.modules(), "--tf_xla_auto_jit=2 alone: GPU only");
    assertTrue(!autoJitOnly.autoFlag());
  }
}
