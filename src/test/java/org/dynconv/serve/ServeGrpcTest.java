package org.dynconv.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.dynconv.data.Preprocess;
import org.dynconv.graph.Threads;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import tensorflow.serving.Classification.ClassificationRequest;
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

/**
 * TF-Serving's gRPC API, called with grpc-java's client stubs generated from TF-Serving's own
 * definitions: Predict reproduces the logits Python TensorFlow recorded for the committed
 * SavedModel (samples.json), metadata equals the SavedModel's own SignatureDef, and every error
 * carries TF-Serving's status code and message.
 */
class ServeGrpcTest {
  static final Path MODEL = Path.of("savedmodels", "small-cnn-condconv");
  static ModelServer server;
  static ManagedChannel channel;
  static PredictionServiceGrpc.PredictionServiceBlockingStub predict;
  static float[] inputs;
  static float[] logits;

  @BeforeAll
  static void start() throws IOException {
    server = ModelServer.start(Map.of("cnn", MODEL), new ModelServer.Options("127.0.0.1", 0, 0, 2,
        1 << 20, 128, 0.2, Preprocess.EXACT, 10_000, 30, null), Threads.defaults(),
        new PrintStream(new ByteArrayOutputStream()));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    predict = PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2,
        TimeUnit.MINUTES);
    String samples = Files.readString(MODEL.resolve("samples.json"));
    inputs = Json.readFloats(samples, "inputs");
    logits = Json.readFloats(samples, "logits");
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.stop(5);
  }

  static ModelSpec spec(String name) {
    return ModelSpec.newBuilder().setName(name).build();
  }

  static TensorProto.Builder images(int batch) {
    return TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(batch, 28,
        28, 1));
  }

  static TensorShapeProto shape(long... dims) {
    TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
    for (long d : dims) {
      b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return b.build();
  }

  static ByteString bytes(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return ByteString.copyFrom(b.array());
  }

  static float[] floats(TensorProto t) {
    float[] v = new float[t.getTensorContent().size() / 4];
    t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
        .get(v);
    return v;
  }

  @Test
  void predictReproducesPythonTensorFlowsLogits() {
    // float_val, as tf.make_tensor_proto writes small tensors, and tensor_content, as it writes
    // large ones.
    TensorProto.Builder byValues = images(5);
    for (float f : inputs) {
      byValues.addFloatVal(f);
    }
    for (TensorProto t : new TensorProto[] {byValues.build(),
        images(5).setTensorContent(bytes(inputs)).build()}) {
      PredictResponse r = predict.predict(PredictRequest.newBuilder().setModelSpec(spec("cnn"))
          .putInputs("images", t).addOutputFilter("logits").build());
      assertEquals(java.util.Set.of("logits"), r.getOutputsMap().keySet());
      TensorProto out = r.getOutputsOrThrow("logits");
      assertEquals(shape(5, 10), out.getTensorShape());
      AllClose.assertRelClose(AllClose.toDouble(logits), floats(out), 1e-4, "gRPC logits");
      assertEquals("cnn", r.getModelSpec().getName());
      assertEquals(1, r.getModelSpec().getVersion().getValue());
      assertEquals("serving_default", r.getModelSpec().getSignatureName());
    }
  }

  @Test
  void aBatchLargerThanOneRunIsAnsweredWhole() {
    // 100 images run in parts of RestApi.ROWS_PER_RUN; image i is sample i % 5.
    float[] x = new float[100 * 784];
    for (int i = 0; i < 100; i++) {
      System.arraycopy(inputs, (i % 5) * 784, x, i * 784, 784);
    }
    PredictResponse r = predict.predict(PredictRequest.newBuilder().setModelSpec(spec("cnn"))
        .putInputs("images", images(100).setTensorContent(bytes(x)).build()).build());
    float[] out = floats(r.getOutputsOrThrow("logits"));
    for (int i = 0; i < 100; i++) {
      int s = i % 5;
      AllClose.assertRelClose(AllClose.toDouble(Arrays.copyOfRange(logits, s * 10, s * 10 + 10)),
          Arrays.copyOfRange(out, i * 10, i * 10 + 10), 1e-4, "image " + i);
    }
    assertTrue(r.getOutputsMap().containsKey("probabilities"), r.getOutputsMap().keySet()
        .toString());
  }

  @Test
  void metadataIsTheSavedModelsOwnSignatureDef() throws Exception {
    GetModelMetadataResponse r = predict.getModelMetadata(GetModelMetadataRequest.newBuilder()
        .setModelSpec(spec("cnn")).addMetadataField("signature_def").build());
    SignatureDefMap defs = r.getMetadataOrThrow("signature_def").unpack(SignatureDefMap.class);
    try (SavedModelBundle b = SavedModelBundle.load(MODEL.toString(), "serve")) {
      Map<String, SignatureDef> own = b.metaGraphDef().getSignatureDefMap();
      assertEquals(own.keySet(), defs.getSignatureDefMap().keySet());
      own.forEach((k, d) -> {
        SignatureDef served = defs.getSignatureDefOrThrow(k);
        assertEquals(d.getMethodName(), served.getMethodName(), k);
        assertEquals(d.getInputsMap(), served.getInputsMap(), k);
        assertEquals(d.getOutputsMap(), served.getOutputsMap(), k);
      });
    }
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> predict.getModelMetadata(GetModelMetadataRequest.newBuilder()
            .setModelSpec(spec("cnn")).addMetadataField("labels").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "Metadata field labels is not supported", e);
  }

  @Test
  void statusIsAvailable() {
    ModelServiceGrpc.ModelServiceBlockingStub models = ModelServiceGrpc.newBlockingStub(channel);
    GetModelStatusResponse r = models.getModelStatus(GetModelStatusRequest.newBuilder()
        .setModelSpec(spec("cnn")).build());
    assertEquals(1, r.getModelVersionStatusCount());
    assertEquals(1, r.getModelVersionStatus(0).getVersion());
    assertEquals(ModelVersionStatus.State.AVAILABLE, r.getModelVersionStatus(0).getState());
    assertEquals(org.tensorflow.proto.error.Code.OK,
        r.getModelVersionStatus(0).getStatus().getErrorCode());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> models.getModelStatus(GetModelStatusRequest.newBuilder().setModelSpec(spec("nope"))
            .build()));
    assertStatus(Status.Code.NOT_FOUND, "Could not find any versions of model nope", e);
  }

  @Test
  void errorsCarryTfServingsCodesAndMessages() {
    TensorProto ok = images(1).setTensorContent(bytes(Arrays.copyOf(inputs, 784))).build();
    assertStatus(Status.Code.NOT_FOUND, "Servable not found for request: Latest(nope)",
        assertThrows(StatusRuntimeException.class, () -> predict.predict(PredictRequest
            .newBuilder().setModelSpec(spec("nope")).putInputs("images", ok).build())));
    assertStatus(Status.Code.NOT_FOUND, "Servable not found for request: Specific(cnn, 7);"
        + " serving version 1", assertThrows(StatusRuntimeException.class,
            () -> predict.predict(PredictRequest.newBuilder().setModelSpec(spec("cnn").toBuilder()
                .setVersion(Int64Value.of(7))).putInputs("images", ok).build())));
    assertStatus(Status.Code.INVALID_ARGUMENT, "input 'images' has dtype DT_DOUBLE; expected"
        + " DT_FLOAT", assertThrows(StatusRuntimeException.class, () -> predict.predict(
            PredictRequest.newBuilder().setModelSpec(spec("cnn")).putInputs("images",
                ok.toBuilder().setDtype(DataType.DT_DOUBLE).build()).build())));
    assertStatus(Status.Code.INVALID_ARGUMENT, "input 'images': tensor_content holds 3136 bytes;"
        + " expected 6272 for shape [2, 28, 28, 1]", assertThrows(StatusRuntimeException.class,
            () -> predict.predict(PredictRequest.newBuilder().setModelSpec(spec("cnn"))
                .putInputs("images", ok.toBuilder().setTensorShape(shape(2, 28, 28, 1)).build())
                .build())));
    assertStatus(Status.Code.INVALID_ARGUMENT, "Serving signature name: \"nope\" not found in"
        + " signature def", assertThrows(StatusRuntimeException.class, () -> predict.predict(
            PredictRequest.newBuilder().setModelSpec(spec("cnn").toBuilder()
                .setSignatureName("nope")).putInputs("images", ok).build())));
    assertStatus(Status.Code.INVALID_ARGUMENT, "Request inputs do not match required inputs for"
        + " model `cnn`. Send extra: [pixels]. Missing but required: [images].",
        assertThrows(StatusRuntimeException.class, () -> predict.predict(PredictRequest
            .newBuilder().setModelSpec(spec("cnn")).putInputs("pixels", ok).build())));
    // A batch of 129 exceeds this server's --max-batch 128 (one float_val fills the shape).
    assertStatus(Status.Code.INVALID_ARGUMENT, "a batch of 129 exceeds the limit of 128"
        + " (--max-batch)", assertThrows(StatusRuntimeException.class, () -> predict.predict(
            PredictRequest.newBuilder().setModelSpec(spec("cnn")).putInputs("images",
                images(129).addFloatVal(0).build()).build())));
    // A message over this server's 1 MiB limit is refused while it arrives (RESOURCE_EXHAUSTED;
    // a client still sending sees the stream reset, CANCELLED), and the server goes on serving.
    StatusRuntimeException big = assertThrows(StatusRuntimeException.class,
        () -> predict.predict(PredictRequest.newBuilder().setModelSpec(spec("cnn"))
            .putInputs("images", images(400).setTensorContent(bytes(new float[400 * 784]))
                .build()).build()));
    assertTrue(big.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
        || big.getStatus().getCode() == Status.Code.CANCELLED, big.toString());
    assertEquals(1, predict.predict(PredictRequest.newBuilder().setModelSpec(spec("cnn"))
        .putInputs("images", ok).build()).getOutputsOrThrow("logits").getTensorShape()
        .getDim(0).getSize());
  }

  @Test
  void classifyAndRegressAreRefusedAsTfServingRefusesThem() {
    assertStatus(Status.Code.INVALID_ARGUMENT, "Expected classification signature method_name to"
        + " be tensorflow/serving/classify. Was: tensorflow/serving/predict",
        assertThrows(StatusRuntimeException.class, () -> predict.classify(
            ClassificationRequest.newBuilder().setModelSpec(spec("cnn")).build())));
    assertStatus(Status.Code.INVALID_ARGUMENT, "Expected regression signature method_name to be"
        + " tensorflow/serving/regress. Was: tensorflow/serving/predict",
        assertThrows(StatusRuntimeException.class, () -> predict.regress(
            RegressionRequest.newBuilder().setModelSpec(spec("cnn")).build())));
  }

  static void assertStatus(Status.Code code, String message, StatusRuntimeException e) {
    assertEquals(code, e.getStatus().getCode(), e.toString());
    assertEquals(message, e.getStatus().getDescription());
  }
}
