"""A TF-built graph over DT_STRING tensors, with TensorFlow's results, for
test/graphdef/strings.test.ts (not needed by npm test).

    python3 scripts/golden/strings.py   # -> test/fixtures/graphdef/strings.{pb,json}

A string placeholder `words` [?] and string Consts (one stored by TF as string_val, one as a
multi-element tensor), through the ops tensorloom runs on strings: Add (concatenation),
Equal/NotEqual, Select/SelectV2, boolean_mask (Where, GatherV2), ConcatV2, Pack/Unpack, Reshape,
Transpose, Tile, Fill, ReverseV2, StridedSlice, Slice, ExpandDims/Squeeze, Shape/Size/Rank,
ShapeN. The JSON holds the feed and each fetch's dtype, shape and values (strings as UTF-8 text).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import session_config, v1, write_graph_fixture  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

words = np.array(['', 'a', 'bc', 'héllo'.encode(), '日本語'.encode(), 'bc'], dtype=object)
g = tf.Graph()
with g.as_default():
    w = v1.placeholder(tf.string, [None], name='words')
    suffix = tf.constant('_x', name='suffix')
    table = tf.constant([['p', 'q', 'r'], ['s', 't', 'u']], name='table')
    out = {
        'concat_suffix': tf.add(w, suffix),
        'concat_prefix': tf.add(tf.constant('>'), w),
        'eq_bc': tf.equal(w, 'bc'),
        'ne_self_rev': tf.not_equal(w, tf.reverse(w, [0])),
        'select': v1.where(tf.equal(w, 'bc'), w, tf.fill(tf.shape(w), 'no')),
        'select_v2': tf.where(tf.constant([[True], [False]]), table, tf.constant('z')),
        'masked': v1.boolean_mask(w, tf.not_equal(w, '')),
        'masked_table': v1.boolean_mask(table, [[True, False, True], [False, True, False]]),
        'concat': tf.concat([table, tf.expand_dims(tf.constant(['1', '2']), 1)], 1),
        'stack': tf.stack([table[0], table[1]], axis=1),
        'unstack_1': tf.unstack(table, axis=1)[1],
        'reshape': tf.reshape(table, [3, 2]),
        'transpose': tf.transpose(table),
        'tile': tf.tile(table, [2, 1]),
        'strided': table[:, ::-1],
        'slice': tf.slice(table, [0, 1], [2, 2]),
        'squeeze': tf.squeeze(tf.expand_dims(w, 0), [0]),
        'gather': tf.gather(w, [5, 0, 2]),
        'shape': tf.shape(w),
        'size': tf.size(w),
        'rank': tf.rank(w),
        'shape_n_1': tf.shape_n([w, table])[1],
    }
    names = sorted(out)
    for k in names:
        tf.identity(out[k], name='out_' + k)

with v1.Session(graph=g, config=session_config()) as s:
    values = s.run([g.get_tensor_by_name('out_' + k + ':0') for k in names], {w: words})


def plain(v):
    v = np.asarray(v)
    if v.dtype == object:
        return {'dtype': 'string', 'shape': list(v.shape), 'values': [x.decode('utf-8') for x in v.reshape(-1)]}
    kind = {np.dtype('int32'): 'int32', np.dtype('int64'): 'int64', np.dtype('bool'): 'bool'}[v.dtype]
    return {'dtype': kind, 'shape': list(v.shape), 'values': [x.item() for x in v.reshape(-1)]}


gd = g.as_graph_def()
write_graph_fixture('strings', gd, {
    'feed': {'name': 'words:0', 'values': [x if isinstance(x, str) else x.decode('utf-8') for x in words]},
    'fetches': {'out_' + k + ':0': plain(v) for k, v in zip(names, values)}}, ensure_ascii=False)
print('ops:', ' '.join(sorted({n.op for n in gd.node})))
