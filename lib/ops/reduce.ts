// Builders of the reduce ops declared in lib/ops/defs/reduce.ts (TF1's Python names in camelCase).
export {};
