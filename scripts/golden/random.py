"""Golden data for the seeded random ops: test/fixtures/golden/random/<group>.json.

Each case is a small program of tensorloom builder calls, written as data ({"fn": "randomUniform",
"args": [...], "opts": {...}} with tensorloom's camelCase option names) and run here through the
matching TF1 Python function (tf.compat.v1.random_uniform, ...). The graph seed, if any, is set
first; the ops are built in order (so TF's per-graph op-seed counter advances as it will in
tensorloom). Recorded: the (seed, seed2) attrs TF gave each random node, the values of 3
consecutive runs of one Session (each run fetches every op once) and of the first run of a second
Session (streams restart). Cases marked "graphdef" also carry TF's GraphDef and the fetched tensor
names, to run TF's own graph through tf.importGraphDef. Large outputs are stored as their CRC32 (zlib) plus sampled elements;
small ones in full. One intra-op thread (TF's Multinomial splits large batches by thread count).

Run: python3 scripts/golden/random.py   (deterministic: same TF version -> byte-identical files)
"""
import os
import zlib

import numpy as np
from tensorflow.python.ops import init_ops  # TF1's initializers (he_normal, lecun_uniform)

from common import GOLDEN, graph_b64, log, session_config, tensor_json, v1, write_cases_json, tf

OUT = os.path.join(GOLDEN, 'random')
FULL_LIMIT = 64          # outputs up to this many elements are stored in full
SAMPLES = 24             # sampled elements of a larger output


def snake(opts):
    m = {'minval': 'minval', 'maxval': 'maxval', 'dtype': 'dtype', 'seed': 'seed', 'mean': 'mean', 'stddev': 'stddev',
         'outputDtype': 'output_dtype', 'rate': 'rate', 'keepProb': 'keep_prob', 'noiseShape': 'noise_shape',
         'scale': 'scale', 'mode': 'mode', 'distribution': 'distribution'}
    return {m[k]: v for k, v in opts.items()}


def initializer(spec):
    """An initializer spec {"fn": "glorotUniformInitializer", "opts": {...}} as TF1's object."""
    o = dict(spec.get('opts', {}))
    fn = spec['fn']
    if fn == 'glorotUniformInitializer':
        return v1.glorot_uniform_initializer(**snake(o))
    if fn == 'glorotNormalInitializer':
        return v1.glorot_normal_initializer(**snake(o))
    if fn == 'heNormal':
        return init_ops.he_normal(**snake(o))
    if fn == 'lecunUniform':
        return init_ops.lecun_uniform(**snake(o))
    if fn == 'randomNormalInitializer':
        return v1.random_normal_initializer(**snake(o))
    if fn == 'truncatedNormalInitializer':
        return v1.truncated_normal_initializer(**snake(o))
    if fn == 'randomUniformInitializer':
        return v1.random_uniform_initializer(**snake(o))
    if fn == 'varianceScalingInitializer':
        return v1.variance_scaling_initializer(**snake(o))
    raise ValueError(fn)


def values(arg, dtype):
    """An argument array: a nested list, {"range": n} (0..n-1) or {"pattern": [rows, cols]}
    (((37 i + 11 j) % 17 - 8) / 4: exact in every dtype, so fixtures need not carry big inputs)."""
    if isinstance(arg, dict) and 'range' in arg:
        return np.arange(arg['range']).astype(dtype)
    if isinstance(arg, dict) and 'pattern' in arg:
        i, j = np.indices(arg['pattern'])
        return (((37 * i + 11 * j) % 17 - 8) / 4).astype(dtype)
    return np.array(arg, dtype=object).astype(np.float64).astype(dtype)  # "nan", "-inf" as strings (JSON has neither)


def build(step):
    """One builder call of a case, in TF1 Python. Returns the tensor to fetch."""
    fn, args, o = step['fn'], step.get('args', []), snake(step.get('opts', {}))
    if fn == 'randomUniform':
        return v1.random_uniform(args[0], **o)
    if fn == 'randomNormal':
        return v1.random_normal(args[0], **o)
    if fn == 'truncatedNormal':
        return v1.truncated_normal(args[0], **o)
    if fn == 'randomShuffle':
        return v1.random_shuffle(tf.constant(values(args[0], step['dtype'])), **o)
    if fn == 'multinomial':
        return v1.multinomial(tf.constant(values(args[0], step['dtype'])), args[1], **o)
    if fn == 'categorical':
        o = {('dtype' if k == 'output_dtype' else k): v for k, v in o.items()}
        return v1.random.categorical(tf.constant(values(args[0], step['dtype'])), args[1], **o)
    if fn == 'dropout':
        x = tf.constant(values(args[0], step['dtype']))
        if 'rateTensor' in step:
            o['rate'] = tf.constant(np.array(step['rateTensor'], dtype=step['dtype']))
        return v1.nn.dropout(x, **o)
    if fn == 'getVariable':
        return v1.get_variable(args[0], shape=step['shape'], dtype=step.get('dtype', 'float32'),
                               initializer=initializer(step['initializer']) if 'initializer' in step else None)
    raise ValueError(fn)


def value_json(arr):
    arr = np.asarray(arr)
    if arr.size <= FULL_LIMIT:
        return tensor_json(arr)
    flat = np.ascontiguousarray(arr).reshape(-1)
    idx = sorted(set(np.linspace(0, flat.size - 1, SAMPLES).astype(np.int64).tolist()))
    d = tensor_json(flat[idx])
    d['shape'] = [int(s) for s in arr.shape]
    d['indices'] = idx
    d['crc32'] = zlib.crc32(flat.astype(flat.dtype.newbyteorder('<'), copy=False).tobytes())
    return d


def run_case(case):
    g = tf.Graph()
    with g.as_default():
        if 'graphSeed' in case:
            v1.set_random_seed(case['graphSeed'])
        fetches = [build(step) for step in case['ops']]
        variables = [f for f in fetches if isinstance(f, tf.Variable)]
        random_nodes = [n for n in g.as_graph_def().node if n.op in
                        ('RandomUniform', 'RandomStandardNormal', 'TruncatedNormal', 'RandomUniformInt', 'RandomShuffle', 'Multinomial')]
        out = {**case, 'seeds': [[n.name, n.attr['seed'].i, n.attr['seed2'].i] for n in random_nodes]}
        if not variables and case.get('graphdef'):
            out['graph'] = graph_b64(g.as_graph_def())
            out['fetchNames'] = [f.name for f in fetches]
        init = v1.global_variables_initializer() if variables else None
        runs = []
        with v1.Session(graph=g, config=session_config()) as s:
            for _ in range(case.get('runs', 3)):
                if init is not None:
                    s.run(init)
                runs.append([value_json(v) for v in s.run(fetches)])
        with v1.Session(graph=g, config=session_config()) as s:
            if init is not None:
                s.run(init)
            out['session2'] = [value_json(v) for v in s.run(fetches)]
        out['runs'] = runs
    return out


def op(fn, *args, **kw):
    return {'fn': fn, 'args': list(args), **kw}


def cases():
    groups = {}
    seeds = {'graph': {'graphSeed': 42}, 'op': {}, 'both': {'graphSeed': 1234}}
    ops_ = []
    for mode, head in seeds.items():
        opseed = {} if mode == 'graph' else {'seed': 7 if mode == 'op' else 5}
        for dtype in ('float32', 'float64'):
            ops_.append({'name': f'uniform_{dtype}_{mode}', **head, 'ops': [op('randomUniform', [5], opts={'dtype': dtype, **opseed})]})
            ops_.append({'name': f'uniform_range_{dtype}_{mode}', **head,
                         'ops': [op('randomUniform', [2, 3], opts={'minval': -2.5, 'maxval': 4, 'dtype': dtype, **opseed})]})
            ops_.append({'name': f'normal_{dtype}_{mode}', **head,
                         'ops': [op('randomNormal', [7], opts={'mean': 1.5, 'stddev': 0.25, 'dtype': dtype, **opseed})]})
            ops_.append({'name': f'truncated_{dtype}_{mode}', **head,
                         'ops': [op('truncatedNormal', [3, 3], opts={'stddev': 2, 'dtype': dtype, **opseed})]})
        ops_.append({'name': f'uniform_int32_{mode}', **head, 'ops': [op('randomUniform', [9], opts={'minval': -3, 'maxval': 10, 'dtype': 'int32', **opseed})]})
        ops_.append({'name': f'uniform_int64_{mode}', **head,
                     'ops': [op('randomUniform', [7], opts={'minval': -5, 'maxval': 10 ** 12, 'dtype': 'int64', **opseed})]})
    ops_.append({'name': 'uniform_int32_full_range', 'ops': [op('randomUniform', [6], opts={'minval': -2 ** 31, 'maxval': 2 ** 31 - 1, 'dtype': 'int32', 'seed': 3})]})
    ops_.append({'name': 'uniform_scalar_shape', 'ops': [op('randomUniform', [], opts={'seed': 11})]})
    ops_.append({'name': 'uniform_empty', 'ops': [op('randomUniform', [0, 3], opts={'seed': 11}), op('randomUniform', [2], opts={'seed': 11})]})
    ops_.append({'name': 'uniform_int32_odd_tail', 'ops': [op('randomUniform', [2, 3], opts={'maxval': 100, 'dtype': 'int32', 'seed': 12})]})
    ops_.append({'name': 'seed_negative_and_big', 'ops': [op('randomUniform', [3], opts={'seed': -5}), op('randomUniform', [3], opts={'seed': 2 ** 40 + 3})]})
    ops_.append({'name': 'seed_zero_zero', 'graphSeed': 0, 'ops': [op('randomUniform', [3], opts={'seed': 0})]})
    ops_.append({'name': 'counter_graph_seed', 'graphSeed': 7, 'ops': [
        op('randomUniform', [3]), op('randomNormal', [3]), op('randomUniform', [2], opts={'seed': 1}),
        op('dropout', [1.0, 2.0], dtype='float32', opts={'rate': 0}), op('truncatedNormal', [3])]})
    for c in ops_[:6] + ops_[-3:]:
        c['graphdef'] = True  # also run TF's own GraphDef through tf.importGraphDef
    groups['basic'] = ops_

    shuffle = []
    for mode, head in seeds.items():
        opseed = {} if mode == 'graph' else {'seed': 3}
        shuffle.append({'name': f'shuffle_1d_int32_{mode}', **head, 'ops': [op('randomShuffle', list(range(10)), dtype='int32', opts=opseed)]})
    shuffle.append({'name': 'shuffle_2d_float32', 'ops': [op('randomShuffle', np.arange(15).reshape(5, 3).tolist(), dtype='float32', opts={'seed': 4})]})
    shuffle.append({'name': 'shuffle_3d_int64', 'ops': [op('randomShuffle', np.arange(24).reshape(6, 2, 2).tolist(), dtype='int64', opts={'seed': 9})]})
    shuffle.append({'name': 'shuffle_one_row', 'ops': [op('randomShuffle', [[1, 2, 3]], dtype='float64', opts={'seed': 9}), op('randomShuffle', list(range(6)), dtype='int32', opts={'seed': 9})]})
    shuffle.append({'name': 'shuffle_long', 'ops': [op('randomShuffle', {'range': 1000}, dtype='int32', opts={'seed': 21})]})
    logits = [[1.0, 2.0, 0.5, -1.0], [0.0, 0.0, 0.0, 0.0], [-3.0, 5.0, 2.0, 1.0]]
    for dtype in ('float32', 'float64'):
        shuffle.append({'name': f'multinomial_{dtype}', 'ops': [op('multinomial', logits, 7, dtype=dtype, opts={'seed': 5})]})
    shuffle.append({'name': 'multinomial_int32_graph_seed', 'graphSeed': 3, 'ops': [op('multinomial', logits, 5, dtype='float32', opts={'outputDtype': 'int32'})]})
    shuffle.append({'name': 'multinomial_nonfinite', 'ops': [op('multinomial', [['-inf', 0.0, '-inf'], [1.0, 'nan', 1.0]], 6, dtype='float32', opts={'seed': 8})]})
    shuffle.append({'name': 'categorical_float32', 'ops': [op('categorical', logits, 4, dtype='float32', opts={'seed': 6})]})
    shuffle.append({'name': 'multinomial_large', 'ops': [op('multinomial', {'pattern': [40, 300]}, 50, dtype='float32', opts={'seed': 13})]})
    for c in shuffle:
        c['graphdef'] = 'large' not in c['name'] and 'long' not in c['name']  # keep big constants out
    groups['shuffle_multinomial'] = shuffle

    x = np.round(np.arange(-6, 6, dtype=np.float64).reshape(3, 4) * 0.75, 3).tolist()
    drop = [
        {'name': 'dropout_rate_float32', 'ops': [op('dropout', x, dtype='float32', opts={'rate': 0.3, 'seed': 1})]},
        {'name': 'dropout_rate_float64_graph_seed', 'graphSeed': 5, 'ops': [op('dropout', x, dtype='float64', opts={'rate': 0.5})]},
        {'name': 'dropout_keep_prob', 'ops': [op('dropout', x, dtype='float32', opts={'keepProb': 0.8, 'seed': 2})]},
        {'name': 'dropout_noise_shape', 'ops': [op('dropout', x, dtype='float32', opts={'rate': 0.5, 'noiseShape': [3, 1], 'seed': 3})]},
        {'name': 'dropout_rate_tensor', 'ops': [op('dropout', x, dtype='float32', rateTensor=0.25, opts={'seed': 4})]},
    ]
    init = []
    for name, spec, shape in [
        ('glorot_uniform_default', None, [3, 4]),
        ('glorot_uniform_seeded', {'fn': 'glorotUniformInitializer', 'opts': {'seed': 3}}, [5, 2]),
        ('glorot_normal', {'fn': 'glorotNormalInitializer', 'opts': {'seed': 4}}, [4, 6]),
        ('he_normal_conv', {'fn': 'heNormal', 'opts': {'seed': 5}}, [3, 3, 2, 4]),
        ('lecun_uniform', {'fn': 'lecunUniform', 'opts': {'seed': 6}}, [7]),
        ('random_normal_init', {'fn': 'randomNormalInitializer', 'opts': {'mean': 1.0, 'stddev': 0.5, 'seed': 7}}, [2, 3]),
        ('truncated_normal_init', {'fn': 'truncatedNormalInitializer', 'opts': {'stddev': 0.1, 'seed': 8}}, [2, 3]),
        ('random_uniform_init', {'fn': 'randomUniformInitializer', 'opts': {'minval': -1.0, 'maxval': 1.0, 'seed': 9}}, [4]),
        ('variance_scaling_untruncated_fan_out', {'fn': 'varianceScalingInitializer', 'opts': {'scale': 2.0, 'mode': 'fan_out', 'distribution': 'untruncated_normal', 'seed': 10}}, [3, 5]),
    ]:
        step = {'fn': 'getVariable', 'args': ['w'], 'shape': shape}
        if spec:
            step['initializer'] = spec
        init.append({'name': f'init_{name}', 'graphSeed': 11, 'runs': 2, 'ops': [step]})
    init.append({'name': 'init_float64_graph_seed_two_vars', 'graphSeed': 12, 'runs': 2, 'ops': [
        {'fn': 'getVariable', 'args': ['a'], 'shape': [2, 2], 'dtype': 'float64'}, {'fn': 'getVariable', 'args': ['b'], 'shape': [3]}]})
    groups['dropout_initializers'] = drop + init

    large = [
        {'name': 'large_uniform_float32', 'ops': [op('randomUniform', [100003], opts={'seed': 31})]},
        {'name': 'large_normal_float32', 'ops': [op('randomNormal', [100002], opts={'seed': 32})]},
        {'name': 'large_truncated_float32', 'ops': [op('truncatedNormal', [300, 333], opts={'seed': 33})]},
        {'name': 'large_uniform_float64', 'ops': [op('randomUniform', [50001], opts={'dtype': 'float64', 'seed': 34})]},
        {'name': 'large_normal_float64', 'ops': [op('randomNormal', [50001], opts={'dtype': 'float64', 'seed': 35})]},
        {'name': 'large_truncated_float64', 'ops': [op('truncatedNormal', [40001], opts={'dtype': 'float64', 'seed': 36})]},
        {'name': 'large_int32', 'ops': [op('randomUniform', [100001], opts={'minval': -7, 'maxval': 1000, 'dtype': 'int32', 'seed': 37})]},
        {'name': 'large_int64', 'ops': [op('randomUniform', [50001], opts={'minval': -2 ** 40, 'maxval': 2 ** 50, 'dtype': 'int64', 'seed': 38})]},
        {'name': 'large_shuffle', 'ops': [op('randomShuffle', {'range': 20000}, dtype='int32', opts={'seed': 39})]},
    ]
    groups['large'] = large
    return groups


def main():
    for group, cs in cases().items():
        out = [run_case(c) for c in cs]
        path = os.path.join(OUT, f'{group}.json')
        write_cases_json(path, {'group': group, 'tf_version': tf.__version__}, out)
        log(f'wrote {path} ({len(out)} cases, {os.path.getsize(path) // 1024} KB)')


if __name__ == '__main__':
    main()
