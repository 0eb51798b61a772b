package dev.attentiondrop.ops.xla;

import java.util.HashMap;
import java.util.Map;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;

/**
 * XLA auto-clustering: TensorFlow groups the compilable ops of a whole graph into clusters and
 * compiles each. It is a process-wide setting read from the environment variable {@value #ENV}
 * once, when TensorFlow's native library first needs it: a running JVM cannot switch it on or off,
 * so set it before the JVM starts, or compare in child processes ({@link #childEnvironment}).
 *
 * <p>Measured with TensorFlow Java 1.1.0 (TF 2.18, the CPU build) by the XLA dump files of a child
 * process:
 *
 * <ul>
 *   <li>{@link #FLAGS} ({@code --tf_xla_auto_jit=2 --tf_xla_cpu_global_jit}) clusters every session
 *       of the process: the attention layer and its gradients become one cluster.
 *   <li>{@code --tf_xla_auto_jit=2} alone clusters nothing on CPU.
 *   <li>A session's {@code global_jit_level = ON_2} ({@link #sessionConfig}, for {@code new
 *       Session(graph, config)}) alone clusters nothing on CPU; with {@code
 *       --tf_xla_cpu_global_jit} in {@value #ENV} it clusters that session only.
 * </ul>
 *
 * On a GPU TensorFlow documents {@code --tf_xla_auto_jit=2} or the session setting as enough (not
 * measured here: no GPU build of TensorFlow Java is used by this project).
 */
public final class AutoClustering {
  private AutoClustering() {}

  /** The environment variable TensorFlow reads its XLA JIT flags from. */
  public static final String ENV = "TF_XLA_FLAGS";

  /** Auto-clustering of every session of the process, on CPU as well as GPU. */
  public static final String FLAGS = "--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit";

  /** The flag without which nothing is clustered on CPU. */
  public static final String CPU_FLAG = "--tf_xla_cpu_global_jit";

  /**
   * Whether this process clusters on CPU every session ({@code sessionConfig} false) or the
   * sessions opened with {@link #sessionConfig} ({@code sessionConfig} true); see the class
   * comment.
   *
   * @param sessionConfig the session configuration
   * @return whether this process clusters on CPU every session ({@code sessionConfig} false) or the
   *     sessions opened with {@link #sessionConfig} ({@code sessionConfig} true)
   */
  public static boolean isActive(boolean sessionConfig) {
    return isActive(System.getenv(ENV), sessionConfig);
  }

  /**
   * Whether this process clusters every session on CPU: {@code isActive(false)}.
   *
   * @return whether this process clusters every session on CPU
   */
  public static boolean isActive() {
    return isActive(false);
  }

  /**
   * {@link #isActive(boolean)} for the {@value #ENV} value {@code flags}.
   *
   * @param flags the flags
   * @param sessionConfig the session configuration
   * @return {@link #isActive(boolean)} for the {@value #ENV} value {@code flags}
   */
  public static boolean isActive(String flags, boolean sessionConfig) {
    if (flags == null || !hasFlag(flags, CPU_FLAG)) {
      return false;
    }
    return sessionConfig || autoJitLevel(flags) > 0;
  }

  /** The level of {@code --tf_xla_auto_jit} in {@code flags}, 0 when absent. */
  static int autoJitLevel(String flags) {
    for (String f : flags.trim().split("\\s+")) {
      if (f.startsWith("--tf_xla_auto_jit=")) {
        String level = f.substring("--tf_xla_auto_jit=".length());
        return level.equals("1") ? 1 : level.equals("2") ? 2 : 0;
      }
    }
    return 0;
  }

  private static boolean hasFlag(String flags, String flag) {
    for (String f : flags.trim().split("\\s+")) {
      if (f.equals(flag) || f.equals(flag + "=true")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A child process environment: {@code base} with {@link #FLAGS} appended to {@value #ENV} (other
   * flags kept), or with {@value #ENV} removed when {@code on} is false. For {@code
   * ProcessBuilder.environment()}.
   *
   * @param base the configuration to extend
   * @param on whether auto-clustering is on
   * @return a child process environment
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
   * config)}. On CPU it needs {@link #CPU_FLAG} in {@value #ENV} (see the class comment).
   *
   * @return a session configuration with {@code global_jit_level = ON_2}, for {@code new
   *     Session(graph, config)}
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
