#!/usr/bin/env python3
"""Writes TF-Serving's API definitions, as the tensorflow-serving-api wheel ships them, to a
FileDescriptorSet, without importing TensorFlow or protobuf.

Each *_pb2.py module of the wheel holds its .proto file's FileDescriptorProto as one serialized
bytes literal; this script reads that literal with ast (nothing of the wheel is executed) and
writes the set as protobuf's wire format (field 1, repeated bytes). src/tools/ServingProtos.java
then adds the TensorFlow files from TF Java's own classes.

    pip download --no-deps -d /tmp/tsa "tensorflow-serving-api==2.18.1"
    (cd /tmp/tsa && unzip -q -o tensorflow_serving_api-2.18.1-py2.py3-none-any.whl)
    python3 src/tools/serving_descriptors.py /tmp/tsa /tmp/serving-only.pb
"""
import ast
import pathlib
import re
import sys

# The two ways protoc's Python generator has written the descriptor over the years.
PATTERNS = [re.compile(r"AddSerializedFile\(\s*(b'(?:[^'\\]|\\.)*')\s*\)", re.S),
            re.compile(r"serialized_pb=_b\(\s*((?:'(?:[^'\\]|\\.)*'\s*)+)\)", re.S)]


def serialized(source):
    for pattern in PATTERNS:
        m = pattern.search(source)
        if m:
            value = ast.literal_eval('(' + m.group(1) + ')')
            # _b('...') takes a str of latin-1 code points.
            return value if isinstance(value, bytes) else value.encode('latin-1')
    return None


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def main(wheel_dir, out):
    root = pathlib.Path(wheel_dir) / 'tensorflow_serving'
    files = sorted(p for p in root.rglob('*_pb2.py'))
    if not files:
        sys.exit(f'serving_descriptors: no *_pb2.py under {root}; expected the unpacked wheel')
    data = bytearray()
    for p in files:
        d = serialized(p.read_text(encoding='utf-8'))
        if d is None:
            sys.exit(f'serving_descriptors: {p} holds no serialized descriptor')
        data += b'\x0a' + varint(len(d)) + d
    pathlib.Path(out).write_bytes(bytes(data))
    print(f'wrote {len(files)} files, {len(data)} bytes to {out}')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: serving_descriptors.py WHEEL_DIR OUT.pb')
    main(sys.argv[1], sys.argv[2])
