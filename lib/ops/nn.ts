// tf.nn: builders of the nn ops declared in lib/ops/defs/nn.ts, plus the core ones (relu,
// softmax, conv2d) from lib/ops/builders.ts. TF1's Python names in camelCase.
import { nn as coreNn } from './builders';

/** tf.nn */
export const nn = { ...coreNn };
