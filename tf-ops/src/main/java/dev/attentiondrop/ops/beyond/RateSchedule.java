package dev.attentiondrop.ops.beyond;

import dev.attentiondrop.ops.Checks;

/**
 * A drop rate that depends on the layer's depth: {@code rate(l) = first + (last - first) * l / (L -
 * 1)} for layer {@code l = 0..L-1} ({@code first} when {@code L = 1}). DropKey recommends a rate
 * decreasing linearly with depth.
 *
 * @param first rate of the first layer, in {@code [0, 1)}
 * @param last rate of the last layer, in {@code [0, 1)}
 */
public record RateSchedule(double first, double last) {

  /**
   * Validates the components.
   *
   * @param first rate of the first layer, in {@code [0, 1)}
   * @param last rate of the last layer, in {@code [0, 1)}
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public RateSchedule {
    Checks.inClosedOpen("rate (first layer)", first, 0, 1);
    Checks.inClosedOpen("rate (last layer)", last, 0, 1);
  }

  /**
   * The same rate in every layer.
   *
   * @param rate the rate of every layer, in {@code [0, 1)}
   * @return the same rate in every layer
   */
  public static RateSchedule constant(double rate) {
    return new RateSchedule(rate, rate);
  }

  /**
   * Linear from {@code first} at layer 0 to {@code last} at layer {@code L - 1}.
   *
   * @param first rate of the first layer, in {@code [0, 1)}
   * @param last rate of the last layer, in {@code [0, 1)}
   * @return linear from {@code first} at layer 0 to {@code last} at layer {@code L - 1}
   */
  public static RateSchedule linear(double first, double last) {
    return new RateSchedule(first, last);
  }

  /**
   * The rate of layer {@code layer} (0-based) of {@code numLayers}.
   *
   * @param layer the position of the attention in its stack, 0-based
   * @param numLayers the number of attentions in the stack
   * @return the rate of layer {@code layer} (0-based) of {@code numLayers}
   */
  public double rate(int layer, int numLayers) {
    Checks.inRange("numLayers", numLayers, 1, Integer.MAX_VALUE);
    Checks.inRange("layer", layer, 0, numLayers - 1);
    return numLayers == 1 ? first : first + (last - first) * layer / (numLayers - 1.0);
  }
}
