package dev.attentiondrop.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.baselines.DropConnect;
import dev.attentiondrop.ops.baselines.Dropout;
import dev.attentiondrop.ops.baselines.RDrop;
import dev.attentiondrop.ops.beyond.DropAttention;
import dev.attentiondrop.ops.beyond.DropHead;
import dev.attentiondrop.ops.beyond.DropKey;
import dev.attentiondrop.ops.beyond.RateSchedule;
import dev.attentiondrop.ops.beyond.RelaxedAttention;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.blur.Boundary;
import dev.attentiondrop.ops.blur.SigmaScope;
import dev.attentiondrop.ops.hardmask.FillMode;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.hardmask.TopK;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Each regularizer owns its configuration: defaults, round trip, unknown keys")
class ConfigTest {

  /** (class name, NAME, KEYS, fromConfig, a non-default instance). */
  static Stream<Arguments> types() {
    return Stream.of(
        type(
            HardAttentionMask.NAME,
            HardAttentionMask.KEYS,
            HardAttentionMask::fromConfig,
            new HardAttentionMask(TopK.count(3), 0.4, FillMode.NEG_INF)),
        type(
            HardAttentionMask.NAME,
            HardAttentionMask.KEYS,
            HardAttentionMask::fromConfig,
            new HardAttentionMask(TopK.fraction(0.3), 0.2, FillMode.ZERO)),
        type(
            BlurredAttentionSmoothing.NAME,
            BlurredAttentionSmoothing.KEYS,
            BlurredAttentionSmoothing::fromConfig,
            new BlurredAttentionSmoothing(2.5, 7, SigmaScope.PER_HEAD, Boundary.RENORMALIZED)),
        type(
            DropKey.NAME,
            DropKey.KEYS,
            DropKey::fromConfig,
            new DropKey(RateSchedule.linear(0.3, 0.1))),
        type(
            AttentionDropout.NAME,
            AttentionDropout.KEYS,
            AttentionDropout::fromConfig,
            new AttentionDropout(0.25)),
        type(DropHead.NAME, DropHead.KEYS, DropHead::fromConfig, new DropHead(0.5)),
        type(
            DropAttention.NAME,
            DropAttention.KEYS,
            DropAttention::fromConfig,
            new DropAttention(0.2, 3)),
        type(
            RelaxedAttention.NAME,
            RelaxedAttention.KEYS,
            RelaxedAttention::fromConfig,
            new RelaxedAttention(0.3)),
        type(Dropout.NAME, Dropout.KEYS, Dropout::fromConfig, new Dropout(0.5)),
        type(DropConnect.NAME, DropConnect.KEYS, DropConnect::fromConfig, new DropConnect(0.2)),
        type(RDrop.NAME, RDrop.KEYS, RDrop::fromConfig, new RDrop(0.7)));
  }

  static Arguments type(
      String name,
      List<String> keys,
      Function<Map<String, ?>, ? extends Configurable> fromConfig,
      Configurable instance) {
    return Arguments.of(name, keys, fromConfig, instance);
  }

  @ParameterizedTest(name = "{0}: {3}")
  @MethodSource("types")
  @DisplayName("fromConfig(config()) rebuilds an equal regularizer with an equal config")
  void roundTrip(
      String name,
      List<String> keys,
      Function<Map<String, ?>, ? extends Configurable> fromConfig,
      Configurable instance) {
    Configurable back = fromConfig.apply(instance.config());
    assertEquals(instance, back);
    assertEquals(instance.config(), back.config());
    assertEquals(name, instance.name());
    assertEquals(
        keys.stream().filter(instance.config()::containsKey).toList(),
        List.copyOf(instance.config().keySet()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("types")
  @DisplayName("an empty config gives the defaults with every key explicit; text values parse")
  void defaultsAndText(
      String name,
      List<String> keys,
      Function<Map<String, ?>, ? extends Configurable> fromConfig,
      Configurable instance) {
    Map<String, Object> defaults = fromConfig.apply(Map.of()).config();
    assertEquals(fromConfig.apply(defaults).config(), defaults);
    Map<String, String> text = new TreeMap<>();
    instance.config().forEach((k, v) -> text.put(k, v.toString()));
    assertEquals(instance, fromConfig.apply(text));
    var e = assertThrows(IllegalArgumentException.class, () -> fromConfig.apply(Map.of("nope", 1)));
    assertEquals(
        "unknown parameter 'nope' for regularizer '"
            + name
            + "'; allowed: "
            + String.join(", ", keys),
        e.getMessage());
  }

  @Test
  @DisplayName("the defaults written once in the classes")
  void defaultValues() {
    assertEquals(
        Map.of("k", 8, "p", 0.1, "fill", "zero"), HardAttentionMask.fromConfig(Map.of()).config());
    assertEquals(HardAttentionMask.builder().build(), HardAttentionMask.fromConfig(Map.of()));
    assertEquals(
        BlurredAttentionSmoothing.builder().build(),
        BlurredAttentionSmoothing.fromConfig(Map.of()));
    assertEquals(
        Map.of("sigma_max", 1.0, "w", 5, "scope", "batch", "boundary", "zero_pad"),
        BlurredAttentionSmoothing.fromConfig(Map.of()).config());
    assertEquals(
        Map.of("rate", 0.3, "rate_last", 0.3), DropKey.fromConfig(Map.of("rate", 0.3)).config());
  }

  @Test
  @DisplayName("bad values name the regularizer, the key and what is allowed")
  void badValues() {
    assertEquals(
        "scope of regularizer 'blur' must be one of [batch, head, example], got 'row'",
        assertThrows(
                IllegalArgumentException.class,
                () -> BlurredAttentionSmoothing.fromConfig(Map.of("scope", "row")))
            .getMessage());
    assertEquals(
        "w of regularizer 'blur' must be an integer, got '2.5'",
        assertThrows(
                IllegalArgumentException.class,
                () -> BlurredAttentionSmoothing.fromConfig(Map.of("w", 2.5)))
            .getMessage());
    assertEquals(
        "p of regularizer 'hard_mask' must be a number, got 'high'",
        assertThrows(
                IllegalArgumentException.class,
                () -> HardAttentionMask.fromConfig(Map.of("p", "high")))
            .getMessage());
    assertEquals(
        "regularizer 'hard_mask' takes k or k_fraction, not both",
        assertThrows(
                IllegalArgumentException.class,
                () -> HardAttentionMask.fromConfig(Map.of("k", 2, "k_fraction", 0.5)))
            .getMessage());
  }
}
