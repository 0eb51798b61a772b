package dev.attentiondrop.zoo.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads scikit-learn's {@code digits.csv.gz}: one 8x8 image per line, 64 comma-separated pixel
 * counts in {@code [0, 16]} followed by the digit. Pixels are scaled by 1/16 into {@code [0, 1]}.
 */
public final class DigitsCsv {
  static final int SIDE = 8;
  private static final int FIELDS = SIDE * SIDE + 1;
  private static final int MAX_PIXEL = 16;

  private DigitsCsv() {}

  /**
   * Reads every line of {@code csv} (gzipped or not) as split {@code "all"}: the image of line
   * {@code i} is example {@code i}, pixel {@code j} (row-major in the 8x8 image) being {@code
   * field_j / 16}, and its label the 65th field.
   *
   * @param name the dataset name to record
   * @param csv the file, gzipped or plain ASCII
   * @param classNames the class names, indexed by label; labels must lie in {@code [0,
   *     classNames.size())}
   * @param source origin and license of the data, to record
   * @return the 8x8 images, in file order
   * @throws IOException if the file cannot be read, or is empty, truncated or malformed (a {@link
   *     DatasetFormatException} naming the line and column)
   */
  public static ImageDataset read(String name, Path csv, List<String> classNames, String source)
      throws IOException {
    return read(name, RawFile.of(csv), classNames, source);
  }

  static ImageDataset read(String name, RawFile csv, List<String> classNames, String source)
      throws DatasetFormatException {
    List<String> lines = new String(csv.bytes(), StandardCharsets.US_ASCII).lines().toList();
    if (lines.isEmpty()) {
      throw new DatasetFormatException(csv.name(), "at least one line", "an empty file");
    }
    float[] pixels = new float[lines.size() * SIDE * SIDE];
    int[] labels = new int[lines.size()];
    for (int row = 0; row < lines.size(); row++) {
      String where = "line " + (row + 1);
      String[] fields = lines.get(row).split(",", -1);
      if (fields.length != FIELDS) {
        throw new DatasetFormatException(
            csv.name(), FIELDS + " comma-separated values on " + where, fields.length + " values");
      }
      for (int f = 0; f < FIELDS; f++) {
        int max = f < FIELDS - 1 ? MAX_PIXEL : classNames.size() - 1;
        int v = parse(csv.name(), fields[f], max, where + ", column " + (f + 1));
        if (f < FIELDS - 1) {
          pixels[row * SIDE * SIDE + f] = v / (float) MAX_PIXEL;
        } else {
          labels[row] = v;
        }
      }
    }
    return new ImageDataset(name, "all", SIDE, SIDE, pixels, labels, classNames, source);
  }

  private static int parse(String file, String field, int max, String where)
      throws DatasetFormatException {
    try {
      int v = Integer.parseInt(field.trim());
      if (v >= 0 && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new DatasetFormatException(
        file, "an integer in [0, " + max + "] at " + where, "'" + field + "'");
  }
}
