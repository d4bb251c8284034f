// reduction and linear-algebra ops (see lib/ops/registry.ts for the notation; ids only ever appended).
import { OpDef } from '../registry';

export const REDUCE_OPS: readonly OpDef[] = [
];
