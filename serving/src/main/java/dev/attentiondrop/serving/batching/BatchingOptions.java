package dev.attentiondrop.serving.batching;

/**
 * TF Serving's batching parameters ({@code --enable_batching}, {@code --batching_parameters_file}
 * with a {@code BatchingParameters} text proto), with its defaults for fields left unset.
 *
 * @param maxBatchSize the most rows in one session run ({@code max_batch_size}, default 1000)
 * @param batchTimeoutMicros how long the first request of a batch waits for more ({@code
 *     batch_timeout_micros}, default 0: a batch runs as soon as a batch thread is free)
 * @param maxEnqueuedBatches the most full batches waiting; beyond, RESOURCE_EXHAUSTED ({@code
 *     max_enqueued_batches}, default 10)
 * @param numBatchThreads how many batches run at once ({@code num_batch_threads}, default: the
 *     number of processors)
 */
public record BatchingOptions(
    int maxBatchSize, long batchTimeoutMicros, int maxEnqueuedBatches, int numBatchThreads) {
  /**
   * Checks the ranges.
   *
   * @param maxBatchSize {@code >= 1}
   * @param batchTimeoutMicros {@code >= 0}
   * @param maxEnqueuedBatches {@code >= 1}
   * @param numBatchThreads {@code >= 1}
   */
  public BatchingOptions {
    check("max_batch_size", maxBatchSize, 1);
    check("batch_timeout_micros", batchTimeoutMicros, 0);
    check("max_enqueued_batches", maxEnqueuedBatches, 1);
    check("num_batch_threads", numBatchThreads, 1);
  }

  private static void check(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
    }
  }

  /**
   * TF Serving's defaults.
   *
   * @return the default options
   */
  public static BatchingOptions defaults() {
    return new BatchingOptions(1000, 0, 10, Runtime.getRuntime().availableProcessors());
  }
}
