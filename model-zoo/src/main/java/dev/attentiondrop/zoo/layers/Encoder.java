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

  /**
   * The stack's output and the attention probabilities of every layer.
   *
   * @param output the last block's output {@code [B, T, d]}
   * @param attention the probabilities {@code [B, H, T, T]} of each block, first to last
   */
  public record Output(Operand<TFloat32> output, List<Operand<TFloat32>> attention) {}

  /**
   * One block per chain, named {@code block0, block1, ...}.
   *
   * @param tf ops
   * @param name the stack's scope
   * @param block the blocks' hyper-parameters and initializers; its chain and depth are set to
   *     {@code chains.get(i)} and {@code (i, chains.size())} for block {@code i} (the builder is
   *     left with the last block's)
   * @param chains the regularizer chain of each block, at least one
   * @throws IllegalArgumentException for no chain, or an invalid block parameter
   */
  public Encoder(
      Ops tf, String name, TransformerEncoderBlock.Builder block, List<RegularizerChain> chains) {
    super(name);
    Checks.inRange("layers", chains.size(), 1, 1024);
    Ops scope = tf.withSubScope(name);
    for (int i = 0; i < chains.size(); i++) {
      blocks.add(
          add(block.regularizers(chains.get(i)).layer(i, chains.size()).build(scope, "block" + i)));
    }
  }

  /**
   * The blocks, first to last.
   *
   * @return an immutable copy of the blocks
   */
  public List<TransformerEncoderBlock> blocks() {
    return List.copyOf(blocks);
  }

  /**
   * The stack over {@code x [B, T, d]}.
   *
   * @param tf ops
   * @param x the input {@code [B, T, d]}
   * @param keyMask the attention mask of every block (see {@link MultiHeadAttention}), or null
   * @param ctx training mode, seed and noise groups
   * @return the output {@code [B, T, d]} and the attention probabilities of every layer
   */
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
