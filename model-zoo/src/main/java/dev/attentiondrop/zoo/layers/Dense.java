package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.baselines.DropConnect;
import dev.attentiondrop.ops.random.SeedSalts;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code y = x W + b} over the last axis, for inputs of rank 2 to 8; optionally with DropConnect on
 * {@code W} in training ({@code W' = M * W / (1 - rate)}, a fresh mask per call seed). Kernel
 * {@code [in, units]}, Glorot-uniform; bias zeros.
 */
public final class Dense extends Layer {
  private final int inputDim;
  private final int units;
  private final Variable<TFloat32> kernel;
  private final Variable<TFloat32> bias;
  private final DropConnect dropConnect;

  /**
   * Creates the weights under {@code name}.
   *
   * @param tf ops
   * @param name the layer's scope
   * @param inputDim the input's last dimension {@code in}
   * @param units the output's last dimension
   * @param useBias whether {@code b} exists
   * @param dropConnectRate DropConnect rate on {@code W} in training, 0 = off
   * @param init initializers of the weights
   * @throws IllegalArgumentException for a dimension below 1
   */
  public Dense(
      Ops tf,
      String name,
      int inputDim,
      int units,
      boolean useBias,
      double dropConnectRate,
      Initializers init) {
    super(name);
    this.inputDim = Checks.inRange("inputDim", inputDim, 1, Integer.MAX_VALUE);
    this.units = Checks.inRange("units", units, 1, Integer.MAX_VALUE);
    Ops scope = tf.withSubScope(name);
    this.kernel =
        addWeight(scope, "kernel", init.glorotUniform(scope, inputDim, units, inputDim, units));
    this.bias = useBias ? addWeight(scope, "bias", init.zeros(scope, units)) : null;
    this.dropConnect = dropConnectRate > 0 ? new DropConnect(dropConnectRate) : null;
  }

  /**
   * A dense layer with a bias and no DropConnect.
   *
   * @param tf ops
   * @param name the layer's scope
   * @param inputDim the input's last dimension
   * @param units the output's last dimension
   * @param init initializers of the weights
   */
  public Dense(Ops tf, String name, int inputDim, int units, Initializers init) {
    this(tf, name, inputDim, units, true, 0, init);
  }

  /**
   * The output width.
   *
   * @return {@code units}
   */
  public int units() {
    return units;
  }

  /**
   * The kernel.
   *
   * @return {@code W [in, units]}
   */
  public Variable<TFloat32> kernel() {
    return kernel;
  }

  /**
   * The bias.
   *
   * @return {@code b [units]}, or null without a bias
   */
  public Variable<TFloat32> bias() {
    return bias;
  }

  /**
   * {@code y = x W + b} over the last axis.
   *
   * @param tf ops
   * @param x input {@code [..., in]} of rank 2 to 8
   * @param ctx training mode and seed (for DropConnect)
   * @return {@code [..., units]}
   * @throws IllegalArgumentException for an input of rank below 2 or above 8
   */
  public Operand<TFloat32> call(Ops tf, Operand<TFloat32> x, CallContext ctx) {
    Operand<TFloat32> w = kernel;
    if (dropConnect != null) {
      w =
          dropConnect.call(
              tf,
              kernel,
              ctx.training(),
              ctx.isOff() ? null : ctx.fork(tf, SeedSalts.DROP_CONNECT).seed());
    }
    Operand<TInt32> shape = tf.shape(x);
    Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, inputDim}));
    Operand<TFloat32> y = tf.linalg.matMul(flat, w);
    if (bias != null) {
      y = tf.math.add(y, bias);
    }
    int rank = x.shape().numDimensions();
    Checks.inRange("rank of the input to " + name(), rank, 2, 8);
    return tf.reshape(y, outputShape(tf, x, shape, rank));
  }

  /** {@code x}'s shape with the last dimension replaced by {@code units}; static where known. */
  private Operand<TInt32> outputShape(
      Ops tf, Operand<TFloat32> x, Operand<TInt32> shape, int rank) {
    int[] dims = new int[rank];
    boolean known = true;
    for (int i = 1; i < rank - 1; i++) {
      dims[i] = (int) x.shape().get(i);
      known &= dims[i] >= 0;
    }
    if (known) {
      dims[0] = -1;
      dims[rank - 1] = units;
      return tf.constant(dims);
    }
    return tf.concat(
        List.of(
            tf.slice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {rank - 1})),
            tf.constant(new int[] {units})),
        tf.constant(0));
  }
}
