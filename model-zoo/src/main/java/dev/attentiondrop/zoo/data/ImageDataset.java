package dev.attentiondrop.zoo.data;

import java.util.List;

/**
 * Grayscale images with shape {@code [size, height, width]}, stored row-major in {@code pixels}
 * with values in {@code [0, 1]}: pixel {@code (r, c)} of example {@code i} is {@code pixels[(i *
 * height + r) * width + c]}.
 *
 * @param name the dataset name, as accepted by {@link Datasets#load}
 * @param split {@code "train"}, {@code "test"} or {@code "all"}
 * @param height rows of each image
 * @param width columns of each image
 * @param pixels {@code size * height * width} values in {@code [0, 1]}, row-major (shared, not
 *     copied)
 * @param labels one class index per image, each in {@code [0, classNames.size())} (shared, not
 *     copied)
 * @param classNames the class names, indexed by label (copied into an immutable list)
 * @param source origin and license of the data
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

  /**
   * Checks that pixels and labels agree with the shape and the class count.
   *
   * @param name the dataset name
   * @param split the split name
   * @param height rows of each image
   * @param width columns of each image
   * @param pixels {@code labels.length * height * width} values, row-major
   * @param labels one class index per image, each in {@code [0, classNames.size())}
   * @param classNames the class names, indexed by label
   * @param source origin and license of the data
   * @throws IllegalArgumentException if {@code pixels.length != labels.length * height * width} or
   *     a label is outside {@code [0, classNames.size())}
   */
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

  /**
   * The shape of the whole set.
   *
   * @return a new array {@code [size, height, width]}
   */
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
