package dev.attentiondrop.serving;

import dev.attentiondrop.serving.grpc.GrpcApi;
import dev.attentiondrop.serving.model.ModelManager;
import dev.attentiondrop.serving.rest.RestApi;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.tensorflow.proto.ConfigProto;

/**
 * A TensorFlow-Serving-compatible model server in the JVM: TF Serving's gRPC services and REST API
 * over the SavedModels of one or more base paths, with version polling, batching, limits,
 * Prometheus metrics and graceful shutdown.
 *
 * <pre>{@code
 * ServerOptions options = ServerOptions.builder()
 *     .model(ServedModel.of("vit", Path.of("/models/vit")))
 *     .grpcPort(8500).restPort(8501).build();
 * try (ModelServer server = ModelServer.start(options, System.err::println)) {
 *   server.awaitTermination();
 * }
 * }</pre>
 */
public final class ModelServer implements AutoCloseable {
  private final ServerOptions options;
  private final ModelManager models;
  private final ServingCore core;
  private final ServingMetrics metrics = new ServingMetrics();
  private final HealthStatusManager health = new HealthStatusManager();
  private Server grpc;
  private org.eclipse.jetty.server.Server rest; // io.grpc.Server is imported
  private ServerConnector restConnector;
  private boolean closed;

  private ModelServer(ServerOptions options, Consumer<String> log) {
    this.options = options;
    ConfigProto session =
        ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(options.intraOpThreads())
            .setInterOpParallelismThreads(options.interOpThreads())
            .build();
    this.models = new ModelManager(options.models(), session, options.pollWait(), log);
    this.core = new ServingCore(models, options, metrics);
  }

  /**
   * Loads the models' initial versions and opens the ports.
   *
   * @param options the settings
   * @param log where one-line events go (loads, unloads, failures)
   * @return the running server
   * @throws IOException when a port cannot be opened
   */
  public static ModelServer start(ServerOptions options, Consumer<String> log) throws IOException {
    ModelServer server = new ModelServer(options, log);
    try {
      server.open();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void open() throws IOException {
    models.start();
    if (options.grpcPort() >= 0) {
      NettyServerBuilder b =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress(options.bindAddress(), options.grpcPort()))
              .maxInboundMessageSize(options.maxRequestBytes())
              .addService(health.getHealthService());
      for (BindableService s : GrpcApi.services(core)) {
        b.addService(s);
      }
      grpc = b.build().start();
      ServingStatus status = models.ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      health.setStatus("", status);
      health.setStatus("tensorflow.serving.PredictionService", status);
      health.setStatus("tensorflow.serving.ModelService", ServingStatus.SERVING);
    }
    if (options.restPort() >= 0) {
      QueuedThreadPool pool = new QueuedThreadPool(Math.max(options.restApiThreads(), 4));
      pool.setName("rest");
      pool.setDaemon(true);
      rest = new org.eclipse.jetty.server.Server(pool);
      HttpConfiguration http = new HttpConfiguration();
      http.setSendServerVersion(false);
      restConnector = new ServerConnector(rest, new HttpConnectionFactory(http));
      restConnector.setHost(options.bindAddress());
      restConnector.setPort(options.restPort());
      rest.addConnector(restConnector);
      GracefulHandler graceful = new GracefulHandler();
      graceful.setHandler(
          new RestApi(core, metrics, options.maxRequestBytes(), options.restApiTimeout()));
      rest.setHandler(graceful);
      rest.setStopTimeout(options.drainTimeout().toMillis());
      try {
        rest.start();
      } catch (IOException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("cannot start the REST server: " + e.getMessage(), e);
      }
    }
  }

  /**
   * The bound gRPC port.
   *
   * @return the port, or -1 without gRPC
   */
  public int grpcPort() {
    return grpc == null ? -1 : grpc.getPort();
  }

  /**
   * The bound REST port.
   *
   * @return the port, or -1 without REST
   */
  public int restPort() {
    return restConnector == null ? -1 : restConnector.getLocalPort();
  }

  /**
   * The models' versions (for polling on demand, e.g. in tests).
   *
   * @return the manager
   */
  public ModelManager models() {
    return models;
  }

  /**
   * The metrics registry's writer.
   *
   * @return the metrics
   */
  public ServingMetrics metrics() {
    return metrics;
  }

  /**
   * Blocks until the server stops.
   *
   * @throws InterruptedException when interrupted
   */
  public void awaitTermination() throws InterruptedException {
    if (grpc != null) {
      grpc.awaitTermination();
    }
    if (rest != null) {
      rest.join();
    }
  }

  /**
   * Graceful shutdown: refuses new requests (UNAVAILABLE), waits up to the drain timeout for those
   * in flight, closes the ports, then unloads every version.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    health.enterTerminalState();
    core.drain();
    long drainMillis = options.drainTimeout().toMillis();
    try {
      core.awaitIdle(drainMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (grpc != null) {
      grpc.shutdown();
      try {
        if (!grpc.awaitTermination(drainMillis, TimeUnit.MILLISECONDS)) {
          grpc.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        grpc.shutdownNow();
      }
    }
    if (rest != null) {
      try {
        rest.stop();
      } catch (Exception e) {
        // stopping is best effort; the port closes with the process
      }
    }
    core.close();
    models.close();
  }
}
