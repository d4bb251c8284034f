#!/usr/bin/env python3
"""Benchmark models for bench/models.ts, made like the golden models (scripts/golden/models.py).

Keras 3 with weights=None, every weight set from a seeded numpy rng (nothing is downloaded),
frozen with tf.function + convert_variables_to_constants_v2, batch dimension unknown. Writes
  bench/models/<name>.pb     binary GraphDef of the frozen graph (TF and tensorloom run this)
  bench/models/<name>.onnx   the same network and weights as an ONNX graph written here with
                             the onnx helper API (no tf2onnx), checked against TF with
                             onnxruntime (python) before it is written; skipped with a note when
                             the onnx / onnxruntime packages are missing
  bench/models/<name>.json   input/output tensor names, the input shape, versions, checks

Models:
  mobilenet_v2_224   keras.applications.MobileNetV2(alpha=1.0, 224x224x3, 1000 classes)
  transformer_block  scripts/golden/models.py's transformer_encoder architecture at benchmark
                     size: seq 128, d_model 256, MultiHeadAttention(4 heads, key_dim 64),
                     Dense(1024, gelu) + Dense(256), post-LayerNorm

Usage: python3 scripts/golden/bench_models.py [name ...]     (no args: all; ~30 s)
Needs: tensorflow(-cpu) 2.x with Keras 3; for the .onnx files also `pip install onnx onnxruntime`.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in scripts/golden
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import REPO, log, np, seed_of, session_config, tf, v1  # noqa: E402
from models import freeze, set_seeded_weights  # noqa: E402

import json  # noqa: E402

import keras  # noqa: E402

OUT_DIR = os.path.join(REPO, 'bench', 'models')
TOL = 1e-4  # max |a - b| <= TOL * max |b| on every checked tensor


# --------------------------------------------------------------------------------------------
# models

def mobilenet_v2_224():
    m = keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=1.0, weights=None,
                                       include_top=True, classes=1000)
    return m, [224, 224, 3]


def transformer_block():
    seq, d_model, heads, ffn = 128, 256, 4, 1024
    x = keras.Input((seq, d_model), name='tokens')
    a = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=d_model // heads, name='mha')(x, x)
    a = keras.layers.Dropout(0.1, name='attn_dropout')(a)
    h = keras.layers.Add(name='res1')([x, a])
    h = keras.layers.LayerNormalization(epsilon=1e-6, name='ln1')(h)
    f = keras.layers.Dense(ffn, activation='gelu', name='ffn1')(h)
    f = keras.layers.Dense(d_model, name='ffn2')(f)
    h = keras.layers.Add(name='res2')([h, f])
    y = keras.layers.LayerNormalization(epsilon=1e-6, name='ln2')(h)
    return keras.Model(x, y, name='transformer_block'), [seq, d_model]


MODELS = {'mobilenet_v2_224': mobilenet_v2_224, 'transformer_block': transformer_block}


def bench_fan_in(path, leaf, shape):
    """The true fan-in of depthwise and attention kernels too, so the activations keep their
    scale through MobileNetV2's 17 blocks."""
    if 'depthwise' in path and len(shape) == 4:   # [kh, kw, in, mult]
        return shape[0] * shape[1]
    if len(shape) == 3 and '/attention_output/' not in path:
        return shape[0]                             # attention q/k/v [d_model, heads, key_dim]
    return int(np.prod(shape[:-1]))


def set_weights(model, rng):
    set_seeded_weights(model, rng, bench_fan_in)


# --------------------------------------------------------------------------------------------
# ONNX export of the Keras layers these two models use (NCHW inside for images)

class OnnxWriter:
    def __init__(self, onnx_mod):
        self.onnx = onnx_mod
        self.h = onnx_mod.helper
        self.nodes = []
        self.params = {}  # initializer name -> numpy array (float64 until written)
        self.count = 0

    def const(self, name, arr, dtype=np.float32):
        self.params[name] = np.asarray(arr, dtype=np.float64 if dtype == np.float32 else dtype)
        return name

    def op(self, op_type, inputs, out=None, **attrs):
        self.count += 1
        out = out or f'{op_type.lower()}_{self.count}'
        self.nodes.append(self.h.make_node(op_type, list(inputs), [out], name=out, **attrs))
        return out

    def model(self, in_name, in_shape, out_name, out_shape):
        h, TP = self.h, self.onnx.TensorProto
        inits = [self.onnx.numpy_helper.from_array(
            v.astype(np.float32) if v.dtype == np.float64 else v, k) for k, v in self.params.items()]
        graph = h.make_graph(self.nodes, 'tensorloom_bench', [
            h.make_tensor_value_info(in_name, TP.FLOAT, in_shape)],
            [h.make_tensor_value_info(out_name, TP.FLOAT, out_shape)], inits)
        # IR 8 / opset 17: loadable by onnxruntime-node 1.22 (LayerNormalization is opset 17)
        m = h.make_model(graph, opset_imports=[h.make_opsetid('', 17)], ir_version=8,
                         producer_name='tensorloom scripts/golden/bench_models.py')
        self.onnx.checker.check_model(m)
        return m


def tf_same_pads(in_size, k, s):
    out = -(-in_size // s)
    total = max((out - 1) * s + k - in_size, 0)
    return total // 2, total - total // 2


def to_onnx(model, onnx_mod):
    """The Keras model as an ONNX ModelProto with input 'input' (NHWC or [N, T, D] as in TF)
    and output 'output'. BatchNormalization is folded into the Conv before it, ZeroPadding2D
    into the Conv after it, the attention scale 1/sqrt(key_dim) into the query projection."""
    w = OnnxWriter(onnx_mod)
    names = {}      # id(KerasTensor) -> ONNX value name
    padded = {}     # ONNX name of a ZeroPadding2D output -> (source name, (t, b, l, r))
    conv_of = {}    # ONNX name of a Conv output -> its layer name (for BN folding)
    in_t = model.inputs[0]
    rank = len(in_t.shape)
    x = 'input'
    if rank == 4:
        x = w.op('Transpose', [x], 'input_nchw', perm=[0, 3, 1, 2])
    names[id(in_t)] = x

    def weights(layer):
        return {v.path.split('/')[-1]: np.asarray(v.numpy(), np.float64) for v in layer.weights}

    def activation(name, act, prefix):
        if act == 'linear':
            return name
        if act == 'relu':
            return w.op('Relu', [name], f'{prefix}/relu')
        if act == 'softmax':
            return w.op('Softmax', [name], f'{prefix}/softmax', axis=-1)
        if act == 'gelu':  # exact gelu: x * 0.5 * (1 + erf(x / sqrt 2)); onnxruntime fuses it
            d = w.op('Div', [name, w.const(f'{prefix}/sqrt2', np.sqrt(2.0))], f'{prefix}/gelu_div')
            e = w.op('Erf', [d], f'{prefix}/gelu_erf')
            a = w.op('Add', [e, w.const(f'{prefix}/one', 1.0)], f'{prefix}/gelu_add')
            m = w.op('Mul', [name, a], f'{prefix}/gelu_mul')
            return w.op('Mul', [m, w.const(f'{prefix}/half', 0.5)], f'{prefix}/gelu')
        raise NotImplementedError(f'activation {act}')

    for layer in model.layers:
        kind = type(layer).__name__
        if kind == 'InputLayer':
            continue
        node = layer._inbound_nodes[0]
        ins = [names[id(t)] for t in node.input_tensors]
        outs = node.output_tensors
        assert len(outs) == 1, (layer.name, outs)
        p = weights(layer)
        n = layer.name
        cfg = layer.get_config()
        if kind in ('Conv2D', 'DepthwiseConv2D'):
            assert tuple(cfg['dilation_rate']) == (1, 1) and cfg['data_format'] == 'channels_last'
            k = p['kernel']  # Conv2D [kh, kw, in, out]; Depthwise [kh, kw, in, mult]
            kh, kw = k.shape[:2]
            sh, sw = cfg['strides']
            src = ins[0]
            if kind == 'Conv2D':
                W, group = k.transpose(3, 2, 0, 1), 1
            else:
                c, mult = k.shape[2], k.shape[3]
                W, group = k.transpose(2, 3, 0, 1).reshape(c * mult, 1, kh, kw), c
            _, H, Wd, _ = layer.input.shape
            if cfg['padding'] == 'same':
                (t, b), (l, r) = tf_same_pads(H, kh, sh), tf_same_pads(Wd, kw, sw)
            else:
                t = b = l = r = 0
            if src in padded:
                assert cfg['padding'] == 'valid', n
                src, (pt, pb, pl, pr) = padded[src]
                t, b, l, r = t + pt, b + pb, l + pl, r + pr
            bias = p.get('bias', np.zeros(W.shape[0]))
            w.const(f'{n}/W', W)
            w.const(f'{n}/b', bias)
            y = w.op('Conv', [src, f'{n}/W', f'{n}/b'], n, kernel_shape=[kh, kw], strides=[sh, sw],
                     pads=[t, l, b, r], group=group)
            conv_of[y] = n
            y = activation(y, cfg['activation'], n)
        elif kind == 'ZeroPadding2D':
            (t, b), (l, r) = cfg['padding']
            padded[n] = (ins[0], (t, b, l, r))
            y = n
        elif kind == 'BatchNormalization':
            assert ins[0] in conv_of, f'{n}: BatchNormalization not after a Conv'
            c = conv_of[ins[0]]
            scale = p['gamma'] / np.sqrt(p['moving_variance'] + cfg['epsilon'])
            W, b = w.params[f'{c}/W'], w.params[f'{c}/b']
            w.params[f'{c}/W'] = W * scale.reshape(-1, 1, 1, 1)
            w.params[f'{c}/b'] = (b - p['moving_mean']) * scale + p['beta']
            y = ins[0]
        elif kind == 'ReLU':
            assert not cfg['negative_slope'] and not cfg['threshold'], n
            if cfg['max_value'] is None:
                y = w.op('Relu', ins, n)
            else:
                y = w.op('Clip', [ins[0], w.const(f'{n}/min', 0.0), w.const(f'{n}/max', cfg['max_value'])], n)
        elif kind == 'Add':
            y = ins[0]
            for i, other in enumerate(ins[1:]):
                y = w.op('Add', [y, other], n if i == len(ins) - 2 else f'{n}/{i}')
        elif kind == 'GlobalAveragePooling2D':
            assert not cfg['keepdims']
            y = w.op('Flatten', [w.op('GlobalAveragePool', ins, f'{n}/pool')], n, axis=1)
        elif kind == 'Dense':
            in_rank = len(layer.input.shape)
            w.const(f'{n}/W', p['kernel'])
            w.const(f'{n}/b', p['bias'])
            if in_rank == 2:
                y = w.op('Gemm', [ins[0], f'{n}/W', f'{n}/b'], n)
            else:
                y = w.op('Add', [w.op('MatMul', [ins[0], f'{n}/W'], f'{n}/matmul'), f'{n}/b'], n)
            y = activation(y, cfg['activation'], n)
        elif kind == 'Dropout':
            y = ins[0]
        elif kind == 'LayerNormalization':
            axis = cfg['axis']
            assert axis in (-1, [-1], len(layer.input.shape) - 1, [len(layer.input.shape) - 1]), axis
            w.const(f'{n}/gamma', p['gamma'])
            w.const(f'{n}/beta', p['beta'])
            y = w.op('LayerNormalization', [ins[0], f'{n}/gamma', f'{n}/beta'], n, axis=-1,
                     epsilon=cfg['epsilon'])
        elif kind == 'MultiHeadAttention':
            # Keras: q,k,v = x W + b ([N,T,H,K]); q *= 1/sqrt(K); scores = softmax(q k^T);
            # out = (scores v) Wo + bo. Weights by sub-layer path.
            sub = {v.path: np.asarray(v.numpy(), np.float64) for v in layer.weights}
            get = lambda part, leaf: next(v for k, v in sub.items() if k.endswith(f'/{part}/{leaf}'))  # noqa: E731
            assert len(ins) == 2 and ins[0] == ins[1], 'self-attention only'
            H, K = cfg['num_heads'], cfg['key_dim']
            q_scale = 1.0 / np.sqrt(K)
            heads = {}
            for part, perm in (('query', [0, 2, 1, 3]), ('key', [0, 2, 3, 1]), ('value', [0, 2, 1, 3])):
                Wp, bp = get(part, 'kernel'), get(part, 'bias')
                d_in = Wp.shape[0]
                Wp, bp = Wp.reshape(d_in, H * K), bp.reshape(H * K)
                if part == 'query':
                    Wp, bp = Wp * q_scale, bp * q_scale
                w.const(f'{n}/{part}/W', Wp)
                w.const(f'{n}/{part}/b', bp)
                t = w.op('MatMul', [ins[0], f'{n}/{part}/W'], f'{n}/{part}/matmul')
                t = w.op('Add', [t, f'{n}/{part}/b'], f'{n}/{part}')
                t = w.op('Reshape', [t, w.const(f'{n}/heads_shape', [0, 0, H, K], np.int64)], f'{n}/{part}/split')
                heads[part] = w.op('Transpose', [t], f'{n}/{part}/heads', perm=perm)
            s = w.op('MatMul', [heads['query'], heads['key']], f'{n}/scores')
            s = w.op('Softmax', [s], f'{n}/probs', axis=-1)
            o = w.op('MatMul', [s, heads['value']], f'{n}/context')
            o = w.op('Transpose', [o], f'{n}/context_t', perm=[0, 2, 1, 3])
            o = w.op('Reshape', [o, w.const(f'{n}/merge_shape', [0, 0, H * K], np.int64)], f'{n}/merge')
            Wo, bo = get('attention_output', 'kernel'), get('attention_output', 'bias')
            w.const(f'{n}/out/W', Wo.reshape(H * K, Wo.shape[-1]))
            w.const(f'{n}/out/b', bo)
            y = w.op('Add', [w.op('MatMul', [o, f'{n}/out/W'], f'{n}/out/matmul'), f'{n}/out/b'], n)
        else:
            raise NotImplementedError(f'{n}: Keras layer {kind} has no ONNX export here')
        names[id(outs[0])] = y

    y = names[id(model.outputs[0])]
    final = next(nd for nd in w.nodes if y in nd.output)
    final.output[list(final.output).index(y)] = 'output'
    in_shape = ['N'] + list(model.inputs[0].shape[1:])
    out_shape = ['N'] + list(model.outputs[0].shape[1:])
    return w.model('input', in_shape, 'output', out_shape)


# --------------------------------------------------------------------------------------------

def max_rel(a, ref):
    a, ref = np.asarray(a, np.float64), np.asarray(ref, np.float64)
    return float(np.max(np.abs(a - ref)) / max(float(np.max(np.abs(ref))), 1e-30))


def run_frozen(gd, feeds, fetches):
    g = tf.Graph()
    with g.as_default():
        tf.graph_util.import_graph_def(gd, name='')
    with v1.Session(graph=g, config=session_config()) as s:
        return s.run(list(fetches), feed_dict=dict(feeds))


def build(name):
    keras.utils.set_random_seed(seed_of('bench-model', name) % (2**31))
    model, in_shape = MODELS[name]()
    set_weights(model, np.random.default_rng(seed_of('bench-weights', name)))
    gd, ins, outs = freeze(model, [1] + in_shape)
    assert len(ins) == 1 and len(outs) == 1, (ins, outs)
    # Tensors the benchmark compares: the output, and for a classifier the logits too
    # (softmax of 1000 random-weight classes squeezes the output to ~1e-3).
    check = list(outs)
    softmax = [nd for nd in gd.node if nd.op == 'Softmax']
    logits = None
    if name.startswith('mobilenet'):
        logits = softmax[-1].input[0]
        logits = logits if ':' in logits else logits + ':0'
        check.append(logits)

    x = np.random.default_rng(seed_of('bench-input', name)).uniform(-1, 1, [2] + in_shape).astype(np.float32)
    vals = run_frozen(gd, [(ins[0], x)], check)
    ref = np.asarray(model(x, training=False))
    err = max_rel(vals[0], ref)
    log(f'[{name}] keras vs frozen graph: max|diff|/max|ref| = {err:.3g}; output std {np.std(vals[0]):.3g}'
        + (f', logits std {np.std(vals[1]):.3g}' if logits else ''))
    assert err < TOL, err

    os.makedirs(OUT_DIR, exist_ok=True)
    pb = gd.SerializeToString(deterministic=True)
    with open(os.path.join(OUT_DIR, f'{name}.pb'), 'wb') as f:
        f.write(pb)
    log(f'[{name}] {len(gd.node)} nodes, {name}.pb {len(pb) / 1e6:.1f} MB, '
        f'{model.count_params() / 1e6:.2f} M params')

    onnx_doc = None
    try:
        import onnx
        import onnxruntime as ort
    except ImportError as e:
        log(f'[{name}] no ONNX file: {e} (pip install onnx onnxruntime)')
        onnx = None
    onnx_path = os.path.join(OUT_DIR, f'{name}.onnx')
    if onnx is not None:
        m = to_onnx(model, onnx)
        # Check the ONNX graph against TF's frozen graph (and the logits, via an extra output).
        probe = onnx.ModelProto()
        probe.CopyFrom(m)
        if logits:
            gemm = next(nd for nd in probe.graph.node if nd.op_type == 'Gemm')
            probe.graph.output.append(onnx.helper.make_tensor_value_info(gemm.output[0], onnx.TensorProto.FLOAT, None))
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        s = ort.InferenceSession(probe.SerializeToString(), so, providers=['CPUExecutionProvider'])
        got = s.run(None, {'input': x})
        errs = [max_rel(g, r) for g, r in zip(got, vals)]
        log(f'[{name}] onnxruntime {ort.__version__} vs TF: max|diff|/max|ref| = '
            + ', '.join(f'{c} {e:.3g}' for c, e in zip(check, errs)))
        if max(errs) > TOL:
            if os.path.exists(onnx_path):
                os.remove(onnx_path)
            sys.exit(f'[{name}] the ONNX export does not match TF (tolerance {TOL}); not written')
        data = m.SerializeToString(deterministic=True)
        with open(onnx_path, 'wb') as f:
            f.write(data)
        onnx_doc = {'file': f'{name}.onnx', 'input': 'input', 'output': 'output', 'opset': 17,
                    'onnx_version': onnx.__version__, 'checked_with': f'onnxruntime {ort.__version__}',
                    'max_rel_diff_vs_tf': errs, 'nodes': len(m.graph.node)}
        log(f'[{name}] {name}.onnx {len(data) / 1e6:.1f} MB, {len(m.graph.node)} nodes')
    elif os.path.exists(onnx_path):
        os.remove(onnx_path)

    doc = {
        'name': name,
        'tf_version': tf.__version__,
        'keras_version': keras.__version__,
        'graph': f'{name}.pb',
        'input': ins[0],
        'input_shape': in_shape,   # without the batch dimension (unknown in the graph)
        'output': outs[0],
        'check': check,            # tensors compared between engines (output first)
        'params': int(model.count_params()),
        'node_count': len(gd.node),
        'op_types': sorted({nd.op for nd in gd.node}),
        'onnx': onnx_doc,
    }
    with open(os.path.join(OUT_DIR, f'{name}.json'), 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')


def main(argv):
    names = argv or list(MODELS)
    for n in names:
        if n not in MODELS:
            sys.exit(f'unknown model {n}; known: {list(MODELS)}')
    for n in names:
        build(n)


if __name__ == '__main__':
    main(sys.argv[1:])
