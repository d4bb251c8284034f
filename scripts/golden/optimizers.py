"""Golden data for the optimizers: TF's Apply* kernels and tf.compat.v1.train.*Optimizer.

Writes test/fixtures/golden/optimizers/:
  kernels.json   one case per line: a GraphDef with the var and slot variables (VariableV2,
                 initialized from Consts), one Apply* node `out` whose hyper-parameters and
                 gradient are placeholders; the gradient fed for each step; the var and slot
                 values TF computed after every step. Error cases record TF's class and message.
  training.json  per model (a small MLP, a small CNN) and optimizer configuration: the initial
                 weights (from a seeded numpy rng), one batch, the loss before each of 20 steps,
                 and the final value of every variable (weights, slots, beta powers, global_step).
Deterministic: numpy default_rng seeded by CRC32 of the case name, one thread, no grappler.
"""
import sys

from common import GOLDEN, log, np, seed_of, session_config, tensor_json, tf, v1, write_cases_json, write_json, graph_b64
from ops import core_message

v1.disable_v2_behavior()  # TF1 graph mode: RefVariables (VariableV2) and the Apply* ops

OUT = GOLDEN + '/optimizers'
STEPS = 20

# ---- kernels ---------------------------------------------------------------------------------

# op: (slot names, scalar hyper-parameters in input order with their values, grad input name,
#      positions: the gradient's position among the non-ref inputs)
KERNELS = {
    'ApplyGradientDescent': ([], [('alpha', 0.1)], 'delta'),
    'ApplyProximalGradientDescent': ([], [('alpha', 0.1), ('l1', 0.05), ('l2', 0.2)], 'delta'),
    'ApplyMomentum': (['accum'], [('lr', 0.1), ('momentum', 0.9)], 'grad'),
    'ApplyAdagrad': (['accum'], [('lr', 0.1)], 'grad'),
    'ApplyAdam': (['m', 'v'], [('beta1_power', 0.9 ** 3), ('beta2_power', 0.999 ** 3), ('lr', 0.01), ('beta1', 0.9), ('beta2', 0.999),
                               ('epsilon', 1e-7)], 'grad'),
    'ApplyRMSProp': (['ms', 'mom'], [('lr', 0.01), ('rho', 0.9), ('momentum', 0.5), ('epsilon', 1e-6)], 'grad'),
    'ApplyCenteredRMSProp': (['mg', 'ms', 'mom'], [('lr', 0.01), ('rho', 0.9), ('momentum', 0.5), ('epsilon', 1e-6)], 'grad'),
    'ApplyAdadelta': (['accum', 'accum_update'], [('lr', 1.0), ('rho', 0.95), ('epsilon', 1e-6)], 'grad'),
}
# Slots that must stay positive (square roots of them are taken).
POSITIVE = {'v', 'ms', 'accum', 'accum_update'}
# TF's input order for ApplyMomentum puts momentum after grad.
GRAD_FIRST = {'ApplyMomentum'}


def kernel_graph(op, dtype, shape, attrs, values, unknown_grad=False):
    """The graph: variables var + slots (from Consts), placeholders for scalars and grad, `out`."""
    slots, scalars, grad_name = KERNELS[op]
    g = tf.Graph()
    with g.as_default():
        refs = [v1.Variable(values[n], name=n) for n in ['var'] + slots]
        ph = {n: v1.placeholder(dtype, [], name=n) for n, _ in scalars}
        grad = v1.placeholder(dtype, None if unknown_grad else shape, name=grad_name)
        args = dict(zip(['var'] + slots, refs))
        args.update(ph)
        args[grad_name] = grad
        getattr(tf.raw_ops, op)(name='out', **args, **attrs)
        v1.global_variables_initializer()  # `init`
    return g


def kernel_case(name, op, dtype, shape, attrs, steps, rng):
    slots, scalars, grad_name = KERNELS[op]
    values = {}
    for n in ['var'] + slots:
        v = rng.uniform(-1, 1, shape)
        values[n] = (np.abs(v) + 0.1 if n in POSITIVE else v).astype(dtype)
    if op == 'ApplyCenteredRMSProp':  # ms - mg^2 must stay positive
        values['ms'] = (values['mg'] ** 2 + values['ms']).astype(dtype)
    g = kernel_graph(op, dtype, shape, attrs, values)
    grads = [rng.uniform(-1, 1, shape).astype(dtype) for _ in range(steps)]
    hyper = {n: v for n, v in scalars}
    outs = []
    with v1.Session(graph=g, config=session_config()) as s:
        s.run('init')
        for gr in grads:
            feed = {f'{n}:0': np.asarray(hyper[n], dtype) for n in hyper}
            feed[f'{grad_name}:0'] = gr
            s.run('out', feed)
            outs.append([tensor_json(x) for x in s.run([f'{n}:0' for n in ['var'] + slots])])
    return {'name': name, 'op': op, 'dtype': dtype, 'attrs': attrs, 'graph': graph_b64(g.as_graph_def()),
            'vars': ['var'] + slots, 'hyper': [[n, float(np.asarray(v, dtype))] for n, v in scalars], 'grad': grad_name,
            'grads': [tensor_json(x) for x in grads], 'steps': outs}


def error_case(name, op, feeds_fn, run_init=True, unknown_grad=True):
    """Runs `out` with the feeds `feeds_fn(hyper)` gives and records TF's error."""
    slots, scalars, grad_name = KERNELS[op]
    shape = [3]
    values = {n: np.full(shape, 0.5, np.float32) for n in ['var'] + slots}
    g = kernel_graph(op, np.float32, shape, {}, values, unknown_grad=unknown_grad)
    hyper = {f'{n}:0': np.float32(v) for n, v in scalars}
    feeds = feeds_fn(hyper, grad_name)
    with v1.Session(graph=g, config=session_config()) as s:
        if run_init:
            s.run('init')
        try:
            s.run('out', feeds)
        except tf.errors.OpError as e:
            msg = core_message(e.message)
            return {'name': name, 'op': op, 'graph': graph_b64(g.as_graph_def()), 'init': run_init,
                    'feeds': [tensor_json(np.asarray(v), k) for k, v in feeds.items()],
                    'error': {'class': type(e).__name__, 'message': msg}}
    raise RuntimeError(f'{name}: TF did not fail')


def kernels():
    cases = []
    variants = {
        'ApplyMomentum': [{}, {'use_nesterov': True}],
        'ApplyAdam': [{}, {'use_nesterov': True}],
        'ApplyAdagrad': [{}, {'update_slots': False}],
    }
    for op in KERNELS:
        for attrs in variants.get(op, [{}]):
            for dtype in ['float32', 'float64']:
                for shape, steps, locking in [([3, 2], 1, False), ([37], 3, True), ([], 2, False), ([0, 3], 1, False)]:
                    a = dict(attrs, use_locking=locking)
                    tag = '_'.join(f'{k}' for k, v in attrs.items() if v is not False) or 'plain'
                    name = f'{op}_{tag}_{dtype}_{"x".join(map(str, shape)) or "scalar"}_{steps}steps' + ('_locking' if locking else '')
                    cases.append(kernel_case(name, op, dtype, shape, a, steps, np.random.default_rng(seed_of('kernel', name))))
    # Run-time errors (shapes unknown at build time): TF's texts.
    bad_grad = lambda h, gn: {**h, f'{gn}:0': np.zeros([2], np.float32)}
    for op in KERNELS:
        cases.append(error_case(f'{op}_error_grad_shape', op, bad_grad))
    cases.append(error_case('ApplyAdam_error_uninitialized', 'ApplyAdam',
                            lambda h, gn: {**h, f'{gn}:0': np.zeros([3], np.float32)}, run_init=False))
    cases.append(error_case('ApplyGradientDescent_error_uninitialized', 'ApplyGradientDescent',
                            lambda h, gn: {**h, f'{gn}:0': np.zeros([3], np.float32)}, run_init=False))
    write_cases_json(OUT + '/kernels.json', {'tf_version': tf.__version__}, cases)
    log(f'kernels.json: {len(cases)} cases')


# ---- training curves -------------------------------------------------------------------------

MODELS = {
    # name: (input shape, classes, weights {name: shape})
    'mlp': ([16, 8], 4, {'dense1/w': [8, 16], 'dense1/b': [16], 'dense2/w': [16, 4], 'dense2/b': [4]}),
    'cnn': ([4, 6, 6, 2], 3, {'conv/w': [3, 3, 2, 4], 'conv/b': [4], 'dense/w': [36, 3], 'dense/b': [3]}),
}

CONFIGS = {
    # name: (class, positional args, kwargs); the TS side builds the same (camelCase options).
    'sgd': ('GradientDescentOptimizer', [0.1], {}),
    'momentum': ('MomentumOptimizer', [0.05, 0.9], {}),
    'momentum_nesterov': ('MomentumOptimizer', [0.05, 0.9], {'use_nesterov': True}),
    'adam': ('AdamOptimizer', [0.01], {}),
    'adam_tensor_lr_locking': ('AdamOptimizer', ['tensor:0.02'], {'beta1': 0.8, 'epsilon': 1e-6, 'use_locking': True}),
    'rmsprop': ('RMSPropOptimizer', [0.01], {}),
    'rmsprop_momentum': ('RMSPropOptimizer', [0.01], {'momentum': 0.5}),
    'rmsprop_centered': ('RMSPropOptimizer', [0.01], {'momentum': 0.5, 'centered': True, 'epsilon': 1e-6}),
    'adagrad': ('AdagradOptimizer', [0.1], {}),
    'adadelta': ('AdadeltaOptimizer', [1.0], {'rho': 0.9, 'epsilon': 1e-6}),
    'proximal_sgd': ('ProximalGradientDescentOptimizer', [0.1], {'l1_regularization_strength': 0.001, 'l2_regularization_strength': 0.01}),
}


# Configurations whose whole TF training graph (TF's own gradients and update ops) is stored as
# `tf_graph`, for the test that imports it and trains. MLP only: TF's Conv2D gradient uses
# ShapeN, which tensorloom does not import yet.
TF_GRAPHS = {('mlp', 'momentum_nesterov'), ('mlp', 'adam'), ('mlp', 'rmsprop_centered')}


def forward(model, x, y, w):
    if model == 'mlp':
        h = tf.nn.relu(tf.matmul(x, w['dense1/w']) + w['dense1/b'])
        logits = tf.matmul(h, w['dense2/w']) + w['dense2/b']
    else:
        c = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w['conv/w'], [1, 1, 1, 1], 'SAME'), w['conv/b']))
        p = tf.nn.max_pool2d(c, 2, 2, 'VALID')
        logits = tf.matmul(tf.reshape(p, [-1, 36]), w['dense/w']) + w['dense/b']
    return tf.reduce_mean(v1.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))


def training_case(model, config):
    in_shape, classes, shapes = MODELS[model]
    rng = np.random.default_rng(seed_of('weights', model))
    init = {n: (rng.normal(0, 1 / np.sqrt(np.prod(s[:-1])), s) if len(s) > 1 else rng.uniform(-0.1, 0.1, s)).astype(np.float32)
            for n, s in shapes.items()}
    rng = np.random.default_rng(seed_of('batch', model))
    x = rng.uniform(-1, 1, in_shape).astype(np.float32)
    y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, in_shape[0])]
    cls, args, kwargs = CONFIGS[config]
    g = tf.Graph()
    with g.as_default():
        w = {n: v1.Variable(v, name=n) for n, v in init.items()}
        loss = forward(model, tf.constant(x), tf.constant(y), w)
        args = [tf.constant(float(a.split(':')[1])) if isinstance(a, str) else a for a in args]
        opt = getattr(v1.train, cls)(*args, **kwargs)
        gs = v1.train.get_or_create_global_step()
        train = opt.minimize(loss, global_step=gs)
        init_op = v1.global_variables_initializer()
        with v1.Session(config=session_config()) as s:
            s.run(init_op)
            losses = []
            for _ in range(STEPS):
                losses.append(float(s.run(loss)))
                s.run(train)
            final = {v.op.name: tensor_json(s.run(v)) for v in v1.global_variables()}
        slots = {sn: {v.op.name: opt.get_slot(v, sn).op.name for v in w.values()} for sn in opt.get_slot_names()}
        return {'model': model, 'config': config, 'optimizer': cls, 'args': args if not isinstance(args[0], tf.Tensor) else [CONFIGS[config][1][0]],
                'kwargs': kwargs, 'init': {n: tensor_json(v) for n, v in init.items()}, 'x': tensor_json(x), 'y': tensor_json(y),
                'losses': losses, 'final': final, 'slots': slots, 'slot_names': opt.get_slot_names(),
                'variables': [v.op.name for v in opt.variables()], 'train_op': train.name,
                'update_ops': sorted(op.name for op in g.get_operations() if op.type.startswith('Apply')),
                'tf_graph': graph_b64(g.as_graph_def()) if (model, config) in TF_GRAPHS else None, 'loss': loss.name, 'init_op': init_op.name}


def training():
    cases = [training_case(m, c) for m in MODELS for c in CONFIGS]
    write_cases_json(OUT + '/training.json', {'tf_version': tf.__version__, 'steps': STEPS}, cases)
    log(f'training.json: {len(cases)} cases')


if __name__ == '__main__':
    what = sys.argv[1:] or ['kernels', 'training']
    if 'kernels' in what:
        kernels()
    if 'training' in what:
        training()
