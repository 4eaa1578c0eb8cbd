"""Exports made with `export --kernels`, loaded by Python TensorFlow 2.18 the documented way.

Such an export holds dynconv's own ops where AUTO measured them fastest (DynconvMixedConv2D for
the CondConv and DynamicConv layers, whose kernels are mixed inside the library's loops;
DynconvPerExampleConv2D for ODConv's, which are scaled after mixing), and the kernel library
itself in assets.extra/. The loader the docs give
(src/site/markdown/guides/export-python-tf-serving.md) is tf.load_op_library on that file, then
tf.saved_model.load. Checked here: the graph really holds the op; without the library it does not
load; with it, the logits equal TF Java's on the same export and the default export's
(TensorFlow's ops) within 1e-5. Every export carries its own copy of the library, and this one
process loads several (the build's, in test_kernel_library.py, and each export's): the first copy
registers the ops, later ones register nothing (dynconv_kernels.c), so the models still run.
"""
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from conftest import load_json

# Each model with the library's op its layers take in an inference graph.
MODELS = {"small-cnn-condconv": "DynconvMixedConv2D", "small-cnn-dynamic": "DynconvMixedConv2D",
          "small-cnn-odconv4": "DynconvPerExampleConv2D"}


def load_with_kernels(export):
    """The documented loader: the export's own copy of the library, then the model."""
    tf.load_op_library(str(export / "assets.extra" / "libdynconv_kernels.so"))
    return tf.saved_model.load(str(export))


def ops_in(export):
    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString((export / "saved_model.pb").read_bytes())
    graph = sm.meta_graphs[0].graph_def
    ops = {n.op for n in graph.node}
    for f in graph.library.function:
        ops |= {n.op for n in f.node_def}
    return ops


@pytest.fixture(params=sorted(MODELS))
def case(request, interop_dir):
    model = request.param
    expected = load_json(interop_dir / model / "expected.json")
    if "kernels" not in expected:
        pytest.skip("the build made no kernel library (no C compiler)")
    return model, interop_dir / model / "savedmodel-kernels", expected


def test_the_export_holds_dynconvs_op(case):
    model, export, _ = case
    assert MODELS[model] in ops_in(export)


def test_without_the_library_it_does_not_load(case):
    _, export, _ = case
    # A fresh interpreter: this one may have loaded the library already.
    code = ("import sys, tensorflow as tf\n"
            "try:\n"
            "    tf.saved_model.load(sys.argv[1])\n"
            "except Exception as e:\n"
            "    print(type(e).__name__, e)\n"
            "    sys.exit(3)\n")
    r = subprocess.run([sys.executable, "-c", code, str(export)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "Dynconv" in r.stdout, r.stdout


def test_logits_equal_java_and_the_default_export(case):
    model, export, expected = case
    loaded = load_with_kernels(export)
    x = np.array(expected["inputs"], dtype=np.float32).reshape(expected["inputs_shape"])
    got = loaded.signatures["serving_default"](images=tf.constant(x))["logits"].numpy()
    n = expected["inputs_shape"][0]
    java_kernels = np.array(expected["kernels"]["logits"], dtype=np.float32).reshape(got.shape)
    default = np.array(expected["batch%d" % n]["logits"], dtype=np.float32).reshape(got.shape)
    np.testing.assert_allclose(got, java_kernels, rtol=0, atol=1e-5, err_msg=model)
    np.testing.assert_allclose(got, default, rtol=0, atol=1e-5, err_msg=model)


def test_two_exports_libraries_in_one_process(interop_dir):
    exports = [interop_dir / m / "savedmodel-kernels" for m in sorted(MODELS)[:2]]
    if not all((e / "assets.extra" / "libdynconv_kernels.so").exists() for e in exports):
        pytest.skip("the build made no kernel library (no C compiler)")
    # A fresh interpreter, so that the two exports' copies are the first two it loads.
    code = ("import sys, numpy as np, tensorflow as tf\n"
            "models = []\n"
            "for e in sys.argv[1:]:\n"
            "    tf.load_op_library(e + '/assets.extra/libdynconv_kernels.so')\n"
            "    models.append(tf.saved_model.load(e))\n"
            "x = tf.zeros([2, 28, 28, 1])\n"
            "for m in models:\n"
            "    y = m.signatures['serving_default'](images=x)['logits'].numpy()\n"
            "    assert y.shape == (2, 10) and np.isfinite(y).all(), y\n"
            "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code] + [str(e) for e in exports],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout + r.stderr
