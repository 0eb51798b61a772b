package dev.attentiondrop.serving;

import com.google.protobuf.Any;
import com.google.protobuf.Int64Value;
import dev.attentiondrop.serving.ServingException.Code;
import dev.attentiondrop.serving.batching.Batcher;
import dev.attentiondrop.serving.model.ModelManager;
import dev.attentiondrop.serving.model.Servable;
import dev.attentiondrop.serving.model.VersionStatus;
import dev.attentiondrop.serving.proto.GetModelMetadataRequest;
import dev.attentiondrop.serving.proto.GetModelMetadataResponse;
import dev.attentiondrop.serving.proto.GetModelStatusRequest;
import dev.attentiondrop.serving.proto.GetModelStatusResponse;
import dev.attentiondrop.serving.proto.ModelSpec;
import dev.attentiondrop.serving.proto.ModelVersionStatus;
import dev.attentiondrop.serving.proto.SignatureDefMap;
import dev.attentiondrop.serving.proto.StatusProto;
import dev.attentiondrop.serving.tensor.HostTensor;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.tensorflow.proto.SignatureDef;

/**
 * What the gRPC and REST APIs share: admission, model and version resolution, Predict (batched or
 * not), GetModelMetadata, GetModelStatus, metrics. The APIs only translate their wire formats to
 * these calls and {@link ServingException}s to their status codes.
 */
public final class ServingCore implements AutoCloseable {
  private final ModelManager models;
  private final RequestGate gate;
  private final Batcher batcher;
  private final ServingMetrics metrics;

  /**
   * The shared request path.
   *
   * @param models the served models
   * @param options limits and batching
   * @param metrics where requests are counted
   */
  public ServingCore(ModelManager models, ServerOptions options, ServingMetrics metrics) {
    this.models = models;
    this.metrics = metrics;
    this.gate = new RequestGate(options.maxInflightRequests(), options.sessionParallelism());
    this.batcher =
        options.batching().isPresent()
            ? new Batcher(options.batching().get(), metrics::batch)
            : null;
  }

  /**
   * A Predict result.
   *
   * @param model the model's name
   * @param version the version that answered
   * @param signatureName the signature that ran (resolved: never empty)
   * @param outputs the output tensors, by name
   */
  public record Prediction(
      String model, long version, String signatureName, Map<String, HostTensor> outputs) {
    /**
     * The model spec a response carries.
     *
     * @return name, version and signature
     */
    public ModelSpec spec() {
      return ModelSpec.newBuilder()
          .setName(model)
          .setVersion(Int64Value.of(version))
          .setSignatureName(signatureName)
          .build();
    }
  }

  /**
   * Runs one request through admission, timing and metrics.
   *
   * @param api {@code grpc} or {@code rest}
   * @param method {@code predict}, {@code metadata}, {@code status}
   * @param model the model's name (a label value)
   * @param call the request's work
   * @param <T> the result
   * @return the result
   * @throws ServingException with the canonical code of the failure
   */
  public <T> T call(String api, String method, String model, Supplier<T> call) {
    long start = System.nanoTime();
    String code = Code.OK.name();
    gate.enter();
    metrics.inFlight(gate.inFlight());
    try {
      return call.get();
    } catch (ServingException e) {
      code = e.code().name();
      throw e;
    } catch (RuntimeException e) {
      code = Code.INTERNAL.name();
      throw new ServingException(Code.INTERNAL, "internal error: " + e, e);
    } finally {
      gate.leave();
      metrics.inFlight(gate.inFlight());
      metrics.request(
          known(model) ? model : "", api, method, code, (System.nanoTime() - start) / 1e9);
    }
  }

  private boolean known(String model) {
    return models.modelNames().contains(model);
  }

  /**
   * Predict: runs a signature of a served version.
   *
   * @param spec the model, version or label, and signature
   * @param inputs the inputs, by the signature's names, decoded knowing the signature (the REST
   *     API's JSON needs its dtypes)
   * @param outputFilter output names; empty: all
   * @param deadlineNanos the {@link System#nanoTime()} deadline; {@code Long.MAX_VALUE}: none
   * @return the outputs
   */
  public Prediction predict(
      ModelSpec spec,
      Function<SignatureDef, Map<String, HostTensor>> inputs,
      List<String> outputFilter,
      long deadlineNanos) {
    Servable s = acquire(spec);
    try {
      String name =
          spec.getSignatureName().isEmpty() ? Servable.DEFAULT_SIGNATURE : spec.getSignatureName();
      SignatureDef def = s.signature(name);
      return predict(s, name, def, inputs.apply(def), outputFilter, deadlineNanos);
    } finally {
      s.release();
    }
  }

  private Prediction predict(
      Servable s,
      String name,
      SignatureDef def,
      Map<String, HostTensor> inputs,
      List<String> outputFilter,
      long deadlineNanos) {
    {
      List<String> outputs = Servable.outputNames(def, outputFilter);
      Map<String, HostTensor> out;
      if (batcher != null) {
        Servable.checkInputs(def, inputs);
        out = await(batcher.submit(s, name, outputs, inputs, deadlineNanos), deadlineNanos);
      } else {
        gate.run(deadlineNanos);
        try {
          long remaining = deadlineNanos - System.nanoTime();
          long timeoutMillis =
              deadlineNanos == Long.MAX_VALUE
                  ? 0
                  : Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining));
          out = s.predict(name, inputs, outputs, timeoutMillis);
        } finally {
          gate.ran();
        }
      }
      return new Prediction(s.model(), s.version(), name, out);
    }
  }

  private static <T> T await(Future<T> future, long deadlineNanos) {
    try {
      if (deadlineNanos == Long.MAX_VALUE) {
        return future.get();
      }
      return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ServingException se) {
        throw se;
      }
      throw new ServingException(Code.INTERNAL, "batch failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      future.cancel(false);
      throw new ServingException(
          Code.DEADLINE_EXCEEDED, "the deadline passed before the batch ran");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServingException(Code.CANCELLED, "interrupted");
    }
  }

  private Servable acquire(ModelSpec spec) {
    if (spec.getName().isEmpty()) {
      throw ServingException.invalidArgument("ModelSpec has no name specified.");
    }
    OptionalLong version =
        spec.hasVersion() ? OptionalLong.of(spec.getVersion().getValue()) : OptionalLong.empty();
    return models.acquire(spec.getName(), version, spec.getVersionLabel());
  }

  /**
   * GetModelMetadata: the served version's signature defs.
   *
   * @param request the model spec and {@code metadata_field} (only {@code signature_def})
   * @return the metadata
   */
  public GetModelMetadataResponse metadata(GetModelMetadataRequest request) {
    if (request.getMetadataFieldCount() == 0) {
      throw ServingException.invalidArgument(
          "GetModelMetadataRequest must specify at least one metadata_field");
    }
    for (String field : request.getMetadataFieldList()) {
      if (!field.equals("signature_def")) {
        throw ServingException.invalidArgument(
            "Metadata field " + field + " is not supported (supported: signature_def)");
      }
    }
    Servable s = acquire(request.getModelSpec());
    try {
      SignatureDefMap map = SignatureDefMap.newBuilder().putAllSignatureDef(s.signatures()).build();
      return GetModelMetadataResponse.newBuilder()
          .setModelSpec(
              ModelSpec.newBuilder().setName(s.model()).setVersion(Int64Value.of(s.version())))
          .putMetadata("signature_def", Any.pack(map))
          .build();
    } finally {
      s.release();
    }
  }

  /**
   * GetModelStatus: the states of a model's versions.
   *
   * @param request the model and optionally one version
   * @return the statuses, newest version first
   */
  public GetModelStatusResponse status(GetModelStatusRequest request) {
    ModelSpec spec = request.getModelSpec();
    if (spec.getName().isEmpty()) {
      throw ServingException.invalidArgument("ModelSpec has no name specified.");
    }
    OptionalLong version =
        spec.hasVersion() ? OptionalLong.of(spec.getVersion().getValue()) : OptionalLong.empty();
    if (!spec.getVersionLabel().isEmpty()) {
      Long v = models.config(spec.getName()).labels().get(spec.getVersionLabel());
      if (v == null) {
        throw ServingException.notFound(
            "Unrecognized servable version label: " + spec.getVersionLabel());
      }
      version = OptionalLong.of(v);
    }
    GetModelStatusResponse.Builder out = GetModelStatusResponse.newBuilder();
    for (VersionStatus v : models.status(spec.getName(), version)) {
      out.addModelVersionStatus(
          ModelVersionStatus.newBuilder()
              .setVersion(v.version())
              .setStateValue(v.state().number())
              .setStatus(
                  StatusProto.newBuilder()
                      .setErrorCodeValue(v.error().number())
                      .setErrorMessage(v.message())));
    }
    return out.build();
  }

  /**
   * Whether every model serves a version and the server is not draining.
   *
   * @return readiness
   */
  public boolean ready() {
    return models.ready();
  }

  /** Refuses new requests (UNAVAILABLE) from now on. */
  public void drain() {
    gate.drain();
  }

  /**
   * Waits for the admitted requests to finish.
   *
   * @param timeoutMillis the longest wait
   * @return true when none is left
   * @throws InterruptedException when interrupted
   */
  public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    return gate.awaitIdle(timeoutMillis);
  }

  /** Stops the batch threads (after running what is queued). */
  @Override
  public void close() {
    if (batcher != null) {
      batcher.close();
    }
  }
}
