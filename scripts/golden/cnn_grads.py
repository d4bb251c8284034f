"""A TF-built CNN training graph that uses ShapeN (Conv2D's gradient in TF builds one), with
TensorFlow's results, for test/graphdef/shapen.test.ts (not needed by npm test).

    python3 scripts/golden/cnn_grads.py   # -> test/fixtures/graphdef/cnn_grads.{pb,json}

The graph is unfrozen TF1 style: placeholders x, y and the weights fed as placeholders too (so
the .pb has no variables), conv -> relu -> conv -> mean-squared loss, and tf.gradients of the
loss for both kernels, the bias and the input. The JSON holds the feeds, the fetched gradients
and the op types (ShapeN among them), each value as common.py encodes it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import session_config, tensor_json, v1, write_graph_fixture  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

rng = np.random.default_rng(20261201)
g = tf.Graph()
with g.as_default():
    x = v1.placeholder(tf.float32, [None, 6, 6, 2], name='x')
    y = v1.placeholder(tf.float32, [None, 3, 3, 4], name='y')
    k1 = v1.placeholder(tf.float32, [3, 3, 2, 3], name='k1')
    b1 = v1.placeholder(tf.float32, [3], name='b1')
    k2 = v1.placeholder(tf.float32, [2, 2, 3, 4], name='k2')
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k1, strides=[1, 1, 1, 1], padding='SAME'), b1))
    out = tf.nn.conv2d(h, k2, strides=[1, 2, 2, 1], padding='VALID', name='out')
    loss = tf.reduce_mean(tf.square(out - y), name='loss')
    grads = tf.gradients(loss, [k1, b1, k2, x])
    fetches = [loss] + grads

feeds = {
    'x:0': rng.standard_normal((2, 6, 6, 2)).astype(np.float32),
    'y:0': rng.standard_normal((2, 3, 3, 4)).astype(np.float32),
    'k1:0': (rng.standard_normal((3, 3, 2, 3)) * 0.3).astype(np.float32),
    'b1:0': (rng.standard_normal(3) * 0.1).astype(np.float32),
    'k2:0': (rng.standard_normal((2, 2, 3, 4)) * 0.3).astype(np.float32),
}
with v1.Session(graph=g, config=session_config()) as s:
    values = s.run(fetches, {g.get_tensor_by_name(k): v for k, v in feeds.items()})

gd = g.as_graph_def()
op_types = sorted({n.op for n in gd.node})
assert 'ShapeN' in op_types, op_types
write_graph_fixture('cnn_grads', gd, {
    'inputs': [tensor_json(v, k) for k, v in feeds.items()],
    'outputs': [tensor_json(v, t.name) for t, v in zip(fetches, values)],
})
print('ops:', ' '.join(op_types))
