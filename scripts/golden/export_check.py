"""Runs the GraphDefs tensorloom exported (test/fixtures/golden/export/*.pb, written by
scripts/golden/write-export.ts) in TensorFlow's TF1 runtime: each must import with
tf.import_graph_def and compute what tensorloom computed. Records TF's outputs in the .json
(tf_outputs) so test/golden/export.test.ts can hold tensorloom to them without Python.
Run: npm run build:ts && node dist/cjs/scripts/golden/write-export.js && python3 scripts/golden/export_check.py
"""
import base64, glob, json, os, sys
import numpy as np
import tensorflow as tf

tf.compat.v1.disable_v2_behavior()
DT = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "int64": np.int64, "uint8": np.uint8, "bool": np.bool_}
here = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "golden", "export")
failures = 0
for path in sorted(glob.glob(os.path.join(here, "*.json"))):
    spec = json.load(open(path))
    gd = tf.compat.v1.GraphDef()
    gd.ParseFromString(open(path[:-5] + ".pb", "rb").read())
    g = tf.Graph()
    with g.as_default():
        tf.compat.v1.import_graph_def(gd, name="")
    def arr(v):
        return np.frombuffer(base64.b64decode(v["data"]), dtype=DT[v["dtype"]]).reshape(v["shape"])
    with tf.compat.v1.Session(graph=g) as sess:
        outs = sess.run(spec["fetches"], {f["name"]: arr(f) for f in spec["feeds"]})
    spec["tf_outputs"] = []
    for name, got, mine in zip(spec["fetches"], outs, spec["tensorloom_outputs"]):
        got = np.asarray(got)
        ref = arr(mine)
        ok = got.shape == ref.shape and (np.allclose(got, ref, rtol=1e-5, atol=1e-6) if got.dtype.kind == "f" else np.array_equal(got, ref))
        print(f"{spec['name']} {name}: {'ok' if ok else 'MISMATCH'} {got.dtype} {list(got.shape)}")
        failures += not ok
        dt = {np.dtype(v): k for k, v in DT.items()}[got.dtype]
        spec["tf_outputs"].append({"dtype": dt, "shape": list(got.shape), "data": base64.b64encode(np.ascontiguousarray(got).tobytes()).decode()})
    spec["tf_version"] = tf.__version__
    json.dump(spec, open(path, "w"), indent=1)
sys.exit(1 if failures else 0)
