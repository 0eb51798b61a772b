package dev.attentiondrop.zoo.data;

import java.util.List;

/**
 * One split of a labelled dataset: {@link ImageDataset} or {@link TextDataset}.
 *
 * <p>Arrays are shared, not copied: treat them as read-only.
 */
public sealed interface Dataset permits ImageDataset, TextDataset {
  /** Dataset name, as accepted by {@link Datasets#load}. */
  String name();

  /** {@code "train"}, {@code "test"}, or {@code "all"} for a whole file before splitting. */
  String split();

  /** One class index per example, each in {@code [0, classNames().size())}. */
  int[] labels();

  /** Class names, indexed by label. */
  List<String> classNames();

  /** Origin and license of the data. */
  String source();

  /** Number of examples. */
  default int size() {
    return labels().length;
  }

  /** The examples at {@code indices}, in that order, as split {@code split}. */
  Dataset subset(String split, int[] indices);

  /** Number of examples of each class. */
  default int[] classCounts() {
    int[] counts = new int[classNames().size()];
    for (int label : labels()) {
      counts[label]++;
    }
    return counts;
  }
}
