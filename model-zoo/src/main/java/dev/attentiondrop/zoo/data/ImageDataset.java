package dev.attentiondrop.zoo.data;

import java.util.List;

/**
 * Grayscale images with shape {@code [size, height, width]}, stored row-major in {@code pixels}
 * with values in {@code [0, 1]}.
 */
public record ImageDataset(
    String name,
    String split,
    int height,
    int width,
    float[] pixels,
    int[] labels,
    List<String> classNames,
    String source)
    implements Dataset {

  /** Checks that pixels and labels agree with the shape and the class count. */
  public ImageDataset {
    classNames = List.copyOf(classNames);
    if ((long) labels.length * height * width != pixels.length) {
      throw new IllegalArgumentException(
          "pixels.length "
              + pixels.length
              + " != "
              + labels.length
              + " x "
              + height
              + " x "
              + width);
    }
    TextDataset.checkLabels(labels, classNames.size());
  }

  /** {@code [size, height, width]}. */
  public int[] shape() {
    return new int[] {size(), height, width};
  }

  @Override
  public ImageDataset subset(String split, int[] indices) {
    int area = height * width;
    float[] px = new float[indices.length * area];
    int[] lb = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(pixels, indices[i] * area, px, i * area, area);
      lb[i] = labels[indices[i]];
    }
    return new ImageDataset(name, split, height, width, px, lb, classNames, source);
  }
}
