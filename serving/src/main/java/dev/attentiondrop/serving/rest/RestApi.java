package dev.attentiondrop.serving.rest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.attentiondrop.serving.ServingCore;
import dev.attentiondrop.serving.ServingCore.Prediction;
import dev.attentiondrop.serving.ServingException;
import dev.attentiondrop.serving.ServingException.Code;
import dev.attentiondrop.serving.ServingMetrics;
import dev.attentiondrop.serving.proto.GetModelMetadataRequest;
import dev.attentiondrop.serving.proto.GetModelMetadataResponse;
import dev.attentiondrop.serving.proto.GetModelStatusRequest;
import dev.attentiondrop.serving.proto.ModelSpec;
import dev.attentiondrop.serving.proto.SignatureDefMap;
import dev.attentiondrop.serving.tensor.HostTensor;
import dev.attentiondrop.serving.tensor.JsonTensorCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * TF Serving's REST API as a Jetty handler, with TF Serving's URLs, JSON and status codes:
 *
 * <ul>
 *   <li>{@code POST /v1/models/NAME[/versions/N|/labels/L]:predict} with {@code {"instances":
 *       [...]}} (row format, answered {@code {"predictions": [...]}}) or {@code {"inputs": ...}}
 *       (columnar, answered {@code {"outputs": ...}}), optional {@code "signature_name"};
 *   <li>{@code GET /v1/models/NAME[/versions/N]}: the versions' status;
 *   <li>{@code GET /v1/models/NAME[/versions/N|/labels/L]/metadata}: the signature defs;
 *   <li>{@code GET /monitoring/prometheus/metrics}; {@code GET /healthz} (alive) and {@code GET
 *       /readyz} (every model serves a version).
 * </ul>
 *
 * <p>Failures answer {@code {"error": "..."}} with {@link Code#httpStatus()}; a body over the size
 * limit answers 413.
 */
public final class RestApi extends Handler.Abstract {
  private static final String API = "rest";
  private static final Pattern POST =
      Pattern.compile(
          "(?i)/v1/models/([^/:]+)(?:(?:/versions/(\\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)");
  private static final Pattern GET =
      Pattern.compile(
          "(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?");
  private static final String METRICS = "/monitoring/prometheus/metrics";

  private final ServingCore core;
  private final ServingMetrics metrics;
  private final int maxRequestBytes;
  private final long timeoutNanos;
  private final JsonMapper json =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
          .build();

  /**
   * The handler.
   *
   * @param core the shared request path
   * @param metrics the metrics to expose
   * @param maxRequestBytes the largest body accepted
   * @param timeout every request's deadline ({@code --rest_api_timeout_in_ms})
   */
  public RestApi(ServingCore core, ServingMetrics metrics, int maxRequestBytes, Duration timeout) {
    super(InvocationType.BLOCKING);
    this.core = core;
    this.metrics = metrics;
    this.maxRequestBytes = maxRequestBytes;
    this.timeoutNanos = timeout.toNanos();
  }

  private record Answer(int status, String contentType, byte[] body) {}

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Answer a;
    try {
      a = route(request);
    } catch (ServingException e) {
      a = error(e.code().httpStatus(), e.getMessage());
    } catch (BodyTooLarge e) {
      a = error(413, e.getMessage());
    } catch (IOException | RuntimeException e) {
      a = error(500, "internal error: " + e);
    }
    response.setStatus(a.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, a.contentType());
    response.write(true, ByteBuffer.wrap(a.body()), callback);
    return true;
  }

  private Answer route(Request request) throws IOException {
    String path = request.getHttpURI().getPath();
    String method = request.getMethod();
    if (method.equals("GET") && path.equals(METRICS)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      metrics.write(out);
      return new Answer(200, ServingMetrics.contentType(), out.toByteArray());
    }
    if (method.equals("GET") && path.equals("/healthz")) {
      return new Answer(200, "text/plain", "ok\n".getBytes(StandardCharsets.UTF_8));
    }
    if (method.equals("GET") && path.equals("/readyz")) {
      boolean ready = core.ready();
      return new Answer(
          ready ? 200 : 503,
          "text/plain",
          (ready ? "ready\n" : "not ready\n").getBytes(StandardCharsets.UTF_8));
    }
    Matcher post = POST.matcher(path);
    if (method.equals("POST") && post.matches()) {
      ModelSpec.Builder spec = spec(post.group(1), post.group(2), post.group(3));
      String verb = post.group(4);
      if (!verb.equals("predict")) {
        throw new ServingException(
            Code.UNIMPLEMENTED, ":" + verb + " is not implemented by this server; use :predict");
      }
      byte[] body = body(request);
      long deadline = System.nanoTime() + timeoutNanos;
      return core.call(API, "predict", spec.getName(), () -> predict(spec, body, deadline));
    }
    Matcher get = GET.matcher(path);
    if (method.equals("GET") && get.matches()) {
      if (get.group(1) == null) {
        throw ServingException.invalidArgument("Missing model name in request.");
      }
      ModelSpec.Builder spec = spec(get.group(1), get.group(2), get.group(3));
      if (get.group(4) != null) {
        return core.call(API, "metadata", spec.getName(), () -> metadata(spec.build()));
      }
      spec.clearVersionLabel(); // TF Serving's status ignores a label: all versions
      return core.call(
          API,
          "status",
          spec.getName(),
          () ->
              ok(
                  print(
                          JsonFormat.printer().includingDefaultValueFields(),
                          core.status(
                              GetModelStatusRequest.newBuilder().setModelSpec(spec).build()))
                      .getBytes(StandardCharsets.UTF_8)));
    }
    if (path.regionMatches(true, 0, "/v1/", 0, 4)) {
      throw ServingException.invalidArgument("Malformed request: " + method + " " + path);
    }
    throw ServingException.notFound("no such endpoint: " + method + " " + path);
  }

  private static ModelSpec.Builder spec(String name, String version, String label) {
    ModelSpec.Builder spec =
        ModelSpec.newBuilder().setName(URLDecoder.decode(name, StandardCharsets.UTF_8));
    if (version != null) {
      try {
        spec.setVersion(Int64Value.of(Long.parseLong(version)));
      } catch (NumberFormatException e) {
        throw ServingException.invalidArgument(
            "Failed to convert version: " + version + " to numeric.");
      }
    }
    if (label != null) {
      spec.setVersionLabel(URLDecoder.decode(label, StandardCharsets.UTF_8));
    }
    return spec;
  }

  private static final class BodyTooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BodyTooLarge(String message) {
      super(message);
    }
  }

  /**
   * How much of a too-large body is read and discarded before the 413 is sent (Tomcat's default
   * {@code maxSwallowSize}): a client that is still sending it would otherwise have its connection
   * reset before it reads the answer. Larger bodies get the answer at once.
   */
  static final long SWALLOW_BYTES = 2L << 20;

  private byte[] body(Request request) throws IOException {
    long declared = request.getLength();
    try (InputStream in = Content.Source.asInputStream(request)) {
      if (declared > maxRequestBytes) {
        if (declared <= maxRequestBytes + SWALLOW_BYTES) {
          swallow(in, declared);
        }
        throw new BodyTooLarge(tooLarge(declared));
      }
      byte[] body = in.readNBytes(maxRequestBytes + 1);
      if (body.length > maxRequestBytes) {
        swallow(in, SWALLOW_BYTES); // chunked: drain what is left, up to the bound
        throw new BodyTooLarge(tooLarge(-1));
      }
      return body;
    }
  }

  /** Reads and discards up to {@code limit} bytes of {@code in}, stopping at its end. */
  private static void swallow(InputStream in, long limit) throws IOException {
    long left = limit;
    while (left > 0) {
      long n = in.skip(left);
      if (n <= 0) {
        return;
      }
      left -= n;
    }
  }

  private String tooLarge(long declared) {
    return "request body "
        + (declared >= 0 ? "of " + declared + " bytes " : "")
        + "exceeds the limit of "
        + maxRequestBytes
        + " bytes (--max_request_bytes)";
  }

  private Answer predict(ModelSpec.Builder spec, byte[] body, long deadline) {
    JsonNode root = parse(body);
    JsonNode sig = root.get("signature_name");
    if (sig != null) {
      if (!sig.isTextual()) {
        throw ServingException.invalidArgument("'signature_name' key must be a string value.");
      }
      spec.setSignatureName(sig.asText());
    }
    JsonNode instances = root.get("instances");
    JsonNode inputs = root.get("inputs");
    if (instances != null && inputs != null) {
      throw ServingException.invalidArgument(
          "expecting only one of 'inputs' or 'instances' keys to exist");
    }
    if (instances == null && inputs == null) {
      throw ServingException.invalidArgument("Missing 'inputs' or 'instances' key");
    }
    boolean rows = instances != null;
    Prediction p =
        core.predict(
            spec.build(),
            def -> rows ? fromInstances(def, instances) : fromColumns(def, inputs),
            List.of(),
            deadline);
    return ok(rows ? predictions(p.outputs()) : outputs(p.outputs()));
  }

  private JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw ServingException.invalidArgument("JSON Parse error: The document is empty");
    }
    JsonNode root;
    try (JsonParser parser = json.createParser(body)) {
      root = json.readTree(parser);
    } catch (JsonProcessingException e) {
      String m = e.getOriginalMessage();
      int cut = m.indexOf(" (start marker");
      throw ServingException.invalidArgument(
          "JSON Parse error: "
              + (cut < 0 ? m : m.substring(0, cut))
              + " at offset: "
              + (e.getLocation() == null ? -1 : e.getLocation().getByteOffset()));
    } catch (IOException e) {
      throw ServingException.invalidArgument("JSON Parse error: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw ServingException.invalidArgument("JSON Value is not an object");
    }
    return root;
  }

  private static boolean isB64(JsonNode n) {
    return n.isObject() && n.size() == 1 && n.has("b64");
  }

  private static Map<String, HostTensor> fromInstances(SignatureDef def, JsonNode instances) {
    if (!instances.isArray()) {
      throw ServingException.invalidArgument("Expecting 'instances' to be an list/array");
    }
    if (instances.isEmpty()) {
      throw ServingException.invalidArgument("No values in 'instances' array");
    }
    Map<String, TensorInfo> infos = def.getInputsMap();
    Map<String, HostTensor> out = new LinkedHashMap<>();
    JsonNode first = instances.get(0);
    if (first.isObject() && !isB64(first)) {
      for (int i = 0; i < instances.size(); i++) {
        JsonNode inst = instances.get(i);
        TreeSet<String> keys = new TreeSet<>();
        if (inst.isObject()) {
          inst.fieldNames().forEachRemaining(keys::add);
        }
        if (!keys.equals(new TreeSet<>(infos.keySet()))) {
          throw ServingException.invalidArgument(
              "instance "
                  + i
                  + " has inputs "
                  + keys
                  + ", the signature expects "
                  + new TreeSet<>(infos.keySet()));
        }
      }
      for (Map.Entry<String, TensorInfo> e : infos.entrySet()) {
        List<JsonNode> values = new ArrayList<>();
        instances.forEach(inst -> values.add(inst.get(e.getKey())));
        out.put(
            e.getKey(), JsonTensorCodec.decodeRows(e.getKey(), values, e.getValue().getDtype()));
      }
      return out;
    }
    if (infos.size() != 1) {
      throw ServingException.invalidArgument(
          "instances is a plain list, but expecting list of objects as multiple input tensors"
              + " required as per tensorinfo_map "
              + new TreeSet<>(infos.keySet()));
    }
    Map.Entry<String, TensorInfo> only = infos.entrySet().iterator().next();
    out.put(
        only.getKey(),
        JsonTensorCodec.decode(only.getKey(), instances, only.getValue().getDtype()));
    return out;
  }

  private static Map<String, HostTensor> fromColumns(SignatureDef def, JsonNode inputs) {
    Map<String, TensorInfo> infos = def.getInputsMap();
    Map<String, HostTensor> out = new LinkedHashMap<>();
    if (inputs.isObject() && !isB64(inputs)) {
      for (Map.Entry<String, TensorInfo> e : infos.entrySet()) {
        JsonNode v = inputs.get(e.getKey());
        if (v == null) {
          throw ServingException.invalidArgument(
              "Missing named input: " + e.getKey() + " in 'inputs' object.");
        }
        out.put(e.getKey(), JsonTensorCodec.decode(e.getKey(), v, e.getValue().getDtype()));
      }
      for (Iterator<String> it = inputs.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!infos.containsKey(name)) {
          throw ServingException.invalidArgument(
              "input tensor alias not found in signature: "
                  + name
                  + " (inputs: "
                  + new TreeSet<>(infos.keySet())
                  + ")");
        }
      }
      return out;
    }
    if (infos.size() != 1) {
      throw ServingException.invalidArgument(
          "'inputs' is a single value, but the signature has inputs "
              + new TreeSet<>(infos.keySet()));
    }
    Map.Entry<String, TensorInfo> only = infos.entrySet().iterator().next();
    out.put(
        only.getKey(), JsonTensorCodec.decode(only.getKey(), inputs, only.getValue().getDtype()));
    return out;
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private byte[] write(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = json.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new ServingException(Code.INTERNAL, "cannot write JSON: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  private byte[] predictions(Map<String, HostTensor> outputs) {
    long rows = -1;
    for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
      HostTensor t = e.getValue();
      if (t.rank() == 0) {
        throw ServingException.invalidArgument(
            "Tensor name: " + e.getKey() + " has no shape information");
      }
      if (rows >= 0 && t.batchSize() != rows) {
        throw ServingException.invalidArgument(
            "Tensor name: "
                + e.getKey()
                + " has inconsistent batch size: "
                + t.batchSize()
                + " expecting: "
                + rows);
      }
      rows = t.batchSize();
    }
    long n = rows;
    return write(
        g -> {
          g.writeStartObject();
          g.writeArrayFieldStart("predictions");
          for (long r = 0; r < n; r++) {
            if (outputs.size() == 1) {
              Map.Entry<String, HostTensor> e = outputs.entrySet().iterator().next();
              JsonTensorCodec.writeRow(g, e.getKey(), e.getValue(), r);
            } else {
              g.writeStartObject();
              for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
                g.writeFieldName(e.getKey());
                JsonTensorCodec.writeRow(g, e.getKey(), e.getValue(), r);
              }
              g.writeEndObject();
            }
          }
          g.writeEndArray();
          g.writeEndObject();
        });
  }

  private byte[] outputs(Map<String, HostTensor> outputs) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeFieldName("outputs");
          if (outputs.size() == 1) {
            Map.Entry<String, HostTensor> e = outputs.entrySet().iterator().next();
            JsonTensorCodec.write(g, e.getKey(), e.getValue());
          } else {
            g.writeStartObject();
            for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
              g.writeFieldName(e.getKey());
              JsonTensorCodec.write(g, e.getKey(), e.getValue());
            }
            g.writeEndObject();
          }
          g.writeEndObject();
        });
  }

  private Answer metadata(ModelSpec spec) {
    GetModelMetadataResponse r =
        core.metadata(
            GetModelMetadataRequest.newBuilder()
                .setModelSpec(spec)
                .addMetadataField("signature_def")
                .build());
    SignatureDefMap map;
    try {
      map = r.getMetadataOrThrow("signature_def").unpack(SignatureDefMap.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ServingException(Code.INTERNAL, "bad signature_def metadata", e);
    }
    JsonFormat.Printer printer =
        JsonFormat.printer().preservingProtoFieldNames().includingDefaultValueFields();
    String body =
        "{\n\"model_spec\":"
            + print(printer, r.getModelSpec().toBuilder().setSignatureName("").build())
            + ",\n\"metadata\": {\"signature_def\": "
            + print(printer, map)
            + "}\n}\n";
    return ok(body.getBytes(StandardCharsets.UTF_8));
  }

  private static String print(JsonFormat.Printer printer, MessageOrBuilder message) {
    try {
      return printer.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new ServingException(Code.INTERNAL, "cannot print " + message.getClass(), e);
    }
  }

  private static Answer ok(byte[] body) {
    return new Answer(200, "application/json", body);
  }

  private Answer error(int status, String message) {
    return new Answer(
        status,
        "application/json",
        write(
            g -> {
              g.writeStartObject();
              g.writeStringField("error", message);
              g.writeEndObject();
            }));
  }
}
