/**
 * Server-side batching: concurrent requests merged into one session run, as TF Serving's {@code
 * --enable_batching}.
 */
package dev.attentiondrop.serving.batching;
