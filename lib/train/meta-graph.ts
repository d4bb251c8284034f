// A MetaGraphDef (TF's `.meta` file) for Saver.save({ writeMetaGraph: true }): the GraphDef plus
// the `variables` / `trainable_variables` collections as VariableDefs, so that TF's
// tf.train.import_meta_graph rebuilds the variables and makes a Saver for them. There is no
// SaverDef: tensorloom's graph has no SaveV2/RestoreV2 ops for TF to reuse.
import * as protobuf from 'protobufjs';
import { Graph } from '../graph';
import { GraphKeys, Variable, getCollection } from '../variables';

// Field numbers as tensorflow/core/protobuf/meta_graph.proto and framework/variable.proto; the
// GraphDef goes in as its encoded bytes (the same wire form as the embedded message).
const META_PROTO = `syntax = "proto3";
package tensorloom.meta;
message MetaInfoDef { string meta_graph_version = 1; string tensorflow_version = 5; }
message NodeList { repeated string value = 1; }
message BytesList { repeated bytes value = 1; }
message CollectionDef { oneof kind { NodeList node_list = 1; BytesList bytes_list = 2; } }
message MetaGraphDef {
  MetaInfoDef meta_info_def = 1;
  bytes graph_def = 2;
  map<string, CollectionDef> collection_def = 4;
}
message VariableDef {
  string variable_name = 1;
  string initializer_name = 2;
  string snapshot_name = 3;
  string initial_value_name = 6;
  bool trainable = 7;
}`;

let root: protobuf.Root | undefined;
const type = (name: string): protobuf.Type => {
  root ??= protobuf.parse(META_PROTO, new protobuf.Root(), { keepCase: true }).root;
  return root.lookupType(`tensorloom.meta.${name}`);
};

/** The bytes of a MetaGraphDef for `graph` (TF1 1.15 as the producing version). */
export function metaGraphBytes(graph: Graph): Uint8Array {
  const variableDef = type('VariableDef');
  const collection = (key: string) => ({
    bytes_list: {
      value: getCollection<unknown>(key, null, graph).filter((v): v is Variable => v instanceof Variable).map((v) => variableDef.encode({
        variable_name: v.name, initializer_name: v.initializer.name, snapshot_name: v.value().name,
        initial_value_name: v.initialValue.name, trainable: v.trainable || undefined,
      }).finish()),
    },
  });
  const collections: Record<string, unknown> = {};
  for (const key of [GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES]) {
    const c = collection(key);
    if (c.bytes_list.value.length) collections[key] = c;
  }
  return type('MetaGraphDef').encode({
    meta_info_def: { tensorflow_version: '1.15.0' },
    graph_def: graph.toGraphDefBytes(),
    collection_def: collections,
  }).finish();
}
