"""The serve bench's Python baseline: a SavedModel's signatures['serving_default'] called in process.

  serving_baseline.py VERSION_DIR REQUESTS THREADS   -> one JSON line (the bench's cell format)

One example per call (floats in [0, 1) as the Java bench builds them, ints 1), THREADS callers.
"""
import json
import os
import sys
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def main(path, requests, threads):
    fn = tf.saved_model.load(path).signatures["serving_default"]
    inputs = {}
    for name, spec in fn.structured_input_signature[1].items():
        shape = [1 if d is None else d for d in spec.shape]
        n = int(np.prod(shape))
        if spec.dtype == tf.float32:
            values = (np.arange(n) * 37 % 101 / 101.0).astype(np.float32)
        else:
            values = np.ones(n, spec.dtype.as_numpy_dtype)
        inputs[name] = tf.constant(values.reshape(shape))
    warmup = min(200, requests // 5)
    for _ in range(warmup):
        fn(**inputs)
    latencies = [0.0] * requests
    counter = iter(range(requests))
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t0 = time.perf_counter()
            fn(**inputs)
            latencies[i] = (time.perf_counter() - t0) * 1000

    start = time.perf_counter()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - start
    s = sorted(latencies)
    print(json.dumps({"api": "python-in-process", "batching": False, "clients": threads,
                      "requests": requests, "errors": 0, "p50Ms": s[int(0.5 * (requests - 1))],
                      "p99Ms": s[int(0.99 * (requests - 1))], "throughput": requests / seconds}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
