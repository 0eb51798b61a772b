package dev.attentiondrop.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.savedmodels.Predictor;
import dev.attentiondrop.zoo.config.Json;
import dev.attentiondrop.zoo.data.ImageIdx;
import dev.attentiondrop.zoo.models.Tokenizer;
import dev.attentiondrop.zoo.train.RunDirectory;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
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
      "images as nested or flat lists of pixels; texts as strings or {\"text\": \"...\"}).",
      "The index is the example's position in the file: the image number, the instance number, or the",
      "CSV row number counting from 0 (blank rows are skipped but counted). The input is read and the",
      "output written batch by batch, so memory does not grow with the input."
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
    if (!Files.exists(input)) {
      throw new NoSuchFileException(input.toString());
    }
    if (!Files.exists(model)) {
      throw new NoSuchFileException(model.toString());
    }
    if (output != null && Files.exists(output) && Files.isSameFile(output, input)) {
      throw new IllegalArgumentException(
          "--output " + output + " is the --input file; choose another output file");
    }
    try (Predictor predictor = Predictor.load(model);
        Reader reader = open(input, predictor)) {
      Encoder encoder = encoder(predictor);
      RunDirectory.Body lines =
          stream -> {
            List<Instance> batch = new ArrayList<>(batchSize);
            long written = 0;
            for (Instance next = reader.next(); next != null || !batch.isEmpty(); ) {
              if (next != null && batch.size() < batchSize) {
                batch.add(next);
                next = reader.next();
                continue;
              }
              Predictor.Prediction result = encoder.predict(batch);
              for (int i = 0; i < batch.size(); i++) {
                stream.write(line(batch.get(i).index(), result, i));
                stream.write('\n');
              }
              written += batch.size();
              batch.clear();
            }
            if (written == 0) {
              throw new Errors.InputDataException(input + " holds no examples");
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

  private static byte[] line(long index, Predictor.Prediction result, int i) throws IOException {
    ObjectNode line = Json.mapper().createObjectNode();
    line.put("index", index);
    line.put("label", result.labels()[i]);
    var probs = line.putArray("probabilities");
    for (float v : result.probabilities()[i]) {
      probs.add(v);
    }
    return Json.mapper()
        .writer()
        .without(SerializationFeature.INDENT_OUTPUT)
        .writeValueAsBytes(line);
  }

  /** One example of the input: its position in the file, and its pixels or its text. */
  record Instance(long index, float[] pixels, String text) {}

  /** The examples of an input file, read one at a time. */
  interface Reader extends Closeable {
    /** The next example, or null at the end. */
    Instance next() throws IOException;
  }

  /** Runs a batch of examples through the model. */
  interface Encoder {
    Predictor.Prediction predict(List<Instance> batch);
  }

  private Encoder encoder(Predictor predictor) throws IOException {
    if (predictor.takesImages()) {
      long[] shape = predictor.exampleShape();
      int per = (int) (shape[0] * shape[1]);
      return batch -> {
        float[] pixels = new float[batch.size() * per];
        for (int i = 0; i < batch.size(); i++) {
          System.arraycopy(batch.get(i).pixels(), 0, pixels, i * per, per);
        }
        return predictor.predictImages(pixels, batch.size());
      };
    }
    Path tokenizerFile = model.resolve("assets/tokenizer.json");
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new IllegalArgumentException(
          model + " has no assets/tokenizer.json; it is needed to encode texts");
    }
    Tokenizer tokenizer = Json.read(tokenizerFile, Tokenizer.class);
    int length = (int) predictor.exampleShape()[0];
    return batch -> {
      int[] ids = new int[batch.size() * length];
      int[] mask = new int[ids.length];
      for (int i = 0; i < batch.size(); i++) {
        int[] row = tokenizer.encode(batch.get(i).text(), length);
        for (int j = 0; j < length; j++) {
          ids[i * length + j] = row[j];
          mask[i * length + j] = row[j] != Tokenizer.PAD ? 1 : 0;
        }
      }
      return predictor.predictTokens(ids, mask, batch.size());
    };
  }

  /** The reader of {@code file}'s format, for what the model takes. */
  static Reader open(Path file, Predictor predictor) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean images = predictor.takesImages();
    long[] shape = predictor.exampleShape();
    int per = images ? (int) (shape[0] * shape[1]) : 0;
    if (name.endsWith(".json")) {
      return new JsonReader(file, images ? per : -1);
    }
    if (images && (name.endsWith(".idx") || name.endsWith(".idx.gz") || name.contains("ubyte"))) {
      ImageIdx.ImageReader idx = ImageIdx.openImages(file);
      if (idx.rows() != shape[0] || idx.cols() != shape[1]) {
        idx.close();
        throw new Errors.InputDataException(
            file
                + " holds "
                + idx.rows()
                + "x"
                + idx.cols()
                + " images; the model takes "
                + shape[0]
                + "x"
                + shape[1]);
      }
      long[] index = {0};
      return new Reader() {
        @Override
        public Instance next() throws IOException {
          float[] pixels = new float[per];
          return idx.next(pixels) ? new Instance(index[0]++, pixels, null) : null;
        }

        @Override
        public void close() throws IOException {
          idx.close();
        }
      };
    }
    if (images && !name.endsWith(".csv")) {
      throw new IllegalArgumentException(
          "--input must end in .idx, .idx.gz, .csv or .json, got " + file);
    }
    return new CsvReader(file, images ? per : -1);
  }

  /** Checks an image's pixels: finite, in [0, 1]. */
  static float[] checkPixels(float[] pixels, Path file, String where) {
    for (int i = 0; i < pixels.length; i++) {
      float v = pixels[i];
      if (!(v >= 0 && v <= 1)) {
        throw new Errors.InputDataException(
            file + " " + where + ": pixel values must be in [0, 1], got " + v + " at value " + i);
      }
    }
    return pixels;
  }

  /** CSV: one example per row (pixels, or the whole row as one text); blank rows counted. */
  static final class CsvReader implements Reader {
    private final Path file;
    private final int per;
    private final InputStream in;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long row = -1;

    CsvReader(Path file, int per) throws IOException {
      this.file = file;
      this.per = per;
      this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    }

    /** The next line, decoded on its own so that a bad byte is reported on its row; null at end. */
    private String readLine() throws IOException {
      bytes.reset();
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        bytes.write(b);
      }
      if (b == -1 && bytes.size() == 0) {
        return null;
      }
      row++;
      try {
        String line = utf8.decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
      } catch (CharacterCodingException e) {
        throw new Errors.InputDataException(
            file + " row " + row + ": not UTF-8 text (a malformed byte sequence)", e);
      }
    }

    @Override
    public Instance next() throws IOException {
      while (true) {
        String line = readLine();
        if (line == null) {
          return null;
        }
        if (line.isBlank()) {
          continue;
        }
        if (per < 0) {
          return new Instance(row, null, line);
        }
        String[] cells = line.split(",", -1);
        if (cells.length != per) {
          throw new Errors.InputDataException(
              file + " row " + row + ": expected " + per + " pixel values, got " + cells.length);
        }
        float[] pixels = new float[per];
        for (int i = 0; i < per; i++) {
          try {
            pixels[i] = Float.parseFloat(cells[i].trim());
          } catch (NumberFormatException e) {
            throw new Errors.InputDataException(
                file + " row " + row + " value " + i + ": not a number: '" + cells[i].trim() + "'");
          }
        }
        return new Instance(row, checkPixels(pixels, file, "row " + row), null);
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /**
   * JSON: {@code {"instances": [...]}} (TF Serving's row format; other keys ignored) or a bare
   * array, read one instance at a time.
   */
  static final class JsonReader implements Reader {
    private final Path file;
    private final int per;
    private final JsonParser parser;
    private long index = -1;

    JsonReader(Path file, int per) throws IOException {
      this.file = file;
      this.per = per;
      this.parser = Json.mapper().createParser(file.toFile());
      try {
        JsonToken first = parser.nextToken();
        if (first == JsonToken.START_OBJECT) {
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            if (key.equals("instances")) {
              if (value != JsonToken.START_ARRAY) {
                throw new Errors.InputDataException(file + ": \"instances\" must be a list");
              }
              return;
            }
            parser.skipChildren();
          }
        } else if (first == JsonToken.START_ARRAY) {
          return;
        }
        throw new Errors.InputDataException(
            file + ": expected {\"instances\": [...]} or a JSON array");
      } catch (JsonProcessingException e) {
        parser.close();
        throw invalid(e);
      } catch (RuntimeException e) {
        parser.close();
        throw e;
      }
    }

    private Errors.InputDataException invalid(JsonProcessingException e) {
      var at = e.getLocation();
      return new Errors.InputDataException(
          file
              + ": invalid JSON"
              + (at != null ? " at line " + at.getLineNr() + " column " + at.getColumnNr() : "")
              + ": "
              + e.getOriginalMessage(),
          e);
    }

    @Override
    public Instance next() throws IOException {
      JsonNode node;
      try {
        if (parser.nextToken() == JsonToken.END_ARRAY) {
          return null;
        }
        node = parser.readValueAsTree();
      } catch (JsonProcessingException e) {
        throw invalid(e);
      }
      index++;
      String where = "instance " + index;
      if (per < 0) {
        if (node.isTextual()) {
          return new Instance(index, null, node.asText());
        }
        if (node.isObject() && node.path("text").isTextual()) {
          return new Instance(index, null, node.get("text").asText());
        }
        throw new Errors.InputDataException(
            file + " " + where + ": a text is a string or {\"text\": \"...\"}, got " + brief(node));
      }
      List<Float> values = new ArrayList<>();
      flatten(node, values, file, where);
      if (values.size() != per) {
        throw new Errors.InputDataException(
            file + " " + where + ": expected " + per + " pixel values, got " + values.size());
      }
      float[] pixels = new float[per];
      for (int i = 0; i < per; i++) {
        pixels[i] = values.get(i);
      }
      return new Instance(index, checkPixels(pixels, file, where), null);
    }

    @Override
    public void close() throws IOException {
      parser.close();
    }
  }

  private static String brief(JsonNode node) {
    String s = node.toString();
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  private static void flatten(JsonNode node, List<Float> out, Path file, String where) {
    if (node.isArray()) {
      node.forEach(n -> flatten(n, out, file, where));
    } else if (node.isNumber()) {
      out.add(node.floatValue());
    } else {
      throw new Errors.InputDataException(
          file + " " + where + ": pixel values must be numbers, got " + brief(node));
    }
  }
}
