package dev.attentiondrop.serving;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The server's Prometheus metrics (Prometheus' Java client): requests by model, API, method and
 * status code; request latency; the rows of every batch run; requests in flight; served versions.
 */
public final class ServingMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests =
      Counter.builder()
          .name("serving_requests_total")
          .help("Requests by model, API (grpc, rest), method and canonical status code")
          .labelNames("model", "api", "method", "code")
          .register(registry);
  private final Histogram latency =
      Histogram.builder()
          .name("serving_request_latency_seconds")
          .help("Request latency, from admission to the response, by model, API and method")
          .labelNames("model", "api", "method")
          .classicOnly()
          .classicUpperBounds(
              0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30)
          .register(registry);
  private final Histogram batchSize =
      Histogram.builder()
          .name("serving_batch_size")
          .help("Rows per session run when batching")
          .classicOnly()
          .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
          .register(registry);
  private final Gauge inFlight =
      Gauge.builder()
          .name("serving_requests_in_flight")
          .help("Requests admitted and not yet answered")
          .register(registry);

  /** A fresh registry. */
  public ServingMetrics() {}

  void request(String model, String api, String method, String code, double seconds) {
    requests.labelValues(model, api, method, code).inc();
    latency.labelValues(model, api, method).observe(seconds);
  }

  void batch(int rows) {
    batchSize.observe(rows);
  }

  void inFlight(int n) {
    inFlight.set(n);
  }

  /**
   * Writes every metric in Prometheus' text format (version 0.0.4).
   *
   * @param out where to write
   * @throws IOException when writing fails
   */
  public void write(OutputStream out) throws IOException {
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
  }

  /**
   * The text format's content type.
   *
   * @return the Content-Type header value
   */
  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }
}
