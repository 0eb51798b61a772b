/** TF Serving's gRPC services over the shared request path. */
package dev.attentiondrop.serving.grpc;
