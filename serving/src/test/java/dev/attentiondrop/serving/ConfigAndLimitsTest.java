package dev.attentiondrop.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attentiondrop.serving.ConfigFiles.ConfigFileException;
import dev.attentiondrop.serving.batching.BatchingOptions;
import dev.attentiondrop.serving.model.ServedModel;
import dev.attentiondrop.serving.model.VersionPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TF Serving's config files, version policies and labels, and the admission limit. */
class ConfigAndLimitsTest {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void modelConfigFileWithPoliciesAndLabels(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("models.config");
    Files.writeString(
        config,
        """
        model_config_list {
          config {
            name: "half"
            base_path: "half"
            model_platform: "tensorflow"
            model_version_policy { specific { versions: 1 versions: 3 } }
            version_labels { key: "stable" value: 1 }
            version_labels { key: "canary" value: 3 }
          }
          config { name: "all" base_path: "/abs/all" model_version_policy { all {} } }
          config { name: "two" base_path: "two" model_version_policy { latest { num_versions: 2 } } }
        }
        """);
    List<ServedModel> models = ConfigFiles.models(config);
    assertEquals(3, models.size());
    ServedModel half = models.get(0);
    assertEquals(dir.resolve("half"), half.basePath());
    assertEquals(new VersionPolicy.Specific(Set.of(1L, 3L)), half.policy());
    assertEquals(Map.of("stable", 1L, "canary", 3L), half.labels());
    assertEquals(new VersionPolicy.All(), models.get(1).policy());
    assertEquals(Path.of("/abs/all"), models.get(1).basePath());
    assertEquals(new VersionPolicy.Latest(2), models.get(2).policy());

    for (long v : new long[] {1, 2, 3}) {
      TestModels.halfPlusTwo(dir.resolve("half/" + v), v);
    }
    try (ModelServer s = TestModels.start(TestModels.restOnly(half))) {
      String url = "http://127.0.0.1:" + s.restPort() + "/v1/models/half";
      assertEquals(3.0 + 2, predict(url + "/labels/canary:predict").statusBody());
      assertEquals(1.0 + 2, predict(url + "/labels/stable:predict").statusBody());
      assertEquals(3.0 + 2, predict(url + ":predict").statusBody(), "latest of the specific");
      HttpResponse<String> two = send(url + "/versions/2:predict", "{\"instances\": [[1, 0]]}");
      assertEquals(404, two.statusCode(), "version 2 is not in the policy: " + two.body());
      HttpResponse<String> bad = send(url + "/labels/beta:predict", "{\"instances\": [[1, 0]]}");
      assertEquals(400, bad.statusCode(), bad.body());
      assertTrue(bad.body().contains("Unrecognized servable version label: beta"), bad.body());
    }
  }

  record Answer(int status, String body) {
    double statusBody() throws Exception {
      assertEquals(200, status, body);
      return JSON.readTree(body).get("predictions").get(0).get(0).asDouble();
    }
  }

  static Answer predict(String url) throws Exception {
    HttpResponse<String> r = send(url, "{\"instances\": [[1, 0]]}");
    return new Answer(r.statusCode(), r.body());
  }

  static HttpResponse<String> send(String url, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void badConfigFilesAreNamedWithTheirProblem(@TempDir Path dir) throws Exception {
    Path twice = dir.resolve("twice.config");
    Files.writeString(
        twice,
        "model_config_list { config { name: \"a\" base_path: \"x\" }"
            + " config { name: \"a\" base_path: \"y\" } }");
    ConfigFileException e =
        assertThrows(ConfigFileException.class, () -> ConfigFiles.models(twice));
    assertTrue(e.getMessage().contains("Illegal to list model a multiple times"), e.getMessage());
    Path garbage = dir.resolve("garbage.config");
    Files.writeString(garbage, "model_config_list { config { nam: \"a\" } }");
    e = assertThrows(ConfigFileException.class, () -> ConfigFiles.models(garbage));
    assertTrue(e.getMessage().startsWith(garbage + ": not a valid text proto"), e.getMessage());
    Path batching = dir.resolve("batching.config");
    Files.writeString(batching, "max_batch_size { value: 16 } batch_timeout_micros { value: 500 }");
    BatchingOptions b = ConfigFiles.batching(batching);
    assertEquals(16, b.maxBatchSize());
    assertEquals(500, b.batchTimeoutMicros());
    assertEquals(BatchingOptions.defaults().maxEnqueuedBatches(), b.maxEnqueuedBatches());
    Files.writeString(batching, "max_batch_size { value: 0 }");
    e = assertThrows(ConfigFileException.class, () -> ConfigFiles.batching(batching));
    assertTrue(e.getMessage().contains("max_batch_size must be >= 1"), e.getMessage());
  }

  @Test
  void beyondTheInflightLimitRequestsGet429AndTheRestAreServed(@TempDir Path base)
      throws Exception {
    TestModels.halfPlusTwo(base.resolve("1"), 0.5f);
    try (ModelServer s =
        TestModels.start(
            TestModels.restOnly(ServedModel.of("half", base))
                .maxInflightRequests(1)
                .sessionParallelism(1))) {
      String url = "http://127.0.0.1:" + s.restPort() + "/v1/models/half:predict";
      String big = "{\"instances\": [" + "[1, 2],".repeat(20_000) + "[1, 2]]}";
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        calls.add(pool.submit(() -> send(url, big)));
      }
      int ok = 0;
      int refused = 0;
      for (Future<HttpResponse<String>> f : calls) {
        HttpResponse<String> r = f.get();
        if (r.statusCode() == 200) {
          ok++;
        } else {
          assertEquals(429, r.statusCode(), r.body());
          assertTrue(r.body().contains("--max_inflight_requests"), r.body());
          refused++;
        }
      }
      pool.shutdownNow();
      assertTrue(ok > 0 && refused > 0, ok + " served, " + refused + " refused");
    }
  }
}
