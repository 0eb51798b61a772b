package dev.attentiondrop.cli;

import dev.attentiondrop.serving.ConfigFiles;
import dev.attentiondrop.serving.ModelServer;
import dev.attentiondrop.serving.ServerOptions;
import dev.attentiondrop.serving.batching.BatchingOptions;
import dev.attentiondrop.serving.model.ServedModel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attentiondrop serve --model_name=NAME --model_base_path=BASE ...}: TF Serving's flags. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serves SavedModels with TensorFlow Serving's gRPC API (tensorflow.serving.PredictionService:",
      "Predict, GetModelMetadata; ModelService: GetModelStatus) and REST API (/v1/models/...),",
      "with TF Serving's flag names and defaults. Any SavedModel with 'serve' signatures, not only",
      "this project's. Serves the latest numbered version under the base path, polls it, and",
      "switches to a new version without failing a request. SIGTERM drains requests in flight.",
      "Also: /monitoring/prometheus/metrics, /healthz, /readyz and the gRPC health service."
    })
public final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--model_name",
      defaultValue = "default",
      description = "The model's name in requests (default: ${DEFAULT-VALUE}).")
  String modelName;

  @Option(
      names = "--model_base_path",
      description = "The folder of numbered version folders (what 'export' writes).")
  Path modelBasePath;

  @Option(
      names = "--model_config_file",
      description =
          "A ModelServerConfig text proto listing several models (model_config_list: name,"
              + " base_path, model_version_policy, version_labels); replaces the two flags above.")
  Path modelConfigFile;

  @Option(
      names = "--port",
      defaultValue = "8500",
      description = "gRPC port (default: ${DEFAULT-VALUE}; 0: any free port).")
  int port;

  @Option(
      names = "--rest_api_port",
      defaultValue = "0",
      description = "REST port (default: ${DEFAULT-VALUE}: no REST API, as TF Serving).")
  int restApiPort;

  @Option(
      names = "--rest_api_num_threads",
      description = "REST worker threads (default: 4 per core).")
  Integer restApiNumThreads;

  @Option(
      names = "--rest_api_timeout_in_ms",
      defaultValue = "30000",
      description = "Deadline of a REST request (default: ${DEFAULT-VALUE}).")
  long restApiTimeoutInMs;

  @Option(
      names = "--file_system_poll_wait_seconds",
      defaultValue = "1",
      description =
          "Seconds between polls of the base paths for new versions (default: ${DEFAULT-VALUE};"
              + " 0: load once).")
  long pollWaitSeconds;

  @Option(
      names = "--enable_batching",
      arity = "0..1",
      fallbackValue = "true",
      description = "Merge concurrent requests into one session run.")
  boolean enableBatching;

  @Option(
      names = "--batching_parameters_file",
      description =
          "A BatchingParameters text proto (max_batch_size, batch_timeout_micros,"
              + " max_enqueued_batches, num_batch_threads); unset fields keep TF Serving's defaults"
              + " (1000, 0, 10, cores). Needs --enable_batching.")
  Path batchingParametersFile;

  @Option(
      names = "--tensorflow_intra_op_parallelism",
      defaultValue = "0",
      description =
          "TensorFlow's intra-op threads (default: ${DEFAULT-VALUE}, TensorFlow's choice).")
  int intraOp;

  @Option(
      names = "--tensorflow_inter_op_parallelism",
      defaultValue = "0",
      description =
          "TensorFlow's inter-op threads (default: ${DEFAULT-VALUE}, TensorFlow's choice).")
  int interOp;

  @Option(
      names = "--max_request_bytes",
      defaultValue = "67108864",
      description =
          "Largest REST body or gRPC message (default: ${DEFAULT-VALUE}); larger: HTTP 413 or"
              + " RESOURCE_EXHAUSTED. Not a TF Serving flag.")
  int maxRequestBytes;

  @Option(
      names = "--max_inflight_requests",
      defaultValue = "1024",
      description =
          "Requests admitted at once (default: ${DEFAULT-VALUE}); more get HTTP 429 /"
              + " RESOURCE_EXHAUSTED. Not a TF Serving flag.")
  int maxInflightRequests;

  @Option(
      names = "--drain_timeout_seconds",
      defaultValue = "30",
      description =
          "On SIGTERM, how long to wait for requests in flight (default: ${DEFAULT-VALUE}). Not a"
              + " TF Serving flag.")
  long drainTimeoutSeconds;

  @Option(
      names = "--bind_address",
      defaultValue = "0.0.0.0",
      description =
          "Address both APIs listen on (default: ${DEFAULT-VALUE}). Not a TF Serving flag.")
  String bindAddress;

  @Override
  public Integer call() throws Exception {
    ServerOptions.Builder b = ServerOptions.builder();
    if (modelConfigFile != null) {
      if (!Files.exists(modelConfigFile)) {
        throw new NoSuchFileException(modelConfigFile.toString());
      }
      ConfigFiles.models(modelConfigFile).forEach(b::model);
    } else if (modelBasePath != null) {
      if (!Files.isDirectory(modelBasePath)) {
        throw new NoSuchFileException(modelBasePath.toString());
      }
      b.model(ServedModel.of(modelName, modelBasePath.toAbsolutePath()));
    } else {
      throw new IllegalArgumentException(
          "give --model_base_path (with --model_name) or --model_config_file");
    }
    if (batchingParametersFile != null && !enableBatching) {
      throw new IllegalArgumentException("--batching_parameters_file needs --enable_batching");
    }
    if (enableBatching) {
      if (batchingParametersFile != null && !Files.exists(batchingParametersFile)) {
        throw new NoSuchFileException(batchingParametersFile.toString());
      }
      b.batching(
          batchingParametersFile == null
              ? BatchingOptions.defaults()
              : ConfigFiles.batching(batchingParametersFile));
    }
    if (restApiNumThreads != null) {
      b.restApiThreads(restApiNumThreads);
    }
    if (restApiPort == port && port != 0) {
      throw new IllegalArgumentException("--rest_api_port must differ from --port (" + port + ")");
    }
    ServerOptions options =
        b.grpcPort(port)
            .restPort(restApiPort == 0 ? -1 : restApiPort)
            .bindAddress(bindAddress)
            .restApiTimeout(Duration.ofMillis(restApiTimeoutInMs))
            .pollWait(Duration.ofSeconds(pollWaitSeconds))
            .maxRequestBytes(maxRequestBytes)
            .maxInflightRequests(maxInflightRequests)
            .tensorflowThreads(intraOp, interOp)
            .drainTimeout(Duration.ofSeconds(drainTimeoutSeconds))
            .build();
    // Jetty logs through SLF4J: warnings and errors only
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    ModelServer server = ModelServer.start(options, System.err::println);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.err.println("shutting down: draining requests in flight");
                  server.close();
                  System.err.println("stopped");
                  stopped.countDown();
                },
                "serve-shutdown"));
    if (server.grpcPort() >= 0) {
      System.err.println(
          "Running gRPC ModelServer at " + bindAddress + ":" + server.grpcPort() + " ...");
    }
    if (server.restPort() >= 0) {
      System.err.println(
          "Exporting HTTP/REST API at:" + bindAddress + ":" + server.restPort() + " ...");
    }
    stopped.await();
    return 0;
  }
}
