package dev.attentiondrop.zoo.data;

import java.util.List;

/**
 * Labelled texts.
 *
 * @param name the dataset name, as accepted by {@link Datasets#load}
 * @param split {@code "train"}, {@code "test"} or {@code "all"}
 * @param texts the texts, one per example (shared, not copied)
 * @param labels one class index per text, each in {@code [0, classNames.size())} (shared, not
 *     copied)
 * @param classNames the class names, indexed by label (copied into an immutable list)
 * @param source origin and license of the data
 */
public record TextDataset(
    String name, String split, String[] texts, int[] labels, List<String> classNames, String source)
    implements Dataset {

  /**
   * Checks that there is one label per text and every label names a class.
   *
   * @param name the dataset name
   * @param split the split name
   * @param texts the texts, one per example
   * @param labels one class index per text, each in {@code [0, classNames.size())}
   * @param classNames the class names, indexed by label
   * @param source origin and license of the data
   * @throws IllegalArgumentException if {@code texts.length != labels.length} or a label is outside
   *     {@code [0, classNames.size())}
   */
  public TextDataset {
    classNames = List.copyOf(classNames);
    if (texts.length != labels.length) {
      throw new IllegalArgumentException(texts.length + " texts but " + labels.length + " labels");
    }
    checkLabels(labels, classNames.size());
  }

  @Override
  public TextDataset subset(String split, int[] indices) {
    String[] tx = new String[indices.length];
    int[] lb = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      tx[i] = texts[indices[i]];
      lb[i] = labels[indices[i]];
    }
    return new TextDataset(name, split, tx, lb, classNames, source);
  }

  static void checkLabels(int[] labels, int classes) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            "label " + labels[i] + " at index " + i + " is outside [0, " + classes + ")");
      }
    }
  }
}
