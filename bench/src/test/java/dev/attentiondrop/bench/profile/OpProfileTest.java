package dev.attentiondrop.bench.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.bench.BenchModels;
import dev.attentiondrop.bench.BenchModels.BlockGraph;
import dev.attentiondrop.ops.xla.XlaMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.RunMetadata;

class OpProfileTest {
  @Test
  void aggregatesTheOpTypesOfATinyTracedBlock() {
    try (BlockGraph bg =
        BenchModels.blockGraph("plain", XlaMode.NONE, 2, 8, BenchModels.sessionConfig(1))) {
      List<RunMetadata> runs = OpProfile.trace(bg, bg.session(), 1, 2);
      assertEquals(2, runs.size());
      assertTrue(runs.get(0).getPartitionGraphsCount() > 0, "first traced step has the graphs");
      OpProfile.Summary s = OpProfile.aggregate(runs);
      Set<String> types =
          s.opTypes().stream().map(OpProfile.OpTypeStat::opType).collect(Collectors.toSet());
      // every kernel's type is one of the executed graph's op types
      assertTrue(s.executedOps().keySet().containsAll(types), types + " vs " + s.executedOps());
      // the block's attention and loss kernels ran (MatMul may be fused by Grappler's remapper)
      assertTrue(types.contains("Softmax"), types.toString());
      assertTrue(types.contains("SoftmaxCrossEntropyWithLogits"), types.toString());
      assertTrue(types.stream().anyMatch(t -> t.contains("BatchMatMul")), types.toString());
      assertTrue(types.stream().anyMatch(t -> t.contains("MatMul")), types.toString());
      assertTrue(s.kernelMsPerStep() > 0);
      assertTrue(s.spanMsPerStep() > 0);
      double sum = 0;
      for (OpProfile.OpTypeStat t : s.opTypes()) {
        assertTrue(t.msPerStep() >= 0 && t.kernelsPerStep() > 0, t.toString());
        sum += t.msPerStep();
      }
      assertEquals(s.kernelMsPerStep(), sum, 1e-9);
      assertTrue(s.opTypes().get(0).msPerStep() > 0);
      // the built graph differs from what ran (Grappler), but both have the softmax
      assertTrue(OpProfile.opCounts(bg.graph().toGraphDef()).containsKey("Softmax"));
      Map<String, Object> m = s.toMap(5);
      assertEquals(5, ((List<?>) m.get("top_nodes")).size());

      Map<String, Object> root = new LinkedHashMap<>();
      root.put("batch", 2);
      Map<String, Object> rec = new LinkedHashMap<>(m);
      rec.put("variant", "plain");
      rec.put("seq_len", 8);
      root.put("tf_java", List.of(rec));
      String md = OpProfileTables.markdown(root);
      assertTrue(md.contains("### plain, T=8"), md);
    }
  }

  @Test
  void opTypeFromTimelineLabel() {
    assertEquals("MatMul", OpProfile.typeFromLabel("block/q/MatMul = MatMul(a, b)"));
    assertEquals("NoOp", OpProfile.typeFromLabel("x = NoOp()"));
    assertEquals("_SOURCE", OpProfile.typeFromLabel("_SOURCE"));
    assertFalse(OpProfile.typeFromLabel("").isEmpty());
  }
}
