package dev.attentiondrop.zoo.data;

import java.util.List;

/**
 * One split of a labelled dataset: {@link ImageDataset} or {@link TextDataset}.
 *
 * <p>Arrays are shared, not copied: treat them as read-only.
 */
public sealed interface Dataset permits ImageDataset, TextDataset {
  /**
   * The dataset's name.
   *
   * @return the name, as accepted by {@link Datasets#load}
   */
  String name();

  /**
   * The split these examples form.
   *
   * @return {@code "train"}, {@code "test"}, or {@code "all"} for a whole file before splitting
   */
  String split();

  /**
   * The labels, one class index per example.
   *
   * @return the labels (shared, not copied), each in {@code [0, classNames().size())}
   */
  int[] labels();

  /**
   * The class names.
   *
   * @return the class names, indexed by label (immutable)
   */
  List<String> classNames();

  /**
   * Where the data comes from.
   *
   * @return the origin and license of the data, for reports
   */
  String source();

  /**
   * The number of examples.
   *
   * @return {@code labels().length}
   */
  default int size() {
    return labels().length;
  }

  /**
   * The examples at {@code indices}, in that order (an index may repeat), as a new dataset of the
   * same kind, name, classes and source; the data are copied.
   *
   * @param split the split name of the result, for example {@code "train"}
   * @param indices example indices, each in {@code [0, size())}
   * @return a dataset of {@code indices.length} examples, example {@code i} being example {@code
   *     indices[i]} of this one
   */
  Dataset subset(String split, int[] indices);

  /**
   * The number of examples of each class.
   *
   * @return {@code counts[c]} = the number of examples labelled {@code c}, for every class {@code
   *     c}; the counts sum to {@link #size()}
   */
  default int[] classCounts() {
    int[] counts = new int[classNames().size()];
    for (int label : labels()) {
      counts[label]++;
    }
    return counts;
  }
}
