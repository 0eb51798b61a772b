package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.data.Datasets;
import dev.attentiondrop.zoo.models.Tokenizer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Text runs fit their vocabulary on the training split only")
class TextVocabularyTest {
  @Test
  @DisplayName("imdb-mini: TrainingRun.load fits the Tokenizer on train, never on test words")
  void vocabularyComesFromTheTrainingSplit() throws Exception {
    var model = ModelConfig.text().vocabularySize(20_000).maxLength(64).build();
    var data = TrainingRun.load(model, TrainConfig.builder().dataset("imdb-mini").build());
    String[] train = Datasets.loadTexts("imdb-mini", "train").texts();
    String[] test = Datasets.loadTexts("imdb-mini", "test").texts();
    assertEquals(Tokenizer.fit(train, 20_000).words(), data.tokenizer().words());
    String[] both = Stream.concat(Arrays.stream(train), Arrays.stream(test)).toArray(String[]::new);
    assertNotEquals(Tokenizer.fit(both, 20_000).words(), data.tokenizer().words());

    // a vocabulary larger than the training words: every training word is in it, and no word
    // seen only in test
    Set<String> trainWords = new HashSet<>();
    for (String t : train) {
      trainWords.addAll(words(t));
    }
    assertTrue(trainWords.size() + 2 < 20_000, "vocabulary holds every training word");
    Set<String> vocabulary = new HashSet<>(data.tokenizer().words());
    assertTrue(vocabulary.containsAll(trainWords));
    long testOnly =
        Arrays.stream(test)
            .flatMap(t -> words(t).stream())
            .filter(w -> !trainWords.contains(w))
            .peek(w -> assertTrue(!vocabulary.contains(w), "test-only word in vocabulary: " + w))
            .count();
    assertTrue(testOnly > 0, "the test split has words unseen in training");
    assertEquals(1000, data.train().labels().length);
    assertEquals(500, data.test().labels().length);
  }

  /** The words of {@code text} as the Tokenizer documents them: lower-cased letter/digit runs. */
  private static List<String> words(String text) {
    return WORD.matcher(text.toLowerCase(Locale.ROOT)).results().map(MatchResult::group).toList();
  }

  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
}
