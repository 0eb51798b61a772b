package dev.attentiondrop.zoo.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A layer owns the variables it creates (in its own name scope) and those of its sublayers.
 * Variables are created in the constructor, so calling a layer twice (a training and an inference
 * branch) shares them.
 */
public abstract class Layer {
  private final String name;
  private final List<Variable<TFloat32>> own = new ArrayList<>();
  private final List<Layer> sublayers = new ArrayList<>();

  /**
   * A layer with no variables yet.
   *
   * @param name the layer's name (its name scope, relative to the parent's)
   */
  protected Layer(String name) {
    this.name = name;
  }

  /**
   * The layer's name.
   *
   * @return the name given to the constructor
   */
  public String name() {
    return name;
  }

  /**
   * Creates a variable {@code weightName} holding {@code init} at initialization, owned by this
   * layer.
   *
   * @param tf the ops of this layer's scope
   * @param weightName the variable's name in that scope
   * @param init its initial value (its shape is the variable's)
   * @return the variable
   */
  protected Variable<TFloat32> addWeight(Ops tf, String weightName, Operand<TFloat32> init) {
    Variable<TFloat32> v = tf.withName(weightName).variable(init);
    own.add(v);
    return v;
  }

  /**
   * Registers a sublayer whose variables this layer owns too.
   *
   * @param <L> the sublayer's type
   * @param layer the sublayer
   * @return {@code layer}, for assignment
   */
  protected <L extends Layer> L add(L layer) {
    sublayers.add(layer);
    return layer;
  }

  /**
   * This layer's own variables (in creation order), then those of its sublayers (depth first).
   *
   * @return an unmodifiable list of the variables
   */
  public List<Variable<TFloat32>> variables() {
    List<Variable<TFloat32>> all = new ArrayList<>(own);
    for (Layer l : sublayers) {
      all.addAll(l.variables());
    }
    return Collections.unmodifiableList(all);
  }

  /**
   * Number of scalar weights: the sum of the element counts of {@link #variables}.
   *
   * @return the parameter count
   */
  public long parameterCount() {
    long n = 0;
    for (Variable<TFloat32> v : variables()) {
      n += v.shape().size();
    }
    return n;
  }
}
