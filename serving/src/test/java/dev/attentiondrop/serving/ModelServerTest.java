package dev.attentiondrop.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Int64Value;
import dev.attentiondrop.serving.batching.BatchingOptions;
import dev.attentiondrop.serving.model.ServedModel;
import dev.attentiondrop.serving.proto.GetModelMetadataRequest;
import dev.attentiondrop.serving.proto.GetModelMetadataResponse;
import dev.attentiondrop.serving.proto.ModelSpec;
import dev.attentiondrop.serving.proto.PredictRequest;
import dev.attentiondrop.serving.proto.PredictResponse;
import dev.attentiondrop.serving.proto.PredictionServiceGrpc;
import dev.attentiondrop.serving.proto.SignatureDefMap;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/** The server in this JVM, called over loopback: REST with an HTTP client, gRPC with its stub. */
class ModelServerTest {
  @TempDir static Path models;
  static ModelServer server;
  static ManagedChannel channel;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    TestModels.halfPlusTwo(models.resolve("half/1"), 0.5f);
    TestModels.allTypes(models.resolve("types/1"));
    Files.createDirectories(models.resolve("half/.tmp-export-123"));
    Files.createDirectories(models.resolve("half/notes"));
    server =
        ModelServer.start(
            ServerOptions.builder()
                .model(ServedModel.of("half", models.resolve("half")))
                .model(ServedModel.of("types", models.resolve("types")))
                .grpcPort(0)
                .restPort(0)
                .bindAddress("127.0.0.1")
                .pollWait(Duration.ZERO)
                .maxRequestBytes(64 * 1024)
                .build(),
            line -> {});
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.restPort() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.restPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void restRowAndColumnarPredict() throws Exception {
    HttpResponse<String> r =
        post("/v1/models/half:predict", "{\"instances\": [[1.0, 2.0], [3.0, -4.0]]}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode p = JSON.readTree(r.body()).get("predictions");
    assertEquals(2.5, p.get(0).get(0).asDouble());
    assertEquals(0.0, p.get(1).get(1).asDouble());
    r = post("/v1/models/half/versions/1:predict", "{\"inputs\": {\"x\": [[1, 2]]}}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(3.0, JSON.readTree(r.body()).get("outputs").get(0).get(1).asDouble());
    r =
        post(
            "/v1/models/half:predict",
            "{\"signature_name\": \"sum\", \"instances\": [{\"x\": [1, 2]}, {\"x\": [3, 4]}]}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode rows = JSON.readTree(r.body()).get("predictions");
    assertEquals(3.0, rows.get(0).get("total").asDouble());
    assertEquals(4.0, rows.get(1).get("scaled").get(1).asDouble());
  }

  @Test
  void restEveryDtype() throws Exception {
    String body =
        "{\"inputs\": {\"f16\": [0.5, -2], \"f32\": [1.25, 3e-8], \"f64\": [1e-300, 2],"
            + " \"i32\": [-7, 2147483647], \"i64\": [9007199254740993, -1], \"u8\": [0, 255],"
            + " \"b\": [true, false], \"str\": [\"héllo\", {\"b64\": \"AP8=\"}]}}";
    HttpResponse<String> r = post("/v1/models/types:predict", body);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode o = JSON.readTree(r.body()).get("outputs");
    assertEquals(-2.0, o.get("f16_out").get(1).asDouble());
    assertEquals(3e-8f, (float) o.get("f32_out").get(1).asDouble());
    assertEquals(1e-300, o.get("f64_out").get(0).asDouble());
    assertEquals(2147483647, o.get("i32_out").get(1).asInt());
    assertEquals(9007199254740993L, o.get("i64_out").get(0).asLong());
    assertEquals(255, o.get("u8_out").get(1).asInt());
    assertEquals(false, o.get("b_out").get(1).asBoolean());
    assertEquals("héllo", o.get("str_out").get(0).asText());
    assertEquals("AP8=", o.get("str_out").get(1).get("b64").asText(), "not UTF-8: base64");
    assertEquals("aMOpbGxv", o.get("str_bytes").get(0).get("b64").asText(), "_bytes: base64");
  }

  @Test
  void grpcPredictAndMetadata() {
    var stub = PredictionServiceGrpc.newBlockingStub(channel);
    TensorProto x =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(
                TensorShapeProto.newBuilder()
                    .addDim(TensorShapeProto.Dim.newBuilder().setSize(1))
                    .addDim(TensorShapeProto.Dim.newBuilder().setSize(2)))
            .addFloatVal(4f)
            .addFloatVal(6f)
            .build();
    PredictResponse r =
        stub.predict(
            PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("half"))
                .putInputs("x", x)
                .build());
    assertEquals(List.of(4f, 5f), r.getOutputsOrThrow("y").getFloatValList());
    assertEquals("serving_default", r.getModelSpec().getSignatureName());
    assertEquals(1, r.getModelSpec().getVersion().getValue());
    GetModelMetadataResponse m =
        stub.getModelMetadata(
            GetModelMetadataRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("half"))
                .addMetadataField("signature_def")
                .build());
    assertTrue(m.getMetadataOrThrow("signature_def").is(SignatureDefMap.class), m.toString());
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(
                            ModelSpec.newBuilder().setName("half").setVersion(Int64Value.of(7)))
                        .putInputs("x", x)
                        .build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.toString());
  }

  @Test
  void badRequestsGetTheirStatusAndAMessage() throws Exception {
    record Case(String path, String body, int status, String words) {}
    List<Case> cases =
        List.of(
            new Case("/v1/models/half:predict", "{\"instances\": [[1, 2]", 400, "JSON Parse"),
            new Case("/v1/models/half:predict", "", 400, "empty"),
            new Case("/v1/models/nope:predict", "{\"instances\": [[1, 2]]}", 404, "nope"),
            new Case(
                "/v1/models/half/versions/9:predict",
                "{\"instances\": [[1, 2]]}",
                404,
                "Specific(half, 9)"),
            new Case("/v1/models/half:predict", "{\"inputs\": {\"z\": [[1, 2]]}}", 400, "x"),
            new Case(
                "/v1/models/half:predict", "{\"instances\": [[\"a\", \"b\"]]}", 400, "DT_FLOAT"),
            new Case("/v1/models/half:predict", "{\"instances\": [[1, 2, 3]]}", 400, "shape"),
            new Case(
                "/v1/models/half:predict", "{\"instances\": [[1, 2], [3]]}", 400, "rectangular"),
            new Case(
                "/v1/models/half:predict",
                "{\"signature_name\": \"nah\", \"instances\": [[1, 2]]}",
                400,
                "nah"),
            new Case("/v1/models/half:classify", "{\"examples\": []}", 501, "classify"),
            new Case(
                "/v1/models/half:predict",
                "{\"instances\": [" + "[1, 2],".repeat(10_000) + "[1, 2]]}",
                413,
                "--max_request_bytes"));
    for (Case c : cases) {
      HttpResponse<String> r = post(c.path(), c.body());
      assertEquals(c.status(), r.statusCode(), c + " -> " + r.body());
      String error = JSON.readTree(r.body()).get("error").asText();
      assertTrue(error.contains(c.words()), c + " -> " + error);
    }
    assertEquals(200, post("/v1/models/half:predict", "{\"instances\": [[1, 2]]}").statusCode());
  }

  @Test
  void statusMetadataMetricsAndHealth() throws Exception {
    JsonNode status = JSON.readTree(get("/v1/models/half").body());
    JsonNode v = status.get("model_version_status").get(0);
    assertEquals("1", v.get("version").asText());
    assertEquals("AVAILABLE", v.get("state").asText());
    assertEquals("OK", v.get("status").get("error_code").asText());
    JsonNode meta = JSON.readTree(get("/v1/models/half/metadata").body());
    assertEquals("1", meta.get("model_spec").get("version").asText());
    JsonNode inputs =
        meta.get("metadata").get("signature_def").get("signature_def").get("sum").get("inputs");
    assertEquals("DT_FLOAT", inputs.get("x").get("dtype").asText());
    assertEquals(404, get("/v1/models/half/versions/5").statusCode());
    HttpResponse<String> metrics = get("/monitoring/prometheus/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("serving_requests_total{"), metrics.body());
    assertEquals(200, get("/readyz").statusCode());
  }

  @Test
  void batchingMergesConcurrentRequests(@TempDir Path base) throws Exception {
    TestModels.halfPlusTwo(base.resolve("1"), 0.5f);
    try (ModelServer batched =
        TestModels.start(
            TestModels.restOnly(ServedModel.of("half", base))
                .batching(new BatchingOptions(8, 20_000, 10, 1)))) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          float a = i;
          calls.add(
              pool.submit(
                  () ->
                      HTTP.send(
                          HttpRequest.newBuilder(
                                  URI.create(
                                      "http://127.0.0.1:"
                                          + batched.restPort()
                                          + "/v1/models/half:predict"))
                              .POST(
                                  HttpRequest.BodyPublishers.ofString(
                                      "{\"instances\": [[" + a + ", 1]]}"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())));
        }
        for (int i = 0; i < calls.size(); i++) {
          HttpResponse<String> r = calls.get(i).get();
          assertEquals(200, r.statusCode(), r.body());
          assertEquals(
              0.5 * i + 2, JSON.readTree(r.body()).get("predictions").get(0).get(0).asDouble());
        }
      } finally {
        pool.shutdownNow();
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      batched.metrics().write(out);
      String text = out.toString(StandardCharsets.UTF_8);
      assertTrue(text.contains("serving_batch_size_count"), text);
      assertTrue(!text.contains("serving_batch_size_count 16.0"), "some batch merged: " + text);
    }
  }

  @Test
  void aNewVersionReplacesTheOld(@TempDir Path base) throws Exception {
    TestModels.halfPlusTwo(base.resolve("1"), 0.5f);
    try (ModelServer s = TestModels.start(TestModels.restOnly(ServedModel.of("m", base)))) {
      String url = "http://127.0.0.1:" + s.restPort() + "/v1/models/m";
      TestModels.halfPlusTwo(base.resolve("2"), 3f);
      s.models().pollAll();
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url + ":predict"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[1, 1]]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(5.0, JSON.readTree(r.body()).get("predictions").get(0).get(0).asDouble());
      JsonNode status =
          JSON.readTree(
                  HTTP.send(
                          HttpRequest.newBuilder(URI.create(url)).build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body())
              .get("model_version_status");
      assertEquals("2", status.get(0).get("version").asText());
      assertEquals("AVAILABLE", status.get(0).get("state").asText());
      assertEquals("1", status.get(1).get("version").asText());
      assertEquals("END", status.get(1).get("state").asText());
    }
  }
}
