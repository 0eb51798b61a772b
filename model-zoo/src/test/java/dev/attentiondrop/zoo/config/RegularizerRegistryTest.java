package dev.attentiondrop.zoo.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attentiondrop.ops.beyond.DropKey;
import dev.attentiondrop.ops.hardmask.FillMode;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.hardmask.TopK;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The registry is a list of regularizer types; defaults come from the classes")
class RegularizerRegistryTest {

  /** The committed defaults the Python benchmarks read. */
  static final Path DEFAULTS_JSON = Path.of("..", "bench", "python", "regularizer_defaults.json");

  /** The JSON the Java classes' defaults give, pretty-printed, with a final newline. */
  static String defaultsJson() throws IOException {
    return Json.mapper()
            .writerWithDefaultPrettyPrinter()
            .writeValueAsString(RegularizerRegistry.defaults())
        + "\n";
  }

  /**
   * Fails when {@code bench/python/regularizer_defaults.json} differs from the Java defaults.
   * Regenerate with {@code mvn -pl model-zoo test -Dtest=RegularizerRegistryTest
   * -Dregenerate.defaults=true}.
   */
  @Test
  @DisplayName("bench/python/regularizer_defaults.json equals what the Java classes say")
  void committedDefaultsAreCurrent() throws IOException {
    String expected = defaultsJson();
    if (Boolean.getBoolean("regenerate.defaults")) {
      Files.writeString(DEFAULTS_JSON, expected, StandardCharsets.UTF_8);
    }
    JsonNode committed = Json.mapper().readTree(Files.readString(DEFAULTS_JSON));
    assertEquals(
        Json.mapper().readTree(expected),
        committed,
        DEFAULTS_JSON + " is stale; regenerate with -Dregenerate.defaults=true");
    assertEquals(8, committed.get("hard_mask").get("k").asInt());
    assertEquals(0.1, committed.get("dropkey").get("rate_last").asDouble());
  }

  @Test
  @DisplayName("the defaults are the classes' constants, every key explicit")
  void defaults() {
    Map<String, Map<String, Object>> d = RegularizerRegistry.defaults();
    assertEquals(RegularizerRegistry.names(), List.copyOf(d.keySet()));
    assertEquals(
        Map.of("k", HardAttentionMask.DEFAULT_K, "p", HardAttentionMask.DEFAULT_P, "fill", "zero"),
        d.get("hard_mask"));
    assertEquals(
        Map.of("sigma_max", 1.0, "w", 5, "scope", "batch", "boundary", "zero_pad"), d.get("blur"));
    assertEquals(Map.of("rate", 0.1, "rate_last", 0.1), d.get("dropkey"));
    assertEquals(Map.of("rate", 0.1, "window", 1), d.get("dropattention"));
  }

  @Test
  @DisplayName("normalize: command-line text becomes typed values with defaults; create builds it")
  void normalizeAndCreate() {
    RegularizerConfig parsed = RegularizerConfig.parse("hard_mask:k_fraction=0.25,fill=NEG_INF");
    RegularizerConfig n = RegularizerRegistry.normalize(parsed);
    assertEquals(Map.of("k_fraction", 0.25, "p", 0.1, "fill", "neg_inf"), n.params());
    assertEquals(
        new HardAttentionMask(TopK.fraction(0.25), 0.1, FillMode.NEG_INF),
        RegularizerRegistry.create(parsed));
    assertEquals(n, RegularizerRegistry.normalize(n));
    DropKey k =
        assertInstanceOf(
            DropKey.class,
            RegularizerRegistry.create(RegularizerConfig.parse("dropkey:rate=0.3,rate_last=0.1")));
    assertEquals(0.3, k.schedule().first());
    assertEquals(0.1, k.schedule().last());
  }

  @Test
  @DisplayName("unknown names and keys list what is allowed")
  void errors() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RegularizerRegistry.normalize(RegularizerConfig.parse("dropkey:p=0.1")));
    assertEquals(
        "unknown parameter 'p' for regularizer 'dropkey'; allowed: rate, rate_last",
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RegularizerRegistry.create(RegularizerConfig.parse("dropconnect")));
    assertTrue(
        e.getMessage()
            .equals(
                "unknown regularizer 'dropconnect'; allowed: hard_mask, blur, dropkey, dropout,"
                    + " drophead, dropattention, relaxed"),
        e.getMessage());
  }

  @Test
  @DisplayName("describe lists every key with its default and the choices of enumerated keys")
  void describe() {
    String d = RegularizerRegistry.describe();
    assertTrue(
        d.contains(
            "hard_mask: k (default 8), k_fraction, p (default 0.1), fill in {zero, neg_inf}"
                + " (default zero)"),
        d);
    assertTrue(
        d.contains("blur: sigma_max (default 1.0), w (default 5), scope in {batch, head, example}"),
        d);
    assertTrue(d.contains("boundary in {zero_pad, "), d);
    assertEquals(RegularizerRegistry.names().size(), d.lines().count());
  }
}
