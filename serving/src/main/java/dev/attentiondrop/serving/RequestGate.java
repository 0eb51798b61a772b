package dev.attentiondrop.serving;

import dev.attentiondrop.serving.ServingException.Code;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission control: at most {@code maxInFlight} requests admitted (running or waiting; beyond that
 * RESOURCE_EXHAUSTED, HTTP 429), at most {@code maxRunning} session runs at once (a request waits
 * for one until its deadline, then DEADLINE_EXCEEDED), and, once draining, UNAVAILABLE for new
 * requests while those admitted finish.
 */
final class RequestGate {
  private final int maxInFlight;
  private final Semaphore running;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;

  RequestGate(int maxInFlight, int maxRunning) {
    this.maxInFlight = maxInFlight;
    this.running = new Semaphore(maxRunning, true);
  }

  /** Admits a request or throws; the caller must {@link #leave()} after. */
  void enter() {
    if (draining) {
      throw new ServingException(Code.UNAVAILABLE, "the server is shutting down");
    }
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      throw new ServingException(
          Code.RESOURCE_EXHAUSTED,
          "too many requests in flight (limit "
              + maxInFlight
              + ", --max_inflight_requests); retry later");
    }
  }

  void leave() {
    inFlight.decrementAndGet();
  }

  /**
   * Waits for a session-run slot.
   *
   * @param deadlineNanos {@link System#nanoTime()} deadline
   */
  void run(long deadlineNanos) {
    try {
      long wait = deadlineNanos - System.nanoTime();
      if (!running.tryAcquire(Math.max(0, wait), TimeUnit.NANOSECONDS)) {
        throw new ServingException(
            Code.DEADLINE_EXCEEDED, "the deadline passed while the request waited to run");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServingException(Code.CANCELLED, "interrupted while waiting to run");
    }
  }

  void ran() {
    running.release();
  }

  int inFlight() {
    return inFlight.get();
  }

  /** Refuses new requests from now on. */
  void drain() {
    draining = true;
  }

  /**
   * Waits until no request is in flight.
   *
   * @param timeoutMillis the longest wait
   * @return true when idle
   */
  boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (inFlight.get() > 0) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }
}
