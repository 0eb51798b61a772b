import dev.attentiondrop.zoo.data.Datasets;
import dev.attentiondrop.zoo.data.ImageDataset;
import dev.attentiondrop.zoo.data.ImageIdx;
import dev.attentiondrop.zoo.data.Imdb;
import dev.attentiondrop.zoo.data.SpamAssassin;
import dev.attentiondrop.zoo.data.TextDataset;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Regenerates the embedded subsets from the cached full datasets; run by scripts/make-subsets.sh
 * with the model-zoo class path, the resource folder as the first argument and optionally the
 * subsets to make (default: all of SUBSETS).
 *
 * <p>Each mini split is drawn from the same split of the full set. Fashion-MNIST and SpamAssassin:
 * per class, a fixed number of examples evenly spaced over that class's examples in file order;
 * spam bodies are cut to MAX_CHARS characters. IMDB: per class (negative, then positive), a
 * Fisher-Yates shuffle of that class's indices in the full split by one java.util.Random(IMDB_SEED)
 * per split, the first IMDB_*_PER_CLASS taken, kept in file order; reviews longer than
 * IMDB_MAX_CHARS are cut at the last space at or before that many characters.
 */
public class MakeSubsets {
  static final int FASHION_TRAIN_PER_CLASS = 100;
  static final int FASHION_TEST_PER_CLASS = 25;
  static final int SPAM_TRAIN_PER_CLASS = 200;
  static final int SPAM_TEST_PER_CLASS = 100;
  static final int MAX_CHARS = 2000;
  static final int IMDB_TRAIN_PER_CLASS = 500;
  static final int IMDB_TEST_PER_CLASS = 250;
  static final int IMDB_MAX_CHARS = 1000;
  static final long IMDB_SEED = 42L;
  static final List<String> SUBSETS =
      List.of("fashion-mnist-mini", "spam-assassin-mini", "imdb-mini");

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0]);
    List<String> make = args.length > 1 ? List.of(args).subList(1, args.length) : SUBSETS;
    for (String m : make) {
      if (!SUBSETS.contains(m)) {
        throw new IllegalArgumentException(
            "unknown subset '" + m + "'; expected one of " + SUBSETS);
      }
    }
    for (String split : Datasets.SPLITS) {
      if (make.contains("fashion-mnist-mini")) {
        fashion(out, split);
      }
      if (make.contains("spam-assassin-mini")) {
        spam(out, split);
      }
      if (make.contains("imdb-mini")) {
        imdb(out, split);
      }
    }
  }

  static void imdb(Path out, String split) throws IOException {
    boolean train = split.equals("train");
    TextDataset full = Datasets.loadTexts("imdb", split);
    int perClass = train ? IMDB_TRAIN_PER_CLASS : IMDB_TEST_PER_CLASS;
    Random random = new Random(IMDB_SEED);
    int[] picked =
        IntStream.range(0, Imdb.CLASSES.size())
            .flatMap(
                c -> {
                  int[] idx =
                      IntStream.range(0, full.size()).filter(i -> full.labels()[i] == c).toArray();
                  for (int i = idx.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = idx[i];
                    idx[i] = idx[j];
                    idx[j] = t;
                  }
                  return Arrays.stream(idx, 0, perClass);
                })
            .sorted()
            .toArray();
    TextDataset mini = full.subset(split, picked);
    String[] cut = new String[mini.size()];
    for (int i = 0; i < cut.length; i++) {
      cut[i] = cutAtSpace(mini.texts()[i], IMDB_MAX_CHARS);
    }
    mini =
        new TextDataset("imdb-mini", split, cut, mini.labels(), mini.classNames(), mini.source());
    try (OutputStream json =
        Files.newOutputStream(out.resolve("imdb-mini/" + split + ".json.gz"))) {
      Imdb.writeReviews(mini, json);
    }
    System.out.printf("%s: imdb-mini %d%n", split, mini.size());
  }

  /** t, or its longest prefix of at most max chars that ends before a space (or at max chars). */
  static String cutAtSpace(String t, int max) {
    if (t.length() <= max) {
      return t;
    }
    int end = t.lastIndexOf(' ', max);
    if (end <= 0) {
      end = Character.isHighSurrogate(t.charAt(max - 1)) ? max - 1 : max;
    }
    return t.substring(0, end);
  }

  static void fashion(Path out, String split) throws IOException {
    boolean train = split.equals("train");
    ImageDataset fashion = Datasets.loadImages("fashion-mnist", split);
    int perClass = train ? FASHION_TRAIN_PER_CLASS : FASHION_TEST_PER_CLASS;
    ImageDataset mini = fashion.subset(split, pick(fashion.labels(), 10, perClass));
    Path prefix = out.resolve("fashion-mnist-mini/" + (train ? "train" : "t10k"));
    try (OutputStream images = Files.newOutputStream(Path.of(prefix + "-images-idx3-ubyte.gz"));
        OutputStream labels = Files.newOutputStream(Path.of(prefix + "-labels-idx1-ubyte.gz"))) {
      ImageIdx.write(mini, images, labels);
    }
    System.out.printf("%s: fashion-mnist-mini %d%n", split, mini.size());
  }

  static void spam(Path out, String split) throws IOException {
    boolean train = split.equals("train");
    TextDataset spam = Datasets.loadTexts("spam-assassin", split);
    int perClass = train ? SPAM_TRAIN_PER_CLASS : SPAM_TEST_PER_CLASS;
    TextDataset picked = spam.subset(split, pick(spam.labels(), 2, perClass));
    String[] cut = new String[picked.size()];
    for (int i = 0; i < cut.length; i++) {
      String t = picked.texts()[i];
      int end = Math.min(t.length(), MAX_CHARS);
      boolean splitsPair = end > 0 && Character.isHighSurrogate(t.charAt(end - 1));
      cut[i] = t.substring(0, splitsPair ? end - 1 : end);
    }
    TextDataset spamMini =
        new TextDataset(
            picked.name(), split, cut, picked.labels(), picked.classNames(), picked.source());
    Path tsvPath = out.resolve("spam-assassin-mini/" + split + ".tsv.gz");
    try (OutputStream tsv = Files.newOutputStream(tsvPath)) {
      SpamAssassin.writeTsv(spamMini, tsv);
    }
    System.out.printf("%s: spam-assassin-mini %d%n", split, spamMini.size());
  }

  /** Per class, perClass indices evenly spaced over that class's indices; all sorted. */
  static int[] pick(int[] labels, int classes, int perClass) {
    return IntStream.range(0, classes)
        .flatMap(
            c -> {
              int[] idx = IntStream.range(0, labels.length).filter(i -> labels[i] == c).toArray();
              return IntStream.range(0, perClass)
                  .map(k -> idx[(int) ((long) k * idx.length / perClass)]);
            })
        .sorted()
        .toArray();
  }
}
