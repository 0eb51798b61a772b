package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.random.SeedSalts;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * A stack of {@link TransformerEncoderBlock}s, each with its own regularizer chain (so a
 * regularizer can be limited to some layers) and told its depth (for schedules such as DropKey's).
 */
public final class Encoder extends Layer {
  private final List<TransformerEncoderBlock> blocks = new ArrayList<>();

  /** The stack's output and the attention probabilities of every layer. */
  public record Output(Operand<TFloat32> output, List<Operand<TFloat32>> attention) {}

  public Encoder(
      Ops tf,
      String name,
      TransformerEncoderBlock.Spec spec,
      List<RegularizerChain> chains,
      Initializers init) {
    super(name);
    Checks.inRange("layers", chains.size(), 1, 1024);
    Ops scope = tf.withSubScope(name);
    for (int i = 0; i < chains.size(); i++) {
      blocks.add(
          add(
              new TransformerEncoderBlock(
                  scope, "block" + i, spec, chains.get(i), i, chains.size(), init)));
    }
  }

  public List<TransformerEncoderBlock> blocks() {
    return List.copyOf(blocks);
  }

  public Output call(Ops tf, Operand<TFloat32> x, Operand<TBool> keyMask, CallContext ctx) {
    List<Operand<TFloat32>> attention = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      var out =
          blocks
              .get(i)
              .call(tf, x, keyMask, ctx.fork(tf, SeedSalts.indexed(SeedSalts.ENCODER_BLOCK, i)));
      x = out.output();
      attention.add(out.probabilities());
      keyMask = ctx.tileIfPending(tf, keyMask); // the first block stacked the passes
      ctx = ctx.tiled();
    }
    return new Output(x, attention);
  }
}
