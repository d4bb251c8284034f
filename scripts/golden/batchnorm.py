"""Frozen-style TF1 inference graphs with the three fused batch norm ops, with TensorFlow's
results, for test/graphdef/batchnorm.test.ts (not needed by npm test).

    python3 scripts/golden/batchnorm.py   # -> test/fixtures/graphdef/batchnorm.{pb,json}

A placeholder image x [?, 7, 7, 3] through: Conv2D → FusedBatchNorm (v1, is_training=False) →
Relu; Conv2D (stride 2) → BiasAdd → FusedBatchNormV2 → Relu6; DepthwiseConv2dNative →
FusedBatchNormV3 (no activation); and a FusedBatchNormV3 in NCHW on a transposed input (not
after a conv). Every parameter is a Const, as in a frozen graph. Also the gradient of a loss over
the four with respect to x. The JSON holds x and each fetch's shape and float32 values.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import session_config, v1, write_graph_fixture  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

rng = np.random.default_rng(7)


def c(shape, lo=-1.0, hi=1.0, name=None):
    return tf.constant(rng.uniform(lo, hi, shape).astype(np.float32), name=name)


x_val = rng.uniform(-2, 2, (2, 7, 7, 3)).astype(np.float32)
g = tf.Graph()
with g.as_default():
    x = v1.placeholder(tf.float32, [None, 7, 7, 3], name='x')

    def params(n, prefix):
        return dict(scale=c([n], 0.5, 1.5, prefix + '/gamma'), offset=c([n], -1, 1, prefix + '/beta'),
                    mean=c([n], -0.5, 0.5, prefix + '/mean'), variance=c([n], 0.2, 2.0, prefix + '/var'))

    a = tf.nn.conv2d(x, c([3, 3, 3, 8], name='a/w'), [1, 1, 1, 1], 'SAME', name='a/conv')
    p = params(8, 'a')
    a = tf.raw_ops.FusedBatchNorm(x=a, **p, epsilon=0.001, is_training=False, name='a/bn')[0]
    a = tf.nn.relu(a, name='a/relu')

    b = tf.nn.conv2d(x, c([3, 3, 3, 5], name='b/w'), [1, 2, 2, 1], 'VALID', name='b/conv')
    b = tf.nn.bias_add(b, c([5], name='b/bias'), name='b/bias_add')
    p = params(5, 'b')
    b = tf.raw_ops.FusedBatchNormV2(x=b, **p, epsilon=1e-5, is_training=False, name='b/bn')[0]
    b = tf.nn.relu6(b, name='b/relu6')

    d = tf.nn.depthwise_conv2d(x, c([3, 3, 3, 2], name='d/w'), [1, 1, 1, 1], 'SAME', name='d/dw')
    p = params(6, 'd')
    d = tf.raw_ops.FusedBatchNormV3(x=d, **p, epsilon=0.01, is_training=False, name='d/bn')[0]

    e = tf.transpose(x, [0, 3, 1, 2], name='e/nchw')
    p = params(3, 'e')
    e = tf.raw_ops.FusedBatchNormV3(x=e, **p, epsilon=0.001, data_format='NCHW', is_training=False, name='e/bn')[0]

    # The gradient through all four (TF's FusedBatchNormGrad / V2 / V3 of inference batch norms).
    loss = tf.reduce_sum(a * a) + tf.reduce_sum(b) + tf.reduce_sum(d * d) + tf.reduce_sum(e)
    out = {'a': a, 'b': b, 'd': d, 'e': e, 'grad_x': tf.gradients(loss, x)[0]}
    names = sorted(out)
    for k in names:
        tf.identity(out[k], name='out_' + k)

with v1.Session(graph=g, config=session_config()) as s:
    values = s.run([g.get_tensor_by_name('out_' + k + ':0') for k in names], {x: x_val})

gd = g.as_graph_def()
write_graph_fixture('batchnorm', gd, {
    'feed': {'name': 'x:0', 'shape': list(x_val.shape), 'values': [float(v) for v in x_val.reshape(-1)]},
    'fetches': {'out_' + k + ':0': {'shape': list(np.shape(v)), 'values': [float(t) for t in np.asarray(v).reshape(-1)]}
                for k, v in zip(names, values)}})
print('ops:', ' '.join(sorted({n.op for n in gd.node})))
