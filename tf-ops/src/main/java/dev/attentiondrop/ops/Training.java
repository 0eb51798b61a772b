package dev.attentiondrop.ops;

import java.util.Objects;
import java.util.function.Supplier;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.family.TType;

/**
 * Whether a graph runs in training mode: a Java constant ({@link #ON}, {@link #OFF}) decided when
 * the graph is built, or a scalar {@code TBool} tensor decided per run, so that one graph serves
 * both training and inference.
 *
 * <p>With {@link #OFF} nothing is added to the graph. With a tensor, both branches are built and
 * {@code Select} picks one; the inference branch is the untouched input, so the output is exactly
 * the identity when the tensor is {@code false}.
 */
public final class Training {
  /** Training mode, fixed when the graph is built. */
  public static final Training ON = new Training(true, null);

  /** Inference mode, fixed when the graph is built: regularizers add no op at all. */
  public static final Training OFF = new Training(false, null);

  private final boolean constant;
  private final Operand<TBool> flag;

  private Training(boolean constant, Operand<TBool> flag) {
    this.constant = constant;
    this.flag = flag;
  }

  /**
   * A Java constant.
   *
   * @param training the constant mode
   * @return {@link #ON} or {@link #OFF}
   */
  public static Training of(boolean training) {
    return training ? ON : OFF;
  }

  /**
   * A scalar boolean tensor (for example a placeholder with default), read per run.
   *
   * @param flag a scalar {@code TBool} tensor
   * @return the mode read from {@code flag} per run
   */
  public static Training of(Operand<TBool> flag) {
    Checks.notNull("training flag", flag);
    Checks.rank("training flag", flag, 0, "(a scalar TBool)");
    return new Training(false, flag);
  }

  /**
   * True when the mode is a Java constant {@code false}: nothing needs to be built.
   *
   * @return true when the mode is a Java constant {@code false}
   */
  public boolean isOff() {
    return flag == null && !constant;
  }

  /**
   * True when the mode is a Java constant {@code true}.
   *
   * @return true when the mode is a Java constant {@code true}
   */
  public boolean isOn() {
    return flag == null && constant;
  }

  /**
   * The tensor when the mode is decided per run, else {@code null}.
   *
   * @return the tensor when the mode is decided per run, else {@code null}
   */
  public Operand<TBool> flag() {
    return flag;
  }

  /**
   * {@code inference} when off, {@code train.get()} when on, else a {@code Select} between them on
   * the flag. {@code train} is only invoked when a training branch is needed.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param train builds the training value; called only when a training branch is needed
   * @param inference the inference value, returned when training is off
   * @return {@code inference} when off, {@code train.get()} when on, else a {@code Select} between
   *     them on the flag
   */
  public <T extends TType> Operand<T> choose(
      Ops tf, Supplier<Operand<T>> train, Operand<T> inference) {
    if (isOff()) {
      return inference;
    }
    Operand<T> trained = train.get();
    if (isOn()) {
      return trained;
    }
    return tf.select(flag, trained, inference); // SelectV2 broadcasts the scalar flag
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Training t && t.constant == constant && Objects.equals(t.flag, flag);
  }

  @Override
  public int hashCode() {
    return Objects.hash(constant, flag);
  }

  @Override
  public String toString() {
    return flag != null ? "Training(" + flag.op().name() + ")" : "Training(" + constant + ")";
  }
}
