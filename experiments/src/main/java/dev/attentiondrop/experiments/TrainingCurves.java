package dev.attentiondrop.experiments;

import dev.attentiondrop.zoo.train.EpochMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Writes the training curve (train loss, train accuracy, and test or, with best-epoch selection,
 * validation accuracy and ECE per epoch) as a PNG.
 */
public final class TrainingCurves {
  private TrainingCurves() {}

  public static void write(List<EpochMetrics> history, Path png) throws IOException {
    double[] epoch = history.stream().mapToDouble(EpochMetrics::epoch).toArray();
    XYChart chart =
        new XYChartBuilder()
            .width(720)
            .height(420)
            .title("Training curve")
            .xAxisTitle("epoch")
            .yAxisTitle("value")
            .build();
    chart.addSeries(
        "train loss", epoch, history.stream().mapToDouble(EpochMetrics::trainLoss).toArray());
    chart.addSeries(
        "train accuracy",
        epoch,
        history.stream().mapToDouble(EpochMetrics::trainAccuracy).toArray());
    // with best-epoch selection the test split is evaluated only at the end: the curve shows the
    // validation hold-out instead
    boolean validation = history.stream().allMatch(m -> m.validationAccuracy() != null);
    String split = validation ? "validation" : "test";
    chart.addSeries(
        split + " accuracy",
        epoch,
        history.stream()
            .mapToDouble(m -> validation ? m.validationAccuracy() : m.testAccuracy())
            .toArray());
    chart.addSeries(
        split + " ECE",
        epoch,
        history.stream().mapToDouble(m -> validation ? m.validationEce() : m.testEce()).toArray());
    Files.createDirectories(png.toAbsolutePath().getParent());
    Path tmp = png.resolveSibling(png.getFileName() + ".tmp.png");
    BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
    Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING);
  }
}
