package dev.attentiondrop.zoo.train;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.config.ModelConfig;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much memory training a model takes, worked out from its sizes before anything is built, so a
 * size that cannot fit is an error at once instead of minutes into an out-of-memory kill.
 *
 * <p>With {@code P} parameters, batch {@code B}, {@code T} tokens, width {@code D}, {@code H}
 * heads, feed-forward width {@code M}, {@code N} layers and {@code K} consistency passes (1
 * without), in float32:
 *
 * <pre>
 *   parameters  = 16 P bytes                       (weights, gradients, Adam's two moments)
 *   activations = 4 K B N (16 T D + 4 H T^2 + 5 T M) bytes   (kept for the backward pass:
 *                  the block's T x D tensors, the attention logits and probabilities, the
 *                  feed-forward hidden layer before and after GELU, with their gradients)
 * </pre>
 *
 * An estimate, not a bound. Calibrated on one run ({@code train --dim 128 --mlp-dim 16384
 * --batch-size 256}, 2 layers, T = 17): estimated 3.2 GiB, measured peak resident memory of the
 * whole process 3.2 GiB ({@code /usr/bin/time -v}: 3,375,764 kB).
 *
 * @param parameters the number of scalar weights {@code P}
 * @param parameterBytes memory of the weights, their gradients and the optimizer's moments
 * @param activationBytes memory of one training step's activations
 */
public record MemoryEstimate(long parameters, long parameterBytes, long activationBytes) {

  /**
   * The estimate for training {@code model} with {@code train}'s batch size and consistency passes.
   *
   * @param model the model's sizes
   * @param train the batch size and the consistency objective (null for none)
   * @return the estimate (saturating at {@link Long#MAX_VALUE} bytes)
   */
  public static MemoryEstimate of(ModelConfig model, TrainConfig train) {
    Checks.notNull("model", model);
    Checks.notNull("train", train);
    double d = model.modelDim();
    double m = model.mlpDim();
    double t = model.sequenceLength();
    double c = model.numClasses();
    double p = t * d; // positions
    if (model.kind() == ModelConfig.Kind.VIT) {
      double patch = model.patchSize();
      p += patch * patch * d + d + d; // patch projection with bias, CLS token
    } else {
      p += (double) model.vocabularySize() * d;
    }
    double perLayer = 2 * d + 4 * (d * d + d) + 2 * d + (d * m + m) + (m * d + d);
    p += model.layers() * perLayer + 2 * d + d * c + c;
    int passes = train.consistency() == null ? 1 : train.consistency().passes();
    double activations =
        4.0
            * passes
            * train.batchSize()
            * model.layers()
            * (16 * t * d + 4 * model.heads() * t * t + 5 * t * m);
    return new MemoryEstimate(saturate(p), saturate(16 * p), saturate(activations));
  }

  private static long saturate(double v) {
    return v >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(v);
  }

  /**
   * The whole estimate.
   *
   * @return parameter and activation bytes (saturating)
   */
  public long totalBytes() {
    long sum = parameterBytes + activationBytes;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * One line for messages, e.g. {@code about 31.2 GiB (268,451,850 parameters: 4.0 GiB with
   * gradients and Adam moments; activations of one batch: 27.2 GiB)}.
   *
   * @return the description
   */
  public String describe() {
    return String.format(
        Locale.ROOT,
        "about %s (%,d parameters: %s with gradients and Adam moments; activations of one batch: %s)",
        bytes(totalBytes()),
        parameters,
        bytes(parameterBytes),
        bytes(activationBytes));
  }

  /**
   * A byte count in binary units, e.g. {@code 1.5 GiB}.
   *
   * @param n bytes
   * @return the text
   */
  public static String bytes(long n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = n;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /**
   * Parses a size such as {@code 512m}, {@code 16g}, {@code 1.5t} or {@code 1000000} (bytes);
   * suffixes k, m, g, t (binary: 1g = 2^30 bytes), case-insensitive, optionally followed by {@code
   * b} or {@code ib}.
   *
   * @param name the parameter's name, for messages
   * @param text the size
   * @return bytes, positive
   * @throws IllegalArgumentException naming {@code name} if it is not such a size
   */
  public static long parseBytes(String name, String text) {
    Matcher m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    double v = m.matches() ? Double.parseDouble(m.group(1)) : 0;
    long unit =
        m.matches() && !m.group(2).isEmpty() ? 1L << (10 * ("kmgt".indexOf(m.group(2)) + 1)) : 1;
    if (!(v > 0) || v * unit >= Long.MAX_VALUE) {
      throw new IllegalArgumentException(
          name + " must be a size such as 512m, 16g or 1.5t (binary units), got '" + text + "'");
    }
    return (long) (v * unit);
  }

  private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?) ?([kmgt]?)(?:i?b)?");
}
