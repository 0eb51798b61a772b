package dev.attentiondrop.bench.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.attentiondrop.serving.model.ModelManager;
import dev.attentiondrop.serving.proto.ModelSpec;
import dev.attentiondrop.serving.proto.PredictRequest;
import dev.attentiondrop.serving.proto.PredictionServiceGrpc;
import dev.attentiondrop.serving.proto.PredictionServiceGrpc.PredictionServiceBlockingStub;
import dev.attentiondrop.serving.tensor.TensorProtoCodec;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Load on {@code attentiondrop serve} (a child process, as in production) from client threads of
 * this JVM: for each of gRPC and REST, without and with batching, N concurrent clients each send
 * single-example Predict requests; latency percentiles, throughput and errors. Beside it, the same
 * model called in-process (TF Java session, and Python TF's {@code signatures['serving_default']}),
 * so the server's own overhead shows, and the server's RSS over a long run.
 */
public final class ServingLoad {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The bench's settings.
   *
   * @param basePath the model's base path (numbered versions)
   * @param clients the client counts
   * @param requests requests per (API, batching, clients) cell
   * @param rssRequests requests of the long run whose RSS is sampled (0: none)
   * @param python the Python interpreter for the Python TF baseline (null: skipped)
   * @param repo the repository root (for the Python script)
   */
  public record Settings(
      Path basePath,
      List<Integer> clients,
      int requests,
      int rssRequests,
      String python,
      Path repo) {}

  /** One measured cell. */
  record Cell(
      String api,
      boolean batching,
      int clients,
      int requests,
      int errors,
      double p50Ms,
      double p99Ms,
      double throughput) {}

  private ServingLoad() {}

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A started {@code serve} child. */
  private record Server(Process process, int grpc, int rest, Path log) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }

    double rssMb() throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
      return Double.NaN;
    }
  }

  private static Server start(Path base, boolean batching)
      throws IOException, InterruptedException {
    int grpc = freePort();
    int rest = freePort();
    Path log = Files.createTempFile("serve-bench", ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx2g", "-cp", System.getProperty("java.class.path")));
    cmd.add("dev.attentiondrop.cli.Main");
    cmd.addAll(
        List.of(
            "serve",
            "--model_name=m",
            "--model_base_path=" + base.toAbsolutePath(),
            "--port=" + grpc,
            "--rest_api_port=" + rest,
            "--bind_address=127.0.0.1",
            "--file_system_poll_wait_seconds=0"));
    if (batching) {
      Path params = Files.createTempFile("batching", ".pbtxt");
      Files.writeString(
          params,
          "max_batch_size { value: 32 } batch_timeout_micros { value: 2000 }"
              + " max_enqueued_batches { value: 100 } num_batch_threads { value: 2 }");
      cmd.add("--enable_batching");
      cmd.add("--batching_parameters_file=" + params);
    }
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process p = pb.start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.readString(log).contains("Exporting HTTP/REST API")) {
      if (!p.isAlive() || System.nanoTime() > end) {
        p.destroyForcibly();
        throw new IllegalStateException("serve did not start: " + Files.readString(log));
      }
      Thread.sleep(100);
    }
    return new Server(p, grpc, rest, log);
  }

  /** The newest numbered version folder under a base path. */
  static Path latest(Path base) throws IOException {
    NavigableSet<Long> versions = ModelManager.versionsOnDisk(base);
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("no numbered version under " + base);
    }
    return base.resolve(Long.toString(versions.last()));
  }

  /** One example per input of the default signature: floats in [0, 1), ints 1. */
  record Example(Map<String, TensorProto> protos, String json, SignatureDef signature) {}

  static Example example(Path version) {
    try (SavedModelBundle b = SavedModelBundle.load(version.toString(), "serve")) {
      SignatureDef def = b.metaGraphDef().getSignatureDefOrThrow("serving_default");
      Map<String, TensorProto> protos = new LinkedHashMap<>();
      StringBuilder json = new StringBuilder("{\"instances\": [{");
      boolean first = true;
      for (Map.Entry<String, TensorInfo> e : def.getInputsMap().entrySet()) {
        TensorShapeProto shape = e.getValue().getTensorShape();
        long[] dims = new long[shape.getDimCount()];
        int n = 1;
        for (int i = 0; i < dims.length; i++) {
          dims[i] = Math.max(1, shape.getDim(i).getSize());
          n *= (int) dims[i];
        }
        DataType dtype = e.getValue().getDtype();
        int size = dtype == DataType.DT_INT64 || dtype == DataType.DT_DOUBLE ? 8 : 4;
        ByteBuffer buf = ByteBuffer.allocate(n * size).order(ByteOrder.LITTLE_ENDIAN);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
          values[i] = dtype == DataType.DT_FLOAT ? (i * 37 % 101) / 101.0 : 1;
          switch (dtype) {
            case DT_FLOAT -> buf.putFloat((float) values[i]);
            case DT_INT32 -> buf.putInt(1);
            case DT_INT64 -> buf.putLong(1);
            default ->
                throw new IllegalArgumentException("bench inputs: " + dtype + " not handled");
          }
        }
        TensorShapeProto.Builder sp = TensorShapeProto.newBuilder();
        for (long d : dims) {
          sp.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        protos.put(
            e.getKey(),
            TensorProto.newBuilder()
                .setDtype(dtype)
                .setTensorShape(sp)
                .setTensorContent(ByteString.copyFrom(buf.array()))
                .build());
        json.append(first ? "" : ", ").append('"').append(e.getKey()).append("\": ");
        first = false;
        json.append(nested(values, dims, 1, new int[] {0}, dtype == DataType.DT_FLOAT));
      }
      json.append("}]}");
      return new Example(protos, json.toString(), def);
    }
  }

  private static String nested(double[] v, long[] dims, int depth, int[] at, boolean real) {
    if (depth == dims.length) {
      double x = v[at[0]++];
      return real ? Float.toString((float) x) : Long.toString((long) x);
    }
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < dims[depth]; i++) {
      parts.add(nested(v, dims, depth + 1, at, real));
    }
    return "[" + String.join(",", parts) + "]";
  }

  interface Call {
    void run() throws Exception;
  }

  static Cell measure(String api, boolean batching, int clients, int requests, Call call)
      throws InterruptedException {
    int warmup = Math.min(200, requests / 5);
    double[] latencies = new double[requests];
    AtomicInteger next = new AtomicInteger(-warmup);
    AtomicInteger errors = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> futures = new ArrayList<>();
    long[] startEnd = new long[2];
    for (int c = 0; c < clients; c++) {
      futures.add(
          pool.submit(
              () -> {
                int i;
                while ((i = next.getAndIncrement()) < requests) {
                  if (i == 0) {
                    startEnd[0] = System.nanoTime();
                  }
                  long t0 = System.nanoTime();
                  try {
                    call.run();
                  } catch (Exception e) {
                    errors.incrementAndGet();
                  }
                  if (i >= 0) {
                    latencies[i] = (System.nanoTime() - t0) / 1e6;
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    startEnd[1] = System.nanoTime();
    pool.shutdown();
    double[] sorted = latencies.clone();
    Arrays.sort(sorted);
    double seconds = (startEnd[1] - startEnd[0]) / 1e9;
    return new Cell(
        api,
        batching,
        clients,
        requests,
        errors.get(),
        sorted[(int) (0.50 * (requests - 1))],
        sorted[(int) (0.99 * (requests - 1))],
        requests / seconds);
  }

  /**
   * Runs the bench; every line of {@code out} is one JSON result.
   *
   * @param s the settings
   * @param out where results go
   * @throws Exception when the server fails
   */
  public static void run(Settings s, Consumer<String> out) throws Exception {
    Path version = latest(s.basePath());
    Example example = example(version);
    HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4)).build();
    for (boolean batching : List.of(false, true)) {
      try (Server server = start(s.basePath(), batching)) {
        ManagedChannel channel =
            NettyChannelBuilder.forAddress("127.0.0.1", server.grpc()).usePlaintext().build();
        try {
          PredictionServiceBlockingStub stub = PredictionServiceGrpc.newBlockingStub(channel);
          PredictRequest request =
              PredictRequest.newBuilder()
                  .setModelSpec(ModelSpec.newBuilder().setName("m"))
                  .putAllInputs(example.protos())
                  .build();
          HttpRequest rest =
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + server.rest() + "/v1/models/m:predict"))
                  .POST(HttpRequest.BodyPublishers.ofString(example.json()))
                  .build();
          for (int clients : s.clients()) {
            out.accept(
                JSON.writeValueAsString(
                    measure("grpc", batching, clients, s.requests(), () -> stub.predict(request))));
            out.accept(
                JSON.writeValueAsString(
                    measure(
                        "rest",
                        batching,
                        clients,
                        s.requests(),
                        () -> {
                          HttpResponse<String> r =
                              http.send(
                                  rest, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                          if (r.statusCode() != 200) {
                            throw new IOException(r.body());
                          }
                        })));
          }
          if (!batching && s.rssRequests() > 0) {
            rss(server, stub, request, s.rssRequests(), out);
          }
        } finally {
          channel.shutdownNow();
        }
      }
    }
    inProcessJava(version, example, s, out);
    if (s.python() != null) {
      for (int clients : s.clients()) {
        Process p =
            new ProcessBuilder(
                    s.python(),
                    s.repo().resolve("bench/python/serving_baseline.py").toString(),
                    version.toString(),
                    Integer.toString(s.requests()),
                    Integer.toString(clients))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        out.accept(line);
      }
    }
  }

  private static void rss(
      Server server,
      PredictionServiceBlockingStub stub,
      PredictRequest request,
      int total,
      Consumer<String> out)
      throws Exception {
    int clients = 8;
    int chunk = total / 10;
    List<Double> samples = new ArrayList<>();
    samples.add(server.rssMb());
    int errors = 0;
    for (int k = 0; k < 10; k++) {
      errors += measure("grpc", false, clients, chunk, () -> stub.predict(request)).errors();
      samples.add(server.rssMb());
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("api", "grpc");
    r.put("rss_requests", chunk * 10);
    r.put("clients", clients);
    r.put("errors", errors);
    r.put("rss_mb_every_tenth", samples);
    out.accept(JSON.writeValueAsString(r));
  }

  private static void inProcessJava(Path version, Example example, Settings s, Consumer<String> out)
      throws Exception {
    try (SavedModelBundle b = SavedModelBundle.load(version.toString(), "serve")) {
      Session session = b.session();
      SignatureDef def = example.signature();
      for (int clients : s.clients()) {
        Cell c =
            measure(
                "java-in-process",
                false,
                clients,
                s.requests(),
                () -> {
                  Session.Runner runner = session.runner();
                  List<Tensor> fed = new ArrayList<>();
                  try {
                    for (Map.Entry<String, TensorInfo> e : def.getInputsMap().entrySet()) {
                      Tensor t =
                          TensorProtoCodec.decode(e.getKey(), example.protos().get(e.getKey()))
                              .toTensor();
                      fed.add(t);
                      runner.feed(e.getValue().getName(), t);
                    }
                    def.getOutputsMap().values().forEach(o -> runner.fetch(o.getName()));
                    try (Result r = runner.run()) {
                      r.size();
                    }
                  } finally {
                    fed.forEach(Tensor::close);
                  }
                });
        out.accept(JSON.writeValueAsString(c));
      }
    }
  }

  /**
   * The Markdown table of the JSON lines.
   *
   * @param lines the results
   * @return the table
   * @throws IOException never (JSON of our own)
   */
  public static String table(List<String> lines) throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("| path | batching | clients | requests | errors | p50 ms | p99 ms | requests/s |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (String line : lines) {
      JsonNode n = JSON.readTree(line);
      if (!n.has("p50Ms")) {
        continue;
      }
      md.append(
          String.format(
              "| %s | %s | %d | %d | %d | %.2f | %.2f | %.0f |%n",
              n.get("api").asText(),
              n.get("batching").asBoolean() ? "yes" : "no",
              n.get("clients").asInt(),
              n.get("requests").asInt(),
              n.get("errors").asInt(),
              n.get("p50Ms").asDouble(),
              n.get("p99Ms").asDouble(),
              n.get("throughput").asDouble()));
    }
    return md.toString();
  }
}
