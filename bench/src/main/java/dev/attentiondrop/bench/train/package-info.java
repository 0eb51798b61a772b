/**
 * End-to-end training throughput: examples per second of {@code attentiondrop train}'s training
 * loop against the same model trained by Keras {@code model.fit} ({@code
 * bench/python/train_keras.py}), in alternating child processes. See {@link
 * dev.attentiondrop.bench.train.TrainThroughput} and {@code docs/performance-train.md}.
 */
package dev.attentiondrop.bench.train;
