package dev.attentiondrop.bench.profile;

import dev.attentiondrop.bench.BenchModels.BlockGraph;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TInt64;

/**
 * Traced training steps and their per-op-type aggregation.
 *
 * <p>A kernel's time is {@code op_end - op_start} of its {@code NodeExecStats} (the {@code
 * OpKernel::Compute} call, nanosecond fields where the runtime fills them); the op type of a node
 * comes from the partition graph that ran (so Grappler's rewrites, e.g. {@code _FusedMatMul}, show
 * under their own names), else from the {@code timeline_label} ({@code "name = Op(...)"}).
 */
public final class OpProfile {
  private OpProfile() {}

  /**
   * One op type's share of a step.
   *
   * @param opType the executed op type
   * @param msPerStep the summed kernel time per step, ms (mean over the traced steps)
   * @param msMedian the median over the traced steps of the per-step sum, ms (robust to a step
   *     preempted by other load)
   * @param kernelsPerStep how many kernels of that type ran per step
   */
  public record OpTypeStat(
      String opType, double msPerStep, double msMedian, double kernelsPerStep) {}

  /**
   * One node's share of a step.
   *
   * @param node the node name in the executed (partition) graph
   * @param opType its op type
   * @param msPerStep its kernel time per step, ms
   */
  public record NodeStat(String node, String opType, double msPerStep) {}

  /**
   * The aggregate of several traced steps.
   *
   * @param steps the number of traced steps
   * @param kernelMsPerStep the sum of all kernel times per step, ms (both threads' work: can exceed
   *     the step's wall time)
   * @param spanMsPerStep first kernel start to last kernel end, per step, ms
   * @param opTypes per op type, the most expensive first
   * @param nodes per node, the most expensive first
   * @param executedOps op type counts of the executed partition graphs (empty when none came back)
   */
  public record Summary(
      int steps,
      double kernelMsPerStep,
      double spanMsPerStep,
      List<OpTypeStat> opTypes,
      List<NodeStat> nodes,
      Map<String, Integer> executedOps) {

    /**
     * As a JSON-ready map, with the {@code topNodes} most expensive nodes.
     *
     * @param topNodes how many nodes to keep
     * @return the map
     */
    public Map<String, Object> toMap(int topNodes) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("steps", steps);
      m.put("kernel_ms_per_step", kernelMsPerStep);
      m.put("span_ms_per_step", spanMsPerStep);
      List<Map<String, Object>> types = new ArrayList<>();
      for (OpTypeStat s : opTypes) {
        types.add(
            new LinkedHashMap<>(
                Map.of(
                    "op",
                    s.opType(),
                    "ms",
                    s.msPerStep(),
                    "ms_median",
                    s.msMedian(),
                    "kernels",
                    s.kernelsPerStep())));
      }
      m.put("op_types", types);
      List<Map<String, Object>> ns = new ArrayList<>();
      for (NodeStat s : nodes.subList(0, Math.min(topNodes, nodes.size()))) {
        ns.add(
            new LinkedHashMap<>(Map.of("node", s.node(), "op", s.opType(), "ms", s.msPerStep())));
      }
      m.put("top_nodes", ns);
      m.put("executed_op_counts", executedOps);
      return m;
    }
  }

  /**
   * RunOptions of a traced step.
   *
   * @param partitionGraphs whether to return the executed partition graphs too
   * @return FULL_TRACE options
   */
  public static RunOptions fullTrace(boolean partitionGraphs) {
    return RunOptions.newBuilder()
        .setTraceLevel(RunOptions.TraceLevel.FULL_TRACE)
        .setOutputPartitionGraphs(partitionGraphs)
        .build();
  }

  /**
   * Runs {@code warmup} untraced and then {@code steps} traced training steps of {@code model} on
   * {@code session}, and aggregates them; the first traced step also returns the partition graphs.
   *
   * @param model the block model
   * @param session a session on its graph (its variables initialized)
   * @param warmup untraced steps first
   * @param steps traced steps
   * @return the traced steps' metadata, one per step
   */
  public static List<RunMetadata> trace(BlockGraph model, Session session, int warmup, int steps) {
    long step = 0;
    for (int i = 0; i < warmup; i++) {
      try (TInt64 sd = TInt64.vectorOf(7, step++);
          Result r = model.runner(session, sd).run()) {
        // untraced warmup
      }
    }
    List<RunMetadata> out = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      try (TInt64 sd = TInt64.vectorOf(7, step++);
          Result r =
              model.runner(session, sd).setOptions(fullTrace(i == 0)).runAndFetchMetadata()) {
        out.add(
            r.getMetadata()
                .orElseThrow(() -> new IllegalStateException("no RunMetadata returned")));
      }
    }
    return out;
  }

  /**
   * Aggregates traced steps per op type and per node.
   *
   * @param runs the metadata of the traced steps (partition graphs in any of them are used to name
   *     op types)
   * @return the aggregate
   */
  public static Summary aggregate(List<RunMetadata> runs) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("no traced steps");
    }
    Map<String, String> opOf = new HashMap<>();
    Map<String, Integer> executed = new TreeMap<>();
    for (RunMetadata md : runs) {
      if (md.getPartitionGraphsCount() > 0 && executed.isEmpty()) {
        for (GraphDef g : md.getPartitionGraphsList()) {
          for (NodeDef n : g.getNodeList()) {
            opOf.put(n.getName(), n.getOp());
            executed.merge(n.getOp(), 1, Integer::sum);
          }
        }
      }
    }
    Map<String, double[]> byType = new HashMap<>(); // ms, count
    Map<String, double[]> byNode = new HashMap<>();
    Map<String, String> nodeType = new HashMap<>();
    Map<String, double[]> perStep = new HashMap<>(); // op type -> ms in each step
    double kernelMs = 0;
    double spanMs = 0;
    for (int step = 0; step < runs.size(); step++) {
      RunMetadata md = runs.get(step);
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      for (DeviceStepStats dev : md.getStepStats().getDevStatsList()) {
        for (NodeExecStats n : dev.getNodeStatsList()) {
          String type = opOf.getOrDefault(n.getNodeName(), typeFromLabel(n.getTimelineLabel()));
          double ms = kernelNanos(n) / 1e6;
          kernelMs += ms;
          double[] t = byType.computeIfAbsent(type, k -> new double[2]);
          t[0] += ms;
          t[1] += 1;
          perStep.computeIfAbsent(type, k -> new double[runs.size()])[step] += ms;
          byNode.computeIfAbsent(n.getNodeName(), k -> new double[1])[0] += ms;
          nodeType.put(n.getNodeName(), type);
          long start = startNanos(n);
          first = Math.min(first, start);
          last = Math.max(last, start + endRelNanos(n));
        }
      }
      if (first != Long.MAX_VALUE) {
        spanMs += (last - first) / 1e6;
      }
    }
    int steps = runs.size();
    List<OpTypeStat> types = new ArrayList<>();
    byType.forEach(
        (k, v) -> types.add(new OpTypeStat(k, v[0] / steps, median(perStep.get(k)), v[1] / steps)));
    types.sort(Comparator.comparingDouble(OpTypeStat::msPerStep).reversed());
    List<NodeStat> nodes = new ArrayList<>();
    byNode.forEach((k, v) -> nodes.add(new NodeStat(k, nodeType.get(k), v[0] / steps)));
    nodes.sort(Comparator.comparingDouble(NodeStat::msPerStep).reversed());
    return new Summary(steps, kernelMs / steps, spanMs / steps, types, nodes, executed);
  }

  /**
   * Op type counts of a graph (e.g. the one built, before Grappler).
   *
   * @param g the graph
   * @return op type to node count, sorted by type
   */
  public static Map<String, Integer> opCounts(GraphDef g) {
    Map<String, Integer> m = new TreeMap<>();
    for (NodeDef n : g.getNodeList()) {
      m.merge(n.getOp(), 1, Integer::sum);
    }
    return m;
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    java.util.Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /** {@code "name = Op(a, b)"} to {@code "Op"}; the label itself where it has no such form. */
  static String typeFromLabel(String label) {
    int eq = label.indexOf(" = ");
    if (eq < 0) {
      return label.isEmpty() ? "?" : label;
    }
    int paren = label.indexOf('(', eq);
    return label.substring(eq + 3, paren < 0 ? label.length() : paren).trim();
  }

  private static long kernelNanos(NodeExecStats n) {
    if (n.getOpEndRelNanos() > 0 || n.getOpStartRelNanos() > 0) {
      return Math.max(0, n.getOpEndRelNanos() - n.getOpStartRelNanos());
    }
    return Math.max(0, (n.getOpEndRelMicros() - n.getOpStartRelMicros()) * 1000);
  }

  private static long startNanos(NodeExecStats n) {
    return n.getAllStartNanos() > 0 ? n.getAllStartNanos() : n.getAllStartMicros() * 1000;
  }

  private static long endRelNanos(NodeExecStats n) {
    return n.getAllEndRelNanos() > 0 ? n.getAllEndRelNanos() : n.getAllEndRelMicros() * 1000;
  }
}
