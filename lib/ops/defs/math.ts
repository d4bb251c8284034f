// math ops (see lib/ops/registry.ts for the notation; ids only ever appended).
import { OpDef } from '../registry';

export const MATH_OPS: readonly OpDef[] = [
];
