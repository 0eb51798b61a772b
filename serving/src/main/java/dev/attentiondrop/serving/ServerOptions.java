package dev.attentiondrop.serving;

import dev.attentiondrop.serving.batching.BatchingOptions;
import dev.attentiondrop.serving.model.ServedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The server's settings, an immutable value built by {@link #builder()}; every default is TF
 * Serving's where it has the setting (flag names in the setters' documentation).
 *
 * @param models the models to serve
 * @param grpcPort the gRPC port ({@code --port}, default 8500; 0: any free port; -1: none)
 * @param restPort the REST port ({@code --rest_api_port}; default -1: none, as TF Serving's 0)
 * @param bindAddress the address both listen on (default {@code 0.0.0.0})
 * @param restApiThreads REST worker threads ({@code --rest_api_num_threads}, default 4 per core)
 * @param restApiTimeout the REST requests' deadline ({@code --rest_api_timeout_in_ms}, 30 s)
 * @param pollWait between base path polls ({@code --file_system_poll_wait_seconds}, 1 s; 0: load
 *     once)
 * @param batching batching parameters, when {@code --enable_batching}
 * @param maxRequestBytes the largest request body or message (default 64 MiB)
 * @param maxInflightRequests requests admitted at once before RESOURCE_EXHAUSTED (default 1024)
 * @param sessionParallelism session runs at once without batching (default: the cores)
 * @param intraOpThreads TensorFlow's intra-op threads ({@code --tensorflow_intra_op_parallelism},
 *     0: TensorFlow's choice)
 * @param interOpThreads TensorFlow's inter-op threads ({@code --tensorflow_inter_op_parallelism},
 *     0: TensorFlow's choice)
 * @param drainTimeout how long a shutdown waits for requests in flight (default 30 s)
 */
public record ServerOptions(
    List<ServedModel> models,
    int grpcPort,
    int restPort,
    String bindAddress,
    int restApiThreads,
    Duration restApiTimeout,
    Duration pollWait,
    Optional<BatchingOptions> batching,
    int maxRequestBytes,
    int maxInflightRequests,
    int sessionParallelism,
    int intraOpThreads,
    int interOpThreads,
    Duration drainTimeout) {

  /**
   * Checks every range, naming the setting.
   *
   * @param models at least one, unique names
   * @param grpcPort -1 to 65535
   * @param restPort -1 to 65535
   * @param bindAddress an address
   * @param restApiThreads {@code >= 1}
   * @param restApiTimeout positive
   * @param pollWait {@code >= 0}
   * @param batching present or empty
   * @param maxRequestBytes {@code >= 1024}
   * @param maxInflightRequests {@code >= 1}
   * @param sessionParallelism {@code >= 1}
   * @param intraOpThreads {@code >= 0}
   * @param interOpThreads {@code >= 0}
   * @param drainTimeout {@code >= 0}
   */
  public ServerOptions {
    models = List.copyOf(models);
    if (models.isEmpty()) {
      throw new IllegalArgumentException(
          "no model to serve: give --model_name and --model_base_path, or --model_config_file");
    }
    range("port", grpcPort, -1, 65535);
    range("rest_api_port", restPort, -1, 65535);
    if (grpcPort < 0 && restPort < 0) {
      throw new IllegalArgumentException("neither a gRPC nor a REST port is open");
    }
    range("rest_api_num_threads", restApiThreads, 1, 10_000);
    range("rest_api_timeout_in_ms", restApiTimeout.toMillis(), 1, Long.MAX_VALUE);
    range("file_system_poll_wait_seconds", pollWait.toMillis(), 0, Long.MAX_VALUE);
    range("max_request_bytes", maxRequestBytes, 1024, Integer.MAX_VALUE);
    range("max_inflight_requests", maxInflightRequests, 1, 1_000_000);
    range("session_parallelism", sessionParallelism, 1, 10_000);
    range("tensorflow_intra_op_parallelism", intraOpThreads, 0, 10_000);
    range("tensorflow_inter_op_parallelism", interOpThreads, 0, 10_000);
    range("drain_timeout_seconds", drainTimeout.toMillis(), 0, Long.MAX_VALUE);
  }

  private static void range(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          "--" + name + " must be in [" + min + ", " + max + "], got " + value);
    }
  }

  /**
   * A builder with TF Serving's defaults.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link ServerOptions}; every setter returns the builder. */
  public static final class Builder {
    private final List<ServedModel> models = new ArrayList<>();
    private int grpcPort = 8500;
    private int restPort = -1;
    private String bindAddress = "0.0.0.0";
    private int restApiThreads = 4 * Runtime.getRuntime().availableProcessors();
    private Duration restApiTimeout = Duration.ofSeconds(30);
    private Duration pollWait = Duration.ofSeconds(1);
    private Optional<BatchingOptions> batching = Optional.empty();
    private int maxRequestBytes = 64 << 20;
    private int maxInflightRequests = 1024;
    private int sessionParallelism = Runtime.getRuntime().availableProcessors();
    private int intraOpThreads;
    private int interOpThreads;
    private Duration drainTimeout = Duration.ofSeconds(30);

    private Builder() {}

    /**
     * Adds a model.
     *
     * @param model the model
     * @return this
     */
    public Builder model(ServedModel model) {
      models.add(model);
      return this;
    }

    /**
     * The gRPC port ({@code --port}).
     *
     * @param port 0 for any free port, -1 for no gRPC
     * @return this
     */
    public Builder grpcPort(int port) {
      this.grpcPort = port;
      return this;
    }

    /**
     * The REST port ({@code --rest_api_port}).
     *
     * @param port 0 for any free port, -1 for no REST
     * @return this
     */
    public Builder restPort(int port) {
      this.restPort = port;
      return this;
    }

    /**
     * The address to listen on.
     *
     * @param address e.g. {@code 127.0.0.1}
     * @return this
     */
    public Builder bindAddress(String address) {
      this.bindAddress = address;
      return this;
    }

    /**
     * REST worker threads ({@code --rest_api_num_threads}).
     *
     * @param threads {@code >= 1}
     * @return this
     */
    public Builder restApiThreads(int threads) {
      this.restApiThreads = threads;
      return this;
    }

    /**
     * The REST deadline ({@code --rest_api_timeout_in_ms}).
     *
     * @param timeout positive
     * @return this
     */
    public Builder restApiTimeout(Duration timeout) {
      this.restApiTimeout = timeout;
      return this;
    }

    /**
     * Between polls of the base paths ({@code --file_system_poll_wait_seconds}).
     *
     * @param wait zero: load once
     * @return this
     */
    public Builder pollWait(Duration wait) {
      this.pollWait = wait;
      return this;
    }

    /**
     * Enables batching ({@code --enable_batching}).
     *
     * @param options the batching parameters
     * @return this
     */
    public Builder batching(BatchingOptions options) {
      this.batching = Optional.of(options);
      return this;
    }

    /**
     * The largest request ({@code --max_request_bytes}).
     *
     * @param bytes {@code >= 1024}
     * @return this
     */
    public Builder maxRequestBytes(int bytes) {
      this.maxRequestBytes = bytes;
      return this;
    }

    /**
     * Requests admitted at once ({@code --max_inflight_requests}); more get RESOURCE_EXHAUSTED.
     *
     * @param n {@code >= 1}
     * @return this
     */
    public Builder maxInflightRequests(int n) {
      this.maxInflightRequests = n;
      return this;
    }

    /**
     * Session runs at once without batching.
     *
     * @param n {@code >= 1}
     * @return this
     */
    public Builder sessionParallelism(int n) {
      this.sessionParallelism = n;
      return this;
    }

    /**
     * TensorFlow's thread pools.
     *
     * @param intraOp {@code --tensorflow_intra_op_parallelism}
     * @param interOp {@code --tensorflow_inter_op_parallelism}
     * @return this
     */
    public Builder tensorflowThreads(int intraOp, int interOp) {
      this.intraOpThreads = intraOp;
      this.interOpThreads = interOp;
      return this;
    }

    /**
     * How long shutdown waits for requests in flight.
     *
     * @param timeout {@code >= 0}
     * @return this
     */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = timeout;
      return this;
    }

    /**
     * The options.
     *
     * @return the checked value
     * @throws IllegalArgumentException naming a setting out of range
     */
    public ServerOptions build() {
      return new ServerOptions(
          models,
          grpcPort,
          restPort,
          bindAddress,
          restApiThreads,
          restApiTimeout,
          pollWait,
          batching,
          maxRequestBytes,
          maxInflightRequests,
          sessionParallelism,
          intraOpThreads,
          interOpThreads,
          drainTimeout);
    }
  }
}
