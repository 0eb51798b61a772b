package dev.attentiondrop.serving.grpc;

import dev.attentiondrop.serving.ServingCore;
import dev.attentiondrop.serving.ServingCore.Prediction;
import dev.attentiondrop.serving.ServingException;
import dev.attentiondrop.serving.proto.ClassificationRequest;
import dev.attentiondrop.serving.proto.ClassificationResponse;
import dev.attentiondrop.serving.proto.GetModelMetadataRequest;
import dev.attentiondrop.serving.proto.GetModelMetadataResponse;
import dev.attentiondrop.serving.proto.GetModelStatusRequest;
import dev.attentiondrop.serving.proto.GetModelStatusResponse;
import dev.attentiondrop.serving.proto.ModelServiceGrpc;
import dev.attentiondrop.serving.proto.MultiInferenceRequest;
import dev.attentiondrop.serving.proto.MultiInferenceResponse;
import dev.attentiondrop.serving.proto.PredictRequest;
import dev.attentiondrop.serving.proto.PredictResponse;
import dev.attentiondrop.serving.proto.PredictionServiceGrpc;
import dev.attentiondrop.serving.proto.RegressionRequest;
import dev.attentiondrop.serving.proto.RegressionResponse;
import dev.attentiondrop.serving.proto.ReloadConfigRequest;
import dev.attentiondrop.serving.proto.ReloadConfigResponse;
import dev.attentiondrop.serving.tensor.HostTensor;
import dev.attentiondrop.serving.tensor.TensorProtoCodec;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.tensorflow.proto.TensorProto;

/**
 * TF Serving's gRPC services, {@code tensorflow.serving.PredictionService} (Predict,
 * GetModelMetadata; Classify, Regress and MultiInference answer UNIMPLEMENTED) and {@code
 * tensorflow.serving.ModelService} (GetModelStatus; HandleReloadConfigRequest answers
 * UNIMPLEMENTED), over a {@link ServingCore}. A client's deadline is the request's deadline.
 */
public final class GrpcApi {
  private static final String API = "grpc";

  private GrpcApi() {}

  /**
   * The two services.
   *
   * @param core the shared request path
   * @return PredictionService and ModelService
   */
  public static List<BindableService> services(ServingCore core) {
    return List.of(new Predictions(core), new Models(core));
  }

  private static <T> void answer(StreamObserver<T> out, Supplier<T> call) {
    T response;
    try {
      response = call.get();
    } catch (ServingException e) {
      out.onError(
          Status.fromCodeValue(e.code().number()).withDescription(e.getMessage()).asException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  private static long deadlineNanos() {
    Deadline d = Context.current().getDeadline();
    return d == null ? Long.MAX_VALUE : System.nanoTime() + d.timeRemaining(TimeUnit.NANOSECONDS);
  }

  private static <T> void unimplemented(StreamObserver<T> out, String method) {
    out.onError(
        Status.UNIMPLEMENTED
            .withDescription(method + " is not implemented by this server; use Predict")
            .asException());
  }

  private static final class Predictions extends PredictionServiceGrpc.PredictionServiceImplBase {
    private final ServingCore core;

    Predictions(ServingCore core) {
      this.core = core;
    }

    @Override
    public void predict(PredictRequest request, StreamObserver<PredictResponse> out) {
      long deadline = deadlineNanos();
      String model = request.getModelSpec().getName();
      answer(
          out,
          () ->
              core.call(
                  API,
                  "predict",
                  model,
                  () -> {
                    Map<String, HostTensor> inputs = new LinkedHashMap<>();
                    for (Map.Entry<String, TensorProto> e : request.getInputsMap().entrySet()) {
                      inputs.put(e.getKey(), TensorProtoCodec.decode(e.getKey(), e.getValue()));
                    }
                    Prediction p =
                        core.predict(
                            request.getModelSpec(),
                            signature -> inputs,
                            request.getOutputFilterList(),
                            deadline);
                    PredictResponse.Builder b = PredictResponse.newBuilder().setModelSpec(p.spec());
                    p.outputs().forEach((k, v) -> b.putOutputs(k, TensorProtoCodec.encode(v)));
                    return b.build();
                  }));
    }

    @Override
    public void getModelMetadata(
        GetModelMetadataRequest request, StreamObserver<GetModelMetadataResponse> out) {
      answer(
          out,
          () ->
              core.call(
                  API, "metadata", request.getModelSpec().getName(), () -> core.metadata(request)));
    }

    @Override
    public void classify(
        ClassificationRequest request, StreamObserver<ClassificationResponse> out) {
      unimplemented(out, "Classify");
    }

    @Override
    public void regress(RegressionRequest request, StreamObserver<RegressionResponse> out) {
      unimplemented(out, "Regress");
    }

    @Override
    public void multiInference(
        MultiInferenceRequest request, StreamObserver<MultiInferenceResponse> out) {
      unimplemented(out, "MultiInference");
    }
  }

  private static final class Models extends ModelServiceGrpc.ModelServiceImplBase {
    private final ServingCore core;

    Models(ServingCore core) {
      this.core = core;
    }

    @Override
    public void getModelStatus(
        GetModelStatusRequest request, StreamObserver<GetModelStatusResponse> out) {
      answer(
          out,
          () ->
              core.call(
                  API, "status", request.getModelSpec().getName(), () -> core.status(request)));
    }

    @Override
    public void handleReloadConfigRequest(
        ReloadConfigRequest request, StreamObserver<ReloadConfigResponse> out) {
      unimplemented(out, "HandleReloadConfigRequest");
    }
  }
}
