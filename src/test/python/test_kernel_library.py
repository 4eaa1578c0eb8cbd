"""dynconv's kernel library (src/main/c) seen from Python TensorFlow 2.18.

The library is compiled against TensorFlow's own C headers from the wheel (so every call in it is
checked against TensorFlow's declarations, not only against dynconv's copy of them), loaded with
tf.load_op_library, and used to load a SavedModel that TF Java exported with the library's op in
its graph.
"""
import shutil
import subprocess

import numpy as np
import pytest
import tensorflow as tf

LIBRARY = "target/classes/org/dynconv/conv/kernels/linux-x86_64/libdynconv_kernels.so"
X = np.array([1.5, -2.0, 3.0, 0.0, 0.25], dtype=np.float32)


@pytest.fixture(scope="module")
def library(project_root, interop_dir):
    path = project_root / LIBRARY
    if not path.exists() or not (interop_dir / "kernels" / "probe").exists():
        pytest.skip("the build made no kernel library (no C compiler)")
    return path


def test_sources_compile_against_tensorflows_headers(library, project_root):
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        pytest.skip("no C++ compiler to check the declarations with")
    src = project_root / "src" / "main" / "c"
    for c in sorted(src.glob("*.c")):
        subprocess.run([cxx, "-x", "c++", "-fsyntax-only", "-Wall", "-Werror", "-DDYNCONV_TF_HEADERS",
                        "-I", tf.sysconfig.get_include(), "-I", str(src), str(c)], check=True)


def test_op_loads_and_computes(library):
    ops = tf.load_op_library(str(library))
    np.testing.assert_array_equal(ops.dynconv_probe_square(tf.constant(X)).numpy(), X * X)


def test_java_savedmodel_with_the_op_loads(library, interop_dir):
    tf.load_op_library(str(library))
    loaded = tf.saved_model.load(str(interop_dir / "kernels" / "probe"))
    y = loaded.signatures["serving_default"](x=tf.constant(X))["y"].numpy()
    np.testing.assert_array_equal(y, X * X)
