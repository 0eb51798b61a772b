package dev.attentiondrop.zoo.train;

/** Clean test metrics of one evaluation. */
public record Evaluation(double accuracy, double nll, double ece, double brier) {

  /** Placeholder until the metrics package lands: accuracy, NLL, ECE, Brier. */
  public static Evaluation of(float[][] probabilities, int[] labels, int bins) {
    int n = labels.length;
    double correct = 0, nll = 0, brier = 0;
    double[] conf = new double[bins], acc = new double[bins];
    int[] count = new int[bins];
    for (int i = 0; i < n; i++) {
      float[] p = probabilities[i];
      int best = Trainer.argmax(p, 0, p.length);
      boolean ok = best == labels[i];
      correct += ok ? 1 : 0;
      nll -= Math.log(Math.max(p[labels[i]], 1e-12));
      for (int c = 0; c < p.length; c++) {
        double d = p[c] - (c == labels[i] ? 1 : 0);
        brier += d * d;
      }
      int b = Math.min(bins - 1, Math.max(0, (int) Math.ceil(p[best] * bins) - 1));
      conf[b] += p[best];
      acc[b] += ok ? 1 : 0;
      count[b]++;
    }
    double ece = 0;
    for (int b = 0; b < bins; b++) {
      ece += Math.abs(acc[b] - conf[b]) / n;
    }
    return new Evaluation(correct / n, nll / n, ece, brier / n);
  }
}
