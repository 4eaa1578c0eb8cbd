"""NumPy float64 reference of dynconv's small CNN with DCD or ODConv layers, in inference mode,
written from the layer descriptions in ../shared/notes/dcd-odconv-spec.md (the official PyTorch
code) and independent of the Java code. It reads a SavedModel's (or checkpoint's) variables by
name and computes logits.

DCD (liyunsheng13/dcd conv_basic_dy):
    r = conv(x; W0); y = pool2x2(x) flattened (c*4 + 2i + j) @ fc; y = y * hs(y @ se)
    lambda = hs(y @ fc_scale); Phi = (y @ fc_phi).reshape(L, L)
    z = BN1(Q x at each window's centre tap); t = BN2(Phi z) + z; out = P t + lambda * r
    hs(u) = relu6(u + 3) / 3
ODConv (OSVAI/ODConv ODConv2d): attention h = relu(BN(GAP(x) @ fc)); channel, filter, spatial
    sigmoid((h @ W + b) / T); kernel softmax((h @ W + b) / T)
    out = filter * conv(x * channel; spatial * sum_i kernel_i W_i)
Convolutions follow TensorFlow's SAME rule (pad floor(total/2) before), as dynconv's layers do.
"""
import numpy as np
import tensorflow as tf

MEAN, STD = 72.94, 90.02
BN_EPS = 1e-3          # the small CNN's BatchNorms, DCD's two included
ATTENTION_BN_EPS = 1e-5  # ODConv's attention BatchNorm (PyTorch's default)


def same_padding(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


def conv2d(x, w, stride):
    """x [B,H,W,C], w [k,k,C,O] (or per example [B,k,k,C,O]), SAME, TensorFlow's padding."""
    b, h, wd, c = x.shape
    k = w.shape[-4]
    oh, pt, pb = same_padding(h, k, stride)
    ow, pl, pr = same_padding(wd, k, stride)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    cols = np.empty((b, oh, ow, k, k, c))
    for u in range(k):
        for v in range(k):
            cols[:, :, :, u, v, :] = xp[:, u:u + (oh - 1) * stride + 1:stride,
                                        v:v + (ow - 1) * stride + 1:stride, :]
    if w.ndim == 4:
        return np.einsum("bijuvc,uvco->bijo", cols, w)
    return np.einsum("bijuvc,buvco->bijo", cols, w)


def batch_norm(x, p, scope, eps):
    g, be = p[scope + "/gamma"], p[scope + "/beta"]
    m, v = p[scope + "/moving_mean"], p[scope + "/moving_variance"]
    return g * (x - m) / np.sqrt(v + eps) + be


def hs(u):
    return np.clip(u + 3, 0, 6) / 3


def sigmoid(u):
    return 1 / (1 + np.exp(-u))


def adaptive_pool_channels_first(x, n):
    """PyTorch AdaptiveAvgPool2d(n) flattened as PyTorch does: feature c*n*n + i*n + j."""
    b, h, w, c = x.shape
    out = np.empty((b, c, n, n))
    for i in range(n):
        r0, r1 = (i * h) // n, -(-((i + 1) * h) // n)
        for j in range(n):
            c0, c1 = (j * w) // n, -(-((j + 1) * w) // n)
            out[:, :, i, j] = x[:, r0:r1, c0:c1, :].mean(axis=(1, 2))
    return out.reshape(b, c * n * n)


def dcd_layer(x, p, scope, stride):
    w0 = p[scope + "/kernel"]
    k, cin, cout = w0.shape[0], w0.shape[2], w0.shape[3]
    q, pk = p[scope + "/q/kernel"][0, 0], p[scope + "/p/kernel"][0, 0]
    latent = q.shape[1]
    pool = int(round(np.sqrt(p[scope + "/fc/kernel"].shape[0] / cin)))
    r = conv2d(x, w0, stride)
    y = adaptive_pool_channels_first(x, pool) @ p[scope + "/fc/kernel"]
    y = y * hs(y @ p[scope + "/se/kernel"])
    lam = hs(y @ p[scope + "/fc_scale/kernel"])
    phi = (y @ p[scope + "/fc_phi/kernel"]).reshape(-1, latent, latent)
    # The 1x1 branch reads each output window's centre tap.
    h = x.shape[1]
    oh, pt, _ = same_padding(h, k, stride)
    ow, pl, _ = same_padding(x.shape[2], k, stride)
    off_h, off_w = (k - 1) // 2 - pt, (k - 1) // 2 - pl
    centre = x[:, off_h:off_h + (oh - 1) * stride + 1:stride, off_w:off_w + (ow - 1) * stride + 1:stride]
    z = batch_norm(centre @ q, p, scope + "/q_batch_normalization", BN_EPS)
    u = np.einsum("bij,bhwj->bhwi", phi, z)
    t = batch_norm(u, p, scope + "/phi_batch_normalization", BN_EPS) + z
    return t @ pk + lam[:, None, None, :] * r


def odconv_layer(x, p, scope, stride, temperature=1.0):
    a = scope + "/attention"
    kernels = p[scope + "/odconv_kernel"]
    n = kernels.shape[0]
    cin = x.shape[3]
    h = x.mean(axis=(1, 2)) @ p[a + "/fc/kernel"]
    h = np.maximum(batch_norm(h, p, a + "/batch_normalization", ATTENTION_BN_EPS), 0)

    def head(name):
        return h @ p[f"{a}/{name}/kernel"] + p[f"{a}/{name}/bias"]

    channel = sigmoid(head("channel_fc") / temperature)
    filt = sigmoid(head("filter_fc") / temperature)
    cout = filt.shape[1]
    k = int(round(np.sqrt(kernels.shape[1] / (cin * cout))))
    w = kernels.reshape(n, k, k, cin, cout)
    if n > 1:
        z = head("kernel_fc") / temperature
        e = np.exp(z - z.max(axis=1, keepdims=True))
        mixed = np.einsum("bn,nuvco->buvco", e / e.sum(axis=1, keepdims=True), w)
    else:
        mixed = np.broadcast_to(w, (x.shape[0],) + w.shape[1:])
    if k > 1:
        spatial = sigmoid(head("spatial_fc") / temperature).reshape(-1, k, k, 1, 1)
        mixed = mixed * spatial
    return conv2d(x * channel[:, None, None, :], mixed, stride) * filt[:, None, None, :]


def dcd_dense(x, p, scope):
    """DCD's dynamic classifier (DYCls) on pooled features x [B,C]."""
    latent = p[scope + "/q/kernel"].shape[1]
    y = x @ p[scope + "/fc/kernel"]
    y = y * hs(y @ p[scope + "/se/kernel"])
    lam = hs(y @ p[scope + "/fc_scale/kernel"])
    phi = (y @ p[scope + "/fc_phi/kernel"]).reshape(-1, latent, latent)
    r = lam * (x @ p[scope + "/kernel"] + p[scope + "/bias"])
    z = batch_norm(x @ p[scope + "/q/kernel"], p, scope + "/q_batch_normalization", BN_EPS)
    t = batch_norm(np.einsum("bij,bj->bi", phi, z), p, scope + "/phi_batch_normalization",
                   BN_EPS) + z
    return t @ p[scope + "/p/kernel"] + r


def logits(model, images, variables, temperature=1.0):
    """model: 'small-cnn-dcd', 'small-cnn-dcd-dycls' or 'small-cnn-odconv'; images [B,28,28,1]
    pixels 0..255."""
    p = {k: np.asarray(v, dtype=np.float64) for k, v in variables.items()}
    kind = model.split("-")[2]
    x = (np.asarray(images, np.float64) - MEAN) / STD
    x = conv2d(x, p[model + "/stem/conv2d/kernel"], 1)
    x = np.maximum(batch_norm(x, p, model + "/stem/batch_normalization", BN_EPS), 0)
    layer = "dcd_conv2d" if kind == "dcd" else "od_conv2d"
    for blk in ("blocks_1", "blocks_2"):
        for i, stride in enumerate((2, 1)):
            scope = f"{model}/{blk}/{layer}" + ("" if i == 0 else f"_{i}")
            bn = f"{model}/{blk}/batch_normalization" + ("" if i == 0 else f"_{i}")
            y = dcd_layer(x, p, scope, stride) if kind == "dcd" else odconv_layer(x, p, scope, stride,
                                                                                 temperature)
            x = np.maximum(batch_norm(y, p, bn, BN_EPS), 0)
    pooled = x.mean(axis=(1, 2))
    if model.endswith("-dycls"):
        return dcd_dense(pooled, p, model + "/head/dcd_dense")
    return pooled @ p[model + "/head/dense/kernel"] + p[model + "/head/dense/bias"]


def read_checkpoint(prefix):
    reader = tf.train.load_checkpoint(prefix)
    return {name: reader.get_tensor(name) for name, _ in tf.train.list_variables(prefix)}
