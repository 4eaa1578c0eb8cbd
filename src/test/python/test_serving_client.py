"""dynconv's model server answered as a TF-Serving client expects, checked against Python TensorFlow.

PythonInteropIT starts `ModelServer` on a free port with every interop export and passes its base
URL in SERVE_URL. Each test sends what a client of TF-Serving's REST API sends (plain urllib, the
request bodies of https://www.tensorflow.org/tfx/serving/api_rest) and compares the answer with
the same SavedModel run by Python TensorFlow, which our server code did not produce.
"""
import base64
import json
import os
import urllib.error
import urllib.request

import numpy as np
import pytest
import tensorflow as tf

from conftest import load_json
from test_savedmodel_interop import ALL


@pytest.fixture(scope="session")
def serve_url():
    url = os.environ.get("SERVE_URL")
    if not url:
        pytest.fail("SERVE_URL is not set; run these tests through 'mvn verify'")
    return url


def call(url, body=None):
    """(status, parsed JSON) of a GET (body None) or a POST of `body` (a dict or raw bytes)."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def python_outputs(interop_dir, model, signature, x):
    loaded = tf.saved_model.load(str(interop_dir / model / "savedmodel"))
    out = loaded.signatures[signature](images=tf.constant(x))
    return {k: v.numpy() for k, v in out.items()}


def inputs(interop_dir, model, n):
    e = load_json(interop_dir / model / "expected.json")
    return np.asarray(e["inputs"], dtype=np.float32).reshape(e["inputs_shape"])[:n]


@pytest.mark.parametrize("model", ALL)
def test_status_and_metadata(serve_url, interop_dir, model):
    status, body = call(f"{serve_url}/v1/models/{model}")
    assert status == 200, body
    states = [v["state"] for v in body["model_version_status"]]
    assert states == ["AVAILABLE"], body
    status, meta = call(f"{serve_url}/v1/models/{model}/metadata")
    assert status == 200, meta
    defs = meta["metadata"]["signature_def"]["signature_def"]
    loaded = tf.saved_model.load(str(interop_dir / model / "savedmodel"))
    assert set(defs) == set(loaded.signatures)
    for name, sig in loaded.signatures.items():
        assert set(defs[name]["outputs"]) == set(sig.structured_outputs), name
        assert set(defs[name]["inputs"]) == {"images"}, name
        assert defs[name]["inputs"]["images"]["dtype"] == "DT_FLOAT"


@pytest.mark.parametrize("model", ALL)
@pytest.mark.parametrize("signature", ["serving_default", "routing"])
def test_row_format_matches_python(serve_url, interop_dir, model, signature):
    x = inputs(interop_dir, model, 3)
    status, body = call(f"{serve_url}/v1/models/{model}:predict",
                        {"signature_name": signature, "instances": x.tolist()})
    assert status == 200, body
    expected = python_outputs(interop_dir, model, signature, x)
    rows = body["predictions"]
    assert len(rows) == 3
    # TF-Serving's row format: one object per instance keyed by output name (several outputs).
    for key, want in expected.items():
        got = np.asarray([row[key] for row in rows], dtype=np.float32)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("model", ALL)
def test_row_format_equals_java_predictor(serve_url, interop_dir, model):
    """The issue's bar: the served answer equals Predictor's (recorded by Java) within 1e-6."""
    e = load_json(interop_dir / model / "expected.json")
    x = inputs(interop_dir, model, 5)
    status, body = call(f"{serve_url}/v1/models/{model}:predict", {"instances": x.tolist()})
    assert status == 200, body
    for key in ("logits", "probabilities"):
        got = np.asarray([row[key] for row in body["predictions"]], np.float32)
        want = np.asarray(e["batch5"][key], np.float32).reshape(5, -1)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("model", ["small-cnn-condconv", "small-cnn-dcd"])
def test_columnar_format_matches_python(serve_url, interop_dir, model):
    x = inputs(interop_dir, model, 2)
    status, body = call(f"{serve_url}/v1/models/{model}/versions/1:predict",
                        {"inputs": {"images": x.tolist()}})
    assert status == 200, body
    expected = python_outputs(interop_dir, model, "serving_default", x)
    assert set(body["outputs"]) == set(expected)
    for key, want in expected.items():
        np.testing.assert_allclose(np.asarray(body["outputs"][key], np.float32), want,
                                   rtol=1e-5, atol=1e-6, err_msg=key)


def test_b64_png_matches_raw_pixels(serve_url, interop_dir):
    model = "small-cnn-odconv"
    x = inputs(interop_dir, model, 2)
    pngs = [tf.io.encode_png(tf.constant(img.astype(np.uint8))).numpy() for img in x]
    status, body = call(f"{serve_url}/v1/models/{model}:predict",
                        {"instances": [{"b64": base64.b64encode(p).decode()} for p in pngs]})
    assert status == 200, body
    expected = python_outputs(interop_dir, model, "serving_default", x)
    got = np.asarray([row["probabilities"] for row in body["predictions"]], np.float32)
    np.testing.assert_allclose(got, expected["probabilities"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("body,status", [
    (b"{not json", 400),
    ({"instances": [[1.0, 2.0]]}, 400),
    ({"signature_name": "nope", "instances": [[0.0]]}, 400),
])
def test_bad_requests_answer_with_an_error_object(serve_url, body, status):
    got, answer = call(f"{serve_url}/v1/models/small-cnn-condconv:predict", body)
    assert got == status, answer
    assert set(answer) == {"error"} and answer["error"], answer


def test_unknown_model_is_404(serve_url):
    status, answer = call(f"{serve_url}/v1/models/resnet:predict", {"instances": [[0.0]]})
    assert status == 404 and "error" in answer, answer
