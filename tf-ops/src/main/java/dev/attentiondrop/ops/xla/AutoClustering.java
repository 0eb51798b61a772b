package dev.attentiondrop.ops.xla;

import java.util.HashMap;
import java.util.Map;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;

/**
 * XLA auto-clustering: TensorFlow groups the compilable ops of a whole graph into clusters and
 * compiles each. It is a process-wide setting, read from the environment variable {@value #ENV}
 * once, when TensorFlow's native library first needs it; a running JVM cannot switch it on or off.
 * To compare, run a child process with {@link #childEnvironment}.
 *
 * <p>On CPU the flags must include {@code --tf_xla_cpu_global_jit}: a session's {@code ConfigProto}
 * {@code global_jit_level} ({@link #sessionConfig}) alone clusters nothing on CPU in TensorFlow
 * Java 1.1.0 (TF 2.18); with the environment flags set it is not needed. On GPU the session
 * setting alone enables clustering.
 */
public final class AutoClustering {
  private AutoClustering() {}

  /** The environment variable TensorFlow reads its XLA JIT flags from. */
  public static final String ENV = "TF_XLA_FLAGS";

  /** Auto-clustering of every compilable op, on CPU as well as GPU. */
  public static final String FLAGS = "--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit";

  /** Whether this process was started with auto-clustering flags (see the class comment). */
  public static boolean isActive() {
    return isActive(System.getenv(ENV));
  }

  /** Whether the {@value #ENV} value {@code flags} turns auto-clustering on. */
  public static boolean isActive(String flags) {
    if (flags == null) {
      return false;
    }
    for (String f : flags.trim().split("\\s+")) {
      if (f.startsWith("--tf_xla_auto_jit=")) {
        String level = f.substring("--tf_xla_auto_jit=".length());
        return level.equals("1") || level.equals("2") || level.startsWith("single-gpu");
      }
    }
    return false;
  }

  /** Whether this process clusters on CPU ({@code --tf_xla_cpu_global_jit} is set). */
  public static boolean isActiveOnCpu() {
    String flags = System.getenv(ENV);
    return isActive(flags) && flags.contains("--tf_xla_cpu_global_jit");
  }

  /**
   * A child process environment: {@code base} with {@link #FLAGS} added to {@value #ENV} (kept
   * flags first), or with {@value #ENV} removed when {@code on} is false.
   */
  public static Map<String, String> childEnvironment(Map<String, String> base, boolean on) {
    Map<String, String> env = new HashMap<>(base);
    if (!on) {
      env.remove(ENV);
      return env;
    }
    String kept = env.getOrDefault(ENV, "").trim();
    env.put(ENV, kept.isEmpty() ? FLAGS : kept + " " + FLAGS);
    return env;
  }

  /**
   * A session configuration with {@code global_jit_level = ON_2}, for {@code new Session(graph,
   * config)}: enough on GPU, not on CPU (see the class comment).
   */
  public static ConfigProto sessionConfig() {
    return ConfigProto.newBuilder()
        .setGraphOptions(
            GraphOptions.newBuilder()
                .setOptimizerOptions(
                    OptimizerOptions.newBuilder()
                        .setGlobalJitLevel(OptimizerOptions.GlobalJitLevel.ON_2)))
        .build();
  }
}
