// Builders of the math ops declared in lib/ops/defs/math.ts (TF1's Python names in camelCase).
export {};
