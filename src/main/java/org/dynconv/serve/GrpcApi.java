package org.dynconv.serve;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.dynconv.data.DataFormatError;
import org.dynconv.infer.Predictor;
import org.dynconv.infer.Predictor.FloatTensor;
import org.tensorflow.Signature;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import tensorflow.serving.Classification.ClassificationRequest;
import tensorflow.serving.Classification.ClassificationResponse;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;
import tensorflow.serving.RegressionOuterClass.RegressionRequest;
import tensorflow.serving.RegressionOuterClass.RegressionResponse;

/**
 * TF-Serving's gRPC API over the models {@link RestApi} serves, with TF-Serving's own messages
 * (compiled from its definitions at build time; TensorFlow's messages are TF Java's classes):
 *
 * <ul>
 *   <li>{@code PredictionService.Predict}: float32 inputs of the signature ({@code float_val} or
 *       {@code tensor_content}), outputs as float32 {@code tensor_content}, {@code output_filter}
 *       honoured;
 *   <li>{@code PredictionService.GetModelMetadata}: {@code signature_def} (a {@code
 *       SignatureDefMap} in an {@code Any}), the only field TF-Serving has;
 *   <li>{@code PredictionService.Classify} and {@code Regress}: INVALID_ARGUMENT with TF-Serving's
 *       message, as it answers for predict signatures (dynconv exports have no other kind);
 *   <li>{@code ModelService.GetModelStatus}: the served version, AVAILABLE.
 * </ul>
 *
 * Errors carry TF-Serving's codes: INVALID_ARGUMENT (bad tensors, unknown signature, too large a
 * batch), NOT_FOUND (unknown model or version), UNAVAILABLE (predictions in flight at the limit,
 * a full batch queue, and, from grpc-java, a call begun after the server began to stop), INTERNAL
 * otherwise. A request runs through the {@link
 * Runs} shared with the REST API once gRPC has received it and it is checked.
 */
final class GrpcApi {
  private final Map<String, ServedModel> models;
  private final Runs runs;

  /** @param runs how predictions run, shared with the REST API */
  GrpcApi(Map<String, ServedModel> models, Runs runs) {
    this.models = models;
    this.runs = runs;
  }

    PredictionServiceGrpc.PredictionServiceImplBase predictionService() {
    return new PredictionServiceGrpc.PredictionServiceImplBase() {
      @Override
      public void predict(PredictRequest request, StreamObserver<PredictResponse> out) {
        answer(out, () -> GrpcApi.this.predict(request));
      }

      @Override
      public void getModelMetadata(GetModelMetadataRequest request,
          StreamObserver<GetModelMetadataResponse> out) {
        answer(out, () -> metadata(request));
      }

      @Override
      public void classify(ClassificationRequest request,
          StreamObserver<ClassificationResponse> out) {
        answer(out, () -> refuse(request.getModelSpec(), true));
      }

      @Override
      public void regress(RegressionRequest request, StreamObserver<RegressionResponse> out) {
        answer(out, () -> refuse(request.getModelSpec(), false));
      }
    };
  }

  ModelServiceGrpc.ModelServiceImplBase modelService() {
    return new ModelServiceGrpc.ModelServiceImplBase() {
      @Override
      public void getModelStatus(GetModelStatusRequest request,
          StreamObserver<GetModelStatusResponse> out) {
        answer(out, () -> status(request));
      }
    };
  }

  /** Completes a call with {@code body}'s answer, or with the status its error maps to. */
  private <T> void answer(StreamObserver<T> out, Supplier<T> body) {
    T response;
    try {
      response = body.get();
    } catch (RestApi.ApiError e) {
      out.onError(status(e.status).withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (IllegalArgumentException | DataFormatError e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    } catch (RuntimeException e) {
      out.onError(Status.INTERNAL.withDescription(e.getClass().getSimpleName() + ": "
          + e.getMessage()).asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  /** TF-Serving's gRPC code for one of {@link RestApi}'s HTTP statuses. */
  private static Status status(int http) {
    return switch (http) {
      case 400 -> Status.INVALID_ARGUMENT;
      case 404 -> Status.NOT_FOUND;
      case 413 -> Status.RESOURCE_EXHAUSTED;
      case 503 -> Status.UNAVAILABLE;
      default -> Status.INTERNAL;
    };
  }

  private ServedModel model(ModelSpec spec) {
    if (spec.getName().isEmpty()) {
      throw new IllegalArgumentException("Missing ModelSpec");
    }
    ServedModel m = models.get(spec.getName());
    if (m == null) {
      throw new RestApi.ApiError(404, "Servable not found for request: "
          + (spec.hasVersion() ? "Specific(" + spec.getName() + ", " + spec.getVersion().getValue()
              + ")" : "Latest(" + spec.getName() + ")"));
    }
    if (spec.getVersionChoiceCase() == ModelSpec.VersionChoiceCase.VERSION_LABEL) {
      throw new IllegalArgumentException("version_label '" + spec.getVersionLabel() + "' is not"
          + " supported; dynconv serves one version per model (give version or neither)");
    }
    return m;
  }

  private static Long version(ModelSpec spec) {
    return spec.hasVersion() ? spec.getVersion().getValue() : null;
  }

  private static ModelSpec answered(String name, ServedVersion v, String signature) {
    return ModelSpec.newBuilder().setName(name).setVersion(Int64Value.of(v.version()))
        .setSignatureName(signature).build();
  }

  private PredictResponse predict(PredictRequest request) {
    ModelSpec spec = request.getModelSpec();
    ServedModel model = model(spec);
    return RestApi.withVersion(model, version(spec), v -> {
      Predictor p = v.predictor();
      String key = spec.getSignatureName().isEmpty() ? Signature.DEFAULT_KEY
          : spec.getSignatureName();
      Signature sig = p.signatures().stream().filter(s -> s.key().equals(key)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("Serving signature name: \"" + key
              + "\" not found in signature def"));
      if (!sig.getInputs().keySet().equals(request.getInputsMap().keySet())) {
        throw new IllegalArgumentException("Request inputs do not match required inputs for model"
            + " `" + model.name() + "`. Send extra: " + minus(request.getInputsMap().keySet(),
                sig.getInputs().keySet()) + ". Missing but required: "
            + minus(sig.getInputs().keySet(), request.getInputsMap().keySet()) + ".");
      }
      for (String o : request.getOutputFilterList()) {
        if (!sig.getOutputs().containsKey(o)) {
          throw new IllegalArgumentException("output tensor alias not found in signature: " + o
              + " Outputs expected to be in the set " + sig.getOutputs().keySet() + ".");
        }
      }
      Map<String, FloatTensor> inputs = new LinkedHashMap<>();
      request.getInputsMap().forEach((k, t) -> inputs.put(k, floats(k, t)));
      Map<String, FloatTensor> outputs = runs.run(p, key, inputs);
      PredictResponse.Builder r = PredictResponse.newBuilder()
          .setModelSpec(answered(model.name(), v, key));
      outputs.forEach((k, t) -> {
        if (request.getOutputFilterCount() == 0 || request.getOutputFilterList().contains(k)) {
          r.putOutputs(k, tensor(t));
        }
      });
      return r.build();
    });
  }

  private static List<String> minus(java.util.Set<String> a, java.util.Set<String> b) {
    return a.stream().filter(x -> !b.contains(x)).sorted().toList();
  }

  /**
   * The values of a float32 {@code TensorProto}, from {@code tensor_content} (little-endian) or
   * {@code float_val}; one {@code float_val} fills the whole shape, as TensorFlow reads it.
   */
  static FloatTensor floats(String name, TensorProto t) {
    if (t.getDtype() != DataType.DT_FLOAT) {
      throw new IllegalArgumentException("input '" + name + "' has dtype " + t.getDtype()
          + "; expected DT_FLOAT");
    }
    long[] shape = new long[t.getTensorShape().getDimCount()];
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.getTensorShape().getDim(i).getSize();
      if (shape[i] < 0) {
        throw new IllegalArgumentException("input '" + name + "' has dimension " + shape[i]
            + "; expected sizes >= 0");
      }
      n = Math.multiplyExact(n, shape[i]);
    }
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("input '" + name + "' has " + n + " values; expected at"
          + " most " + Integer.MAX_VALUE);
    }
    float[] v = new float[(int) n];
    ByteString content = t.getTensorContent();
    if (!content.isEmpty()) {
      if (content.size() != 4L * n) {
        throw new IllegalArgumentException("input '" + name + "': tensor_content holds "
            + content.size() + " bytes; expected " + 4L * n + " for shape " + java.util.Arrays.toString(shape));
      }
      content.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
    } else if (t.getFloatValCount() == n) {
      for (int i = 0; i < n; i++) {
        v[i] = t.getFloatVal(i);
      }
    } else if (t.getFloatValCount() == 1) {
      java.util.Arrays.fill(v, t.getFloatVal(0));
    } else {
      throw new IllegalArgumentException("input '" + name + "': " + t.getFloatValCount()
          + " float_val values for shape " + java.util.Arrays.toString(shape) + "; expected " + n + " (or one,"
          + " or tensor_content)");
    }
    for (float f : v) {
      if (!Float.isFinite(f)) {
        throw new IllegalArgumentException("input '" + name + "' holds " + f + "; expected"
            + " finite values");
      }
    }
    return new FloatTensor(shape, v);
  }

  /** A float32 {@code TensorProto} with {@code tensor_content} in little-endian order. */
  static TensorProto tensor(FloatTensor t) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : t.shape()) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    ByteBuffer b = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(t.values());
    return TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape)
        .setTensorContent(ByteString.copyFrom(b.array())).build();
  }

  private GetModelMetadataResponse metadata(GetModelMetadataRequest request) {
    ModelSpec spec = request.getModelSpec();
    ServedModel model = model(spec);
    if (request.getMetadataFieldCount() == 0) {
      throw new IllegalArgumentException("GetModelMetadataRequest must specify at least one"
          + " metadata_field");
    }
    for (String f : request.getMetadataFieldList()) {
      if (!f.equals("signature_def")) {
        throw new IllegalArgumentException("Metadata field " + f + " is not supported");
      }
    }
    return RestApi.withVersion(model, version(spec), v -> {
      SignatureDefMap.Builder defs = SignatureDefMap.newBuilder();
      for (Signature s : v.predictor().signatures()) {
        SignatureDef.Builder d = SignatureDef.newBuilder().setMethodName(s.methodName());
        s.getInputs().forEach((k, t) -> d.putInputs(k, info(t)));
        s.getOutputs().forEach((k, t) -> d.putOutputs(k, info(t)));
        defs.putSignatureDef(s.key(), d.build());
      }
      return GetModelMetadataResponse.newBuilder()
          .setModelSpec(answered(model.name(), v, ""))
          .putMetadata("signature_def", Any.pack(defs.build())).build();
    });
  }

  private static TensorInfo info(Signature.TensorDescription t) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    if (t.shape.isUnknown()) {
      shape.setUnknownRank(true);
    } else {
      for (int i = 0; i < t.shape.numDimensions(); i++) {
        shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(t.shape.size(i)));
      }
    }
    return TensorInfo.newBuilder().setName(t.name).setDtype(t.dataType).setTensorShape(shape)
        .build();
  }

  private <T> T refuse(ModelSpec spec, boolean classify) {
    ServedModel model = model(spec);
    return RestApi.withVersion(model, version(spec), v -> {
      throw RestApi.refusal(v.predictor(), spec.getSignatureName(), classify);
    });
  }

  private GetModelStatusResponse status(GetModelStatusRequest request) {
    ModelSpec spec = request.getModelSpec();
    ServedModel model = models.get(spec.getName());
    if (model == null) {
      throw new RestApi.ApiError(404, "Could not find any versions of model " + spec.getName());
    }
    ServedVersion v = model.current();
    if (v == null) {
      throw new RestApi.ApiError(503, "model '" + model.name() + "' is being unloaded");
    }
    if (spec.hasVersion() && spec.getVersion().getValue() != v.version()) {
      throw new RestApi.ApiError(404, "Could not find version " + spec.getVersion().getValue()
          + " of model " + spec.getName());
    }
    return GetModelStatusResponse.newBuilder().addModelVersionStatus(ModelVersionStatus
        .newBuilder().setVersion(v.version()).setState(ModelVersionStatus.State.AVAILABLE)
        .setStatus(tensorflow.serving.Status.StatusProto.newBuilder()
            .setErrorCode(org.tensorflow.proto.error.Code.OK))).build();
  }
}
