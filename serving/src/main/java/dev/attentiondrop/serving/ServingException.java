package dev.attentiondrop.serving;

/**
 * A request that cannot be served, with TensorFlow's canonical error code: the REST API answers
 * {@code {"error": message}} with the HTTP status of {@link Code#httpStatus()}, gRPC with the
 * status of the same name.
 */
public final class ServingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * TensorFlow's (absl's) canonical status codes, with the HTTP status TF Serving's REST server
   * maps each to ({@code ToHTTPStatusCode} in {@code model_servers/http_server.cc}).
   */
  public enum Code {
    /** Not an error. */
    OK(200),
    /** The client cancelled. */
    CANCELLED(499),
    /** An unknown error. */
    UNKNOWN(500),
    /** A malformed request: bad JSON, input names, dtypes or shapes. */
    INVALID_ARGUMENT(400),
    /** The deadline passed before the request was served. */
    DEADLINE_EXCEEDED(504),
    /** No such model, version, label or signature. */
    NOT_FOUND(404),
    /** Already exists. */
    ALREADY_EXISTS(409),
    /** Not allowed. */
    PERMISSION_DENIED(403),
    /** The queue is full, or the request too large. */
    RESOURCE_EXHAUSTED(429),
    /** The server is not in a state to serve this. */
    FAILED_PRECONDITION(400),
    /** Aborted. */
    ABORTED(409),
    /** Out of range. */
    OUT_OF_RANGE(400),
    /** Not implemented (Classify, Regress, MultiInference). */
    UNIMPLEMENTED(501),
    /** A failure inside the server or TensorFlow. */
    INTERNAL(500),
    /** Not serving (yet, or any more). */
    UNAVAILABLE(503),
    /** Lost data. */
    DATA_LOSS(500),
    /** Not authenticated. */
    UNAUTHENTICATED(401);

    private final int http;

    Code(int http) {
      this.http = http;
    }

    /**
     * The canonical number ({@code tensorflow.error.Code} on the wire): the declaration order.
     *
     * @return 0 for OK through 16 for UNAUTHENTICATED
     */
    public int number() {
      return ordinal();
    }

    /**
     * The HTTP status the REST API answers with.
     *
     * @return the status code
     */
    public int httpStatus() {
      return http;
    }
  }

  /** The canonical code of the failure. */
  private final Code code;

  /**
   * A serving failure.
   *
   * @param code its canonical code
   * @param message what went wrong, naming the input, model or limit concerned
   */
  public ServingException(Code code, String message) {
    super(message);
    this.code = code;
  }

  /**
   * A serving failure caused by another exception.
   *
   * @param code its canonical code
   * @param message what went wrong
   * @param cause the cause
   */
  public ServingException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /**
   * The code.
   *
   * @return the canonical code
   */
  public Code code() {
    return code;
  }

  /**
   * An INVALID_ARGUMENT failure.
   *
   * @param message what is wrong with the request
   * @return the exception
   */
  public static ServingException invalidArgument(String message) {
    return new ServingException(Code.INVALID_ARGUMENT, message);
  }

  /**
   * A NOT_FOUND failure.
   *
   * @param message what was not found
   * @return the exception
   */
  public static ServingException notFound(String message) {
    return new ServingException(Code.NOT_FOUND, message);
  }
}
