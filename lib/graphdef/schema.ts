// Finds lib/graphdef/graph.proto and loads it with protobufjs (once, on first use).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as protobuf from 'protobufjs';

/**
 * The path of graph.proto: beside this module when running the TypeScript sources
 * (lib/graphdef/), else lib/graphdef/graph.proto under the package root (the first folder above
 * this one holding binding.gyp), which is where it is when running the build in dist/cjs/.
 */
export function graphProtoPath(): string {
  const beside = join(__dirname, 'graph.proto');
  if (existsSync(beside)) return beside;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'lib', 'graphdef', 'graph.proto');
    if (existsSync(join(dir, 'binding.gyp')) && existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`tensorloom: cannot find lib/graphdef/graph.proto (looked beside ${__dirname} and under the package root)`);
}

let root: protobuf.Root | undefined;

/** The GraphDef schema, field names as written in graph.proto (snake_case). */
export function schema(): protobuf.Root {
  if (!root) {
    const parsed = protobuf.parse(readFileSync(graphProtoPath(), 'utf8'), new protobuf.Root(), { keepCase: true });
    parsed.root.resolveAll();
    root = parsed.root;
  }
  return root;
}

/** A message type of the schema, e.g. messageType('GraphDef'). */
export function messageType(name: string): protobuf.Type {
  return schema().lookupType(`tensorflow.${name}`);
}

/** A DataType's enum name ("DT_FLOAT"), or "DataType <n>" for a number the schema does not name. */
export function dataTypeName(dtype: number): string {
  return schema().lookupEnum('tensorflow.DataType').valuesById[dtype] ?? `DataType ${dtype}`;
}

/** The number of a DataType enum name ("DT_FLOAT" → 1), or undefined. */
export function dataTypeFromName(name: string): number | undefined {
  const values = schema().lookupEnum('tensorflow.DataType').values;
  return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
}
