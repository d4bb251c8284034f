#!/usr/bin/env python3
"""Times sess.run of a frozen GraphDef in real TensorFlow 1.x style (tf.compat.v1.Session).

bench/models.ts runs this for each model of bench/models/ (written by
scripts/golden/bench_models.py) so TensorFlow is the reference measured in the same run.

One-shot (prints one JSON object on stdout):
  python3 bench/tf_session_bench.py --model bench/models/mobilenet_v2_224.json \
      [--batches 1,8] [--threads 2] [--warmup 3] [--runs 10] [--min-time 2] \
      [--input x.bin] [--dump DIR]
  per batch: median / p90 / min ms of sess.run(output) over max(--runs, as many as fit in
  --min-time seconds) after --warmup runs, the ms of the first run, and the process's minor
  page faults per timed run.

Server (what bench/models.ts uses, so it can interleave TF's runs with the other engines'):
  python3 bench/tf_session_bench.py --model ... --serve [--threads 2] [--input x.bin] [--dump DIR]
  prints {"ready": true, ...}, then answers one JSON line per command line on stdin:
    {"cmd": "check", "batch": b}         -> {"first_run_ms", "outputs": [{name, shape, file}]}
    {"cmd": "time", "batch": b, "runs": k} -> {"ms": [k run times], "faults": minor faults}
    {"cmd": "quit"}

--input: raw little-endian float32 input of the largest batch ([max batch] + input_shape);
  batch b feeds its first b samples (without it: seeded uniform(-1, 1); --serve: max batch 8).
--dump: writes the values of the model's "check" tensors (output, logits) for each batch as
  raw float32, DIR/<name>.b<batch>.<i>.bin, so the caller can compare engines.

The session is TensorFlow's default set-up (grappler on, oneDNN as the TF build and
TF_ENABLE_ONEDNN_OPTS decide) with intra_op = inter_op = --threads.
"""
import argparse
import json
import os
import resource
import sys
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
sys.dont_write_bytecode = True


def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class Bench:
    def __init__(self, model_json, threads, input_file, max_batch, dump):
        import numpy as np
        import tensorflow as tf
        tf.get_logger().setLevel('ERROR')
        self.np, self.tf, self.dump = np, tf, dump
        v1 = tf.compat.v1
        try:
            from tensorflow.python.util import _pywrap_util_port
            self.onednn = bool(_pywrap_util_port.IsMklEnabled())
        except Exception:  # noqa: BLE001
            self.onednn = None
        with open(model_json) as f:
            self.meta = meta = json.load(f)
        shape = [max_batch] + meta['input_shape']
        if input_file:
            self.x = np.fromfile(input_file, dtype='<f4').reshape(shape)
        else:
            self.x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
        gd = v1.GraphDef()
        with open(os.path.join(os.path.dirname(os.path.abspath(model_json)), meta['graph']), 'rb') as f:
            gd.ParseFromString(f.read())
        g = tf.Graph()
        with g.as_default():
            tf.graph_util.import_graph_def(gd, name='')
        cfg = v1.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads,
                             device_count={'GPU': 0})
        self.threads = threads
        self.sess = v1.Session(graph=g, config=cfg)
        self.out = g.get_tensor_by_name(meta['output'])
        self.inp = g.get_tensor_by_name(meta['input'])
        self.checks = [g.get_tensor_by_name(n) for n in meta['check']]
        self.feeds = {}

    def header(self):
        return {'model': self.meta['name'], 'tf_version': self.tf.__version__, 'onednn': self.onednn,
                'threads': self.threads}

    def feed(self, b):
        if b not in self.feeds:
            self.feeds[b] = {self.inp: self.np.ascontiguousarray(self.x[:b])}
        return self.feeds[b]

    def check(self, b):
        t = time.perf_counter()
        self.sess.run(self.out, self.feed(b))  # first run: grappler, oneDNN primitive creation
        first_ms = (time.perf_counter() - t) * 1e3
        dumps = []
        if self.dump:
            os.makedirs(self.dump, exist_ok=True)
            for i, v in enumerate(self.sess.run(self.checks, self.feed(b))):
                p = os.path.join(self.dump, f"{self.meta['name']}.b{b}.{i}.bin")
                self.np.asarray(v, dtype='<f4').tofile(p)
                dumps.append({'name': self.meta['check'][i], 'shape': list(v.shape), 'file': p})
        return {'first_run_ms': first_ms, 'outputs': dumps}

    def time(self, b, runs):
        feed, ms = self.feed(b), []
        f0 = faults()
        for _ in range(runs):
            t = time.perf_counter()
            self.sess.run(self.out, feed)
            ms.append((time.perf_counter() - t) * 1e3)
        return {'ms': ms, 'faults': faults() - f0}


def serve(bench):
    def say(obj):
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()
    say(dict(bench.header(), ready=True))
    for line in sys.stdin:
        if not line.strip():
            continue
        c = json.loads(line)
        try:
            if c['cmd'] == 'quit':
                break
            if c['cmd'] == 'check':
                say(bench.check(int(c['batch'])))
            elif c['cmd'] == 'time':
                say(bench.time(int(c['batch']), int(c['runs'])))
            else:
                say({'error': f"unknown command {c['cmd']}"})
        except Exception as e:  # noqa: BLE001
            say({'error': f'{type(e).__name__}: {e}'})
    bench.sess.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True, help='bench/models/<name>.json')
    ap.add_argument('--batches', default='1,8')
    ap.add_argument('--threads', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--runs', type=int, default=10)
    ap.add_argument('--min-time', type=float, default=2.0)
    ap.add_argument('--input')
    ap.add_argument('--dump')
    ap.add_argument('--serve', action='store_true')
    a = ap.parse_args()
    batches = [int(b) for b in a.batches.split(',')]
    bench = Bench(a.model, a.threads, a.input, max(batches), a.dump)
    if a.serve:
        return serve(bench)

    results = []
    for b in batches:
        r = bench.check(b)
        bench.time(b, a.warmup)
        samples, nf = [], 0
        end = time.perf_counter() + a.min_time
        while len(samples) < a.runs or time.perf_counter() < end:
            t = bench.time(b, 1)
            samples += t['ms']
            nf += t['faults']
        s = sorted(samples)
        q = lambda p: s[min(len(s) - 1, round(p * (len(s) - 1)))]  # noqa: E731
        results.append(dict(batch=b, runs=len(s), median_ms=q(0.5), p90_ms=q(0.9), min_ms=s[0],
                            minor_faults_per_run=nf / len(s), **r))
    bench.sess.close()
    print(json.dumps(dict(bench.header(), results=results)))


if __name__ == '__main__':
    main()
