package dev.attentiondrop.ops.xla;

import dev.attentiondrop.ops.Checks;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.ExecutionEnvironment;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GradientDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.OpDef.ArgDef;

/**
 * Calling a {@link ConcreteFunction} so that XLA compiles it, and giving it a gradient.
 *
 * <p>XLA compiles a function when the <em>node</em> that calls it carries {@code
 * _XlaMustCompile=true} (the attribute on the function itself is ignored); the generated {@code
 * PartitionedCall} wrapper cannot set it, so {@link #call} builds the node with the graph's op
 * builder.
 *
 * <p>{@code Graph.addGradients} differentiates a {@code PartitionedCall} with TensorFlow's own
 * gradient for it: a {@code SymbolicGradient} node, which at run time looks up the gradient
 * function registered for the called function in the graph's function library ({@code
 * FunctionDefLibrary.gradient}) and runs it. {@link #registerGradient} registers one. (A Java
 * {@code TensorFlow.registerCustomGradient} for {@code PartitionedCall} is refused: the op type
 * already has a gradient.)
 */
public final class XlaCalls {
  private XlaCalls() {}

  /** The node attribute that makes TensorFlow compile a function call with XLA. */
  public static final String MUST_COMPILE = "_XlaMustCompile";

  /**
   * Calls {@code function} on {@code arguments} (in the order of its inputs) through a {@code
   * PartitionedCall} node ({@code StatefulPartitionedCall} for a stateful function) named from
   * {@code name}, with {@code _XlaMustCompile} set to {@code mustCompile}. The function is attached
   * to the graph.
   *
   * @param tf the ops of the graph being built
   * @param name the function's name
   * @param function the function
   * @param arguments the call's arguments
   * @param mustCompile whether XLA must compile the function (an error where it cannot)
   * @return the call node; its outputs are the function's, in order
   */
  public static Operation call(
      Ops tf,
      String name,
      ConcreteFunction function,
      List<Operand<?>> arguments,
      boolean mustCompile) {
    graphOf(tf);
    List<ArgDef> inputs = function.getFunctionDef().getSignature().getInputArgList();
    if (inputs.size() != arguments.size()) {
      throw new IllegalArgumentException(
          "function "
              + function.getDefinedName()
              + " takes "
              + inputs.size()
              + " arguments, got "
              + arguments.size());
    }
    Output<?>[] args = new Output<?>[arguments.size()];
    for (int i = 0; i < args.length; i++) {
      args[i] = Checks.notNull("argument " + i, arguments.get(i)).asOutput();
    }
    List<ArgDef> outputs = function.getFunctionDef().getSignature().getOutputArgList();
    DataType[] outputTypes = new DataType[outputs.size()];
    for (int i = 0; i < outputTypes.length; i++) {
      outputTypes[i] = outputs.get(i).getType();
    }
    String type = function.isStateful() ? "StatefulPartitionedCall" : "PartitionedCall";
    var builder = tf.scope().opBuilder(type, name);
    builder.addInputList(args);
    builder.setAttr("Tout", outputTypes);
    builder.setAttr("f", function);
    if (mustCompile) {
      builder.setAttr(MUST_COMPILE, true);
    }
    return builder.build();
  }

  /** Per graph, the functions this class registered a gradient for. */
  private static final Map<Graph, Set<String>> WITH_GRADIENT =
      Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * Whether {@link #registerGradient} registered a gradient for {@code forward} in {@code graph}.
   *
   * @param graph the graph
   * @param forward the forward function
   * @return whether {@link #registerGradient} registered a gradient for {@code forward} in {@code
   *     graph}
   */
  public static boolean hasGradient(Graph graph, ConcreteFunction forward) {
    Set<String> done = WITH_GRADIENT.get(graph);
    return done != null && done.contains(forward.getDefinedName());
  }

  /**
   * Registers {@code gradient} as the gradient function of {@code forward} in {@code graph}'s
   * function library, attaching both. {@code gradient} takes the forward function's inputs followed
   * by one upstream gradient per forward output, and returns one gradient per forward input, of the
   * input's type (zeros for inputs that have none, such as a seed or a mask).
   *
   * <p>A function keeps the first gradient registered for it in a graph (the library allows one);
   * later calls for the same function name do nothing and return {@code false}. (Function names
   * carry a hash of the body, so the same name is the same computation; the gradient graph that
   * {@code addGradients} builds is not always node-for-node identical from one build to the next,
   * which the library would otherwise refuse as a conflict.)
   *
   * @param graph the graph
   * @param forward the forward function
   * @param gradient the gradient function
   * @return whether the gradient was registered now
   */
  public static boolean registerGradient(
      Graph graph, ConcreteFunction forward, ConcreteFunction gradient) {
    Set<String> done =
        WITH_GRADIENT.computeIfAbsent(graph, g -> Collections.synchronizedSet(new HashSet<>()));
    if (!done.add(forward.getDefinedName())) {
      return false;
    }
    graph.attachFunction(forward);
    graph.attachFunction(gradient);
    graph.importGraphDef(
        GraphDef.newBuilder()
            .setLibrary(
                FunctionDefLibrary.newBuilder()
                    .addGradient(
                        GradientDef.newBuilder()
                            .setFunctionName(forward.getDefinedName())
                            .setGradientFunc(gradient.getDefinedName())))
            .build());
    return true;
  }

  /** The graph {@code tf} builds in; function calls need one (not an eager session). */
  static Graph graphOf(Ops tf) {
    ExecutionEnvironment env = tf.scope().env();
    if (!(env instanceof Graph g)) {
      throw new IllegalArgumentException("compiled functions need a Graph, not " + env);
    }
    return g;
  }
}
