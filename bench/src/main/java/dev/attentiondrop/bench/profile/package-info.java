/**
 * Per-kernel profiles of the benchmark's training step: {@link
 * dev.attentiondrop.bench.profile.OpProfile} traces steps of the {@code block} model with {@code
 * RunOptions.TraceLevel.FULL_TRACE} and aggregates the returned step stats per op type and per
 * node; {@link dev.attentiondrop.bench.profile.OpProfileRun} drives a whole comparison (TF Java,
 * the same GraphDef in Python TF via {@code bench/python/profile_ops.py}, the Keras form of {@code
 * bench_tf.py}, and the session-configuration knobs) and writes JSON; {@link
 * dev.attentiondrop.bench.profile.OpProfileTables} turns that JSON into markdown tables. See
 * docs/performance-profile.md.
 */
package dev.attentiondrop.bench.profile;
