"""Writes the Fashion-MNIST subset embedded in dynconv's jar.

Takes a class-balanced, seeded sample of the full dataset (Debian package dataset-fashion-mnist,
/usr/share/datasets/fashion-mnist): 1,000 training images per class from the 60,000 and 200 test
images per class from the 10,000, in the original order, written as the same four IDX .gz files.

    python3 src/tools/make_fashion_subset.py /usr/share/datasets/fashion-mnist \
        src/main/resources/org/dynconv/data/fashion-mnist
"""
import gzip
import random
import struct
import sys


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return magic, dims, data[4 + 4 * ndim:]


def write_idx(path, magic, dims, payload):
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * len(dims), *dims)
    # mtime=0 makes the .gz bytes reproducible.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(header + payload)


def subset(src, dst, prefix, per_class, seed):
    mi, idims, images = read_idx(f"{src}/{prefix}-images-idx3-ubyte.gz")
    ml, ldims, labels = read_idx(f"{src}/{prefix}-labels-idx1-ubyte.gz")
    rng = random.Random(seed)
    by_class = {c: [i for i, l in enumerate(labels) if l == c] for c in range(10)}
    chosen = sorted(i for c in range(10) for i in rng.sample(by_class[c], per_class))
    size = idims[1] * idims[2]
    write_idx(f"{dst}/{prefix}-images-idx3-ubyte.gz", mi, (len(chosen), idims[1], idims[2]),
              b"".join(images[i * size:(i + 1) * size] for i in chosen))
    write_idx(f"{dst}/{prefix}-labels-idx1-ubyte.gz", ml, (len(chosen),),
              bytes(labels[i] for i in chosen))


if __name__ == "__main__":
    source, target = sys.argv[1], sys.argv[2]
    subset(source, target, "train", 1000, 20261128)
    subset(source, target, "t10k", 200, 20261128)
