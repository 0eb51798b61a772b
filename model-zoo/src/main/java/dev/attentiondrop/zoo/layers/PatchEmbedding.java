package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Splits {@code [batch, height, width]} grayscale images into non-overlapping {@code patch x patch}
 * patches and projects each to {@code dim}: {@code [batch, (H/p)(W/p), dim]}, patches in row-major
 * order (a strided convolution written as reshape + dense).
 */
public final class PatchEmbedding extends Layer {
  private final int height;
  private final int width;
  private final int patch;
  private final Dense projection;

  /**
   * Creates the projection {@code Dense(p^2 -> dim)} under {@code name}.
   *
   * @param tf the ops of the parent's scope
   * @param name the layer's scope
   * @param height the image height {@code H}
   * @param width the image width {@code W}
   * @param patch the patch side {@code p}, dividing both {@code H} and {@code W}
   * @param dim the embedding width
   * @param init initializers of the weights
   * @throws IllegalArgumentException for {@code p} outside {@code [1, min(H, W)]}, a {@code p} that
   *     does not divide {@code H} and {@code W}, or {@code dim < 1}
   */
  public PatchEmbedding(
      Ops tf, String name, int height, int width, int patch, int dim, Initializers init) {
    super(name);
    this.patch = Checks.inRange("patch size", patch, 1, Math.min(height, width));
    if (height % patch != 0 || width % patch != 0) {
      throw new IllegalArgumentException(
          "patch size must divide the image size " + height + "x" + width + ", got " + patch);
    }
    this.height = height;
    this.width = width;
    this.projection = add(new Dense(tf.withSubScope(name), "projection", patch * patch, dim, init));
  }

  /**
   * The number of patches per image.
   *
   * @return {@code (H / p) (W / p)}
   */
  public int numPatches() {
    return (height / patch) * (width / patch);
  }

  /**
   * Cuts the images into patches and projects them: pixel {@code (i p + r, j p + c)} goes to patch
   * {@code i (W / p) + j}, feature {@code r p + c}, then {@code y = patches W + b}.
   *
   * @param tf the ops of the graph being built
   * @param images grayscale images {@code [batch, H, W]}
   * @param ctx training mode and seed, passed on to the projection
   * @return {@code [batch, (H / p) (W / p), dim]}
   */
  public Operand<TFloat32> call(Ops tf, Operand<TFloat32> images, CallContext ctx) {
    int gh = height / patch;
    int gw = width / patch;
    // [B, gh, p, gw, p] -> [B, gh, gw, p, p] -> [B, gh*gw, p*p]
    Operand<TFloat32> x = tf.reshape(images, tf.constant(new int[] {-1, gh, patch, gw, patch}));
    x = tf.linalg.transpose(x, tf.constant(new int[] {0, 1, 3, 2, 4}));
    x = tf.reshape(x, tf.constant(new int[] {-1, gh * gw, patch * patch}));
    return projection.call(tf, x, ctx);
  }
}
