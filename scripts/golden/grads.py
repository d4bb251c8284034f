"""Golden gradients: TF1-graph tf.gradients of one op (or a small composition) per case.

Writes test/fixtures/golden/grads/<Op>.json, in the op fixtures' format plus three fields:
{"op": "MatMul", "tf_version": "2.21.0", "cases": [
 {"name": "float32_2x3_by_3x4",
  "graph": "<base64 binary GraphDef of the FORWARD graph only (placeholders + the op)>",
  "feeds": [{"name": "x:0", ...}, ...],
  "ys": ["out:0"], "xs": ["x:0", "y:0"],
  "grad_ys": [{"dtype": ..., "shape": ..., "data": ...}],     # random weights of the ys
  "outputs": [<dL/dx>, <dL/dy>]}                               # TF's values; null = None
]}
Whole models (MLP, CNN, TransformerBlock) differentiate a scalar loss; CNN and TransformerBlock
use TF's default grad_ys (ones, recorded) and also hold "loss": its value. Those two are built
again with tensorloom's API in test/gradients/models.test.ts.
The test imports the forward graph, builds tf.gradients in tensorloom and compares values.

Usage: python3 scripts/golden/grads.py [Op ...]   (deterministic; seeds from the case names)
"""
import os
import sys

from common import (GOLDEN, log, np, session_config, seed_of, tensor_json, tf, v1, graph_b64,
                    write_cases_json)

OUT_DIR = os.path.join(GOLDEN, 'grads')
nn = tf.nn


class Cases:
    def __init__(self, op):
        self.op, self.cases, self.names = op, [], set()

    def case(self, name, build, inputs, xs=None, loss=False):
        """build(*placeholders) -> y; inputs: list of (name, np array).

        loss=True (whole models): y is a scalar loss, differentiated as tf.gradients(loss, xs)
        does by default (grad_ys recorded as the ones TF uses) and its value kept in 'loss'."""
        assert name not in self.names
        rng = np.random.default_rng(seed_of('grads', self.op, name))
        g = tf.Graph()
        with g.as_default():
            phs = [v1.placeholder(v.dtype, v.shape, name=n) for n, v in inputs]
            y = tf.identity(build(*phs), name='out')
            gd = g.as_graph_def()
            gy_val = rng.uniform(-1, 1, size=y.shape.as_list()).astype(y.dtype.as_numpy_dtype)
            if loss:
                gy_val = np.ones_like(gy_val)
            sel = [phs[i] for i in (xs if xs is not None else range(len(phs)))]
            grads = v1.gradients(y, sel, grad_ys=None if loss else tf.constant(gy_val))
            # IndexedSlices (GatherV2's gradient) densified as TF does (UnsortedSegmentSum).
            grads = [tf.convert_to_tensor(t) if isinstance(t, tf.IndexedSlices) else t for t in grads]
            with v1.Session(graph=g, config=session_config()) as s:
                fetch = [t for t in grads if t is not None] + [y]
                vals = s.run(fetch, feed_dict={p: v for p, (_, v) in zip(phs, inputs)})
        y_val = vals.pop()
        it = iter(vals)
        outs = [None if t is None else tensor_json(np.asarray(next(it))) for t in grads]
        self.cases.append({'name': name, 'graph': graph_b64(gd),
                           'feeds': [tensor_json(v, f'{n}:0') for n, v in inputs],
                           'ys': ['out:0'], 'xs': [f'{t.op.name}:0' for t in sel],
                           'grad_ys': [tensor_json(gy_val)], 'outputs': outs,
                           **({'loss': tensor_json(np.asarray(y_val))} if loss else {})})
        self.names.add(name)

    def write(self):
        write_cases_json(os.path.join(OUT_DIR, f'{self.op}.json'), {'op': self.op, 'tf_version': tf.__version__}, self.cases)
        log(f'[{self.op}] {len(self.cases)} cases')


def rnd(op, name, shape, dt='float32', lo=-1.0, hi=1.0):
    r = np.random.default_rng(seed_of('grads-in', op, name, str(shape)))
    return r.uniform(lo, hi, size=shape).astype(dt)


def away(op, name, shape, dt='float32'):
    v = rnd(op, name, shape, dt, 0.2, 1.0)
    s = np.where(rnd(op, name + 's', shape, 'float64') < 0, -1, 1).astype(dt)
    return v * s


def distinct(op, name, shape, dt='float32'):
    n = int(np.prod(shape))
    v = (np.arange(n) * (2.0 / max(n, 1)) - 1 + 0.013)
    np.random.default_rng(seed_of('perm', op, name)).shuffle(v)
    return v.reshape(shape).astype(dt)


BIN_SHAPES = [('same_2x3', [2, 3], [2, 3]), ('broadcast_2x3_by_3', [2, 3], [3]), ('broadcast_2x1x3_by_4x1', [2, 1, 3], [4, 1]),
              ('scalar_y', [2, 3], [])]
GENS = {}


def gen(op):
    def deco(fn):
        GENS[op] = fn
        return fn
    return deco


def binary(op, fn, ylo=-1.0, yhi=1.0, xlo=-1.0, xhi=1.0, shapes=BIN_SHAPES):
    c = Cases(op)
    for dt in ['float32', 'float64']:
        for sname, sx, sy in shapes:
            name = f'{dt}_{sname}'
            c.case(name, fn, [('x', rnd(op, name + 'x', sx, dt, xlo, xhi)), ('y', rnd(op, name + 'y', sy, dt, ylo, yhi))])
    return c


for _op, _fn, _kw in [
    ('Add', lambda x, y: raw_op('Add', x, y), {}), ('AddV2', lambda x, y: x + y, {}), ('Sub', lambda x, y: x - y, {}),
    ('Mul', lambda x, y: x * y, {}), ('RealDiv', lambda x, y: x / y, {'ylo': 0.5, 'yhi': 2.0}),
    ('Div', lambda x, y: tf.raw_ops.Div(x=x, y=y), {'ylo': 0.5, 'yhi': 2.0}),
    ('DivNoNan', lambda x, y: tf.math.divide_no_nan(x, y), {'ylo': 0.5, 'yhi': 2.0}),
    ('Maximum', lambda x, y: tf.maximum(x, y), {}), ('Minimum', lambda x, y: tf.minimum(x, y), {}),
    ('Pow', lambda x, y: tf.pow(x, y), {'xlo': 0.5, 'xhi': 2.0}),
    ('SquaredDifference', lambda x, y: tf.math.squared_difference(x, y), {}),
]:
    GENS[_op] = (lambda op, fn, kw: (lambda: binary(op, fn, **kw)))(_op, _fn, _kw)


def raw_op(name, x, y):
    return getattr(tf.raw_ops, name)(x=x, y=y)


def unary(op, fn, inp=rnd, shapes=([2, 3], [4])):
    c = Cases(op)
    for dt in ['float32', 'float64']:
        for s in shapes:
            name = f'{dt}_{"x".join(map(str, s))}'
            c.case(name, fn, [('x', inp(op, name, s, dt))])
    return c


def pos(op, name, shape, dt):
    return rnd(op, name, shape, dt, 0.5, 2.0)


for _op, _fn, _inp in [
    ('Neg', tf.negative, rnd), ('Abs', tf.abs, away), ('Exp', tf.exp, rnd), ('Log', tf.math.log, pos), ('Log1p', tf.math.log1p, pos),
    ('Expm1', tf.math.expm1, rnd), ('Sqrt', tf.sqrt, pos), ('Rsqrt', tf.math.rsqrt, pos), ('Reciprocal', tf.math.reciprocal, pos),
    ('Square', tf.square, rnd), ('Sin', tf.sin, rnd), ('Cos', tf.cos, rnd), ('Tanh', tf.tanh, rnd), ('Sigmoid', tf.sigmoid, rnd),
    ('Relu', nn.relu, away), ('Relu6', lambda x: nn.relu6(x * 7), away), ('Elu', nn.elu, away), ('Selu', nn.selu, away),
    ('LeakyRelu', lambda x: nn.leaky_relu(x, 0.3), away), ('Softplus', nn.softplus, rnd), ('Softsign', nn.softsign, away),
    ('Softmax', nn.softmax, rnd), ('LogSoftmax', nn.log_softmax, rnd), ('L2Loss', nn.l2_loss, rnd),
    ('Identity', lambda x: tf.identity(x) * 2, rnd),
]:
    GENS[_op] = (lambda op, fn, inp: (lambda: unary(op, fn, inp)))(_op, _fn, _inp)


@gen('AddN')
def _addn():
    c = Cases('AddN')
    for dt in ['float32', 'float64']:
        c.case(dt, lambda a, b, d: tf.add_n([a, b, d]), [(n, rnd('AddN', dt + n, [2, 3], dt)) for n in 'abd'])
    return c


@gen('MatMul')
def _matmul():
    c = Cases('MatMul')
    for dt in ['float32', 'float64']:
        for ta in [False, True]:
            for tb in [False, True]:
                name = f'{dt}_ta{int(ta)}_tb{int(tb)}'
                sa = [3, 2] if ta else [2, 3]
                sb = [4, 3] if tb else [3, 4]
                c.case(name, lambda a, b, ta=ta, tb=tb: tf.matmul(a, b, transpose_a=ta, transpose_b=tb),
                       [('a', rnd('MatMul', name + 'a', sa, dt)), ('b', rnd('MatMul', name + 'b', sb, dt))])
    return c


@gen('BatchMatMulV2')
def _bmm():
    c = Cases('BatchMatMulV2')
    for dt in ['float32', 'float64']:
        for name, sa, sb, ta, tb in [('same_batch', [2, 2, 3], [2, 3, 4], False, False), ('broadcast', [2, 2, 3], [3, 4], False, False),
                                     ('adj_broadcast', [1, 2, 3, 2], [2, 1, 4, 3], True, True)]:
            n = f'{dt}_{name}'
            c.case(n, lambda a, b, ta=ta, tb=tb: tf.raw_ops.BatchMatMulV2(x=a, y=b, adj_x=ta, adj_y=tb),
                   [('a', rnd('BatchMatMulV2', n + 'a', sa, dt)), ('b', rnd('BatchMatMulV2', n + 'b', sb, dt))])
    return c


def reduction(op, fn, inp=rnd):
    c = Cases(op)
    for dt in ['float32', 'float64']:
        for name, shape, axis, keep in [('all', [2, 3], None, False), ('axis1', [2, 3, 2], 1, False), ('axes02_keep', [2, 3, 2], [0, 2], True),
                                        ('neg_axis', [3, 4], -1, False)]:
            n = f'{dt}_{name}'
            c.case(n, lambda x, axis=axis, keep=keep: fn(x, axis=axis, keepdims=keep), [('x', inp(op, n, shape, dt))])
    return c


GENS['Sum'] = lambda: reduction('Sum', tf.reduce_sum)
GENS['Mean'] = lambda: reduction('Mean', tf.reduce_mean)
GENS['Max'] = lambda: reduction('Max', tf.reduce_max, distinct)
GENS['TopKV2'] = lambda: reduction_free('TopKV2', lambda x: tf.math.top_k(x, 2)[0], [2, 2, 4])
GENS['Min'] = lambda: reduction('Min', tf.reduce_min, distinct)


def reduction_free(op, fn, shape):
    c = Cases(op)
    for dt in ['float32', 'float64']:
        c.case(dt, fn, [('x', distinct(op, dt, shape, dt))])
    return c


def simple(op, cases):
    c = Cases(op)
    for dt in ['float32', 'float64']:
        for name, fn, shapes in cases:
            n = f'{dt}_{name}'
            c.case(n, fn, [(f'x{i}', rnd(op, f'{n}{i}', s, dt)) for i, s in enumerate(shapes)])
    return c


GENS['Reshape'] = lambda: simple('Reshape', [('2x3_to_3x2', lambda x: tf.reshape(x * x, [3, 2]), [[2, 3]])])
GENS['ExpandDims'] = lambda: simple('ExpandDims', [('axis1', lambda x: tf.expand_dims(x * x, 1), [[2, 3]])])
GENS['Squeeze'] = lambda: simple('Squeeze', [('axis1', lambda x: tf.squeeze(x * x, [1]), [[2, 1, 3]])])
GENS['Transpose'] = lambda: simple('Transpose', [('perm201', lambda x: tf.transpose(x * x, [2, 0, 1]), [[2, 3, 2]])])
GENS['ConcatV2'] = lambda: simple('ConcatV2', [('axis1', lambda a, b: tf.concat([a * a, b], 1), [[2, 3], [2, 2]]),
                                               ('axis_neg2', lambda a, b, d: tf.concat([a, b, d], -2), [[1, 3], [2, 3], [1, 3]])])
GENS['Pack'] = lambda: simple('Pack', [('axis1', lambda a, b: tf.stack([a * a, b], 1), [[2, 3], [2, 3]])])
GENS['Unpack'] = lambda: simple('Unpack', [('axis1', lambda x: tf.unstack(x, axis=1)[0] * tf.unstack(x, axis=1)[2], [[2, 3]])])
GENS['Slice'] = lambda: simple('Slice', [('1x2_at_1_0', lambda x: tf.slice(x * x, [1, 0], [1, 2]), [[3, 3]])])
GENS['StridedSlice'] = lambda: simple('StridedSlice', [('simple', lambda x: (x * x)[0:2, 1:3], [[3, 4]]),
                                                       ('masks', lambda x: x[:, ::-2, 1], [[2, 5, 3]]),
                                                       ('ellipsis_newaxis', lambda x: x[..., tf.newaxis, 1:3], [[2, 2, 4]])])
GENS['GatherV2'] = lambda: simple('GatherV2', [('dup_indices', lambda x: tf.gather(x, [2, 0, 2]), [[3, 2]])])
GENS['Cast'] = lambda: simple('Cast', [('via_other_float', lambda x: tf.cast(x, tf.float64 if x.dtype == tf.float32 else tf.float32) * 3, [[3]])])
GENS['BiasAdd'] = lambda: simple('BiasAdd', [('nhwc', lambda x, b: nn.bias_add(x, b), [[2, 3, 4], [4]])])
GENS['Select'] = lambda: simple('Select', [('vector_cond', lambda a, b: tf.compat.v1.where(tf.constant([True, False, True]), a, b), [[3], [3]])])
GENS['SelectV2'] = lambda: simple('SelectV2', [('broadcast', lambda a, b: tf.where(tf.constant([[True], [False]]), a, b), [[2, 3], [3]])])
GENS['Split'] = lambda: simple('Split', [('3_ways', lambda x: tf.split(x, 3, 1)[0] * tf.split(x, 3, 1)[2], [[2, 3]])])
GENS['SplitV'] = lambda: simple('SplitV', [('1_2', lambda x: tf.split(x, [1, 2], 1)[0] + tf.reduce_sum(tf.split(x, [1, 2], 1)[1], 1, keepdims=True),
                                             [[2, 3]])])
GENS['Tile'] = lambda: simple('Tile', [('2x3', lambda x: tf.tile(x * x, [2, 3]), [[2, 2]])])
GENS['Pad'] = lambda: simple('Pad', [('mixed', lambda x: tf.pad(x * x, [[1, 0], [2, 1]]), [[2, 2]])])
GENS['ReverseV2'] = lambda: simple('ReverseV2', [('axis1', lambda x: tf.reverse(x * x, [1]), [[2, 3]])])
GENS['BroadcastTo'] = lambda: simple('BroadcastTo', [('3x1_to_2x3x2', lambda x: tf.broadcast_to(x * x, [2, 3, 2]), [[3, 1]])])
GENS['GatherNd'] = lambda: simple('GatherNd', [('dup', lambda x: tf.gather_nd(x, [[1, 0], [0, 2], [1, 0]]), [[2, 3]])])
GENS['ScatterNd'] = lambda: simple('ScatterNd', [('rows', lambda x: tf.scatter_nd([[1], [3]], x * x, [4, 2]), [[2, 2]])])
GENS['ClipByValue'] = lambda: simple('ClipByValue', [('scalar_bounds', lambda x: tf.clip_by_value(x, -0.5, 0.5), [[2, 4]])])
GENS['Erf'] = lambda: simple('Erf', [('4', lambda x: tf.math.erf(x), [[4]])])
GENS['Cumsum'] = lambda: simple('Cumsum', [('axis1', lambda x: tf.cumsum(x * x, 1), [[2, 3]]),
                                           ('exclusive_reverse', lambda x: tf.cumsum(x, 0, exclusive=True, reverse=True), [[4]])])


@gen('SoftmaxCrossEntropyWithLogits')
def _xent():
    c = Cases('SoftmaxCrossEntropyWithLogits')
    for dt in ['float32', 'float64']:
        lab = rnd('xent', dt, [2, 4], dt, 0.5, 2.0)
        lab = lab / lab.sum(axis=1, keepdims=True)
        c.case(dt, lambda l, y: nn.softmax_cross_entropy_with_logits(labels=y, logits=l), [('logits', rnd('xent', dt + 'l', [2, 4], dt)), ('labels', lab)])
    return c


@gen('SparseSoftmaxCrossEntropyWithLogits')
def _sxent():
    c = Cases('SparseSoftmaxCrossEntropyWithLogits')
    for dt in ['float32', 'float64']:
        c.case(dt, lambda l: nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([1, 3]), logits=l),
               [('logits', rnd('sxent', dt, [2, 4], dt))])
    return c


@gen('Conv2D')
def _conv():
    c = Cases('Conv2D')
    for dt in ['float32', 'float64']:
        for name, sx, sf, st, pad, dil in [('valid', [1, 4, 4, 2], [2, 2, 2, 3], 1, 'VALID', 1), ('same_stride2', [2, 5, 4, 2], [3, 3, 2, 2], 2, 'SAME', 1)]:
            # (TF's CPU Conv2D backprop kernels reject dilations > 1: checked by finite differences only.)
            n = f'{dt}_{name}'
            c.case(n, lambda x, f, st=st, pad=pad, dil=dil: nn.conv2d(x, f, st, pad, dilations=dil),
                   [('x', rnd('Conv2D', n + 'x', sx, dt)), ('f', rnd('Conv2D', n + 'f', sf, dt))])
    return c


@gen('Conv2DBackpropInput')
def _conv_t():
    c = Cases('Conv2DBackpropInput')
    for dt in ['float32', 'float64']:
        c.case(dt, lambda dy, f: nn.conv2d_transpose(dy, f, [1, 5, 5, 2], 2, 'SAME'),
               [('dy', rnd('Conv2DBackpropInput', dt + 'dy', [1, 3, 3, 3], dt)), ('f', rnd('Conv2DBackpropInput', dt + 'f', [3, 3, 2, 3], dt))])
    return c


@gen('FusedBatchNormV3')
def _bn():
    c = Cases('FusedBatchNormV3')  # float kernels only
    mean, var = np.array([-0.1, 0.0, 0.1], np.float32), np.array([0.5, 1.0, 1.5], np.float32)
    for name, training, fmt, shape in [('training_nhwc', True, 'NHWC', [2, 2, 2, 3]), ('training_nchw', True, 'NCHW', [2, 3, 2, 2]),
                                       ('inference_nhwc', False, 'NHWC', [2, 2, 2, 3])]:
        def build(x, s, b, training=training, fmt=fmt):
            y = v1.nn.fused_batch_norm(x, s, b, None if training else mean, None if training else var, is_training=training,
                                       data_format=fmt)[0]
            return y * y
        c.case(name, build, [('x', rnd('bn', name + 'x', shape)), ('scale', rnd('bn', name + 's', [3], 'float32', 0.5, 1.5)),
                             ('offset', rnd('bn', name + 'o', [3]))])
    return c


@gen('DepthwiseConv2dNative')
def _dw():
    c = Cases('DepthwiseConv2dNative')
    for dt in ['float32', 'float64']:
        for name, sx, sf, st, pad in [('valid', [1, 4, 4, 2], [2, 2, 2, 2], 1, 'VALID'), ('same_stride2', [2, 5, 4, 3], [3, 3, 3, 1], 2, 'SAME')]:
            n = f'{dt}_{name}'
            c.case(n, lambda x, f, st=st, pad=pad: nn.depthwise_conv2d(x, f, [1, st, st, 1], pad),
                   [('x', rnd('dw', n + 'x', sx, dt)), ('f', rnd('dw', n + 'f', sf, dt))])
    return c


def pool(op, fn, inp):
    c = Cases(op)
    for dt in ['float32', 'float64']:
        for name, s, k, st, pad in [('valid_2x2', [2, 4, 4, 2], 2, 2, 'VALID'), ('same_3x3_s2', [1, 5, 5, 2], 3, 2, 'SAME')]:
            n = f'{dt}_{name}'
            c.case(n, lambda x, k=k, st=st, pad=pad: fn(x, k, st, pad), [('x', inp(op, n, s, dt))])
    return c


GENS['MaxPool'] = lambda: pool('MaxPool', nn.max_pool2d, distinct)
GENS['AvgPool'] = lambda: pool('AvgPool', nn.avg_pool2d, rnd)


@gen('MLP')
def _mlp():
    c = Cases('MLP')
    for dt in ['float32', 'float64']:
        def build(x, w1, b1, w2):
            h = nn.relu(tf.matmul(x, w1) + b1)
            logits = tf.matmul(h, w2)
            return tf.reduce_mean(nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 2, 1]), logits=logits))
        c.case(dt, build, [('x', rnd('MLP', dt + 'x', [3, 4], dt)), ('w1', rnd('MLP', dt + 'w1', [4, 5], dt)),
                           ('b1', rnd('MLP', dt + 'b1', [5], dt)), ('w2', rnd('MLP', dt + 'w2', [5, 3], dt))])
    return c


# Whole models (issue 7): the test builds each again with tensorloom's API (test/gradients/models.test.ts),
# so keep the two in step. Inputs named as the test's placeholders; xs = the input and every weight.
def model(op, dt, spec, build, consts=()):
    """spec: (name, shape, lo, hi) per differentiated input; consts: the same for fed non-weights."""
    inputs = [(n, rnd(op, dt + n, s, dt, lo, hi)) for n, s, lo, hi in list(spec) + list(consts)]
    return inputs, list(range(len(spec)))


CNN_LABELS = [[1, 0, 0], [0, 0, 1]]


@gen('CNN')
def _cnn():
    c = Cases('CNN')
    for dt in ['float32', 'float64']:
        def build(x, k1, b1, k2, b2, w, b):
            h = nn.relu(nn.bias_add(nn.conv2d(x, k1, 1, 'SAME'), b1))           # [2, 6, 6, 4]
            h = nn.max_pool2d(h, 2, 2, 'VALID')                                  # [2, 3, 3, 4]
            h = nn.relu(nn.bias_add(nn.conv2d(h, k2, 1, 'VALID'), b2))          # [2, 2, 2, 5]
            logits = tf.matmul(tf.reshape(h, [2, 20]), w) + b                    # [2, 3]
            xent = nn.softmax_cross_entropy_with_logits(labels=tf.constant(CNN_LABELS, x.dtype), logits=logits)
            return tf.reduce_mean(xent)
        inputs, xs = model('CNN', dt, [('x', [2, 6, 6, 2], -1, 1), ('k1', [3, 3, 2, 4], -0.5, 0.5), ('b1', [4], -0.1, 0.1),
                                       ('k2', [2, 2, 4, 5], -0.5, 0.5), ('b2', [5], -0.1, 0.1), ('w', [20, 3], -0.5, 0.5),
                                       ('b', [3], -0.1, 0.1)], build)
        c.case(dt, build, inputs, xs, loss=True)
    return c


@gen('TransformerBlock')
def _transformer():
    c = Cases('TransformerBlock')
    B, T, D, H = 2, 4, 8, 2   # batch, sequence, model width, heads (of D / H = 4)
    for dt in ['float32', 'float64']:
        def dense(t, w, b=None):
            y = tf.matmul(tf.reshape(t, [B * T, -1]), w)
            return tf.reshape(y if b is None else y + b, [B, T, -1])

        def heads(t):
            return tf.transpose(tf.reshape(t, [B, T, H, D // H]), [0, 2, 1, 3])  # [B, H, T, D/H]

        def build(x, wq, wk, wv, wo, gamma, beta, w1, b1, w2, b2, target):
            q, k, v = heads(dense(x, wq)), heads(dense(x, wk)), heads(dense(x, wv))
            scores = tf.raw_ops.BatchMatMulV2(x=q, y=k, adj_y=True) * (1 / np.sqrt(D // H))
            att = tf.raw_ops.BatchMatMulV2(x=nn.softmax(scores), y=v)              # [B, H, T, D/H]
            h = x + dense(tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B, T, D]), wo)
            mean = tf.reduce_mean(h, -1, keepdims=True)
            var = tf.reduce_mean(tf.math.squared_difference(h, mean), -1, keepdims=True)
            h = (h - mean) * tf.math.rsqrt(var + 1e-5) * gamma + beta
            u = dense(h, w1, b1)
            gelu = 0.5 * u * (1 + tf.math.erf(u / np.sqrt(2)))
            out = h + dense(gelu, w2, b2)
            return tf.reduce_mean(tf.math.squared_difference(out, target))
        inputs, xs = model('TransformerBlock', dt, [
            ('x', [B, T, D], -1, 1), ('wq', [D, D], -0.5, 0.5), ('wk', [D, D], -0.5, 0.5), ('wv', [D, D], -0.5, 0.5),
            ('wo', [D, D], -0.5, 0.5), ('gamma', [D], 0.5, 1.5), ('beta', [D], -0.1, 0.1), ('w1', [D, 2 * D], -0.5, 0.5),
            ('b1', [2 * D], -0.1, 0.1), ('w2', [2 * D, D], -0.5, 0.5), ('b2', [D], -0.1, 0.1)], build,
            consts=[('target', [B, T, D], -1, 1)])
        c.case(dt, build, inputs, xs, loss=True)
    return c


def main(argv):
    v1.disable_eager_execution()
    ops = argv or sorted(GENS)
    if not argv and os.path.isdir(OUT_DIR):  # a full run leaves no stale files
        for f in os.listdir(OUT_DIR):
            if f.endswith('.json'):
                os.remove(os.path.join(OUT_DIR, f))
    for op in ops:
        GENS[op]().write()


if __name__ == '__main__':
    main(sys.argv[1:])
