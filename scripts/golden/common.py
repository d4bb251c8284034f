"""Shared helpers for the golden-data generators (ops.py, models.py).

TensorFlow is the oracle: every value written by these scripts was computed by TF's own CPU
kernels in a TF1-style graph + tf.compat.v1.Session.
"""
import base64
import json
import os
import sys
import zlib

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')  # plain Eigen kernels, reproducible bits

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel('ERROR')

v1 = tf.compat.v1
raw = tf.raw_ops

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
GOLDEN = os.path.join(REPO, 'test', 'fixtures', 'golden')

# The dtypes tensorloom supports, by their tensorloom/numpy names.
DTYPES = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool']
NP = {d: np.dtype(d) for d in DTYPES}
FLOATS = ['float32', 'float64']
INTS = ['int32', 'int64', 'uint8']
NUMERIC = FLOATS + INTS


def dtype_name(dt):
    """numpy or tf dtype -> one of DTYPES (raises on anything else)."""
    if isinstance(dt, tf.DType):
        dt = dt.as_numpy_dtype
    name = np.dtype(dt).name
    if name not in NP:
        raise UnsupportedDtype(name)
    return name


class UnsupportedDtype(Exception):
    pass


def encode(arr):
    """base64 of the little-endian raw bytes (bool: one byte 0/1 per element)."""
    arr = np.ascontiguousarray(arr)
    if arr.dtype == np.bool_:
        b = arr.astype(np.uint8).tobytes()
    else:
        b = arr.astype(arr.dtype.newbyteorder('<'), copy=False).tobytes()
    return base64.b64encode(b).decode('ascii')


def tensor_json(arr, name=None):
    arr = np.asarray(arr)
    d = {}
    if name is not None:
        d['name'] = name
    d['dtype'] = dtype_name(arr.dtype)
    d['shape'] = [int(s) for s in arr.shape]
    d['data'] = encode(arr)
    return d


def graph_b64(graph_def):
    return base64.b64encode(graph_def.SerializeToString(deterministic=True)).decode('ascii')


def session_config():
    cfg = v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1,
                         device_count={'GPU': 0})
    # Run exactly the graph we wrote (no grappler rewrites / constant folding).
    cfg.graph_options.rewrite_options.disable_meta_optimizer = True
    cfg.graph_options.optimizer_options.opt_level = v1.OptimizerOptions.L0
    cfg.graph_options.optimizer_options.do_constant_folding = False
    cfg.graph_options.optimizer_options.do_function_inlining = False
    return cfg


def seed_of(*parts):
    return zlib.crc32('/'.join(str(p) for p in parts).encode('utf-8'))


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f, indent=1)
        f.write('\n')


def write_graph_fixture(name, graph_def, fields, ensure_ascii=True):
    """test/fixtures/graphdef/<name>.pb (the GraphDef) and <name>.json:
    {tf_version, graph, op_types, **fields}."""
    out_dir = os.path.join(REPO, 'test', 'fixtures', 'graphdef')
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + '.pb'), 'wb') as f:
        f.write(graph_def.SerializeToString(deterministic=True))
    obj = {'tf_version': tf.__version__, 'graph': name + '.pb', 'op_types': sorted({n.op for n in graph_def.node}), **fields}
    with open(os.path.join(out_dir, name + '.json'), 'w') as f:
        json.dump(obj, f, indent=1, ensure_ascii=ensure_ascii)
        f.write('\n')


def write_cases_json(path, head, cases):
    """Compact JSON, one case per line (small, diffable): {**head, "cases": [...]}."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    h = json.dumps(head, separators=(', ', ': '))[:-1]
    with open(path, 'w') as f:
        f.write(h + ', "cases": [\n')
        f.write(',\n'.join(json.dumps(c, separators=(',', ':')) for c in cases))
        f.write('\n]}\n')


def log(*a):
    print(*a, file=sys.stderr, flush=True)
