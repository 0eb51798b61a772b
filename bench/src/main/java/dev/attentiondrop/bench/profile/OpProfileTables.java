package dev.attentiondrop.bench.profile;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Markdown tables of an {@link OpProfileRun} JSON: per variant and length, op type by op type, TF
 * Java's ms per step beside the same GraphDef in Python TF and the Keras form; then the knobs and
 * the oneDNN children.
 */
public final class OpProfileTables {
  private OpProfileTables() {}

  /**
   * Prints the markdown of a JSON file written by {@link OpProfileRun}.
   *
   * @param args the JSON file
   * @throws IOException when it cannot be read
   */
  public static void main(String[] args) throws IOException {
    Map<String, Object> root =
        new ObjectMapper()
            .readValue(Path.of(args[0]).toFile(), new TypeReference<Map<String, Object>>() {});
    System.out.print(markdown(root));
  }

  /**
   * The markdown of a profile.
   *
   * @param root the JSON object of {@link OpProfileRun#run}
   * @return the tables
   */
  @SuppressWarnings("unchecked")
  public static String markdown(Map<String, Object> root) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "Op profile, batch %s, %s threads, %s traced steps after %s warmup; load %s -> %s%n%n",
            root.get("batch"),
            root.get("threads"),
            root.get("steps"),
            root.get("warmup"),
            root.get("load_before"),
            root.get("load_after")));
    List<Map<String, Object>> java = (List<Map<String, Object>>) root.get("tf_java");
    List<Map<String, Object>> py = List.of();
    Object python = root.get("python");
    if (python instanceof Map<?, ?> pm && pm.get("profiles") instanceof List<?> l) {
      py = (List<Map<String, Object>>) l;
    }
    for (Map<String, Object> j : java) {
      Object v = j.get("variant");
      Object t = j.get("seq_len");
      Map<String, Object> same = find(py, "same_graph", v, t);
      Map<String, Object> keras = find(py, "keras", v, t);
      sb.append(String.format(Locale.ROOT, "### %s, T=%s%n%n", v, t));
      sb.append(
          String.format(
              Locale.ROOT,
              "step ms (untraced median): TF Java %s | same graph in Python TF %s | Keras form %s%n%n",
              f(j.get("step_ms_untraced_median")),
              same == null ? "-" : f(same.get("step_ms_untraced_median")),
              keras == null ? "-" : f(keras.get("step_ms_untraced_median"))));
      sb.append(
          String.format(
              Locale.ROOT,
              "kernel ms/step (sum): %s | %s | %s%n%n",
              f(j.get("kernel_ms_per_step")),
              same == null ? "-" : f(same.get("kernel_ms_per_step")),
              keras == null ? "-" : f(keras.get("kernel_ms_per_step"))));
      if (j.get("built_op_counts") instanceof Map<?, ?> built
          && j.get("executed_op_counts") instanceof Map<?, ?> ran) {
        sb.append(rewrites((Map<String, Object>) built, (Map<String, Object>) ran));
        if (same != null && same.get("executed_op_counts") instanceof Map<?, ?> ran2) {
          sb.append(
              ran.equals(ran2)
                  ? "TF 2.21 executes the same op-type counts as TF Java.\n\n"
                  : "TF 2.21 executes different op-type counts: "
                      + rewrites((Map<String, Object>) ran, (Map<String, Object>) ran2));
        }
      }
      Map<String, double[]> rows = new LinkedHashMap<>();
      addRows(rows, j, 0);
      addRows(rows, same, 1);
      addRows(rows, keras, 2);
      sb.append(
          "| op type | TF Java ms | n | same graph, Python TF ms | n | Keras form ms | n |\n"
              + "|---|---:|---:|---:|---:|---:|---:|\n");
      List<Map.Entry<String, double[]>> sorted = new ArrayList<>(rows.entrySet());
      sorted.sort(
          (a, b) ->
              Double.compare(
                  Math.max(b.getValue()[0], Math.max(b.getValue()[2], b.getValue()[4])),
                  Math.max(a.getValue()[0], Math.max(a.getValue()[2], a.getValue()[4]))));
      for (var e : sorted) {
        double[] r = e.getValue();
        if (Math.max(r[0], Math.max(r[2], r[4])) < 0.05) {
          continue;
        }
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s | %s | %s | %s |%n",
                e.getKey(),
                g(r[0]),
                n(r[1]),
                g(r[2]),
                n(r[3]),
                g(r[4]),
                n(r[5])));
      }
      sb.append("\n(op types under 0.05 ms/step in all three are left out)\n\n");
    }
    if (root.get("knobs") instanceof Map<?, ?> k) {
      sb.append(
          String.format(
              Locale.ROOT,
              "### Knobs, plain T=%s, %s rounds round-robin (load %s -> %s)%n%n",
              k.get("seq_len"),
              k.get("rounds"),
              k.get("load_before"),
              k.get("load_after")));
      sb.append("| knob | median ms | ratio vs baseline | 95% CI |\n|---|---:|---:|---|\n");
      for (Map<String, Object> r : (List<Map<String, Object>>) k.get("results")) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s-%s |%n",
                r.get("knob"),
                f(r.get("median_ms")),
                f3(r.get("ratio_vs_baseline")),
                f3(r.get("ratio_lo")),
                f3(r.get("ratio_hi"))));
      }
      sb.append('\n');
    }
    if (root.get("onednn") instanceof List<?> l) {
      sb.append(
          "### TF_ENABLE_ONEDNN_OPTS (child JVMs, alternating), plain\n\n"
              + "| setting | run | median ms | oneDNN kernels in the executed graph |\n|---|---:|---:|---:|\n");
      for (Map<String, Object> r : (List<Map<String, Object>>) l) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s |%n",
                r.get("TF_ENABLE_ONEDNN_OPTS"),
                r.get("run"),
                f(r.get("median_ms")),
                r.get("onednn_kernels")));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** How the executed graph's op-type counts differ from the built graph's (Grappler). */
  static String rewrites(Map<String, Object> built, Map<String, Object> ran) {
    StringBuilder sb = new StringBuilder();
    long nb = 0;
    long nr = 0;
    java.util.TreeSet<String> keys = new java.util.TreeSet<>(built.keySet());
    keys.addAll(ran.keySet());
    List<String> diffs = new ArrayList<>();
    for (String k : keys) {
      long b = built.get(k) instanceof Number n ? n.longValue() : 0;
      long r = ran.get(k) instanceof Number n ? n.longValue() : 0;
      nb += b;
      nr += r;
      if (b != r) {
        diffs.add(k + " " + b + "->" + r);
      }
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "Nodes %d -> %d; op types changed: %s%n%n",
            nb,
            nr,
            String.join(", ", diffs)));
    return sb.toString();
  }

  @SuppressWarnings("unchecked")
  private static void addRows(Map<String, double[]> rows, Map<String, Object> rec, int col) {
    if (rec == null || !(rec.get("op_types") instanceof List<?> l)) {
      return;
    }
    for (Map<String, Object> o : (List<Map<String, Object>>) l) {
      double[] r = rows.computeIfAbsent((String) o.get("op"), x -> new double[6]);
      r[2 * col] += ((Number) o.get("ms")).doubleValue();
      r[2 * col + 1] += ((Number) o.get("kernels")).doubleValue();
    }
  }

  private static Map<String, Object> find(
      List<Map<String, Object>> py, String form, Object variant, Object t) {
    for (Map<String, Object> p : py) {
      if (form.equals(p.get("form"))
          && String.valueOf(variant).equals(String.valueOf(p.get("variant")))
          && String.valueOf(t).equals(String.valueOf(p.get("seq_len")))) {
        return p;
      }
    }
    return null;
  }

  private static String f(Object o) {
    return o instanceof Number n ? String.format(Locale.ROOT, "%.1f", n.doubleValue()) : "-";
  }

  private static String f3(Object o) {
    return o instanceof Number n ? String.format(Locale.ROOT, "%.3f", n.doubleValue()) : "-";
  }

  private static String g(double ms) {
    return ms == 0 ? "-" : String.format(Locale.ROOT, "%.2f", ms);
  }

  private static String n(double k) {
    return k == 0 ? "-" : String.format(Locale.ROOT, "%.0f", k);
  }
}
