import dev.attentiondrop.zoo.data.Datasets;
import dev.attentiondrop.zoo.data.ImageDataset;
import dev.attentiondrop.zoo.data.ImageIdx;
import dev.attentiondrop.zoo.data.SpamAssassin;
import dev.attentiondrop.zoo.data.TextDataset;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * Regenerates the embedded subsets from the cached full datasets; run by scripts/make-subsets.sh
 * with the model-zoo classes on the class path and the resource folder as the argument.
 *
 * <p>Each mini split is drawn from the same split of the full set: per class, a fixed number of
 * examples evenly spaced over that class's examples in file order. Spam bodies are cut to
 * MAX_CHARS characters.
 */
public class MakeSubsets {
  static final int FASHION_TRAIN_PER_CLASS = 100;
  static final int FASHION_TEST_PER_CLASS = 25;
  static final int SPAM_TRAIN_PER_CLASS = 200;
  static final int SPAM_TEST_PER_CLASS = 100;
  static final int MAX_CHARS = 2000;

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0]);
    for (String split : Datasets.SPLITS) {
      boolean train = split.equals("train");

      ImageDataset fashion = Datasets.loadImages("fashion-mnist", split);
      int perClass = train ? FASHION_TRAIN_PER_CLASS : FASHION_TEST_PER_CLASS;
      ImageDataset mini = fashion.subset(split, pick(fashion.labels(), 10, perClass));
      Path prefix = out.resolve("fashion-mnist-mini/" + (train ? "train" : "t10k"));
      try (OutputStream images = Files.newOutputStream(Path.of(prefix + "-images-idx3-ubyte.gz"));
          OutputStream labels = Files.newOutputStream(Path.of(prefix + "-labels-idx1-ubyte.gz"))) {
        ImageIdx.write(mini, images, labels);
      }

      TextDataset spam = Datasets.loadTexts("spam-assassin", split);
      perClass = train ? SPAM_TRAIN_PER_CLASS : SPAM_TEST_PER_CLASS;
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
      System.out.printf(
          "%s: fashion-mnist-mini %d, spam-assassin-mini %d%n",
          split, mini.size(), spamMini.size());
    }
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
