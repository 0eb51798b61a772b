package dev.attentiondrop.zoo.models;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.attentiondrop.ops.Checks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A word-level tokenizer fitted on a training split: text is lower-cased and split into runs of
 * letters and digits; the vocabulary is the {@code vocabularySize - 2} most frequent words (ties
 * broken alphabetically). Id 0 is padding, id 1 stands for every out-of-vocabulary word. Saved with
 * the model as JSON (its word list).
 */
public final class Tokenizer {
  /** Padding id. */
  public static final int PAD = 0;

  /** Out-of-vocabulary id. */
  public static final int OOV = 1;

  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

  private final List<String> words;
  private final Map<String, Integer> ids = new HashMap<>();

  /**
   * A tokenizer with the given vocabulary: {@code words.get(i)} has id {@code i + 2}.
   *
   * @param words the vocabulary, without the padding and OOV ids (JSON key {@code "words"})
   * @throws IllegalArgumentException for a null {@code words}
   */
  @JsonCreator
  public Tokenizer(@JsonProperty("words") List<String> words) {
    this.words = List.copyOf(Checks.notNull("words", words));
    for (int i = 0; i < this.words.size(); i++) {
      ids.put(this.words.get(i), i + 2);
    }
  }

  /**
   * Fits the vocabulary on {@code texts}: the texts are split into words (lower-cased runs of
   * letters and digits), and the {@code vocabularySize - 2} most frequent words are kept, by
   * decreasing count, ties in {@link String#compareTo} order.
   *
   * @param texts the training texts
   * @param vocabularySize the vocabulary size including the padding and OOV ids, in {@code [3,
   *     2^24]}
   * @return the fitted tokenizer; its {@link #size} is at most {@code vocabularySize}
   * @throws IllegalArgumentException for a {@code vocabularySize} out of range
   */
  public static Tokenizer fit(String[] texts, int vocabularySize) {
    Checks.inRange("vocabulary_size", vocabularySize, 3, 1 << 24);
    Map<String, Integer> counts = new HashMap<>();
    for (String t : texts) {
      for (String w : split(t)) {
        counts.merge(w, 1, Integer::sum);
      }
    }
    List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort(
        (a, b) ->
            a.getValue().equals(b.getValue())
                ? a.getKey().compareTo(b.getKey())
                : b.getValue() - a.getValue());
    List<String> vocab = new ArrayList<>();
    for (int i = 0; i < Math.min(vocabularySize - 2, sorted.size()); i++) {
      vocab.add(sorted.get(i).getKey());
    }
    return new Tokenizer(vocab);
  }

  static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    var m = WORD.matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  /**
   * The vocabulary in id order (JSON key {@code "words"}).
   *
   * @return the words of ids {@code 2, 3, ...}, unmodifiable
   */
  @JsonProperty("words")
  public List<String> words() {
    return words;
  }

  /**
   * Vocabulary size including the padding and OOV ids.
   *
   * @return {@code words().size() + 2}
   */
  public int size() {
    return words.size() + 2;
  }

  /**
   * The first {@code maxLength} token ids of {@code text}, padded with 0: each word gets its id, or
   * {@link #OOV} when it is not in the vocabulary; a text without words gives {@code [OOV, 0, ...]}
   * so that it has one valid position.
   *
   * @param text the text
   * @param maxLength the length of the result
   * @return {@code maxLength} ids
   */
  public int[] encode(String text, int maxLength) {
    int[] out = new int[maxLength];
    int i = 0;
    for (String w : split(text)) {
      if (i == maxLength) {
        break;
      }
      out[i++] = ids.getOrDefault(w, OOV);
    }
    if (i == 0 && maxLength > 0) {
      out[0] = OOV; // an empty text still has one valid position
    }
    return out;
  }
}
