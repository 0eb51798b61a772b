package dev.attentiondrop.serving.batching;

import dev.attentiondrop.serving.ServingException;
import dev.attentiondrop.serving.ServingException.Code;
import dev.attentiondrop.serving.model.Servable;
import dev.attentiondrop.serving.tensor.HostTensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * Merges concurrent requests to the same servable and signature into one session run and splits the
 * outputs back, as TF Serving's batching session does: a batch runs when it holds {@code
 * max_batch_size} rows, or when its first request has waited {@code batch_timeout_micros} and a
 * batch thread is free. Requests are batched only with requests of the same inputs' dtypes and
 * trailing dimensions (no padding); every output must have the batch dimension.
 */
public final class Batcher implements AutoCloseable {
  private final BatchingOptions options;
  private final IntConsumer batchSizes;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<Key, Deque<Task>> queues = new LinkedHashMap<>();
  private final List<Thread> workers = new ArrayList<>();
  private boolean closed;

  private record Key(Servable servable, String signature, List<String> outputs, String shapes) {}

  private record Task(
      Map<String, HostTensor> inputs,
      long rows,
      long enqueuedNanos,
      long deadlineNanos,
      CompletableFuture<Map<String, HostTensor>> result) {}

  /**
   * Starts the batch threads.
   *
   * @param options the batching parameters
   * @param batchSizes told the rows of every batch run (metrics)
   */
  public Batcher(BatchingOptions options, IntConsumer batchSizes) {
    this.options = options;
    this.batchSizes = batchSizes;
    for (int i = 0; i < options.numBatchThreads(); i++) {
      Thread t = new Thread(this::work, "batch-" + i);
      t.setDaemon(true);
      t.start();
      workers.add(t);
    }
  }

  /**
   * Queues a request; the future completes with its rows of the batch's outputs.
   *
   * @param servable the acquired servable (the caller releases it after the future completes)
   * @param signature the signature name
   * @param outputs the output names to fetch (resolved, in order)
   * @param inputs the request's inputs, all of rank {@code >= 1} with the same dimension 0
   * @param deadlineNanos the request's {@link System#nanoTime()} deadline
   * @return the outputs
   * @throws ServingException INVALID_ARGUMENT for an unbatchable request, RESOURCE_EXHAUSTED when
   *     the queue is full
   */
  public CompletableFuture<Map<String, HostTensor>> submit(
      Servable servable,
      String signature,
      List<String> outputs,
      Map<String, HostTensor> inputs,
      long deadlineNanos) {
    long rows = -1;
    StringBuilder shapes = new StringBuilder();
    for (Map.Entry<String, HostTensor> e : new TreeMap<>(inputs).entrySet()) {
      HostTensor t = e.getValue();
      if (t.rank() == 0) {
        throw ServingException.invalidArgument(
            "input \"" + e.getKey() + "\" is a scalar: batching needs a batch dimension");
      }
      if (rows >= 0 && t.batchSize() != rows) {
        throw ServingException.invalidArgument(
            "batching needs every input to have the same dimension 0; \""
                + e.getKey()
                + "\" has "
                + t.batchSize()
                + ", another has "
                + rows);
      }
      rows = t.batchSize();
      long[] s = t.shape();
      shapes
          .append(e.getKey())
          .append(t.dtype())
          .append(Arrays.toString(Arrays.copyOfRange(s, 1, s.length)));
    }
    if (rows > options.maxBatchSize()) {
      throw ServingException.invalidArgument(
          "Task size "
              + rows
              + " is larger than maximum input batch size "
              + options.maxBatchSize()
              + " (max_batch_size)");
    }
    Key key = new Key(servable, signature, List.copyOf(outputs), shapes.toString());
    CompletableFuture<Map<String, HostTensor>> result = new CompletableFuture<>();
    lock.lock();
    try {
      if (closed) {
        throw new ServingException(Code.UNAVAILABLE, "the batcher is shut down");
      }
      Deque<Task> q = queues.computeIfAbsent(key, k -> new ArrayDeque<>());
      long queuedRows = q.stream().mapToLong(Task::rows).sum();
      if (queuedRows + rows > (long) options.maxEnqueuedBatches() * options.maxBatchSize()) {
        throw new ServingException(
            Code.RESOURCE_EXHAUSTED,
            "The batch scheduling queue to which this task was submitted is full"
                + " (max_enqueued_batches "
                + options.maxEnqueuedBatches()
                + ")");
      }
      q.add(new Task(inputs, rows, System.nanoTime(), deadlineNanos, result));
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    return result;
  }

  private void work() {
    while (true) {
      Key key;
      List<Task> batch = new ArrayList<>();
      lock.lock();
      try {
        while (true) {
          if (closed && queues.values().stream().allMatch(Deque::isEmpty)) {
            return;
          }
          long now = System.nanoTime();
          long nextDue = Long.MAX_VALUE;
          key = null;
          for (Map.Entry<Key, Deque<Task>> e : queues.entrySet()) {
            Deque<Task> q = e.getValue();
            if (q.isEmpty()) {
              continue;
            }
            long rows = q.stream().mapToLong(Task::rows).sum();
            long due = q.peek().enqueuedNanos() + options.batchTimeoutMicros() * 1000;
            if (rows >= options.maxBatchSize() || due <= now || closed) {
              key = e.getKey();
              break;
            }
            nextDue = Math.min(nextDue, due);
          }
          if (key != null) {
            break;
          }
          if (nextDue == Long.MAX_VALUE) {
            changed.await();
          } else {
            changed.awaitNanos(nextDue - now);
          }
        }
        Deque<Task> q = queues.get(key);
        long rows = 0;
        while (!q.isEmpty() && rows + q.peek().rows() <= options.maxBatchSize()) {
          Task t = q.poll();
          rows += t.rows();
          batch.add(t);
        }
        if (q.isEmpty()) {
          queues.remove(key);
        }
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      run(key, batch);
    }
  }

  private void run(Key key, List<Task> tasks) {
    long now = System.nanoTime();
    List<Task> live = new ArrayList<>();
    for (Task t : tasks) {
      if (now > t.deadlineNanos()) {
        t.result()
            .completeExceptionally(
                new ServingException(
                    Code.DEADLINE_EXCEEDED, "the deadline passed while the request was queued"));
      } else {
        live.add(t);
      }
    }
    if (live.isEmpty()) {
      return;
    }
    try {
      Map<String, HostTensor> merged = new LinkedHashMap<>();
      for (String name : live.get(0).inputs().keySet()) {
        List<HostTensor> parts = new ArrayList<>();
        live.forEach(t -> parts.add(t.inputs().get(name)));
        merged.put(name, HostTensor.concat(parts));
      }
      long total = live.stream().mapToLong(Task::rows).sum();
      batchSizes.accept((int) total);
      long deadline = live.stream().mapToLong(Task::deadlineNanos).max().orElse(Long.MAX_VALUE);
      long timeoutMillis =
          deadline == Long.MAX_VALUE
              ? 0
              : Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      Map<String, HostTensor> out =
          key.servable().predict(key.signature(), merged, key.outputs(), timeoutMillis);
      for (Map.Entry<String, HostTensor> e : out.entrySet()) {
        HostTensor t = e.getValue();
        if (t.rank() == 0 || t.batchSize() != total) {
          throw new ServingException(
              Code.FAILED_PRECONDITION,
              "output \""
                  + e.getKey()
                  + "\" has shape "
                  + Arrays.toString(t.shape())
                  + ": batching needs every output to keep the batch dimension ("
                  + total
                  + " rows); serve this model without --enable_batching");
        }
      }
      long row = 0;
      for (Task t : live) {
        Map<String, HostTensor> mine = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : out.entrySet()) {
          mine.put(e.getKey(), e.getValue().rows(row, row + t.rows()));
        }
        row += t.rows();
        t.result().complete(mine);
      }
    } catch (RuntimeException e) {
      live.forEach(t -> t.result().completeExceptionally(e));
    }
  }

  /** Runs what is queued, then stops the batch threads. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (Thread t : workers) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
