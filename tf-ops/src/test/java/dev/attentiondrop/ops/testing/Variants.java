package dev.attentiondrop.ops.testing;

import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.baselines.AttentionDropout;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Every regularizer, alone and combined, as named chains for tests that sweep all variants. */
public final class Variants {
  private Variants() {}

  /** {@link #all} as JUnit arguments {@code (name, chain)} for {@code @MethodSource}. */
  public static Stream<Arguments> arguments() {
    return all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  /** A causal mask {@code [t, t]} (row-major): query i may attend to keys 0..i. */
  public static boolean[] causal(int t) {
    boolean[] m = new boolean[t * t];
    for (int q = 0; q < t; q++) {
      for (int k = 0; k <= q; k++) {
        m[q * t + k] = true;
      }
    }
    return m;
  }

  public static Map<String, RegularizerChain> all() {
    Map<String, RegularizerChain> m = new LinkedHashMap<>();
    m.put("plain", RegularizerChain.none());
    m.put("hard mask, zero fill", RegularizerChain.ofLogits(HardAttentionMask.of(2, 0.5)));
    m.put(
        "hard mask, -inf fill",
        RegularizerChain.ofLogits(new HardAttentionMask(TopK.count(2), 0.5, FillMode.NEG_INF)));
    m.put(
        "hard mask, k fraction",
        RegularizerChain.ofLogits(new HardAttentionMask(TopK.fraction(0.5), 0.5, FillMode.ZERO)));
    m.put(
        "hard mask, p = 0.999, -inf",
        RegularizerChain.ofLogits(new HardAttentionMask(TopK.count(64), 0.999, FillMode.NEG_INF)));
    m.put("blur, zero padding", RegularizerChain.ofLogits(BlurredAttentionSmoothing.of(2.0, 5)));
    m.put(
        "blur, renormalized, per head",
        RegularizerChain.ofLogits(
            new BlurredAttentionSmoothing(2.0, 9, SigmaScope.PER_HEAD, Boundary.RENORMALIZED)));
    m.put(
        "blur, per example",
        RegularizerChain.ofLogits(
            new BlurredAttentionSmoothing(1.0, 3, SigmaScope.PER_EXAMPLE, Boundary.ZERO_PAD)));
    m.put("dropkey", RegularizerChain.ofLogits(new DropKey(RateSchedule.linear(0.3, 0.1))));
    m.put("attention dropout", RegularizerChain.ofProbabilities(new AttentionDropout(0.3)));
    m.put("drophead", RegularizerChain.ofProbabilities(new DropHead(0.5)));
    m.put("dropattention", RegularizerChain.ofProbabilities(new DropAttention(0.3, 2)));
    m.put("relaxed", RegularizerChain.ofProbabilities(new RelaxedAttention(0.1)));
    m.put(
        "blur + hard mask + dropout",
        RegularizerChain.ofLogits(
                BlurredAttentionSmoothing.of(1.0, 3), HardAttentionMask.of(3, 0.3))
            .thenProbabilities(new AttentionDropout(0.1)));
    return m;
  }
}
