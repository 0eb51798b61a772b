package dev.attentiondrop.savedmodels;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.attentiondrop.ops.kernels.FusedKernels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * What {@code saved_model_cli show --all} shows (tags, signatures with dtypes and shapes), plus the
 * functions marked for XLA ({@code _XlaMustCompile}), variable count and bytes, random and
 * training-only ops, the stored model config, and whether every op is a stock TensorFlow op. Read
 * from {@code saved_model.pb} alone (no session), so a broken export is reported, not run.
 *
 * @param directory the SavedModel folder
 * @param tags the tags of its first meta graph, for example {@code [serve]}
 * @param signatures each signature key with its description: method name, then one line per input
 *     and output with dtype, shape ({@code -1} for an unknown size) and tensor name, sorted by name
 * @param xlaFunctions the library functions with {@code _XlaMustCompile = true}, and the functions
 *     called by graph nodes with that attribute ({@code "<function> (called by <node>)"})
 * @param variables the number of variable ops ({@code VariableV2}, {@code VarHandleOp}) in the
 *     graph and its functions
 * @param variableBytes the bytes of those variables: {@code sum prod(shape) * width(dtype)}, with
 *     unknown sizes counted as 0 and widths 8 (float64, int64), 2 (float16, bfloat16) or 4 (other
 *     dtypes)
 * @param opTypes every op type in the graph and its functions, sorted
 * @param nonStockOps the op types that this TensorFlow build does not register, sorted (empty for
 *     an export that stock TensorFlow can run)
 * @param randomOps the op types that draw random numbers, sorted (empty for a serving graph)
 * @param trainingOps the optimizer-update op types ({@code Apply*}, {@code ResourceApply*}, {@code
 *     AssignAdd}, {@code AssignSub}), sorted (empty for a serving graph)
 * @param modelConfig the text of {@code assets/config.json}, or {@code null} if there is none
 */
public record Inspection(
    Path directory,
    List<String> tags,
    Map<String, String> signatures,
    List<String> xlaFunctions,
    int variables,
    long variableBytes,
    Set<String> opTypes,
    Set<String> nonStockOps,
    Set<String> randomOps,
    Set<String> trainingOps,
    String modelConfig) {

  /** Op types that draw random numbers. */
  static boolean isRandom(String op) {
    return op.startsWith("Stateless") && op.contains("Random")
        || op.startsWith("Random")
        || op.contains("Multinomial")
        || op.equals("TruncatedNormal")
        || op.startsWith("StatelessTruncated");
  }

  /** Op types that only training graphs contain (optimizer updates). */
  static boolean isTrainingOnly(String op) {
    return op.startsWith("Apply")
        || op.startsWith("ResourceApply")
        || op.equals("AssignSub")
        || op.equals("AssignAdd");
  }

  /**
   * Loads the export into TensorFlow once, which restores every variable from {@code variables/}:
   * TensorFlow checks each tensor's CRC32C and size against the index as it reads it, so a
   * corrupted, truncated or mismatched variables file fails here. Nothing is run.
   *
   * @param dir a SavedModel folder
   * @param tags the meta graph's tags, for example {@link #tags()}
   * @throws SavedModelFormatException naming the folder when the variables cannot be restored
   */
  public static void verifyVariables(Path dir, List<String> tags) {
    SavedModels.checkLayout(dir);
    try (SavedModelBundle bundle =
        SavedModelBundle.load(dir.toString(), tags.toArray(String[]::new))) {
      // loaded: every variable was read and its checksum verified
    } catch (RuntimeException e) {
      throw new SavedModelFormatException(
          dir.toString(),
          "the variables are corrupt or do not match the graph (TensorFlow: "
              + Predictor.firstLine(e.getMessage())
              + ")",
          e);
    }
  }

  /**
   * Inspects the SavedModel in {@code dir}, reading {@code saved_model.pb} and {@code
   * assets/config.json}; nothing is loaded into TensorFlow.
   *
   * @param dir a SavedModel folder (a version folder holding {@code saved_model.pb} and {@code
   *     variables/})
   * @return what the export holds
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException if {@code dir} is not a complete SavedModel
   * @throws SavedModelFormatException if its {@code saved_model.pb} is corrupt, truncated or holds
   *     no meta graph
   */
  public static Inspection of(Path dir) throws IOException {
    SavedModels.checkLayout(dir);
    SavedModel model;
    try (InputStream in = Files.newInputStream(dir.resolve("saved_model.pb"))) {
      model = SavedModel.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw new SavedModelFormatException(
          dir.resolve("saved_model.pb").toString(), "corrupt or truncated: " + e.getMessage(), e);
    }
    if (model.getMetaGraphsCount() == 0) {
      throw new SavedModelFormatException(
          dir.resolve("saved_model.pb").toString(), "holds no meta graph", null);
    }
    MetaGraphDef meta = model.getMetaGraphs(0);
    Map<String, String> signatures = new TreeMap<>();
    for (var e : meta.getSignatureDefMap().entrySet()) {
      signatures.put(e.getKey(), describe(e.getValue()));
    }
    Set<String> stock =
        TensorFlow.registeredOpList().getOpList().stream()
            .map(o -> o.getName())
            // The fused kernels' ops are registered once their library is loaded, but are not
            // stock TensorFlow: an export holding one needs that library.
            .filter(o -> !o.equals(FusedKernels.HARD_MASK_OP) && !o.equals(FusedKernels.BLUR_OP))
            .collect(Collectors.toSet());
    Set<String> types = new TreeSet<>();
    int variables = 0;
    long bytes = 0;
    List<NodeDef> nodes = new ArrayList<>(meta.getGraphDef().getNodeList());
    List<String> xla = new ArrayList<>();
    for (FunctionDef f : meta.getGraphDef().getLibrary().getFunctionList()) {
      nodes.addAll(f.getNodeDefList());
      AttrValue must = f.getAttrMap().get("_XlaMustCompile");
      if (must != null && must.getB()) {
        xla.add(f.getSignature().getName());
      }
    }
    for (NodeDef n : meta.getGraphDef().getNodeList()) {
      AttrValue must = n.getAttrMap().get("_XlaMustCompile");
      if (must != null && must.getB() && n.getAttrMap().containsKey("f")) {
        xla.add(n.getAttrMap().get("f").getFunc().getName() + " (called by " + n.getName() + ")");
      }
    }
    for (NodeDef n : nodes) {
      types.add(n.getOp());
      if (n.getOp().equals("VariableV2") || n.getOp().equals("VarHandleOp")) {
        variables++;
        bytes +=
            bytes(n.getAttrMap().get("shape").getShape(), n.getAttrMap().get("dtype").getType());
      }
    }
    Set<String> nonStock =
        types.stream()
            .filter(t -> !stock.contains(t))
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> random =
        types.stream().filter(Inspection::isRandom).collect(Collectors.toCollection(TreeSet::new));
    Set<String> training =
        types.stream()
            .filter(Inspection::isTrainingOnly)
            .collect(Collectors.toCollection(TreeSet::new));
    Path config = dir.resolve("assets/config.json");
    String configText = Files.isRegularFile(config) ? Files.readString(config) : null;
    return new Inspection(
        dir,
        meta.getMetaInfoDef().getTagsList(),
        signatures,
        xla,
        variables,
        bytes,
        types,
        nonStock,
        random,
        training,
        configText);
  }

  static long bytes(TensorShapeProto shape, DataType type) {
    long n = 1;
    for (var d : shape.getDimList()) {
      n *= Math.max(0, d.getSize());
    }
    int size =
        switch (type) {
          case DT_DOUBLE, DT_INT64 -> 8;
          case DT_HALF, DT_BFLOAT16 -> 2;
          default -> 4;
        };
    return n * size;
  }

  static String describe(SignatureDef s) {
    StringBuilder sb = new StringBuilder("method " + s.getMethodName() + "\n");
    for (var e : new TreeMap<>(s.getInputsMap()).entrySet()) {
      sb.append("  input  ")
          .append(e.getKey())
          .append(": ")
          .append(tensor(e.getValue()))
          .append('\n');
    }
    for (var e : new TreeMap<>(s.getOutputsMap()).entrySet()) {
      sb.append("  output ")
          .append(e.getKey())
          .append(": ")
          .append(tensor(e.getValue()))
          .append('\n');
    }
    return sb.toString();
  }

  static String tensor(TensorInfo t) {
    String dims =
        t.getTensorShape().getUnknownRank()
            ? "unknown rank"
            : t.getTensorShape().getDimList().stream()
                .map(d -> Long.toString(d.getSize()))
                .collect(Collectors.joining(", ", "(", ")"));
    return t.getDtype() + " shape " + dims + " name " + t.getName();
  }

  /**
   * A human-readable report, in the spirit of {@code saved_model_cli show --all}.
   *
   * @return several lines: the folder, tags, signatures, XLA functions, variables, op counts, the
   *     stock, random and training-only op checks, and the model config
   */
  public String report() {
    StringBuilder sb = new StringBuilder();
    sb.append("SavedModel ").append(directory).append('\n');
    sb.append("tags: ").append(tags).append('\n');
    for (var e : signatures.entrySet()) {
      sb.append("signature '").append(e.getKey()).append("': ").append(e.getValue());
    }
    sb.append("functions marked for XLA (_XlaMustCompile): ")
        .append(xlaFunctions.isEmpty() ? "none" : xlaFunctions)
        .append('\n');
    sb.append("variables: ")
        .append(variables)
        .append(" (")
        .append(variableBytes)
        .append(" bytes)\n");
    sb.append("op types: ").append(opTypes.size()).append('\n');
    sb.append("stock TensorFlow ops only: ")
        .append(nonStockOps.isEmpty() ? "yes" : "NO, unknown: " + nonStockOps)
        .append('\n');
    sb.append("random ops: ").append(randomOps.isEmpty() ? "none" : randomOps).append('\n');
    sb.append("training-only ops: ")
        .append(trainingOps.isEmpty() ? "none" : trainingOps)
        .append('\n');
    sb.append("model config (assets/config.json): ")
        .append(modelConfig == null ? "absent" : "\n" + modelConfig.strip())
        .append('\n');
    return sb.toString();
  }
}
