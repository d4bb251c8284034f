#!/usr/bin/env python3
"""The TensorFlow 1.x column of `npm run bench` (bench/run.ts): each row built with tf.compat.v1
from the same spec and the same inputs (bench/data.ts), timed as sess.run(fetch, feed_dict)
from Python, feeds and fetches included.

  python3 bench/tf_micro_bench.py [--threads 2]
prints {"ready": true, "tf_version", "onednn", "python", "threads"}, then answers one JSON line
per command line on stdin:
  {"cmd": "setup", "spec": {...}, "input_shape": [...]} -> {"ok": true} | {"unsupported": why}
  {"cmd": "probe"}             -> {"length", "head"}   (first values of the output, flattened)
  {"cmd": "time", "runs": k}   -> {"s": [k seconds per call]}
  {"cmd": "release"} / {"cmd": "quit"}

The session is TensorFlow's default set-up (grappler on, oneDNN as the build and
TF_ENABLE_ONEDNN_OPTS decide) with intra_op = inter_op = --threads. Model rows reuse
bench/tf_session_bench.py's loader.
"""
import argparse
import json
import math
import os
import platform
import sys
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

MLP_SIZES = [784, 512, 512, 10]
CNN_SIZE, CNN_CHANNELS, CLASSES = 28, [1, 8, 16], 10
PROBE_LEN = 64


def uniform(n, seed, scale=1.0):
    """bench/data.ts uniform(): scale * U(-1, 1) from murmur3's finalizer of i + seed*0x9E3779B9."""
    m = 0xFFFFFFFF
    x = (np.arange(n, dtype=np.uint64) + ((seed * 0x9E3779B9) & m)) & m
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & m
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & m
    x ^= x >> 16
    return ((x.astype(np.float64) / 4294967296.0 * 2 - 1) * scale).astype(np.float32)


def mlp_layer(l):
    fi, fo = MLP_SIZES[l - 1], MLP_SIZES[l]
    return uniform(fi * fo, 10 + l, math.sqrt(6 / (fi + fo))).reshape(fi, fo), uniform(fo, 20 + l, 0.01)


def train_params(model):
    """bench/data.ts trainParams(): the initial values [w1, b1, w2, b2, ...] of a training row."""
    if model == 'mlp':
        return [a for l in range(1, len(MLP_SIZES)) for a in mlp_layer(l)]
    ch = CNN_CHANNELS
    flat = (CNN_SIZE >> (len(ch) - 1)) ** 2 * ch[-1]

    def layer(l, shape, fan_in, fan_out):
        w = uniform(int(np.prod(shape)), 30 + l, math.sqrt(6 / (fan_in + fan_out))).reshape(shape)
        return [w, uniform(shape[-1], 40 + l, 0.01)]
    convs = [a for i in range(1, len(ch)) for a in layer(i, [3, 3, ch[i - 1], ch[i]], 9 * ch[i - 1], 9 * ch[i])]
    return convs + layer(len(ch), [flat, CLASSES], flat, CLASSES)


def train_feeds(spec):
    """bench/data.ts feeds() of a training row: x, and one-hot y with example i of class i mod 10."""
    b = spec['batch']
    shape = [b, MLP_SIZES[0]] if spec['model'] == 'mlp' else [b, CNN_SIZE, CNN_SIZE, 1]
    x = uniform(int(np.prod(shape)), 6 if spec['model'] == 'mlp' else 12).reshape(shape)
    return x, np.eye(CLASSES, dtype=np.float32)[np.arange(b) % CLASSES]


class Row:
    """One spec as a session, its fetch and its feed_dict."""

    def __init__(self, tf, spec, input_shape, threads):
        v1 = tf.compat.v1
        k = spec['kind']
        self.steps = 2 if k == 'train' else 1  # a training row's probe: the losses of its first two steps
        if k == 'async16':
            raise NotImplementedError('no asynchronous run API')
        if k == 'model':
            from tf_session_bench import Bench
            b = spec['batch']
            bench = Bench(spec['json'], threads, None, b, None)
            bench.x = uniform(b * int(np.prod(input_shape)), 11).reshape([b] + list(input_shape))
            self.sess, self.fetch, self.feed = bench.sess, bench.out, {bench.inp: bench.x}
            return
        g = tf.Graph()
        init = None
        with g.as_default():
            ph = lambda shape: v1.placeholder(tf.float32, shape)  # noqa: E731
            if k in ('matmul', 'relu_add'):
                shape = [spec['n']] * (2 if k == 'matmul' else 1)
                seeds = (1, 2) if k == 'matmul' else (3, 4)
                a, b = ph(shape), ph(shape)
                self.fetch = tf.matmul(a, b) if k == 'matmul' else tf.nn.relu(a + b)
                self.feed = {a: uniform(int(np.prod(shape)), seeds[0]).reshape(shape),
                             b: uniform(int(np.prod(shape)), seeds[1]).reshape(shape)}
            elif k == 'sum':
                x = ph([spec['n']])
                self.fetch, self.feed = tf.reduce_sum(x), {x: uniform(spec['n'], 5)}
            elif k == 'scalar_add':
                x = ph([])
                self.fetch, self.feed = x + 1, {x: 2.0}
            elif k == 'mlp':
                x = ph([spec['batch'], MLP_SIZES[0]])
                h = x
                for l in range(1, len(MLP_SIZES)):
                    w, b = mlp_layer(l)
                    h = tf.nn.bias_add(tf.matmul(h, tf.constant(w)), tf.constant(b))
                    if l < len(MLP_SIZES) - 1:
                        h = tf.nn.relu(h)
                self.fetch = tf.nn.softmax(h)
                self.feed = {x: uniform(spec['batch'] * MLP_SIZES[0], 6).reshape(spec['batch'], MLP_SIZES[0])}
            elif k == 'conv':
                s, c = spec['size'], spec['channels']
                x = ph([1, s, s, c])
                w = uniform(9 * c * c, 8, math.sqrt(6 / (18 * c))).reshape(3, 3, c, c)
                y = tf.nn.conv2d(x, tf.constant(w), [1, 1, 1, 1], 'SAME')
                self.fetch = tf.nn.relu(tf.nn.bias_add(y, tf.constant(uniform(c, 9, 0.1))))
                self.feed = {x: uniform(s * s * c, 7).reshape(1, s, s, c)}
            elif k == 'train':
                # RefVariables, AdamOptimizer.minimize; the fetch is the step's loss once the update ran.
                xv, yv = train_feeds(spec)
                x, y = ph(xv.shape), ph(yv.shape)
                p = [v1.Variable(a, name=f'v{i}') for i, a in enumerate(train_params(spec['model']))]
                h = x
                if spec['model'] == 'mlp':
                    for i in range(0, len(p), 2):
                        h = tf.nn.bias_add(tf.matmul(h, p[i]), p[i + 1])
                        if i + 2 < len(p):
                            h = tf.nn.relu(h)
                else:
                    for i in range(0, len(p) - 2, 2):
                        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, p[i], [1, 1, 1, 1], 'SAME'), p[i + 1]))
                        h = tf.nn.max_pool2d(h, 2, 2, 'VALID')
                    h = tf.nn.bias_add(tf.matmul(tf.reshape(h, [-1, p[-2].shape[0]]), p[-2]), p[-1])
                loss = tf.reduce_mean(v1.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=h))
                train = v1.train.AdamOptimizer(1e-3).minimize(loss)
                with tf.control_dependencies([train]):
                    self.fetch = tf.identity(loss)
                self.feed = {x: xv, y: yv}
                init = v1.global_variables_initializer()
            else:
                raise NotImplementedError(f'unknown workload {k}')
        cfg = v1.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads,
                             device_count={'GPU': 0})
        self.sess = v1.Session(graph=g, config=cfg)
        if k == 'train':
            self.sess.run(init)

    def run(self):
        return self.sess.run(self.fetch, self.feed)

    def probe(self):
        v = np.concatenate([np.asarray(self.run(), dtype=np.float64).ravel() for _ in range(self.steps)])
        return {'length': int(v.size), 'head': v[:PROBE_LEN].tolist()}

    def time(self, runs):
        s = []
        for _ in range(runs):
            t = time.perf_counter()
            self.run()
            s.append(time.perf_counter() - t)
        return {'s': s}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--threads', type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    import tensorflow as tf
    tf.get_logger().setLevel('ERROR')
    tf.compat.v1.disable_eager_execution()
    try:
        from tensorflow.python.util import _pywrap_util_port
        onednn = bool(_pywrap_util_port.IsMklEnabled())
    except Exception:  # noqa: BLE001
        onednn = None

    def say(obj):
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()

    say({'ready': True, 'tf_version': tf.__version__, 'onednn': onednn, 'python': platform.python_version(),
         'threads': a.threads})
    row = None
    for line in sys.stdin:
        if not line.strip():
            continue
        c = json.loads(line)
        try:
            if c['cmd'] in ('quit', 'setup', 'release') and row is not None:
                row.sess.close()
                row = None
            if c['cmd'] == 'quit':
                break
            if c['cmd'] == 'setup':
                try:
                    row = Row(tf, c['spec'], c.get('input_shape') or [], a.threads)
                    say({'ok': True})
                except NotImplementedError as e:
                    say({'unsupported': str(e)})
            elif c['cmd'] == 'release':
                say({'ok': True})
            elif c['cmd'] == 'probe':
                say(row.probe())
            elif c['cmd'] == 'time':
                say(row.time(int(c['runs'])))
            else:
                say({'error': f"unknown command {c['cmd']}"})
        except Exception as e:  # noqa: BLE001
            say({'error': f'{type(e).__name__}: {e}'})


if __name__ == '__main__':
    main()
