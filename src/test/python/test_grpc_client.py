"""dynconv's model server answered TF-Serving's gRPC API as TF-Serving's own client expects.

PythonInteropIT starts `ModelServer` with every interop export and passes its gRPC address in
GRPC_TARGET. Each test calls it through the `tensorflow-serving-api` package (the stubs and
messages TF-Serving publishes) and compares the answers with the same SavedModel run by Python
TensorFlow, which our server code did not produce.
"""
import os

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import classification_pb2
from tensorflow_serving.apis import get_model_metadata_pb2
from tensorflow_serving.apis import get_model_status_pb2
from tensorflow_serving.apis import model_service_pb2_grpc
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc

from conftest import load_json
from test_savedmodel_interop import ALL
from test_serving_client import inputs, python_outputs


@pytest.fixture(scope="session")
def channel():
    target = os.environ.get("GRPC_TARGET")
    if not target:
        pytest.fail("GRPC_TARGET is not set; run these tests through 'mvn verify'")
    with grpc.insecure_channel(target, options=[("grpc.max_receive_message_length",
                                                 64 << 20)]) as ch:
        yield ch


def predict(channel, model, x, signature="serving_default", outputs=()):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.model_spec.signature_name = signature
    request.inputs["images"].CopyFrom(tf.make_tensor_proto(x, dtype=tf.float32))
    request.output_filter.extend(outputs)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    return stub.Predict(request, timeout=120)


@pytest.mark.parametrize("model", ALL)
@pytest.mark.parametrize("signature", ["serving_default", "routing"])
def test_predict_matches_python(channel, interop_dir, model, signature):
    x = inputs(interop_dir, model, 3)
    response = predict(channel, model, x, signature)
    expected = python_outputs(interop_dir, model, signature, x)
    assert set(response.outputs) == set(expected)
    for key, want in expected.items():
        got = tf.make_ndarray(response.outputs[key])
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=key)
    assert response.model_spec.name == model
    assert response.model_spec.version.value == 1
    assert response.model_spec.signature_name == signature


@pytest.mark.parametrize("model", ALL)
def test_predict_equals_java_predictor(channel, interop_dir, model):
    """The issue's bar: the answer equals Predictor's (recorded by Java) within 1e-6."""
    e = load_json(interop_dir / model / "expected.json")
    response = predict(channel, model, inputs(interop_dir, model, 5))
    for key in ("logits", "probabilities"):
        got = tf.make_ndarray(response.outputs[key]).reshape(5, -1)
        want = np.asarray(e["batch5"][key], np.float32).reshape(5, -1)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=key)


def test_output_filter_returns_only_the_outputs_asked_for(channel, interop_dir):
    x = inputs(interop_dir, "small-cnn-condconv", 2)
    response = predict(channel, "small-cnn-condconv", x, outputs=["probabilities"])
    assert set(response.outputs) == {"probabilities"}


@pytest.mark.parametrize("model", ["small-cnn-condconv", "small-cnn-dcd"])
def test_metadata_is_the_savedmodels_signatures(channel, interop_dir, model):
    request = get_model_metadata_pb2.GetModelMetadataRequest()
    request.model_spec.name = model
    request.metadata_field.append("signature_def")
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    response = stub.GetModelMetadata(request, timeout=60)
    defs = get_model_metadata_pb2.SignatureDefMap()
    response.metadata["signature_def"].Unpack(defs)
    loaded = tf.saved_model.load(str(interop_dir / model / "savedmodel"))
    assert set(defs.signature_def) == set(loaded.signatures)
    for name, sig in loaded.signatures.items():
        d = defs.signature_def[name]
        assert d.method_name == "tensorflow/serving/predict"
        assert set(d.outputs) == set(sig.structured_outputs), name
        assert d.inputs["images"].dtype == tf.float32.as_datatype_enum
        spec = sig.structured_input_signature[1]["images"]
        assert [dim.size for dim in d.inputs["images"].tensor_shape.dim] == \
            [-1 if s is None else s for s in spec.shape.as_list()]


def test_model_status_is_available(channel):
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = "small-cnn-condconv"
    stub = model_service_pb2_grpc.ModelServiceStub(channel)
    response = stub.GetModelStatus(request, timeout=60)
    [status] = response.model_version_status
    assert status.version == 1
    assert status.state == get_model_status_pb2.ModelVersionStatus.AVAILABLE
    assert status.status.error_code == 0


def test_classify_is_refused_as_tf_serving_refuses_it(channel):
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = "small-cnn-condconv"
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    with pytest.raises(grpc.RpcError) as e:
        stub.Classify(request, timeout=60)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert e.value.details() == ("Expected classification signature method_name to be"
                                 " tensorflow/serving/classify. Was: tensorflow/serving/predict")


def test_unknown_model_is_not_found(channel, interop_dir):
    x = inputs(interop_dir, "small-cnn-condconv", 1)
    with pytest.raises(grpc.RpcError) as e:
        predict(channel, "resnet", x)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    assert e.value.details() == "Servable not found for request: Latest(resnet)"
