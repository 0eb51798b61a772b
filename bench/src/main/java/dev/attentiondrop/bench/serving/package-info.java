/**
 * Load on the TF-Serving-compatible server ({@code attentiondrop serve-bench}): latency, throughput
 * and RSS, beside the same model called in process from Java and Python.
 */
package dev.attentiondrop.bench.serving;
