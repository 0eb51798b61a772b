package dev.attentiondrop.ops.xla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.RegularizerChain;
import dev.attentiondrop.ops.baselines.AttentionDropout;
import dev.attentiondrop.ops.blur.BlurredAttentionSmoothing;
import dev.attentiondrop.ops.hardmask.HardAttentionMask;
import dev.attentiondrop.ops.testing.Stats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

@DisplayName("A SavedModel exported with the compiled attention keeps _XlaMustCompile and runs")
class SavedModelExportTest {
  static final int B = 2, H = 2, T = 8, D = 4;
  static final RegularizerChain CHAIN =
      RegularizerChain.ofLogits(HardAttentionMask.of(3, 0.3), BlurredAttentionSmoothing.of(1.0, 3))
          .thenProbabilities(new AttentionDropout(0.2));

  @TempDir Path tmp;

  /** The exported graph: attention output and d loss / d query, compiled or plain. */
  static Signature build(Ops tf, XlaMode mode) {
    Graph g = (Graph) tf.scope().env();
    List<Operand<TFloat32>> qkv = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      qkv.add(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(B, H, T, D))));
    }
    Operand<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
    var out =
        CompiledAttention.of(CHAIN, mode)
            .compute(tf, qkv.get(0), qkv.get(1), qkv.get(2), AttentionContext.training(seed))
            .output();
    Operand<TFloat32> loss = tf.reduceSum(tf.math.square(out), tf.constant(new int[] {0, 1, 2, 3}));
    Output<?> dq = g.addGradients(loss.asOutput(), new Output<?>[] {qkv.get(0).asOutput()})[0];
    return Signature.builder()
        .key(Signature.DEFAULT_KEY)
        .input("query", qkv.get(0))
        .input("key", qkv.get(1))
        .input("value", qkv.get(2))
        .input("seed", seed)
        .output("output", out)
        .output("d_query", dq)
        .build();
  }

  static Map<String, Tensor> inputs() {
    Map<String, Tensor> in = new LinkedHashMap<>();
    String[] names = {"query", "key", "value"};
    for (int i = 0; i < 3; i++) {
      double[] d = Stats.gaussian(20 + i, B * H * T * D);
      float[] f = new float[d.length];
      for (int j = 0; j < f.length; j++) {
        f[j] = (float) d[j];
      }
      in.put(names[i], TFloat32.tensorOf(Shape.of(B, H, T, D), DataBuffers.of(f, true, false)));
    }
    in.put("seed", TInt64.vectorOf(0x1234_5678_9ABC_DEF0L, -42));
    return in;
  }

  static float[] values(Tensor t) {
    TFloat32 x = (TFloat32) t;
    float[] v = new float[(int) x.size()];
    x.copyTo(DataBuffers.of(v, false, false));
    return v;
  }

  static boolean mustCompile(NodeDef n) {
    AttrValue a = n.getAttrMap().get(XlaCalls.MUST_COMPILE);
    return a != null && a.getB();
  }

  @Test
  @DisplayName("export, inspect saved_model.pb, load back and run: values match the plain path")
  void exportAndLoad() throws Exception {
    Path dir = tmp.resolve("model");
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Signature sig = build(Ops.create(g), XlaMode.COMPILED_FUNCTION);
      SavedModelBundle.exporter(dir.toString())
          .withTags(SavedModelBundle.DEFAULT_TAG)
          .withFunction(SessionFunction.create(sig, s))
          .export();
    }

    SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(dir.resolve("saved_model.pb")));
    GraphDef graph = saved.getMetaGraphs(0).getGraphDef();
    List<NodeDef> calls =
        graph.getNodeList().stream().filter(n -> n.getOp().equals("PartitionedCall")).toList();
    assertEquals(1, calls.size(), "one call node");
    assertTrue(mustCompile(calls.get(0)), "the call node keeps _XlaMustCompile");
    String forward = calls.get(0).getAttrMap().get("f").getFunc().getName();
    assertTrue(forward.startsWith("attention_forward"), forward);
    var gradients = graph.getLibrary().getGradientList();
    var gradient = gradients.stream().filter(d -> d.getFunctionName().equals(forward)).findFirst();
    assertTrue(gradient.isPresent(), "the forward function keeps its gradient: " + gradients);
    FunctionDef gradFn =
        graph.getLibrary().getFunctionList().stream()
            .filter(f -> f.getSignature().getName().equals(gradient.get().getGradientFunc()))
            .findFirst()
            .orElseThrow();
    assertTrue(
        gradFn.getNodeDefList().stream()
            .anyMatch(
                n ->
                    n.getOp().equals("PartitionedCall")
                        && mustCompile(n)
                        && n.getAttrMap().get("f").getFunc().getName().startsWith("attention_vjp")),
        "the gradient function calls the compiled VJP");
    assertTrue(
        graph.getNodeList().stream().anyMatch(n -> n.getOp().equals("SymbolicGradient")),
        "the backward pass goes through SymbolicGradient");

    Map<String, Tensor> in = inputs();
    try (SavedModelBundle bundle =
            SavedModelBundle.load(dir.toString(), SavedModelBundle.DEFAULT_TAG);
        Result loaded = bundle.function(Signature.DEFAULT_KEY).call(in);
        Graph g = new Graph();
        Session s = new Session(g)) {
      Signature plain = build(Ops.create(g), XlaMode.NONE);
      try (Result expected = SessionFunction.create(plain, s).call(in)) {
        for (String name : List.of("output", "d_query")) {
          float[] a = values(expected.get(name).orElseThrow());
          float[] b = values(loaded.get(name).orElseThrow());
          double scale = 0, diff = 0;
          for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(a[i]));
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
          }
          assertTrue(scale > 0 && diff <= 1e-5 * Math.max(1, scale), name + " differs by " + diff);
        }
      }
    } finally {
      in.values().forEach(Tensor::close);
    }
  }
}
