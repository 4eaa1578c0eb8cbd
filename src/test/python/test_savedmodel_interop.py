"""Python TensorFlow against SavedModels exported by the Java build (CondConv and DynamicConv)."""
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import dynamic_family_reference
import small_cnn_reference
from conftest import load_json

MODELS = ["small-cnn-condconv", "small-cnn-dynamic"]
# Exports of every dynamic family member (ODConv with four kernels among them) and of a model a user
# wrote with dynconv's public layers ("own-net", trained through the same trainer).
ALL = MODELS + ["small-cnn-dcd", "small-cnn-dcd-dycls", "small-cnn-odconv", "small-cnn-odconv4",
                "own-net"]
tf1 = tf.compat.v1


def expected(interop_dir, model):
    e = load_json(interop_dir / model / "expected.json")
    x = np.asarray(e["inputs"], dtype=np.float32).reshape(e["inputs_shape"])
    return e, x


@pytest.mark.parametrize("model", ALL)
@pytest.mark.parametrize("batch", [1, 5])
def test_saved_model_load_matches_java(interop_dir, model, batch):
    e, x = expected(interop_dir, model)
    loaded = tf.saved_model.load(str(interop_dir / model / "savedmodel"))
    # The Java side exported these with a batch-1 copy (export --batch-signatures 1).
    assert set(loaded.signatures.keys()) == {"serving_default", "routing",
                                             "serving_default_batch_1", "routing_batch_1"}
    out = loaded.signatures["serving_default"](images=tf.constant(x[:batch]))
    for key in ("logits", "probabilities"):
        java = np.asarray(e[f"batch{batch}"][key], dtype=np.float32).reshape(batch, 10)
        np.testing.assert_allclose(out[key].numpy(), java, rtol=1e-5, atol=1e-5, err_msg=key)
    if batch == 1:
        # Java's Predictor ran the batch-1 copy; the dynamic signature above agrees with it, and
        # so does the copy run from Python.
        copy = loaded.signatures["serving_default_batch_1"](images=tf.constant(x[:1]))
        for key in ("logits", "probabilities"):
            np.testing.assert_allclose(copy[key].numpy(), out[key].numpy(), rtol=1e-5, atol=1e-5,
                                       err_msg=key)
    routing = loaded.signatures["routing"](images=tf.constant(x[:batch]))
    assert set(routing.keys()) == set(e[f"batch{batch}"]["routing"].keys())
    for key, values in e[f"batch{batch}"]["routing"].items():
        np.testing.assert_allclose(routing[key].numpy().reshape(batch, -1),
                                   np.asarray(values, np.float32).reshape(batch, -1),
                                   rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("model", ALL)
def test_saved_model_cli_show_and_run(interop_dir, model, tmp_path):
    cli = str(pathlib.Path(sys.executable).parent / "saved_model_cli")
    d = str(interop_dir / model / "savedmodel")
    show = subprocess.run([cli, "show", "--dir", d, "--all"], capture_output=True, text=True,
                          check=True).stdout
    assert "signature_def['serving_default']" in show
    assert "signature_def['routing']" in show
    assert "shape: (-1, 28, 28, 1)" in show
    assert "Method name is: tensorflow/serving/predict" in show
    _, x = expected(interop_dir, model)
    np.save(tmp_path / "x.npy", x[:2])
    run = subprocess.run([cli, "run", "--dir", d, "--tag_set", "serve", "--signature_def",
                          "serving_default", "--inputs", f"images={tmp_path / 'x.npy'}",
                          "--outdir", str(tmp_path / "out")],
                         capture_output=True, text=True, check=True)
    assert "probabilities.npy" in run.stdout + run.stderr
    probs = np.load(tmp_path / "out" / "probabilities.npy")
    assert probs.shape == (2, 10)
    np.testing.assert_allclose(probs.sum(axis=1), [1, 1], rtol=1e-5)


# Exports with half-width expert banks (export --bank-dtype), written by PythonInteropIT.
HALF_WIDTH = [("small-cnn-condconv", "bfloat16"), ("small-cnn-condconv", "float16"),
              ("small-cnn-dynamic", "bfloat16"), ("small-cnn-odconv4", "bfloat16")]


@pytest.mark.parametrize("model,dtype", HALF_WIDTH)
def test_half_width_bank_export_loads_and_stores_rounded_banks(interop_dir, model, dtype):
    """Python loads and runs an export with half-width banks and computes Java's logits; its
    checkpoint holds the float32 export's variables under the same names and shapes, the expert
    kernels as that float32 value cast (round to nearest even) to the half-width type and every
    other variable unchanged in float32."""
    e, x = expected(interop_dir, model)
    d = interop_dir / model / f"savedmodel-{dtype}"
    loaded = tf.saved_model.load(str(d))
    got = loaded.signatures["serving_default"](images=tf.constant(x))["logits"].numpy()
    java = np.asarray(e["half_width"][dtype]["logits"], np.float32).reshape(got.shape)
    np.testing.assert_allclose(got, java, rtol=1e-5, atol=1e-5)

    half = tf.train.load_checkpoint(str(d / "variables" / "variables"))
    full = tf.train.load_checkpoint(str(interop_dir / model / "savedmodel" / "variables" /
                                        "variables"))
    half_types = half.get_variable_to_dtype_map()
    assert half_types.keys() == full.get_variable_to_dtype_map().keys()
    narrow = {n for n, t in half_types.items() if t == tf.as_dtype(dtype)}
    assert narrow and all(n.endswith("kernel") for n in narrow), narrow
    for n, t in half_types.items():
        value = full.get_tensor(n)
        if n in narrow:
            expected_value = tf.cast(tf.constant(value), dtype).numpy().astype(np.float32)
            np.testing.assert_array_equal(half.get_tensor(n).astype(np.float32), expected_value,
                                          err_msg=n)
        else:
            assert t == tf.float32, (n, t)
            np.testing.assert_array_equal(half.get_tensor(n), value, err_msg=n)


def reference_logits(model, batch, x, checkpoint):
    graph = tf.Graph()
    with graph.as_default():
        images, logits, variables = small_cnn_reference.build(model, batch)
        saver = tf1.train.Saver(var_list=variables)
        with tf1.Session(graph=graph) as sess:
            saver.restore(sess, checkpoint)
            return sess.run(logits, {images: x})


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("batch", [1, 5])
def test_tf1_reference_restores_export_by_name(interop_dir, model, batch):
    """A per-example-loop implementation restores the export's variables by Google's names and
    computes what Java computed with the export: at batch 1 through the export's batch-1 branch,
    at 5 through its dynamic-batch branch."""
    e, x = expected(interop_dir, model)
    ckpt = str(interop_dir / model / "savedmodel" / "variables" / "variables")
    names = {n for n, _ in tf.train.list_variables(ckpt)}
    graph = tf.Graph()
    with graph.as_default():
        _, _, variables = small_cnn_reference.build(model, 5)
    assert set(variables) == names, f"names differ: {set(variables) ^ names}"
    logits = reference_logits(model, batch, x[:batch], ckpt)
    java = np.asarray(e[f"batch{batch}"]["logits"], dtype=np.float32).reshape(batch, 10)
    np.testing.assert_allclose(logits, java, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("model", MODELS)
def test_python_checkpoint_for_java(interop_dir, model):
    """Writes a TF1 checkpoint with new weights and the reference logits; Java checks them."""
    e, x = expected(interop_dir, model)
    rng = np.random.RandomState(1234)
    out = interop_dir / "python" / model
    out.mkdir(parents=True, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        images, logits, variables = small_cnn_reference.build(model, 5)
        assigns = []
        for name, v in variables.items():
            shape = v.shape.as_list()
            if name.endswith("moving_variance"):
                value = rng.uniform(0.5, 1.5, shape)
            elif name.endswith("gamma"):
                value = rng.uniform(0.8, 1.2, shape)
            else:
                value = rng.normal(0, 0.1, shape)
            assigns.append(v.assign(value.astype(np.float32)))
        saver = tf1.train.Saver(var_list=variables)
        with tf1.Session(graph=graph) as sess:
            sess.run(assigns)
            saver.save(sess, str(out / "model.ckpt"), write_meta_graph=False)
            values = sess.run(logits, {images: x})
    with open(out / "logits.json", "w") as f:
        json.dump({"logits": values.reshape(-1).tolist()}, f)


FAMILY = ["small-cnn-dcd", "small-cnn-dcd-dycls", "small-cnn-odconv", "small-cnn-odconv4"]


@pytest.mark.parametrize("model", FAMILY)
def test_numpy_reference_rebuilds_dcd_and_odconv_from_export(interop_dir, model):
    """An independent NumPy implementation, from the official code's formulas, reads the export's
    variables by name and reproduces Java's logits."""
    e, x = expected(interop_dir, model)
    ckpt = str(interop_dir / model / "savedmodel" / "variables" / "variables")
    variables = dynamic_family_reference.read_checkpoint(ckpt)
    name = e["model"]
    ref = dynamic_family_reference.logits(name, x, variables)
    java = np.asarray(e["batch5"]["logits"], dtype=np.float32).reshape(5, 10)
    np.testing.assert_allclose(ref, java, rtol=1e-4, atol=1e-4)
