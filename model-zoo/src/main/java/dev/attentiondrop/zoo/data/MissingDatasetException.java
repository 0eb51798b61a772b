package dev.attentiondrop.zoo.data;

import java.nio.file.Path;

/** A dataset that is not in the local cache; the message carries the command that fetches it. */
public final class MissingDatasetException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** The command that fetches the dataset, or null for an embedded demo subset. */
  private final String fetchCommand;

  MissingDatasetException(String name, Path missing, Path cacheRoot) {
    super(message(name, missing, cacheRoot));
    this.fetchCommand = "scripts/fetch-data.sh " + name;
  }

  /** An embedded demo subset whose artifact is not on the class path. */
  MissingDatasetException(String name) {
    super(
        "dataset '"
            + name
            + "' is an embedded demo subset, but dev.attentiondrop:demo-data is not on the class"
            + " path; add that artifact (the library jars hold no data)");
    this.fetchCommand = null;
  }

  private static String message(String name, Path missing, Path cacheRoot) {
    String env =
        cacheRoot.equals(Datasets.defaultCacheRoot())
            ? ""
            : " (with ATTENTIONDROP_DATA=" + cacheRoot + ")";
    return "dataset '"
        + name
        + "' is not cached: "
        + missing
        + " does not exist; fetch it with `"
        + "scripts/fetch-data.sh "
        + name
        + "` from the repository root"
        + env;
  }

  /**
   * The command that fetches the missing dataset, e.g. {@code scripts/fetch-data.sh mnist}.
   *
   * @return the command, or null for an embedded demo subset (it is not fetched)
   */
  public String fetchCommand() {
    return fetchCommand;
  }
}
