"""Records the fixed inputs and expected outputs stored beside a committed SavedModel.

The expected logits come from small_cnn_reference.py (an implementation independent of the Java
code) restoring the export's variables, so the tests of savedmodels/ compare both loaders against
numbers neither produced. Inputs: the first five images of the embedded Fashion-MNIST test subset.

    python record_samples.py savedmodels/small-cnn-condconv small-cnn-condconv
"""
import gzip
import json
import pathlib
import sys

import numpy as np
import tensorflow as tf

import small_cnn_reference

ROOT = pathlib.Path(__file__).resolve().parents[3]
SUBSET = ROOT / "src/main/resources/org/dynconv/data/fashion-mnist"


def first_test_images(n):
    with gzip.open(SUBSET / "t10k-images-idx3-ubyte.gz") as f:
        data = f.read()
    with gzip.open(SUBSET / "t10k-labels-idx1-ubyte.gz") as f:
        labels = list(f.read()[8:8 + n])
    images = np.frombuffer(data[16:16 + n * 784], np.uint8).astype(np.float32)
    return images.reshape(n, 28, 28, 1), labels


def main(model_dir, model):
    x, labels = first_test_images(5)
    graph = tf.Graph()
    with graph.as_default():
        images, logits, variables = small_cnn_reference.build(model, 5)
        probs = tf.nn.softmax(logits)
        saver = tf.compat.v1.train.Saver(var_list=variables)
        with tf.compat.v1.Session(graph=graph) as sess:
            saver.restore(sess, str(pathlib.Path(model_dir) / "variables" / "variables"))
            lv, pv = sess.run([logits, probs], {images: x})
    out = {"source": "first five images of the embedded Fashion-MNIST test subset; outputs from"
                     " src/test/python/small_cnn_reference.py (TF1, per-example loop)",
           "labels": labels, "inputs_shape": [5, 28, 28, 1], "inputs": x.reshape(-1).tolist(),
           "logits": lv.reshape(-1).tolist(), "probabilities": pv.reshape(-1).tolist()}
    with open(pathlib.Path(model_dir) / "samples.json", "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
