/**
 * A TensorFlow-Serving-compatible model server in the JVM: {@link
 * dev.attentiondrop.serving.ModelServer} serves any SavedModel's {@code serve} signatures with TF
 * Serving's gRPC API ({@code tensorflow.serving.PredictionService}, {@code ModelService}) and REST
 * API, configured by {@link dev.attentiondrop.serving.ServerOptions} with TF Serving's defaults.
 * Its own module: the library modules never see gRPC, Netty or Jetty.
 */
package dev.attentiondrop.serving;
