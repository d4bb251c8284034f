// Builders of the array ops declared in lib/ops/defs/array.ts (TF1's Python names in camelCase).
export {};
