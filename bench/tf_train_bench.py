#!/usr/bin/env python3
"""Times one training step of an MLP in TensorFlow 1.x style, the peer of bench/run.ts's
"training step" row: tf.compat.v1 RefVariables, AdamOptimizer.minimize, sess.run(train) with a
fed batch. Prints one JSON object: {"ms": median ms per step, "runs": n}.

  python3 bench/tf_train_bench.py [--sizes 784,512,512,10] [--batch 64] [--threads 2] [--min-time 2]
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
sys.dont_write_bytecode = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--sizes', default='784,512,512,10')
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--min-time', type=float, default=2.0)
    a = p.parse_args()
    import numpy as np
    import tensorflow as tf
    v1 = tf.compat.v1
    v1.disable_v2_behavior()
    sizes = [int(s) for s in a.sizes.split(',')]
    rng = np.random.default_rng(42)
    x = v1.placeholder(tf.float32, [None, sizes[0]], 'x')
    y = v1.placeholder(tf.float32, [None, sizes[-1]], 'y')
    h = x
    for i in range(1, len(sizes)):
        lim = np.sqrt(6 / (sizes[i - 1] + sizes[i]))
        w = v1.Variable(rng.uniform(-lim, lim, sizes[i - 1:i + 1]).astype(np.float32), name=f'w{i}')
        b = v1.Variable(np.zeros(sizes[i], np.float32), name=f'b{i}')
        h = tf.matmul(h, w) + b
        if i < len(sizes) - 1:
            h = tf.nn.relu(h)
    loss = tf.reduce_mean(v1.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=h))
    train = v1.train.AdamOptimizer(1e-3).minimize(loss)
    cfg = v1.ConfigProto(intra_op_parallelism_threads=a.threads, inter_op_parallelism_threads=a.threads)
    feed = {x: rng.uniform(0, 1, [a.batch, sizes[0]]).astype(np.float32),
            y: np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], a.batch)]}
    with v1.Session(config=cfg) as s:
        s.run(v1.global_variables_initializer())
        for _ in range(5):
            s.run(train, feed)
        times = []
        end = time.perf_counter() + a.min_time
        while time.perf_counter() < end or len(times) < 10:
            t0 = time.perf_counter()
            s.run(train, feed)
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(json.dumps({'ms': times[len(times) // 2], 'runs': len(times)}))


if __name__ == '__main__':
    main()
