package dev.attentiondrop.zoo.data;

import java.util.List;

/** Labelled texts. */
public record TextDataset(
    String name, String split, String[] texts, int[] labels, List<String> classNames, String source)
    implements Dataset {

  /** Checks that there is one label per text and every label names a class. */
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
