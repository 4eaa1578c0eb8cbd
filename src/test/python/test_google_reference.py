"""Builds Google's EfficientNet(-CondConv) in the independent TF1 reference with random weights,
writes a TF1 checkpoint like Google's (raw values, different EMA shadows, RMSProp slots,
global_step) and the logits of fixed inputs with EMA and with raw weights, for Java's importer."""
import json

import numpy as np
import pytest
import tensorflow as tf

import google_reference

tf1 = tf.compat.v1
BATCH = 2


@pytest.mark.parametrize("model", sorted(google_reference.MODELS))
def test_write_google_style_checkpoint(interop_dir, model):
    out = interop_dir / "google" / model
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(2019)
    x = rng.uniform(0, 255, (BATCH, 224, 224, 3)).astype(np.float32)
    graph = tf.Graph()
    with graph.as_default():
        images, logits, variables = google_reference.build(model, BATCH)
        raw = {n: google_reference.random_value(rng, n, v.shape.as_list()).astype(np.float32)
               for n, v in variables.items()}
        ema = {n: (r * 0.9 + rng.normal(0, 0.01, r.shape)).astype(np.float32) for n, r in raw.items()}
        for n in ema:
            if n.endswith("moving_variance"):
                ema[n] = np.abs(ema[n]) + 0.1
        # The checkpoint holds raw values, EMA shadows, optimizer slots and a global step, as
        # Google's training checkpoints do.
        store = {}
        for n, v in variables.items():
            store[n] = tf1.Variable(raw[n], name=n + "_raw_holder", use_resource=False)
            store[n + "/ExponentialMovingAverage"] = tf1.Variable(
                ema[n], name=n + "_ema_holder", use_resource=False)
            if "kernel" in n:
                store[n + "/RMSProp"] = tf1.Variable(np.ones_like(raw[n]), name=n + "_rms_holder",
                                                     use_resource=False)
        store["global_step"] = tf1.Variable(np.int64(218949), name="global_step_holder",
                                            use_resource=False)
        saver = tf1.train.Saver(var_list=store)
        assign_raw = [v.assign(raw[n]) for n, v in variables.items()]
        assign_ema = [v.assign(ema[n]) for n, v in variables.items()]
        with tf1.Session(graph=graph) as sess:
            sess.run(tf1.global_variables_initializer())
            saver.save(sess, str(out / "model.ckpt"), write_meta_graph=False)
            sess.run(assign_ema)
            logits_ema = sess.run(logits, {images: x})
            sess.run(assign_raw)
            logits_raw = sess.run(logits, {images: x})
    assert np.all(np.isfinite(logits_ema)) and np.all(np.isfinite(logits_raw))
    assert np.max(np.abs(logits_ema - logits_raw)) > 1e-2, "EMA and raw weights must differ"
    with open(out / "reference.json", "w") as f:
        json.dump({"inputs": x.reshape(-1).tolist(), "logits_ema": logits_ema.reshape(-1).tolist(),
                   "logits_raw": logits_raw.reshape(-1).tolist()}, f)
    names = {n for n, _ in tf.train.list_variables(str(out / "model.ckpt"))}
    assert f"{model}/head/dense/kernel/ExponentialMovingAverage" in names
