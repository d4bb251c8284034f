"""Checkpoint V2 golden data: TF's tf.train.Saver writes small checkpoints that tensorloom must
restore, and whose bytes tensorloom's own Saver must reproduce.

  python3 scripts/golden/checkpoints.py               # -> test/fixtures/golden/checkpoints/
  python3 scripts/golden/checkpoints.py --check DIR   # TF restores the checkpoints tensorloom
                                                      # wrote into DIR (write-checkpoints.ts) and
                                                      # imports its .meta file

Layout: `checkpoints/manifest.json` lists each case: its variables (checkpoint key, dtype, shape,
values flattened row-major; int64 as decimal strings, float16 as float; `pad: n` means key and
name end in n more 'x') and the files TF wrote, `checkpoints/<case>/model.{index,data-00000-of-00001}`. Files over 64 KiB that compress well are
stored gzipped (`.gz`; the tests gunzip them). Case `steps` also keeps TF's `checkpoint` state
file after three saves with max_to_keep=2 and global steps 1..3 (relative paths).
"""
import gzip
import json
import os
import shutil
import sys

from common import GOLDEN, np, tf, v1

OUT = os.path.join(GOLDEN, 'checkpoints')


def ramp(n, scale, offset, dtype):
    return ((np.arange(n) % 997) * scale + offset).astype(dtype)


def cases():
    """name -> list of (checkpoint key, numpy value); dict-keyed cases use keys that are no op names."""
    c = {}
    c['dtypes'] = [
        ('w', np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1),
        ('layer/b', np.array([0.1, -2.5, 1e300], np.float64)),
        ('i32', np.array([[7, -8], [2147483647, -2147483648]], np.int32)),
        ('global_step', np.array(9007199254740993, np.int64)),
        ('i64', np.array([-1, 2 ** 62 + 3], np.int64)),
        ('u8', np.array([0, 1, 254, 255], np.uint8)),
        ('flags', np.array([True, False, True], np.bool_)),
        ('s', np.array(3.25, np.float32)),
    ]
    c['zero_size'] = [
        ('empty_rows', np.zeros((0, 3), np.float32)),
        ('empty_cols', np.zeros((2, 0), np.int32)),
        ('empty_vec', np.zeros((0,), np.float64)),
        ('one', np.array([1.5], np.float32)),
    ]
    # 40 entries: prefix compression with restart points every 16 entries.
    c['many'] = [('v%02d' % i, ramp(i % 5 + 1, 0.25, i, np.float32)) for i in range(40)]
    # ~4 KB keys: the index spans two 256 KiB data blocks (index block separators, short successor).
    c['multiblock'] = [('k%04d/' % (3 * i) + 'x' * 4000, np.array(i, np.int32)) for i in range(100)]
    c['large'] = [
        ('big', ramp(8000, 0.125, -50, np.float32).reshape(100, 80)),
        ('big64', ramp(2000, 0.5, 3, np.float64).reshape(50, 40)),
    ]
    # float16 (tensorloom has no such dtype): listVariables sees it; a Saver without it restores the rest.
    c['float16'] = [('h', np.array([1.5, -2, 65504], np.float16)), ('f', np.array([4, 5], np.float32))]
    # Keys given through a dict: UTF-8 byte order differs from UTF-16 order for U+FFFF vs U+1F600.
    c['unicode_keys'] = [('a\uffff', np.array([1], np.int32)), ('a\U0001F600', np.array([2], np.int32)),
                         ('caf\u00e9/w', np.array([3], np.int32))]
    return c


DICT_KEYED = {'unicode_keys'}


def var_name(key, case, i):
    return 'var%d' % i if case in DICT_KEYED else key


def build(case, entries, zeros=False):
    """Variables for entries in a new graph (value or zeros); the Saver's var_list."""
    vars_ = []
    for i, (key, value) in enumerate(entries):
        init = np.zeros_like(value) if zeros else value
        vars_.append(v1.Variable(init, name=var_name(key, case, i)))
    if case in DICT_KEYED:
        return vars_, {key: v for (key, _), v in zip(entries, vars_)}
    return vars_, vars_


def values_json(value):
    flat = value.reshape(-1)
    if value.dtype == np.int64:
        return [str(int(x)) for x in flat]
    if value.dtype == np.bool_:
        return [bool(x) for x in flat]
    if value.dtype.kind == 'f':
        return [float(x) for x in flat]
    return [int(x) for x in flat]


def dtype_json(value):
    return 'float16' if value.dtype == np.float16 else ('bool' if value.dtype == np.bool_ else value.dtype.name)


def short_key(key, name):
    """Manifest form of a key and variable name: a run of 'x' at the end as `pad` (multiblock)."""
    pad = len(key) - len(key.rstrip('x')) if key.endswith('x' * 100) else 0
    return {'key': key[:len(key) - pad], 'name': name[:len(name) - pad], 'pad': pad} if pad else {'key': key, 'name': name}


def save_case(case, entries, directory):
    g = v1.Graph()
    with g.as_default():
        vars_, var_list = build(case, entries)
        saver = v1.train.Saver(var_list)
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            saver.save(sess, os.path.join(directory, 'model'), write_meta_graph=False, write_state=False)


def save_steps(directory):
    g = v1.Graph()
    with g.as_default():
        w = v1.Variable(np.array([1, 2], np.float32), name='w')
        saver = v1.train.Saver(max_to_keep=2)
        cwd = os.getcwd()
        os.chdir(directory)
        try:
            with v1.Session(graph=g) as sess:
                sess.run(v1.global_variables_initializer())
                for step in (1, 2, 3):
                    sess.run(w.assign_add([1, 1]))
                    saver.save(sess, 'model', global_step=step, write_meta_graph=False)
        finally:
            os.chdir(cwd)


def gzip_big(directory):
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        data = open(path, 'rb').read()
        packed = gzip.compress(data, mtime=0)
        if len(data) > 65536 and len(packed) < len(data) // 4:
            open(path + '.gz', 'wb').write(packed)
            os.remove(path)


def generate():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    manifest = {'tf_version': tf.__version__, 'cases': {}}
    for case, entries in cases().items():
        d = os.path.join(OUT, case)
        os.makedirs(d)
        save_case(case, entries, d)
        gzip_big(d)
        manifest['cases'][case] = {
            'dict_keys': case in DICT_KEYED,
            'variables': [dict(short_key(k, var_name(k, case, i)), dtype=dtype_json(v), shape=list(v.shape),
                               values=values_json(v)) for i, (k, v) in enumerate(entries)],
        }
    os.makedirs(os.path.join(OUT, 'steps'))
    save_steps(os.path.join(OUT, 'steps'))
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=None, separators=(',', ':'))
        f.write('\n')
    print('wrote', OUT)


def read_maybe_gz(path):
    if os.path.exists(path):
        return open(path, 'rb').read()
    return gzip.decompress(open(path + '.gz', 'rb').read())


def check(directory):
    """TF restores every case tensorloom saved under directory/<case>/model; compares values and bytes."""
    failures = 0
    for case, all_entries in cases().items():
        entries = [(k, v) for k, v in all_entries if v.dtype != np.float16]  # tensorloom has no float16
        prefix = os.path.join(directory, case, 'model')
        if not os.path.exists(prefix + '.index'):
            print('%-14s missing (not written by tensorloom)' % case)
            continue
        g = v1.Graph()
        with g.as_default():
            vars_, var_list = build(case, entries, zeros=True)
            saver = v1.train.Saver(var_list)
            with v1.Session(graph=g) as sess:
                try:
                    saver.restore(sess, prefix)
                    got = sess.run(vars_)
                    ok = all(np.array_equal(a, v) and a.dtype == v.dtype for a, (_, v) in zip(got, entries))
                except Exception as e:  # noqa: BLE001 - report any failure
                    ok, got = False, repr(e)[:300]
        if len(entries) < len(all_entries):
            same, verdict = True, 'not compared (float16 variable left out)'
        else:
            same = all(read_maybe_gz(os.path.join(OUT, case, n)) == open(prefix + n[5:], 'rb').read()
                       for n in ('model.index', 'model.data-00000-of-00001'))
            verdict = 'identical to TF' if same else 'DIFFER'
        print('%-14s TF restore %s, bytes %s' % (case, 'ok' if ok else 'FAILED', verdict))
        failures += (not ok) + (not same)
    state = os.path.join(directory, 'steps')
    if os.path.isdir(state):
        latest = v1.train.latest_checkpoint(state)
        want = os.path.join(state, 'model-3')
        print('%-14s tf.train.latest_checkpoint -> %s (%s)' % ('steps', latest, 'ok' if latest == want else 'FAILED'))
        failures += latest != want
        # tensorloom's .meta: import_meta_graph rebuilds w and a Saver; restoring gives w = [4, 5].
        g = v1.Graph()
        with g.as_default(), v1.Session(graph=g) as sess:
            try:
                saver = v1.train.import_meta_graph(want + '.meta')
                saver.restore(sess, want)
                got = sess.run('w:0')
                ok = np.array_equal(got, np.array([4, 5], np.float32))
            except Exception as e:  # noqa: BLE001 - report any failure
                ok, got = False, repr(e)[:300]
            print('%-14s tf.train.import_meta_graph + restore -> %s (%s)' % ('steps', got, 'ok' if ok else 'FAILED'))
            failures += not ok
    return failures


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--check':
        sys.exit(1 if check(sys.argv[2]) else 0)
    generate()
