"""An independent TF1-style implementation of Google's EfficientNet and EfficientNet-CondConv
(tensorflow/tpu models/official/efficientnet), used to cross-check dynconv's importer.

It follows Google's published semantics, not dynconv's code: block strings, round_filters,
MBConv with squeeze-and-excitation, swish, BatchNorm (epsilon 1e-3) in inference mode, and for
CondConv blocks one sigmoid routing vector per block shared by the expand, depthwise and project
convs, each computed with Google's per-example split / conv / concat loop over a static batch.
Variable names follow Google's TF1 checkpoints, including the Keras-indexed CondConv layer names
under the `model/` name scope (google-condconv-compat.md, section 5).
"""
import math

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1

B0_BLOCKS = ["r1_k3_s11_e1_i32_o16_se0.25", "r2_k3_s22_e6_i16_o24_se0.25",
             "r2_k5_s22_e6_i24_o40_se0.25", "r3_k3_s22_e6_i40_o80_se0.25",
             "r3_k5_s11_e6_i80_o112_se0.25", "r4_k5_s22_e6_i112_o192_se0.25",
             "r1_k3_s11_e6_i192_o320_se0.25"]
CONDCONV_BLOCKS = [b + ("_cc" if i >= 4 else "") for i, b in enumerate(B0_BLOCKS)]

MODELS = {
    # name: (blocks, width, depth, experts, mean, std)
    "efficientnet-b0": (B0_BLOCKS, 1.0, 1.0, 0, [0.485 * 255, 0.456 * 255, 0.406 * 255],
                        [0.229 * 255, 0.224 * 255, 0.225 * 255]),
    "efficientnet-condconv-b0-4e": (CONDCONV_BLOCKS, 1.0, 1.0, 4, [127.0] * 3, [128.0] * 3),
}


def decode(block):
    opts = {}
    for token in block.split("_"):
        if token == "cc":
            opts["cc"] = True
        elif token.startswith("se"):
            opts["se"] = float(token[2:])
        else:
            opts[token[0]] = token[1:]
    return dict(r=int(opts["r"]), k=int(opts["k"]), s=int(opts["s"][0]), e=int(opts["e"]),
                i=int(opts["i"]), o=int(opts["o"]), se=opts.get("se"), cc=opts.get("cc", False))


def round_filters(filters, width, divisor=8):
    filters *= width
    new = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    if new < 0.9 * filters:
        new += divisor
    return int(new)


class Variables:
    def __init__(self):
        self.items = {}

    def __call__(self, name, shape):
        v = tf1.get_variable(name, shape=shape, dtype=tf.float32,
                             initializer=tf1.zeros_initializer(), use_resource=False)
        self.items[name] = v
        return v


def swish(x):
    return x * tf.sigmoid(x)


def batch_norm(var, scope, x, c):
    y, _, _ = tf1.nn.fused_batch_norm(
        x, var(scope + "/gamma", [c]), var(scope + "/beta", [c]), var(scope + "/moving_mean", [c]),
        var(scope + "/moving_variance", [c]), epsilon=1e-3, is_training=False)
    return y


def per_example(x, mixed, batch, fn):
    xs = tf.split(x, batch, 0)
    ks = tf.split(mixed, batch, 0)
    return tf.concat([fn(xi, ki) for xi, ki in zip(xs, ks)], 0)


def build(name, batch):
    blocks, width, depth, experts, mean, std = MODELS[name]
    var = Variables()
    images = tf1.placeholder(tf.float32, [batch, 224, 224, 3], name="images")
    x = (images - np.array(mean, np.float32)) / np.array(std, np.float32)
    stem = round_filters(32, width)
    x = tf.nn.conv2d(x, var(f"{name}/stem/conv2d/kernel", [3, 3, 3, stem]), [1, 2, 2, 1], "SAME")
    x = swish(batch_norm(var, f"{name}/stem/tpu_batch_normalization", x, stem))
    expanded = []
    for b in blocks:
        a = decode(b)
        a["i"], a["o"] = round_filters(a["i"], width), round_filters(a["o"], width)
        reps = int(math.ceil(depth * a["r"]))
        expanded.append(dict(a))
        for _ in range(reps - 1):
            expanded.append(dict(a, i=a["o"], s=1))
    k_cc = 0
    for idx, a in enumerate(expanded):
        scope = f"{name}/blocks_{idx}"
        keras = f"{name}/model/blocks_{idx}"
        inputs = x
        mid = a["i"] * a["e"]
        bn_names = iter(["tpu_batch_normalization", "tpu_batch_normalization_1",
                         "tpu_batch_normalization_2"])
        conv_names = iter(["conv2d", "conv2d_1"])
        routing = None
        if a["cc"]:
            w = var(f"{scope}/dense/kernel", [a["i"], experts])
            b_ = var(f"{scope}/dense/bias", [experts])
            routing = tf.sigmoid(tf.matmul(tf.reduce_mean(x, [1, 2]), w) + b_)
        if a["e"] != 1:
            if a["cc"]:
                k = var(f"{keras}/cond_conv2d_{3 * k_cc + 1}/condconv_kernel", [experts, a["i"] * mid])
                x = per_example(x, tf.matmul(routing, k), batch, lambda xi, ki: tf.nn.conv2d(
                    xi, tf.reshape(ki, [1, 1, a["i"], mid]), [1, 1, 1, 1], "SAME"))
            else:
                x = tf.nn.conv2d(x, var(f"{scope}/{next(conv_names)}/kernel", [1, 1, a["i"], mid]),
                                 [1, 1, 1, 1], "SAME")
            x = swish(batch_norm(var, f"{scope}/{next(bn_names)}", x, mid))
        strides = [1, a["s"], a["s"], 1]
        if a["cc"]:
            dw_name = "depthwise_cond_conv2d" + ("" if k_cc == 0 else f"_{k_cc}")
            k = var(f"{keras}/{dw_name}/depthwise_condconv_kernel", [experts, a["k"] * a["k"] * mid])
            x = per_example(x, tf.matmul(routing, k), batch, lambda xi, ki: tf.nn.depthwise_conv2d(
                xi, tf.reshape(ki, [a["k"], a["k"], mid, 1]), strides, "SAME"))
        else:
            x = tf.nn.depthwise_conv2d(
                x, var(f"{scope}/depthwise_conv2d/depthwise_kernel", [a["k"], a["k"], mid, 1]),
                strides, "SAME")
        x = swish(batch_norm(var, f"{scope}/{next(bn_names)}", x, mid))
        if a["se"]:
            se = max(1, int(a["i"] * a["se"]))
            s = tf.reduce_mean(x, [1, 2], keepdims=True)
            s = tf.nn.conv2d(s, var(f"{scope}/se/conv2d/kernel", [1, 1, mid, se]), [1, 1, 1, 1],
                             "SAME") + var(f"{scope}/se/conv2d/bias", [se])
            s = tf.nn.conv2d(swish(s), var(f"{scope}/se/conv2d_1/kernel", [1, 1, se, mid]),
                             [1, 1, 1, 1], "SAME") + var(f"{scope}/se/conv2d_1/bias", [mid])
            x = tf.sigmoid(s) * x
        if a["cc"]:
            k = var(f"{keras}/cond_conv2d_{3 * k_cc + 2}/condconv_kernel", [experts, mid * a["o"]])
            x = per_example(x, tf.matmul(routing, k), batch, lambda xi, ki: tf.nn.conv2d(
                xi, tf.reshape(ki, [1, 1, mid, a["o"]]), [1, 1, 1, 1], "SAME"))
            k_cc += 1
        else:
            x = tf.nn.conv2d(x, var(f"{scope}/{next(conv_names)}/kernel", [1, 1, mid, a["o"]]),
                             [1, 1, 1, 1], "SAME")
        x = batch_norm(var, f"{scope}/{next(bn_names)}", x, a["o"])
        if a["s"] == 1 and a["i"] == a["o"]:
            x = x + inputs
    head = round_filters(1280, width)
    x = tf.nn.conv2d(x, var(f"{name}/head/conv2d/kernel", [1, 1, expanded[-1]["o"], head]),
                     [1, 1, 1, 1], "SAME")
    x = swish(batch_norm(var, f"{name}/head/tpu_batch_normalization", x, head))
    logits = tf.matmul(tf.reduce_mean(x, [1, 2]), var(f"{name}/head/dense/kernel", [head, 1000]))
    logits = logits + var(f"{name}/head/dense/bias", [1000])
    return images, logits, var.items


def random_value(rng, name, shape):
    """Weights of sensible scale: Google's fan-out normal for kernels, BN near identity."""
    if name.endswith("moving_variance"):
        return rng.uniform(0.5, 1.5, shape)
    if name.endswith("gamma"):
        return rng.uniform(0.8, 1.2, shape)
    if name.endswith(("beta", "moving_mean", "bias")):
        return rng.normal(0, 0.05, shape)
    if name.endswith("condconv_kernel"):
        return rng.normal(0, 0.1, shape)
    if name.endswith("dense/kernel"):
        return rng.uniform(-1 / math.sqrt(shape[1]), 1 / math.sqrt(shape[1]), shape)
    fan_out = shape[0] * shape[1] * shape[3]
    return rng.normal(0, math.sqrt(2.0 / fan_out), shape)
