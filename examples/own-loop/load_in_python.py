"""Loads the own-loop example's SavedModel in Python TensorFlow and checks it against the logits
the Java program computed: python load_in_python.py WORK_DIR

The export holds only standard TensorFlow ops, so nothing of dynconv is needed here.
"""
import json
import pathlib
import sys

import numpy as np
import tensorflow as tf


def main(work):
    work = pathlib.Path(work)
    expected = json.loads((work / "outputs.json").read_text())
    images = np.asarray(expected["images"], np.float32).reshape(expected["shape"])
    model = tf.saved_model.load(str(work / "savedmodel"))
    out = model.signatures["serving_default"](images=tf.constant(images))
    logits = out["logits"].numpy()
    worst = float(np.max(np.abs(logits - np.asarray(expected["logits"], np.float32))))
    routing = model.signatures["routing"](images=tf.constant(images))
    print(f"largest logit difference to Java: {worst:.2e}; routing outputs: {sorted(routing)}")
    return worst, sorted(routing)


if __name__ == "__main__":
    difference, _ = main(sys.argv[1])
    sys.exit(0 if difference < 1e-5 else 1)
