/**
 * Tensors between the wire formats and TensorFlow: {@code TensorProto} (gRPC), TF Serving's JSON
 * (REST) and native tensors, through one host representation.
 */
package dev.attentiondrop.serving.tensor;
