"""Classify images with a SavedModel exported by dynconv, in Python TensorFlow.

    pip install 'tensorflow-cpu==2.18.*'
    python examples/python/classify.py savedmodels/small-cnn-condconv shirt.png boot.png
    python examples/python/classify.py savedmodels/small-cnn-condconv \
        --idx t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz --limit 5

The model takes float32 pixels in 0..255 ([batch, 28, 28, 1]); it normalises inside the graph.
"""
import argparse
import gzip
import pathlib

import numpy as np
import tensorflow as tf


def read_idx(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data[4 + 4 * ndim:], np.uint8).reshape(dims)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="SavedModel directory")
    parser.add_argument("images", nargs="*", help="image files of the model's input size")
    parser.add_argument("--idx", help="an IDX file of images (e.g. Fashion-MNIST's t10k)")
    parser.add_argument("--labels", help="the matching IDX file of labels")
    parser.add_argument("--limit", type=int, default=5, help="predictions to print")
    args = parser.parse_args()

    model = tf.saved_model.load(args.model)
    labels_file = pathlib.Path(args.model) / "assets.extra" / "labels.txt"
    names = labels_file.read_text().split("\n") if labels_file.exists() else None

    if args.idx:
        x = read_idx(args.idx).astype(np.float32)[..., None]
    else:
        x = np.stack([tf.io.decode_image(tf.io.read_file(p), channels=1).numpy().astype(np.float32)
                      for p in args.images])
    # dynconv exports carry a copy of the model for exactly one image (serving_default_batch_1):
    # the same outputs, faster; other batch sizes go to serving_default.
    key = f"serving_default_batch_{len(x)}"
    predict = model.signatures[key if key in model.signatures else "serving_default"]
    probs = predict(images=tf.constant(x))["probabilities"].numpy()
    for i in range(min(args.limit, len(x))):
        top = np.argsort(-probs[i])[:3]
        label = args.images[i] if args.images else f"#{i}"
        print(label + ": " + " | ".join(
            f"{names[c] if names else c} {probs[i, c]:.3f}" for c in top))
    if args.labels:
        truth = read_idx(args.labels)
        print(f"accuracy {np.mean(np.argmax(probs, 1) == truth):.4f} on {len(truth)} images")


if __name__ == "__main__":
    main()
