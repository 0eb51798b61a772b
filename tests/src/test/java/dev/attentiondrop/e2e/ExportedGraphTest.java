package dev.attentiondrop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.cli.Main;
import dev.attentiondrop.ops.kernels.FusedKernels;
import dev.attentiondrop.savedmodels.Inspection;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TFloat32;

/**
 * The exported serving graph of a model trained with a random attention regularizer (hard masking)
 * holds no random op and no training-only op: walked node by node, functions included, and as
 * {@link Inspection} reports it. A graph that does hold such ops is flagged (the checks can fail).
 */
class ExportedGraphTest {

  /** Every op type of the meta graph: graph nodes and the nodes of every library function. */
  static Set<String> opTypes(Path export) throws Exception {
    SavedModel model;
    try (InputStream in = Files.newInputStream(export.resolve("saved_model.pb"))) {
      model = SavedModel.parseFrom(in);
    }
    assertEquals(1, model.getMetaGraphsCount());
    MetaGraphDef meta = model.getMetaGraphs(0);
    Set<String> types = new TreeSet<>();
    for (NodeDef n : meta.getGraphDef().getNodeList()) {
      types.add(n.getOp());
    }
    for (FunctionDef f : meta.getGraphDef().getLibrary().getFunctionList()) {
      for (NodeDef n : f.getNodeDefList()) {
        types.add(n.getOp());
      }
    }
    return types;
  }

  static boolean random(String op) {
    return op.contains("Random")
        || op.contains("Multinomial")
        || op.contains("TruncatedNormal")
        || op.equals("RandomShuffle");
  }

  static boolean trainingOnly(String op) {
    return op.startsWith("Apply")
        || op.startsWith("ResourceApply")
        || op.startsWith("SparseApply")
        || op.startsWith("AssignAdd")
        || op.startsWith("AssignSub")
        || op.endsWith("Grad")
        || op.contains("Gradient");
  }

  @Test
  void theServingGraphHoldsNoRandomAndNoTrainingOnlyOp() throws Exception {
    Path export = TrainedModels.vit().export();
    Set<String> types = opTypes(export);
    System.out.println("serving graph op types: " + types);
    assertTrue(
        types.contains("Softmax") && types.contains("BatchMatMulV3") || types.contains("MatMul"),
        types.toString());
    assertEquals(
        List.of(), types.stream().filter(ExportedGraphTest::random).toList(), "random ops");
    assertEquals(
        List.of(),
        types.stream().filter(ExportedGraphTest::trainingOnly).toList(),
        "training-only ops");

    Inspection inspection = Inspection.of(export);
    assertEquals(types, inspection.opTypes());
    assertTrue(inspection.randomOps().isEmpty(), inspection.report());
    assertTrue(inspection.trainingOps().isEmpty(), inspection.report());
    assertTrue(inspection.nonStockOps().isEmpty(), inspection.report());
    assertEquals(List.of("serve"), inspection.tags());
    assertEquals(Set.of("serving_default", "attention"), inspection.signatures().keySet());
    assertTrue(inspection.variables() > 0 && inspection.variableBytes() > 0);
    // The run's training graph was built with hard masking: that op is in training only.
    assertTrue(inspection.modelConfig().contains("hard_mask"));
    // Trained with the fused hard-mask kernel where it is loaded (always in CI); never exported.
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      assertTrue(FusedKernels.available(), FusedKernels.status().detail());
    }
    assertEquals(
        List.of(),
        types.stream().filter(t -> t.startsWith("AttentionDrop")).toList(),
        "custom ops");
  }

  @Test
  void aGraphWithRandomAndTrainingOpsIsFlagged() throws Exception {
    Path dir = TrainedModels.fresh("flagged").resolve("1");
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> w = tf.withName("w").variable(tf.constant(new float[] {1f, 2f}));
      Operand<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
      Operand<TFloat32> noise =
          tf.random.statelessRandomUniform(
              tf.constant(new int[] {2}), tf.constant(new long[] {1, 2}), TFloat32.class);
      Operand<TFloat32> y = tf.math.mul(x, tf.math.add(tf.assignAdd(w, noise), noise));
      try (Session s = new Session(g)) {
        s.initialize();
        SavedModelBundle.exporter(dir.toString())
            .withTags(SavedModelBundle.DEFAULT_TAG)
            .withFunction(
                SessionFunction.create(Signature.builder().input("x", x).output("y", y).build(), s))
            .export();
      }
    }
    Set<String> types = opTypes(dir);
    assertFalse(
        types.stream().filter(ExportedGraphTest::random).toList().isEmpty(), types.toString());
    assertFalse(
        types.stream().filter(ExportedGraphTest::trainingOnly).toList().isEmpty(),
        types.toString());
    Inspection inspection = Inspection.of(dir);
    assertTrue(inspection.randomOps().contains("StatelessRandomUniform"), inspection.report());
    assertTrue(inspection.trainingOps().contains("AssignAdd"), inspection.report());
    assertTrue(
        inspection.report().contains("random ops: [StatelessRandomUniform]"), inspection.report());
    assertEquals(1, Main.execute("inspect", dir.toString()), "inspect exits 1 on such a graph");
  }
}
