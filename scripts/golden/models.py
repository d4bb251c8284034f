#!/usr/bin/env python3
"""Golden frozen-model fixtures computed by real TensorFlow.

Builds small real architectures with Keras 3 (weights=None, every weight set from a seeded
numpy rng; nothing is downloaded), freezes each the way TF does (tf.function +
convert_variables_to_constants_v2), and writes
  test/fixtures/golden/models/<name>.pb    binary GraphDef of the frozen graph
  test/fixtures/golden/models/<name>.json  inputs, outputs and a few inner tensors, computed by
                                           running that GraphDef in a tf.compat.v1.Session.
See scripts/golden/README.md for the JSON schema.

Usage: python3 scripts/golden/models.py [name ...]     (no args: all models)
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in scripts/golden
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (GOLDEN, log, np, seed_of, session_config, tensor_json, tf, v1,  # noqa: E402
                    write_json)

import keras  # noqa: E402
from tensorflow.python.framework.convert_to_constants import (  # noqa: E402
    convert_variables_to_constants_v2)

OUT_DIR = os.path.join(GOLDEN, 'models')
MAX_INNER = 8
MAX_INNER_ELEMENTS = 13000
# Nodes not worth recording as inner tensors.
BORING = {'Identity', 'Placeholder', 'Const', 'NoOp', 'StopGradient'}
PRIORITY = {'Conv2D', 'DepthwiseConv2dNative', 'FusedBatchNormV3', 'MaxPool', 'AvgPool', 'Mean',
            'MatMul', 'BatchMatMulV2', 'Einsum', 'Softmax', 'Erf', 'Erfc', 'Relu', 'Relu6',
            'Rsqrt', 'Pad', 'SquaredDifference'}


# --------------------------------------------------------------------------------------------
# models (Keras 3, functional API)

def mlp():
    x = keras.Input((784,), name='pixels')
    h = keras.layers.Dense(128, activation='relu', name='dense1')(x)
    h = keras.layers.Dense(64, activation='relu', name='dense2')(h)
    y = keras.layers.Dense(10, activation='softmax', name='probs')(h)
    return keras.Model(x, y, name='mlp'), [2, 784]


def cnn():
    x = keras.Input((28, 28, 1), name='image')
    h = keras.layers.Conv2D(8, 3, padding='same', name='conv')(x)
    h = keras.layers.BatchNormalization(name='bn')(h)
    h = keras.layers.ReLU(name='relu')(h)
    h = keras.layers.MaxPooling2D(2, name='pool')(h)
    h = keras.layers.Dropout(0.25, name='dropout')(h)
    h = keras.layers.Flatten(name='flatten')(h)
    y = keras.layers.Dense(10, activation='softmax', name='probs')(h)
    return keras.Model(x, y, name='cnn'), [2, 28, 28, 1]


def mobilenet_v2():
    m = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, weights=None,
                                       include_top=True, classes=10)
    return m, [1, 96, 96, 3]


def resnet_block():
    x = keras.Input((16, 16, 8), name='features')
    h = keras.layers.Conv2D(8, 3, padding='same', use_bias=False, name='conv1')(x)
    h = keras.layers.BatchNormalization(name='bn1')(h)
    h = keras.layers.ReLU(name='relu1')(h)
    h = keras.layers.Conv2D(8, 3, padding='same', use_bias=False, name='conv2')(h)
    h = keras.layers.BatchNormalization(name='bn2')(h)
    h = keras.layers.Add(name='skip')([h, x])
    y = keras.layers.ReLU(name='relu2')(h)
    return keras.Model(x, y, name='resnet_block'), [2, 16, 16, 8]


def transformer_encoder():
    seq, d_model = 6, 16
    x = keras.Input((seq, d_model), name='tokens')
    a = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8, name='mha')(x, x)
    a = keras.layers.Dropout(0.1, name='attn_dropout')(a)
    h = keras.layers.Add(name='res1')([x, a])
    h = keras.layers.LayerNormalization(epsilon=1e-6, name='ln1')(h)
    f = keras.layers.Dense(32, activation='gelu', name='ffn1')(h)
    f = keras.layers.Dense(d_model, name='ffn2')(f)
    h = keras.layers.Add(name='res2')([h, f])
    y = keras.layers.LayerNormalization(epsilon=1e-6, name='ln2')(h)
    return keras.Model(x, y, name='transformer_encoder'), [2, seq, d_model]


MODELS = {
    'mlp': mlp,
    'cnn': cnn,
    'mobilenet_v2': mobilenet_v2,
    'resnet_block': resnet_block,
    'transformer_encoder': transformer_encoder,
}


# --------------------------------------------------------------------------------------------

def default_fan_in(path, leaf, shape):
    # depthwise [kh, kw, in, mult]: each output sees kh*kw inputs
    return int(np.prod(shape[:-2] if 'depthwise' in leaf else shape[:-1]))


def set_seeded_weights(model, rng, fan_in_of=default_fan_in):
    """Every weight from the rng: kernels ~ N(0, 1/fan_in), biases/betas small, BN statistics
    non-trivial (so that BatchNormalization really does something). `fan_in_of(path, leaf,
    shape)` gives a kernel's fan-in."""
    for w in model.weights:
        path = w.path if hasattr(w, 'path') else w.name
        leaf = path.split('/')[-1]
        shape = tuple(w.shape)
        if leaf == 'moving_variance':
            v = rng.uniform(0.5, 1.5, shape)
        elif leaf == 'moving_mean':
            v = rng.uniform(-0.2, 0.2, shape)
        elif leaf == 'gamma':
            v = rng.uniform(0.8, 1.2, shape)
        elif leaf in ('beta', 'bias'):
            v = rng.uniform(-0.1, 0.1, shape)
        elif len(shape) >= 2:
            fan_in = fan_in_of(path, leaf, shape)
            v = rng.normal(0.0, 1.0 / np.sqrt(max(fan_in, 1)), shape)
        else:
            v = rng.uniform(-0.1, 0.1, shape)
        w.assign(v.astype(np.float32))


def freeze(model, input_shape):
    spec = tf.TensorSpec([None] + list(input_shape[1:]), tf.float32, name='input')
    fn = tf.function(lambda x: model(x, training=False))
    cf = fn.get_concrete_function(spec)
    frozen = convert_variables_to_constants_v2(cf)
    gd = frozen.graph.as_graph_def()
    ins = [t.name for t in frozen.inputs]
    outs = [t.name for t in frozen.outputs]
    return gd, ins, outs


def pick_inner(gd, input_names, fetch_names):
    """Up to MAX_INNER inner tensors: float32 outputs of nodes that depend on the input (not
    constant sub-graphs), small enough, covering as many distinct op types as possible, then
    evenly spaced; returned in graph order."""
    g = tf.Graph()
    with g.as_default():
        tf.graph_util.import_graph_def(gd, name='')
    skip = {n.split(':')[0] for n in fetch_names}
    consumers = {}
    for node in gd.node:
        for inp in node.input:
            consumers.setdefault(inp.lstrip('^').split(':')[0], []).append(node.name)
    live, todo = set(), [n.split(':')[0] for n in input_names]
    while todo:
        n = todo.pop()
        if n in live:
            continue
        live.add(n)
        todo.extend(consumers.get(n, []))
    cands = []
    for node in gd.node:
        if node.name not in live or node.name in skip or node.op in BORING:
            continue
        t = g.get_tensor_by_name(node.name + ':0')
        if t.dtype != tf.float32 or t.shape.rank is None:
            continue
        dims = [d if d is not None else 2 for d in t.shape.as_list()]
        if int(np.prod(dims)) > MAX_INNER_ELEMENTS:
            continue
        cands.append((node.name + ':0', node.op))
    picked, seen = [], set()
    for i, (_, op) in enumerate(cands):  # first output of each heavy kernel type first
        if op in PRIORITY and op not in seen and len(picked) < MAX_INNER:
            seen.add(op)
            picked.append(i)
    rest = [i for i in range(len(cands)) if i not in picked]
    need = MAX_INNER - len(picked)
    if need > 0 and rest:
        idx = np.linspace(0, len(rest) - 1, min(need, len(rest))).round().astype(int)
        picked += [rest[j] for j in sorted(set(idx))]
    return [cands[i][0] for i in sorted(picked)]


def run_frozen(gd, feeds, fetches):
    g = tf.Graph()
    with g.as_default():
        tf.graph_util.import_graph_def(gd, name='')
    with v1.Session(graph=g, config=session_config()) as s:
        return s.run(list(fetches), feed_dict=dict(feeds))


def build(name):
    keras.utils.set_random_seed(seed_of('model', name) % (2**31))
    model, in_shape = MODELS[name]()
    rng = np.random.default_rng(seed_of('weights', name))
    set_seeded_weights(model, rng)
    gd, ins, outs = freeze(model, in_shape)
    assert len(ins) == 1, ins
    rng_in = np.random.default_rng(seed_of('input', name))
    x = rng_in.uniform(-1.0, 1.0, in_shape).astype(np.float32)
    if name == 'mlp':
        x = rng_in.uniform(0.0, 1.0, in_shape).astype(np.float32)
    inner = pick_inner(gd, ins, outs)
    vals = run_frozen(gd, [(ins[0], x)], outs + inner)
    out_vals, inner_vals = vals[:len(outs)], vals[len(outs):]
    # sanity: the frozen graph agrees with Keras itself
    ref = np.asarray(model(x, training=False))
    err = float(np.max(np.abs(ref - out_vals[0])))
    log(f'[{name}] keras vs frozen graph max |diff| = {err:.3g}')
    assert err < 1e-4, err
    op_types = sorted({n.op for n in gd.node})
    os.makedirs(OUT_DIR, exist_ok=True)
    pb = gd.SerializeToString(deterministic=True)
    with open(os.path.join(OUT_DIR, f'{name}.pb'), 'wb') as f:
        f.write(pb)
    doc = {
        'name': name,
        'tf_version': tf.__version__,
        'keras_version': keras.__version__,
        'graph': f'{name}.pb',
        'op_types': op_types,
        'node_count': len(gd.node),
        'inputs': [tensor_json(x, ins[0])],
        'outputs': [tensor_json(v, n) for n, v in zip(outs, out_vals)],
        'inner': [dict(tensor_json(v, n), op=next(nd.op for nd in gd.node
                                                  if nd.name == n.split(':')[0]))
                  for n, v in zip(inner, inner_vals)],
    }
    write_json(os.path.join(OUT_DIR, f'{name}.json'), doc)
    log(f'[{name}] {len(gd.node)} nodes, pb {len(pb)} bytes, op types: {op_types}')


def main(argv):
    names = argv or list(MODELS)
    for n in names:
        if n not in MODELS:
            sys.exit(f'unknown model {n}; known: {list(MODELS)}')
    for n in names:
        build(n)


if __name__ == '__main__':
    main(sys.argv[1:])
