"""Fashion-MNIST from Debian's dataset-fashion-mnist package, loaded into vectordb.

Shared by the demo (scripts/demo.py) and the exact-search benchmark
(bench/exact_search.py).  Images are 28x28 uint8 pixels; each becomes a
vector(784) of the pixel values 0..255, as in ann-benchmarks'
fashion-mnist-784-euclidean.
"""
import gzip
import io
import os

import numpy as np

SOURCE = "/usr/share/datasets/fashion-mnist"
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(name):
    """Reads one gzipped IDX file: big-endian magic (type, ndim), dims, uint8 data."""
    with gzip.open(os.path.join(SOURCE, name)) as f:
        raw = f.read()
    ndim = raw[3]
    shape = np.frombuffer(raw, ">i4", ndim, 4)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_split(split):
    """Returns (images as float32 n x 784, labels) for split 'train' or 't10k'."""
    images = read_idx(f"{split}-images-idx3-ubyte.gz")
    labels = read_idx(f"{split}-labels-idx1-ubyte.gz")
    return images.reshape(len(images), 784).astype(np.float32), labels.astype(np.int32)


def vector_text(row):
    """pgvector text form of one float32 row, exact: pixels print as integers,
    other values as Python's shortest repr of their double, which reads back
    to the same float32."""
    if not np.any(row % 1):
        return "[" + ",".join(map(str, row.astype(np.int32).tolist())) + "]"
    return "[" + ",".join(map(repr, row.tolist())) + "]"


def copy_into(conn, table, images, labels, batch=5000):
    """COPYs (id, label, image) rows into table, ids numbered from 0."""
    with conn.cursor() as cur:
        for start in range(0, len(images), batch):
            buf = io.StringIO()
            for i in range(start, min(start + batch, len(images))):
                buf.write(f"{i}\t{labels[i]}\t{vector_text(images[i])}\n")
            with cur.copy(f"COPY {table} (id, label, image) FROM STDIN") as copy:
                copy.write(buf.getvalue())
