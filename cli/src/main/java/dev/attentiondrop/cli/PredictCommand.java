package dev.attentiondrop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.savedmodels.Predictor;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.data.ImageIdx;
import dev.attentiondrop.zoo.models.Tokenizer;
import dev.attentiondrop.zoo.train.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attentiondrop predict --model DIR --input FILE}. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = {
      "Predicts with an exported SavedModel and prints (or writes) one JSON line per example:",
      "{\"index\": i, \"label\": k, \"probabilities\": [...]}.",
      "Inputs: IDX images (.idx / .idx.gz, the MNIST format), CSV (one example per row: S*S pixel values",
      "in [0, 1], or for text models one text per row), or JSON ({\"instances\": [...]} as TF Serving takes:",
      "images as nested or flat lists of pixels; texts as strings or {\"text\": ...})."
    })
public final class PredictCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      description = "SavedModel version directory (BASE/<version>).")
  Path model;

  @Option(
      names = "--input",
      required = true,
      description = "Input file (.idx[.gz], .csv or .json).")
  Path input;

  @Option(names = "--output", description = "Write JSON lines here instead of standard output.")
  Path output;

  @Option(
      names = "--batch-size",
      defaultValue = "256",
      description =
          "Examples per model run, in [1, 65536] (memory grows with it). Default: ${DEFAULT-VALUE}")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    Checks.inRange("--batch-size", batchSize, 1, 1 << 16);
    if (Files.isDirectory(input)) {
      throw new IllegalArgumentException("--input " + input + ": a folder, not an input file");
    }
    if (output != null
        && Files.exists(output)
        && Files.exists(input)
        && Files.isSameFile(output, input)) {
      throw new IllegalArgumentException(
          "--output " + output + " is the --input file; choose another output file");
    }
    try (Predictor predictor = Predictor.load(model)) {
      // inputs in memory, the model run in batches of --batch-size: the activations' memory is
      // bounded by the batch, not by the input
      int n;
      IntFunction<Predictor.Prediction> batch;
      if (predictor.takesImages()) {
        long[] shape = predictor.exampleShape();
        int per = (int) (shape[0] * shape[1]);
        float[] pixels = readImages(input, per, shape);
        n = pixels.length / per;
        batch =
            from -> {
              int to = Math.min(n, from + batchSize);
              return predictor.predictImages(
                  Arrays.copyOfRange(pixels, from * per, to * per), to - from);
            };
      } else {
        Path tokenizerFile = model.resolve("assets/tokenizer.json");
        if (!Files.isRegularFile(tokenizerFile)) {
          throw new IllegalArgumentException(
              model + " has no assets/tokenizer.json; it is needed to encode texts");
        }
        Tokenizer tokenizer = Json.read(tokenizerFile, Tokenizer.class);
        List<String> texts = readTexts(input);
        int length = (int) predictor.exampleShape()[0];
        int[] ids = new int[texts.size() * length];
        int[] mask = new int[ids.length];
        for (int i = 0; i < texts.size(); i++) {
          int[] row = tokenizer.encode(texts.get(i), length);
          for (int j = 0; j < length; j++) {
            ids[i * length + j] = row[j];
            mask[i * length + j] = row[j] != Tokenizer.PAD ? 1 : 0;
          }
        }
        n = texts.size();
        batch =
            from -> {
              int to = Math.min(n, from + batchSize);
              return predictor.predictTokens(
                  Arrays.copyOfRange(ids, from * length, to * length),
                  Arrays.copyOfRange(mask, from * length, to * length),
                  to - from);
            };
      }
      RunDirectory.Body lines =
          stream -> {
            for (int from = 0; from < n; from += batchSize) {
              Predictor.Prediction result = batch.apply(from);
              for (int i = 0; i < result.labels().length; i++) {
                ObjectNode line = Json.mapper().createObjectNode();
                line.put("index", from + i);
                line.put("label", result.labels()[i]);
                var probs = line.putArray("probabilities");
                for (float v : result.probabilities()[i]) {
                  probs.add(v);
                }
                stream.write(
                    Json.mapper()
                        .writer()
                        .without(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsBytes(line));
                stream.write('\n');
              }
            }
          };
      if (output == null) {
        lines.writeTo(System.out);
        System.out.flush();
      } else {
        // all lines or none: a temporary file in the same folder, synced, then renamed
        RunDirectory.writeAtomically(output, lines);
      }
    }
    return 0;
  }

  static float[] readImages(Path file, int per, long[] shape) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    List<Float> values = new ArrayList<>();
    if (name.endsWith(".idx") || name.endsWith(".idx.gz") || name.contains("ubyte")) {
      ImageIdx.Images images = ImageIdx.readImages(file);
      if (images.rows() != shape[0] || images.cols() != shape[1]) {
        throw new IllegalArgumentException(
            file
                + " holds "
                + images.rows()
                + "x"
                + images.cols()
                + " images; the model takes "
                + shape[0]
                + "x"
                + shape[1]);
      }
      return images.pixels();
    } else if (name.endsWith(".csv")) {
      int row = 0;
      for (String line : Files.readAllLines(file)) {
        row++;
        if (line.isBlank()) {
          continue;
        }
        String[] cells = line.split(",");
        if (cells.length != per) {
          throw new IllegalArgumentException(
              file + " row " + row + ": expected " + per + " pixel values, got " + cells.length);
        }
        for (String c : cells) {
          values.add(Float.parseFloat(c.trim()));
        }
      }
    } else if (name.endsWith(".json")) {
      for (JsonNode instance : instances(file)) {
        List<Float> one = new ArrayList<>();
        flatten(instance, one);
        if (one.size() != per) {
          throw new IllegalArgumentException(
              file + ": each instance must hold " + per + " pixel values, got " + one.size());
        }
        values.addAll(one);
      }
    } else {
      throw new IllegalArgumentException(
          "--input must end in .idx, .idx.gz, .csv or .json, got " + file);
    }
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      float v = values.get(i);
      if (!(v >= 0 && v <= 1)) {
        throw new IllegalArgumentException(
            file + ": pixel values must be in [0, 1], got " + v + " at value " + i);
      }
      out[i] = v;
    }
    if (out.length == 0) {
      throw new IllegalArgumentException(file + " holds no examples");
    }
    return out;
  }

  static List<String> readTexts(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    List<String> texts = new ArrayList<>();
    if (name.endsWith(".json")) {
      for (JsonNode i : instances(file)) {
        texts.add(i.isTextual() ? i.asText() : i.path("text").asText());
      }
    } else {
      for (String line : Files.readAllLines(file)) {
        if (!line.isBlank()) {
          texts.add(line);
        }
      }
    }
    if (texts.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no texts");
    }
    return texts;
  }

  private static JsonNode instances(Path file) throws IOException {
    JsonNode root = Json.mapper().readTree(Files.readString(file));
    JsonNode list = root.isArray() ? root : root.get("instances");
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException(
          file + ": expected {\"instances\": [...]} or a JSON array");
    }
    return list;
  }

  private static void flatten(JsonNode node, List<Float> out) {
    if (node.isArray()) {
      node.forEach(n -> flatten(n, out));
    } else if (node.isNumber()) {
      out.add(node.floatValue());
    } else {
      throw new IllegalArgumentException("pixel values must be numbers, got " + node);
    }
  }
}
