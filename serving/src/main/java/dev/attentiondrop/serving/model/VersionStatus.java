package dev.attentiondrop.serving.model;

import dev.attentiondrop.serving.ServingException.Code;

/**
 * A version's state as {@code GetModelStatus} reports it ({@code ModelVersionStatus}).
 *
 * @param version the version number
 * @param state its state
 * @param error OK, or why it failed to load
 * @param message the error's message ({@code ""} when OK)
 */
public record VersionStatus(long version, State state, Code error, String message) {
  /** TF Serving's {@code ModelVersionStatus.State}, with its wire numbers. */
  public enum State {
    /** Not known. */
    UNKNOWN(0),
    /** Seen on disk, about to load. */
    START(10),
    /** Loading. */
    LOADING(20),
    /** Serving requests. */
    AVAILABLE(30),
    /** No longer given to new requests; closes once those in flight finish. */
    UNLOADING(40),
    /** Unloaded, or failed to load (see the error). */
    END(50);

    private final int number;

    State(int number) {
      this.number = number;
    }

    /**
     * The enum's number on the wire.
     *
     * @return the number
     */
    public int number() {
      return number;
    }
  }

  static VersionStatus ok(long version, State state) {
    return new VersionStatus(version, state, Code.OK, "");
  }
}
