package dev.attentiondrop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The benchmark's PNG charts. */
public final class Charts {
  private Charts() {}

  /**
   * {@code bench_ratio.png}: the block's step time relative to plain per variant, one series per
   * runtime/XLA mode and length (only lengths 128 and 512 when present); {@code bench_ms_vs_t.png}:
   * the block's median step time against T per variant (TF Java, XLA off) and for plain in every
   * runtime and mode.
   */
  public static List<Path> write(List<Map<String, Object>> records, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    List<Map<String, Object>> block =
        records.stream()
            .filter(r -> "block".equals(r.get("model")) && r.get("median_ms") != null)
            .toList();
    if (block.isEmpty()) {
      return written;
    }
    Set<Integer> lens = new LinkedHashSet<>();
    block.forEach(r -> lens.add(((Number) r.get("seq_len")).intValue()));
    List<Integer> ratioLens =
        lens.contains(128) || lens.contains(512)
            ? lens.stream().filter(t -> t == 128 || t == 512).toList()
            : List.copyOf(lens);
    List<String> variants =
        new ArrayList<>(
            new LinkedHashSet<>(block.stream().map(r -> (String) r.get("variant")).toList()));
    variants.remove("plain");
    if (!variants.isEmpty()) {
      CategoryChart c =
          new CategoryChartBuilder()
              .width(1100)
              .height(480)
              .title("training step time / plain (block, d=64, 4 heads)")
              .xAxisTitle("variant")
              .yAxisTitle("ratio vs plain (same runtime, mode, T)")
              .build();
      c.getStyler().setXAxisLabelRotation(20);
      Set<String> series = new LinkedHashSet<>();
      block.forEach(
          r -> series.add(r.get("runtime") + " " + r.get("xla") + " T=" + r.get("seq_len")));
      for (String s : series) {
        int t = Integer.parseInt(s.substring(s.lastIndexOf('=') + 1));
        if (!ratioLens.contains(t)) {
          continue;
        }
        List<Double> ys = new ArrayList<>();
        for (String v : variants) {
          ys.add(
              block.stream()
                  .filter(
                      r ->
                          s.equals(r.get("runtime") + " " + r.get("xla") + " T=" + r.get("seq_len"))
                              && v.equals(r.get("variant"))
                              && r.get("ratio_vs_plain") != null)
                  .map(r -> ((Number) r.get("ratio_vs_plain")).doubleValue())
                  .findFirst()
                  .orElse(0.0));
        }
        c.addSeries(
            s.replace("COMPILED_FUNCTION", "XLA-fn")
                .replace("AUTO_CLUSTERING", "XLA-auto")
                .replace(" NONE", ""),
            variants,
            ys);
      }
      Path p = dir.resolve("bench_ratio.png");
      BitmapEncoder.saveBitmap(c, p.toString(), BitmapEncoder.BitmapFormat.PNG);
      written.add(p);
    }
    if (lens.size() > 1) {
      XYChart c =
          new XYChartBuilder()
              .width(1000)
              .height(560)
              .title("training step time vs T (block, batch " + block.get(0).get("batch") + ")")
              .xAxisTitle("T")
              .yAxisTitle("median ms")
              .build();
      c.getStyler().setXAxisLogarithmic(true);
      c.getStyler().setYAxisLogarithmic(true);
      Map<String, TreeMap<Integer, Double>> lines = new TreeMap<>();
      for (Map<String, Object> r : block) {
        boolean javaNone = "tf-java".equals(r.get("runtime")) && "NONE".equals(r.get("xla"));
        if (!javaNone && !"plain".equals(r.get("variant"))) {
          continue;
        }
        String name =
            javaNone
                ? "tf-java " + r.get("variant")
                : r.get("runtime") + " " + r.get("xla") + " plain";
        name =
            name.replace("COMPILED_FUNCTION", "XLA-fn")
                .replace("AUTO_CLUSTERING", "XLA-auto")
                .replace(" NONE", "");
        lines
            .computeIfAbsent(name, k -> new TreeMap<>())
            .put(
                ((Number) r.get("seq_len")).intValue(),
                ((Number) r.get("median_ms")).doubleValue());
      }
      for (var e : lines.entrySet()) {
        if (e.getValue().size() < 2) {
          continue;
        }
        var s =
            c.addSeries(
                e.getKey(),
                new ArrayList<>(e.getValue().keySet()),
                new ArrayList<>(e.getValue().values()));
        s.setMarker(SeriesMarkers.CIRCLE);
      }
      Path p = dir.resolve("bench_ms_vs_t.png");
      BitmapEncoder.saveBitmap(c, p.toString(), BitmapEncoder.BitmapFormat.PNG);
      written.add(p);
    }
    written.removeIf(Objects::isNull);
    return written;
  }
}
