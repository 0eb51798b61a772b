package dev.attentiondrop.cli;

import dev.attentiondrop.zoo.train.EpochMetrics;
import dev.attentiondrop.zoo.train.Evaluation;
import dev.attentiondrop.zoo.train.TrainingListener;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The {@code train} command's progress bar: one bar per epoch, with the running loss. Closing it
 * ends a bar left open by a fit that failed mid-epoch.
 */
final class ProgressBarListener implements TrainingListener, AutoCloseable {
  private final PrintStream out;
  private ProgressBar bar;

  ProgressBarListener(PrintStream out) {
    this.out = out;
  }

  @Override
  public void onEpochBegin(int epoch, int epochs, int steps) {
    bar =
        new ProgressBarBuilder()
            .setTaskName("epoch " + epoch + "/" + epochs)
            .setInitialMax(steps)
            .setStyle(ProgressBarStyle.ASCII)
            .setConsumer(new ConsoleProgressBarConsumer(out))
            .setUpdateIntervalMillis(250)
            .continuousUpdate()
            .build();
  }

  @Override
  public void onBatchEnd(BatchEnd b) {
    bar.step();
    bar.setExtraMessage(
        String.format(
            " loss %.4f acc %.3f %.0f ex/s", b.meanLoss(), b.accuracy(), b.examplesPerSecond()));
    if (b.batch() == b.batches() - 1) {
      close(); // before the evaluation and the epoch's line
    }
  }

  @Override
  public void onEpochEnd(EpochMetrics metrics, Evaluation evaluation) {
    close();
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
