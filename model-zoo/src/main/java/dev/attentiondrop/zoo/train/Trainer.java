package dev.attentiondrop.zoo.train;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.consistency.MultiPass;
import dev.attentiondrop.ops.xla.CompiledAttention;
import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.layers.CallContext;
import dev.attentiondrop.zoo.models.Classifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Trains a {@link Classifier} in one graph and session: a training branch (regularizers on, the
 * per-step seed {@code [seed, step]}), an inference branch sharing the variables, gradients by
 * {@code Graph.addGradients}, global-norm clipping and our {@link Optimizer}. Holds native
 * resources: close it.
 *
 * <p>Everything random is a function of the config: initial weights of {@code model.seed},
 * shuffling of epoch {@code e} of {@code Random(seed * 1_000_003 + e)}, training noise of {@code
 * [seed, step]}. So the same configs give the same loss curve, and a run restored from the
 * checkpoint of epoch {@code e} continues exactly as the uninterrupted run.
 */
public final class Trainer implements AutoCloseable {
  private final ModelConfig modelConfig;
  private final TrainConfig trainConfig;
  private final Graph graph = new Graph();
  private final Session session;
  private final Classifier model;
  private final Optimizer optimizer;
  private final Placeholder<?> input;
  private final Placeholder<TFloat32> labels;
  private final Placeholder<TInt64> seed;
  private final Placeholder<TFloat32> learningRate;
  private final Operand<TFloat32> loss;
  private final Operand<TFloat32> trainLogits;
  private final Operand<TFloat32> probabilities;
  private final Op trainOp;
  private volatile boolean stopRequested;

  /**
   * Builds the model's training and inference graphs and initializes its variables.
   *
   * @param modelConfig the model
   * @param trainConfig how it is trained ({@code dataset} may be null: data comes to {@link #fit})
   */
  public Trainer(ModelConfig modelConfig, TrainConfig trainConfig) {
    this.modelConfig = modelConfig;
    this.trainConfig = trainConfig;
    Ops tf = Ops.create(graph);
    boolean images = modelConfig.kind() == ModelConfig.Kind.VIT;
    long[] inputShape =
        images
            ? new long[] {-1, modelConfig.imageSize(), modelConfig.imageSize()}
            : new long[] {-1, modelConfig.maxLength()};
    this.input =
        images
            ? tf.withName("input")
                .placeholder(TFloat32.class, Placeholder.shape(Shape.of(inputShape)))
            : tf.withName("input")
                .placeholder(TInt32.class, Placeholder.shape(Shape.of(inputShape)));
    this.labels =
        tf.withName("labels")
            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, modelConfig.numClasses())));
    this.seed = tf.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
    this.learningRate =
        tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    this.model = new Classifier(tf, modelConfig);

    Ops train = tf.withSubScope("train");
    ConsistencyConfig consistency = trainConfig.consistency();
    if (consistency == null) {
      this.trainLogits = model.call(train, input, CallContext.training(seed)).logits();
      this.loss = crossEntropy(train, trainLogits, labels);
    } else {
      // Batched passes share what precedes the first attention (embedding, LN, Q/K/V projections):
      // the model stacks them there (SHARED_PREFIX), with the same outputs as tiling the input.
      boolean batched = consistency.passMode() == MultiPass.Mode.BATCHED;
      List<Operand<TFloat32>> passes =
          MultiPass.run(
              train,
              (t, in, s, groups) ->
                  model
                      .call(t, in.get(0), new CallContext(Training.ON, s, groups, batched))
                      .logits(),
              List.of(input),
              consistency.passes(),
              seed,
              batched ? MultiPass.Mode.SHARED_PREFIX : consistency.passMode());
      List<Operand<TFloat32>> task = new ArrayList<>();
      for (Operand<TFloat32> z : passes) {
        task.add(crossEntropy(train, z, labels));
      }
      this.trainLogits = passes.get(0);
      this.loss = consistency.loss().total(train, task, passes);
    }
    List<Variable<TFloat32>> weights = model.variables();
    List<Operand<TFloat32>> gradients = Optimizer.gradients(graph, loss, weights);
    if (trainConfig.clipNorm() > 0) {
      gradients =
          Optimizer.clipByGlobalNorm(train, gradients, trainConfig.clipNorm(), new ArrayList<>());
    }
    this.optimizer = new Optimizer(trainConfig.optimizer());
    this.trainOp = optimizer.update(train, weights, gradients, learningRate);

    Ops eval = tf.withSubScope("eval");
    this.probabilities =
        eval.withName("probabilities")
            .nn
            .softmax(model.call(eval, input, CallContext.inference()).logits());
    this.session = new Session(graph, CompiledAttention.sessionConfig(modelConfig.attentionXla()));
    session.initialize();
  }

  static Operand<TFloat32> crossEntropy(
      Ops tf, Operand<TFloat32> logits, Operand<TFloat32> oneHot) {
    return tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
  }

  /**
   * The model, whose variables this trainer updates.
   *
   * @return the model
   */
  public Classifier model() {
    return model;
  }

  /**
   * The model's config.
   *
   * @return the config
   */
  public ModelConfig modelConfig() {
    return modelConfig;
  }

  /**
   * The training config.
   *
   * @return the config
   */
  public TrainConfig trainConfig() {
    return trainConfig;
  }

  /**
   * The graph holding both branches (owned by this trainer).
   *
   * @return the graph
   */
  public Graph graph() {
    return graph;
  }

  /**
   * The session holding the variables (owned by this trainer).
   *
   * @return the session
   */
  public Session session() {
    return session;
  }

  /**
   * The number of updates applied so far (read from the optimizer's step variable).
   *
   * @return the global step
   */
  public long stepsDone() {
    try (Result r = session.runner().fetch(optimizer.step()).run()) {
      return (long) ((TFloat32) r.get(0)).getFloat();
    }
  }

  /**
   * Updates per epoch: {@code ceil(n / batch_size)}.
   *
   * @param n the number of training examples
   * @return updates per epoch
   */
  public int stepsPerEpoch(int n) {
    return (n + trainConfig.batchSize() - 1) / trainConfig.batchSize();
  }

  /**
   * The learning-rate schedule (linear warmup, then cosine decay) over all epochs.
   *
   * @param n the number of training examples
   * @return the schedule
   */
  public LearningRateSchedule schedule(int n) {
    int total = stepsPerEpoch(n) * trainConfig.epochs();
    return new LearningRateSchedule(
        trainConfig.optimizer().learningRate(),
        (int) Math.round(trainConfig.warmupFraction() * total),
        total,
        trainConfig.minLrRatio());
  }

  /**
   * The order of the examples in epoch {@code epoch}: a permutation seeded by {@code seed *
   * 1_000_003 + epoch}.
   *
   * @param n the number of training examples
   * @param epoch the epoch, 1-based
   * @return the permutation
   */
  public int[] shuffle(int n, int epoch) {
    return Permutation.of(n, trainConfig.seed() * 1_000_003L + epoch);
  }

  /**
   * Loss and correct count of one update.
   *
   * @param loss the batch's loss (task loss plus any consistency term)
   * @param correct how many of the batch the training-mode logits classify correctly
   * @param size the batch size
   */
  public record StepResult(double loss, int correct, int size) {}

  /**
   * One update on the examples at {@code order[from..to)} at global step {@code step}, whose
   * training noise is seeded by {@code [seed, step]}. {@link #fit} calls this; use it directly for
   * a loop of your own.
   *
   * @param data the examples
   * @param order the example order (see {@link #shuffle})
   * @param from first position of the batch in {@code order}
   * @param to one past the last position
   * @param step the global step (seeds the noise)
   * @param lr the learning rate of this update
   * @return the batch's loss and correct count
   */
  public StepResult step(Examples data, int[] order, int from, int to, long step, double lr) {
    try (Tensor x = data.inputTensor(order, from, to);
        TFloat32 y = data.labelTensor(order, from, to);
        TInt64 s =
            TInt64.tensorOf(
                Shape.of(2), DataBuffers.of(new long[] {trainConfig.seed(), step}, true, false));
        TFloat32 lrT = TFloat32.scalarOf((float) lr);
        Result r =
            session
                .runner()
                .feed(input, x)
                .feed(labels, y)
                .feed(seed, s)
                .feed(learningRate, lrT)
                .addTarget(trainOp)
                .fetch(loss)
                .fetch(trainLogits)
                .run()) {
      double l = ((TFloat32) r.get(0)).getFloat();
      TFloat32 logits = (TFloat32) r.get(1);
      int correct = 0;
      int c = data.numClasses();
      float[] z = new float[(int) logits.size()];
      logits.copyTo(DataBuffers.of(z, false, false));
      for (int i = 0; i < to - from; i++) {
        if (argmax(z, i * c, c) == data.labels()[order[from + i]]) {
          correct++;
        }
      }
      return new StepResult(l, correct, to - from);
    }
  }

  /**
   * Clean (inference-mode, no regularizer) class probabilities {@code [n][classes]}, in batches.
   *
   * @param data the examples
   * @return the softmax probabilities of every example
   */
  public float[][] predict(Examples data) {
    int n = data.n();
    int c = data.numClasses();
    float[][] out = new float[n][];
    int[] order = data.identity();
    int batch = Math.max(trainConfig.batchSize(), 256);
    for (int from = 0; from < n; from += batch) {
      int to = Math.min(n, from + batch);
      try (Tensor x = data.inputTensor(order, from, to);
          Result r = session.runner().feed(input, x).fetch(probabilities).run()) {
        TFloat32 p = (TFloat32) r.get(0);
        float[] flat = new float[(int) p.size()];
        p.copyTo(DataBuffers.of(flat, false, false));
        for (int i = 0; i < to - from; i++) {
          out[from + i] = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
        }
      }
    }
    return out;
  }

  static int argmax(float[] z, int offset, int length) {
    int best = 0;
    for (int j = 1; j < length; j++) {
      if (z[offset + j] > z[offset + best]) {
        best = j;
      }
    }
    return best;
  }

  /**
   * Trains for the configured epochs on {@code train}, evaluating on {@code evaluation} after each
   * epoch: the Keras {@code fit} loop. Shuffling, the learning-rate schedule and the per-step seeds
   * are those of {@link #shuffle}, {@link #schedule} and {@link #step}, so a fit is reproducible
   * from its configs.
   *
   * @param train the training examples
   * @param evaluation the examples evaluated (clean, inference mode) after each epoch
   * @param listeners called on every epoch and update, in order
   * @return the metrics of every epoch run
   */
  public List<EpochMetrics> fit(
      Examples train, Examples evaluation, TrainingListener... listeners) {
    return fit(train, evaluation, 1, List.of(listeners));
  }

  /**
   * {@link #fit(Examples, Examples, TrainingListener...)} from epoch {@code firstEpoch}: after
   * {@link #restore restoring} the checkpoint of epoch {@code firstEpoch - 1}, this continues
   * exactly as the uninterrupted fit (the global step is read from the optimizer).
   *
   * @param train the training examples
   * @param evaluation the examples evaluated after each epoch
   * @param firstEpoch the first epoch to run, in {@code [1, epochs + 1]}
   * @param listeners called on every epoch and update, in order
   * @return the metrics of the epochs run
   */
  public List<EpochMetrics> fit(
      Examples train, Examples evaluation, int firstEpoch, List<TrainingListener> listeners) {
    Checks.notNull("train", train);
    Checks.notNull("evaluation", evaluation);
    Checks.inRange("firstEpoch", firstEpoch, 1, trainConfig.epochs() + 1);
    checkFits("train", train);
    checkFits("evaluation", evaluation);
    stopRequested = false;
    long step = stepsDone();
    int n = train.n();
    LearningRateSchedule schedule = schedule(n);
    int perEpoch = stepsPerEpoch(n);
    List<EpochMetrics> history = new ArrayList<>();
    for (int epoch = firstEpoch; epoch <= trainConfig.epochs() && !stopRequested; epoch++) {
      for (TrainingListener l : listeners) {
        l.onEpochBegin(epoch, trainConfig.epochs(), perEpoch);
      }
      int[] order = shuffle(n, epoch);
      double lossSum = 0;
      int correct = 0;
      long start = System.nanoTime();
      double lr = 0;
      for (int b = 0; b < perEpoch; b++) {
        int from = b * trainConfig.batchSize();
        int to = Math.min(n, from + trainConfig.batchSize());
        lr = schedule.at(step);
        StepResult r = step(train, order, from, to, step, lr);
        lossSum += r.loss() * r.size();
        correct += r.correct();
        double secs = (System.nanoTime() - start) / 1e9;
        TrainingListener.BatchEnd event =
            new TrainingListener.BatchEnd(
                epoch,
                b,
                perEpoch,
                step,
                r.loss(),
                to,
                lossSum / to,
                (double) correct / to,
                to / secs);
        step++;
        for (TrainingListener l : listeners) {
          l.onBatchEnd(event);
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Evaluation eval =
          Evaluation.of(predict(evaluation), evaluation.labels(), trainConfig.eceBins());
      EpochMetrics m =
          new EpochMetrics(
              epoch,
              step,
              lr,
              lossSum / n,
              (double) correct / n,
              eval.accuracy(),
              eval.nll(),
              eval.ece(),
              eval.brier(),
              seconds,
              n / seconds);
      history.add(m);
      for (TrainingListener l : listeners) {
        l.onEpochEnd(m, eval);
      }
    }
    return history;
  }

  /**
   * Ends a running {@link #fit} after the current epoch (its listeners still see that epoch's end).
   * For listeners: early stopping, or an interruption that a later fit resumes.
   */
  public void stopTraining() {
    stopRequested = true;
  }

  private void checkFits(String what, Examples data) {
    boolean images = modelConfig.kind() == ModelConfig.Kind.VIT;
    if (data.images() != images) {
      throw new IllegalArgumentException(
          what
              + " examples are "
              + (data.images() ? "images" : "token ids")
              + " but the model is a "
              + modelConfig.kind()
              + " model, which takes "
              + (images ? "images" : "token ids"));
    }
    if (data.numClasses() != modelConfig.numClasses()) {
      throw new IllegalArgumentException(
          what
              + " examples have "
              + data.numClasses()
              + " classes but num_classes is "
              + modelConfig.numClasses());
    }
    int[] expected =
        images
            ? new int[] {modelConfig.imageSize(), modelConfig.imageSize()}
            : new int[] {modelConfig.maxLength()};
    if (!Arrays.equals(expected, data.inputShape())) {
      throw new IllegalArgumentException(
          what
              + " examples have shape "
              + Arrays.toString(data.inputShape())
              + " per example but the model takes "
              + Arrays.toString(expected));
    }
  }

  /**
   * Saves every variable (weights and optimizer state) as a TF checkpoint under {@code prefix}.
   *
   * @param prefix the checkpoint prefix (files {@code prefix.index}, {@code prefix.data-*})
   * @throws UncheckedIOException if TensorFlow cannot write the files (a full or read-only disk)
   */
  public void save(String prefix) {
    try {
      session.save(prefix);
    } catch (RuntimeException e) {
      throw new UncheckedIOException(
          new IOException(
              prefix + ": cannot write the checkpoint (TensorFlow: " + firstLine(e) + ")", e));
    }
  }

  /**
   * Restores every variable saved by {@link #save}.
   *
   * @param prefix the checkpoint prefix
   * @throws CheckpointFormatException if the checkpoint is missing, truncated, corrupt (TensorFlow
   *     checks its checksums) or holds other variables than this model's
   */
  public void restore(String prefix) {
    try {
      session.restore(prefix);
    } catch (RuntimeException e) {
      throw new CheckpointFormatException(
          prefix,
          "cannot restore the checkpoint: missing, corrupt or of another model (TensorFlow: "
              + firstLine(e)
              + ")",
          e);
    }
  }

  private static String firstLine(RuntimeException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
