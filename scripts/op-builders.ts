// Which tf.* builder makes each op type, read from the builder sources (lib/ops/*.ts): an
// exported function or const whose body names the op type as the first argument of a call
// (`makeNode(g, 'MatMul', ...)`, `unary('Neg')`, `binary('AddV2')`). For the README's op table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPS } from '../lib/ops/schema';

export function builderNames(root: string): Map<string, string> {
  const types = new Set(OPS.map((o) => o.type));
  const found = new Map<string, string[]>();
  const files: [string, string][] = [['builders', 'tf.'], ['math', 'tf.'], ['array', 'tf.'], ['reduce', 'tf.'], ['nn', 'tf.nn.']];
  const nnCore = new Set(['relu', 'softmax', 'conv2d']);  // builders.ts functions exposed as tf.nn.*
  for (const [file, prefix] of files) {
    const src = readFileSync(join(root, 'lib', 'ops', `${file}.ts`), 'utf8');
    const blocks = src.split(/\n(?=export (?:const|function) )/);
    for (const block of blocks) {
      const m = /^export (?:const|function) (\w+)/.exec(block);
      if (!m) continue;
      const name = `${file === 'builders' && nnCore.has(m[1]) ? 'tf.nn.' : prefix}${m[1]}`;
      const body = block.split(/\n(?=\S)/).slice(0, 60).join('\n');
      for (const t of body.matchAll(/(?:makeNode\(\w+, |\b\w+\()'([A-Z]\w+)'/g)) {
        if (!types.has(t[1]) || t[1] === 'Const') continue;
        const list = found.get(t[1]) ?? [];
        if (!list.includes(name)) list.push(name);
        found.set(t[1], list);
      }
    }
  }
  const names = new Map([...found].map(([t, list]) => [t, list[0]]));
  for (const [t, b] of Object.entries(OVERRIDES)) names.set(t, b);
  return names;
}

// Where the source scan cannot tell (a builder that picks among ops, ops made through a helper
// the scan does not follow, or a body that mentions another op type).
const OVERRIDES: Record<string, string> = {
  Const: 'tf.constant', Placeholder: 'tf.placeholder', NoOp: 'tf.noOp, tf.group', Fill: 'tf.fill',
  Round: 'tf.round', Div: 'tf.rawOps.Div', ClipByValue: 'tf.rawOps.ClipByValue (tf.clipByValue: Minimum + Maximum)',
  DivNoNan: 'tf.divNoNan', FloorDiv: 'tf.floordiv, tf.div (integers)', RealDiv: 'tf.divide, tf.div (floats)',
  Rank: 'tf.rank', Range: 'tf.range', Transpose: 'tf.transpose', StopGradient: 'tf.stopGradient',
  Pad: 'tf.pad', PadV2: 'tf.pad (constantValues)', MirrorPad: "tf.pad (mode 'REFLECT' / 'SYMMETRIC')",
  SoftmaxCrossEntropyWithLogits: 'tf.nn.softmaxCrossEntropyWithLogits', BatchMatMulV2: 'tf.matmul (rank > 2), tf.batchMatMul', MatMul: 'tf.matmul',
  VariableV2: 'tf.Variable, tf.getVariable', Assign: 'tf.assign', AssignAdd: 'tf.assignAdd', AssignSub: 'tf.assignSub',
  IsVariableInitialized: 'tf.isVariableInitialized',
};
