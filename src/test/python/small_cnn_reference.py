"""A TF1-style Python implementation of dynconv's small CNN, written independently of the Java
code from the layer semantics: Google CondConv's variable names and layouts, routing computed per
block, and the per-example split / conv / concat loop of Google's condconv_layers.py (so it needs
a static batch). Inference mode only: BatchNorm on moving statistics, temperature 1.
"""
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1

MEAN, STD = 72.94, 90.02
BLOCKS = [(64, 2), (128, 2)]
BN_EPSILON = 1e-3


class Builder:
    """Creates variables with exact names and keeps them in creation order."""

    def __init__(self):
        self.variables = {}

    def var(self, name, shape):
        v = tf1.get_variable(name, shape=shape, dtype=tf.float32,
                             initializer=tf1.zeros_initializer(), use_resource=False)
        self.variables[v.op.name] = v
        return v


def batch_norm(b, x, channels, scope):
    with tf1.variable_scope(scope):
        gamma = b.var("gamma", [channels])
        beta = b.var("beta", [channels])
        mean = b.var("moving_mean", [channels])
        var = b.var("moving_variance", [channels])
    y, _, _ = tf1.nn.fused_batch_norm(x, gamma, beta, mean, var, epsilon=BN_EPSILON,
                                      is_training=False)
    return y


def per_example_conv(x, mixed, kernel_shape, stride, batch):
    """Google's loop: split the batch, convolve each example with its own kernel, concat."""
    xs = tf.split(x, batch, axis=0)
    ks = tf.split(mixed, batch, axis=0)
    outs = [tf.nn.convolution(xi, tf.reshape(ki, kernel_shape), strides=[stride, stride],
                              padding="SAME") for xi, ki in zip(xs, ks)]
    return tf.concat(outs, axis=0)


class Block:
    def __init__(self, builder):
        self.builder = builder
        self.counts = {}

    def unique(self, base):
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"


def conv_unit(b, blk, kind, x, cin, cout, stride, routing, batch, experts):
    kernel_shape = [3, 3, cin, cout]
    if kind == "static":
        with tf1.variable_scope(blk.unique("conv2d")):
            k = b.var("kernel", kernel_shape)
        y = tf.nn.conv2d(x, k, strides=[1, stride, stride, 1], padding="SAME")
    elif kind == "condconv":
        with tf1.variable_scope(blk.unique("cond_conv2d")):
            k = b.var("condconv_kernel", [experts, int(np.prod(kernel_shape))])
        y = per_example_conv(x, tf.matmul(routing, k), kernel_shape, stride, batch)
    else:
        with tf1.variable_scope(blk.unique("dynamic_conv2d")):
            k = b.var("dynamic_kernel", [experts, int(np.prod(kernel_shape))])
            hidden = max(4, cin // 4)
            pooled = tf.reduce_mean(x, axis=[1, 2])
            with tf1.variable_scope("attention"):
                with tf1.variable_scope("fc1"):
                    w1, b1 = b.var("kernel", [cin, hidden]), b.var("bias", [hidden])
                with tf1.variable_scope("fc2"):
                    w2, b2 = b.var("kernel", [hidden, experts]), b.var("bias", [experts])
            z = tf.matmul(tf.nn.relu(tf.matmul(pooled, w1) + b1), w2) + b2
            attention = tf.nn.softmax(z / 1.0)
        y = per_example_conv(x, tf.matmul(attention, k), kernel_shape, stride, batch)
    return tf.nn.relu(batch_norm(b, y, cout, blk.unique("batch_normalization")))


def build(model_name, batch, experts=4):
    """Builds the model under the current graph; returns (images, logits, variables by name)."""
    kind = model_name.rsplit("-", 1)[1]
    b = Builder()
    images = tf1.placeholder(tf.float32, [batch, 28, 28, 1], name="images")
    x = (images - MEAN) / STD
    with tf1.variable_scope(model_name):
        with tf1.variable_scope("stem"):
            stem = Block(b)
            x = conv_unit(b, stem, "static", x, 1, 32, 1, None, batch, experts)
        cin = 32
        for i, (cout, stride) in enumerate(BLOCKS):
            with tf1.variable_scope(f"blocks_{i + 1}"):
                blk = Block(b)
                routing = None
                if kind == "condconv":
                    with tf1.variable_scope("dense"):
                        w, bias = b.var("kernel", [cin, experts]), b.var("bias", [experts])
                    routing = tf.sigmoid(tf.matmul(tf.reduce_mean(x, axis=[1, 2]), w) + bias)
                x = conv_unit(b, blk, kind, x, cin, cout, stride, routing, batch, experts)
                x = conv_unit(b, blk, kind, x, cout, cout, 1, routing, batch, experts)
                cin = cout
        with tf1.variable_scope("head"):
            with tf1.variable_scope("dense"):
                w, bias = b.var("kernel", [cin, 10]), b.var("bias", [10])
            logits = tf.matmul(tf.reduce_mean(x, axis=[1, 2]), w) + bias
    return images, logits, b.variables
