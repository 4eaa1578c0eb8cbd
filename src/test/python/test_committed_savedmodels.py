"""The SavedModels committed under savedmodels/ load in Python TensorFlow, reproduce the outputs
recorded beside them, and match the sha256 sums of their MANIFEST.md."""
import hashlib
import json
import re

import numpy as np
import pytest
import tensorflow as tf

MODELS = ["small-cnn-condconv", "small-cnn-dynamic"]


@pytest.mark.parametrize("model", MODELS)
def test_committed_savedmodel(project_root, model):
    d = project_root / "savedmodels" / model
    samples = json.loads((d / "samples.json").read_text())
    x = np.asarray(samples["inputs"], np.float32).reshape(samples["inputs_shape"])
    loaded = tf.saved_model.load(str(d))
    out = loaded.signatures["serving_default"](images=tf.constant(x))
    np.testing.assert_allclose(out["logits"].numpy().reshape(-1), samples["logits"], rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(out["probabilities"].numpy().reshape(-1), samples["probabilities"],
                               rtol=1e-4, atol=1e-5)
    manifest = (d / "MANIFEST.md").read_text()
    sums = dict((path, digest) for digest, path in
                re.findall(r"^\| `([0-9a-f]{64})` \| `([^`]+)` \|", manifest, re.M))
    assert sums, "MANIFEST.md lists sha256 sums"
    for path, digest in sums.items():
        assert hashlib.sha256((d / path).read_bytes()).hexdigest() == digest, path


@pytest.mark.parametrize("model", MODELS)
def test_python_example_classifies_committed_model(project_root, model):
    import subprocess
    import sys
    script = project_root / "examples" / "python" / "classify.py"
    subset = project_root / "src/main/resources/org/dynconv/data/fashion-mnist"
    run = subprocess.run([sys.executable, str(script), str(project_root / "savedmodels" / model),
                          "--idx", str(subset / "t10k-images-idx3-ubyte.gz"),
                          "--labels", str(subset / "t10k-labels-idx1-ubyte.gz"), "--limit", "3"],
                         capture_output=True, text=True, check=True)
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 4, run.stdout
    accuracy = float(re.search(r"accuracy ([0-9.]+)", lines[-1]).group(1))
    assert accuracy > 0.85, run.stdout
